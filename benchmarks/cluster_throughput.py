"""Trials per second through a cluster: 50 no-op trials at concurrency 2, run by SweepKit on a
`slurm` or `ray` compute, against the cluster's own submit-to-finish rate measured the same way
without SweepKit (a loop that keeps 2 no-op jobs submitted and submits the next one as soon as
one ends, watching them as closely as it can). Not a test: run it by hand.

    .venv/bin/python benchmarks/cluster_throughput.py slurm [--trials 50] [--rounds 3]
    .venv/bin/python benchmarks/cluster_throughput.py ray   (needs .venv-ray, see scripts/ray-up)

It starts a local cluster with scripts/slurm-up or scripts/ray-up in a temporary folder and
stops it after (or uses $SLURM_CONF / --ray-address). Both are measured in alternating rounds,
so a busy machine slows both alike. Rates are over the same window: from the first submission
to the last job's end. SweepKit's target: at most 5 % below the cluster's own rate.
"""
import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- the clusters' own rate ------------------------------------------------------------------

def slurm_baseline(folder: Path, trials: int, concurrency: int) -> float:
    """sbatch a no-op batch script that leaves a file when done; the loop looks for the files every
    10 ms (cheaper and sooner than squeue) and submits the next job at once."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "noop.sbatch"
    script.write_text("#!/bin/bash\ntrue\ntouch \"$DONE\"\n")
    pending, finished, submitted = {}, 0, 0
    start = time.monotonic()
    while finished < trials:
        while len(pending) < concurrency and submitted < trials:
            done = folder / f"done-{submitted}"
            subprocess.run(["sbatch", "--parsable", "--output=/dev/null", f"--chdir={folder}", str(script)], check=True,
                           env={**os.environ, "DONE": str(done)}, capture_output=True)
            pending[submitted] = done
            submitted += 1
        for number, done in list(pending.items()):
            if done.exists():
                del pending[number]
                finished += 1
        time.sleep(0.01)
    return trials / (time.monotonic() - start)


def ray_request(address: str, path: str, body=None) -> dict:
    request = urllib.request.Request(address + path, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def ray_package(address: str) -> str:
    """A one-file package uploaded as Ray's SDK does (PUT /api/packages/gcs/_ray_pkg_<hash>.zip)."""
    import hashlib
    import io
    import zipfile
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("noop.txt", f"{time.time()}\n")
    data = buffer.getvalue()
    name = f"_ray_pkg_{hashlib.md5(data).hexdigest()}.zip"
    request = urllib.request.Request(f"{address}/api/packages/gcs/{name}", data=data, method="PUT",
                                     headers={"Content-Type": "application/octet-stream"})
    urllib.request.urlopen(request, timeout=60).read()
    return f"gcs://{name}"


def ray_baseline(address: str, trials: int, concurrency: int) -> float:
    """POST no-op jobs as SweepKit submits them (1 CPU each, a code package, variables of their
    own, so each needs its own runtime environment) and poll each one's status every 50 ms."""
    tag = f"baseline-{int(time.time())}"
    package = ray_package(address)
    pending, finished, submitted = set(), 0, 0
    start = time.monotonic()
    while finished < trials:
        while len(pending) < concurrency and submitted < trials:
            job = f"{tag}-{submitted}"
            ray_request(address, "/api/jobs/", {"entrypoint": "true", "submission_id": job, "entrypoint_num_cpus": 1,
                                                 "runtime_env": {"working_dir": package, "env_vars": {"TRIAL": job}}})
            pending.add(job)
            submitted += 1
        for job in list(pending):
            if ray_request(address, f"/api/jobs/{job}")["status"] in ("SUCCEEDED", "FAILED", "STOPPED"):
                pending.discard(job)
                finished += 1
        time.sleep(0.05)
    return trials / (time.monotonic() - start)


# ---- SweepKit ------------------------------------------------------------------------------------

def sweepkit_rate(workspace: Path, compute: dict, trials: int, concurrency: int) -> tuple:
    """A sweep of `trials` no-op trials on the compute; its rate over the same window (first
    trial started to last trial ended) and the engine's CPU seconds per trial."""
    from sweepkit import MLClient, command
    from sweepkit.sweep import Choice
    client = MLClient(workspace_dir=str(workspace))
    client.compute.begin_create_or_update(compute).result()
    job = command(command="true ${{inputs.x}}", inputs={"x": 0}, compute=compute["name"])
    sweep = job(x=Choice(list(range(trials)))).sweep(primary_metric="none", goal="minimize", sampling_algorithm="grid")
    sweep.set_limits(max_total_trials=trials, max_concurrent_trials=concurrency)
    name = client.create_or_update(sweep).name
    import sweepkit._engine as engine
    while (report := engine.job_show(str(workspace), name))["status"] not in engine.STOPPED_JOB_STATUSES:
        time.sleep(0.2)
    assert all(t["status"] == engine.TrialState.completed for t in report["trials"]), report["trials"][:2]
    window = (max(t["ended"] for t in report["trials"]) - min(t["started"] for t in report["trials"])) / 1000
    return trials / window, (report.get("engine_cpu_seconds") or 0) / trials


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kind", choices=["slurm", "ray"])
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--ray-address", help="a running Ray dashboard (default: start one)")
    args = parser.parse_args()
    os.environ["MLFLOW_TRACKING_URI"] = "none"
    folder = Path(tempfile.mkdtemp(prefix="sweepkit-cluster-bench-"))
    stop = None
    if args.kind == "slurm" and not os.environ.get("SLURM_CONF"):
        env = {**os.environ, "SLURMCTLD_PORT": str(free_port()), "SLURMD_PORT": str(free_port())}
        out = subprocess.run([str(REPO / "scripts" / "slurm-up"), str(folder / "slurm")], env=env, check=True,
                             stdout=subprocess.PIPE, text=True).stdout
        os.environ["SLURM_CONF"] = out.strip().split("=", 1)[1]
        stop = [str(REPO / "scripts" / "slurm-down"), str(folder / "slurm")]
    address = args.ray_address
    if args.kind == "ray" and not address:
        env = {**os.environ, "RAY_DASHBOARD_PORT": str(free_port()), "RAY_GCS_PORT": str(free_port()),
               "RAY_CLIENT_PORT": str(free_port())}
        out = subprocess.run([str(REPO / "scripts" / "ray-up"), str(folder / "ray")], env=env, check=True,
                             stdout=subprocess.PIPE, text=True).stdout
        address = out.strip().split("=", 1)[1]
        stop = [str(REPO / "scripts" / "ray-down"), str(folder / "ray")]
    try:
        baseline, ours, cpu = [], [], []
        for round_ in range(args.rounds):
            if args.kind == "slurm":
                baseline.append(slurm_baseline(folder / f"baseline-{round_}", args.trials, args.concurrency))
                compute = {"name": "bench", "type": "slurm", "shared_dir": str(folder)}
            else:
                baseline.append(ray_baseline(address, args.trials, args.concurrency))
                compute = {"name": "bench", "type": "ray", "address": address}
            rate, cpu_per_trial = sweepkit_rate(folder / f"ws-{round_}", compute, args.trials, args.concurrency)
            ours.append(rate)
            cpu.append(cpu_per_trial)
            print(f"round {round_ + 1}: {args.kind} alone {baseline[-1]:.2f} trials/s, SweepKit {ours[-1]:.2f} trials/s "
                  f"({100 * (1 - ours[-1] / baseline[-1]):+.1f} % slower), engine CPU {1000 * cpu_per_trial:.1f} ms/trial",
                  flush=True)
        b, o = statistics.median(baseline), statistics.median(ours)
        print(f"median of {args.rounds}: {args.kind} alone {b:.2f} trials/s, SweepKit {o:.2f} trials/s: "
              f"{100 * (1 - o / b):.1f} % below the cluster's own rate (target: at most 5 %); "
              f"engine CPU {1000 * statistics.median(cpu):.1f} ms per trial")
    finally:
        if stop:
            subprocess.run(stop, capture_output=True)


if __name__ == "__main__":
    sys.exit(main())
