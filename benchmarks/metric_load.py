"""Metric-reading load: many concurrent trials logging fast, the engine reading and deciding.

Not a test; run by hand (after scripts/setup, and scripts/mlflow-envs for the server case):

    .venv/bin/python benchmarks/metric_load.py                      # SQLite store and MLflow 3 server
    .venv/bin/python benchmarks/metric_load.py --store server --trials 64 --interval 0.1

64 trials run at once (128 in all, so stopped trials are replaced), each logging `loss` every 100 ms
with mlflow.log_metric for up to --duration seconds. A Bandit policy (slack 0.2, evaluated every
--evaluation-interval intervals after 10) stops the worse ones. Each trial records when each of its
points was logged and when it got SIGTERM. Reported, per store:

- decision latency: SIGTERM time minus the time the decisive point was logged (p50, p95, max), and
  how many points a stopped trial had logged past the decisive one (within one evaluation interval
  means at most --evaluation-interval);
- load: requests (server) or SQL statements (SQLite) the engine sent per second, against the
  trials' own logging requests per second; the engine's CPU; the server's CPU.

The machine is shared and has 2 cores: 64 Python trials importing MLflow at once saturate it, so
the trials log slower than asked while they start; the achieved logging rate is reported.
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "python" / "tests"))

TRIAL = """
import json, os, signal, sys, time
import mlflow

x = float(sys.argv[1])
interval, duration = float(sys.argv[2]), float(sys.argv[3])
os.makedirs("outputs", exist_ok=True)
log = open("outputs/points.jsonl", "w", buffering=1)

def stopped(signum, frame):
    with open("outputs/stopped_at", "w") as f:
        f.write(repr(time.time()))
    sys.exit(0)

signal.signal(signal.SIGTERM, stopped)
start = time.time()
step = 0
while time.time() - start < duration:
    mlflow.log_metric("loss", x + 1.0 / (step + 1), step=step)
    log.write(json.dumps([step, time.time()]) + "\\n")
    step += 1
    time.sleep(max(0.0, start + step * interval - time.time()))  # a steady rate: one point per interval
"""


def proc_cpu_seconds(pids):
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / ticks
        except OSError:
            pass
    return total


def group_pids(pgid):
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getpgid(int(entry)) == pgid:
                    pids.append(int(entry))
            except OSError:
                pass
    return pids


def percentile(values, q):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run(store_kind, args, work):
    from sweepkit import MLClient, command
    from sweepkit.sweep import BanditPolicy, Uniform

    folder = work / store_kind
    folder.mkdir()
    (folder / "src").mkdir()
    (folder / "src" / "trial.py").write_text(textwrap.dedent(TRIAL))
    stats_file = folder / "engine-stats.jsonl"
    server = None
    environment = {"SWEEPKIT_TRACKING_STATS_FILE": str(stats_file),
                   "SWEEPKIT_METRIC_POLL_SECONDS": str(args.poll)}
    if store_kind == "sqlite":
        environment["MLFLOW_TRACKING_URI"] = f"sqlite:///{folder}/mlflow.db"
        python = args.trial_python or sys.executable
    else:
        from mlflow_servers import MLflowServer, ensure_envs
        envs = ensure_envs("mlflow3", "skinny")
        server = MLflowServer("mlflow3", folder / "server").start()
        environment.update(server.client_environment())
        python = args.trial_python or envs["skinny"]
    saved = {k: os.environ.get(k) for k in environment}
    os.environ.update(environment)
    try:
        job = command(code=str(folder / "src"), environment=python,
                      command=f"python trial.py ${{{{search_space.x}}}} {args.interval} {args.duration}").sweep(
            primary_metric="loss", goal="minimize", sampling_algorithm="random",
            search_space={"x": Uniform(0, 1)},
            early_termination_policy=BanditPolicy(slack_amount=0.2, evaluation_interval=args.evaluation_interval, delay_evaluation=10))
        job.experiment_name = f"metric-load-{store_kind}"
        job.set_limits(max_total_trials=args.total_trials, max_concurrent_trials=args.trials, timeout=args.timeout)
        client = MLClient(workspace_dir=str(folder / "ws"))
        server_cpu_before = proc_cpu_seconds(group_pids(server.process.pid)) if server else 0.0
        wall_start = time.time()
        name = client.create_or_update(job).name
        client.jobs.stream(name) if args.stream else None
        while True:
            report = json.loads(__import__("sweepkit")._core.job_show(str(folder / "ws"), name))
            if report["status"] in ("Completed", "Failed", "Canceled", "NotResponding"):
                break
            time.sleep(0.5)
        wall = time.time() - wall_start
        server_cpu = proc_cpu_seconds(group_pids(server.process.pid)) - server_cpu_before if server else None
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if server:
            server.stop()

    latencies, past, points_logged = [], [], 0
    first_log, last_log = None, None
    for trial in report["trials"]:
        outputs = Path(trial["directory"]) / "outputs"
        try:
            logged = [json.loads(line) for line in (outputs / "points.jsonl").read_text().splitlines() if line.strip()]
        except OSError:
            logged = []
        points_logged += len(logged)
        if logged:
            first_log = min(first_log or logged[0][1], logged[0][1])
            last_log = max(last_log or logged[-1][1], logged[-1][1])
        decision = trial.get("stop_decision")
        stopped_at = outputs / "stopped_at"
        if decision and stopped_at.exists() and len(logged) >= decision["interval"]:
            stop_time = float(stopped_at.read_text())
            decisive = logged[decision["interval"] - 1][1]
            latencies.append(stop_time - decisive)
            past.append(sum(1 for _, t in logged[decision["interval"]:] if t < stop_time))
    stats = [json.loads(line) for line in stats_file.read_text().splitlines()] if stats_file.exists() else []
    engine_requests = sum(s["requests"] for s in stats)
    engine_seconds = (report["ended"] - report["started"]) / 1000 if report.get("ended") else wall
    logging_seconds = (last_log - first_log) if first_log else float("nan")
    return {
        "store": store_kind, "status": report["status"], "reason": report.get("reason"),
        "trials": len(report["trials"]), "stopped": len(latencies),
        "points_logged": points_logged,
        "trial_logging_per_second": points_logged / logging_seconds if logging_seconds else float("nan"),
        "per_trial_logging_per_second": points_logged / logging_seconds / args.trials if logging_seconds else float("nan"),
        "engine_requests": engine_requests, "engine_requests_per_second": engine_requests / engine_seconds,
        "decision_latency_p50_s": percentile(latencies, 0.5), "decision_latency_p95_s": percentile(latencies, 0.95),
        "decision_latency_max_s": max(latencies) if latencies else float("nan"),
        "points_past_decision_p50": percentile(past, 0.5), "points_past_decision_max": max(past) if past else None,
        "within_one_evaluation_interval": (sum(1 for p in past if p <= args.evaluation_interval) / len(past)) if past else None,
        "engine_cpu_seconds": report.get("engine_cpu_seconds"), "server_cpu_seconds": server_cpu,
        "sweep_seconds": engine_seconds, "load_average": os.getloadavg(),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", choices=["sqlite", "server", "both"], default="both")
    parser.add_argument("--trials", type=int, default=64, help="concurrent trials")
    parser.add_argument("--total-trials", type=int, default=128)
    parser.add_argument("--interval", type=float, default=0.1, help="seconds between a trial's points")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds a trial logs (unless stopped)")
    parser.add_argument("--evaluation-interval", type=int, default=5)
    parser.add_argument("--poll", type=float, default=0.5, help="SWEEPKIT_METRIC_POLL_SECONDS")
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--trial-python", help="the trials' interpreter (default: this one for SQLite, .venv-mlflow-skinny for the server)")
    parser.add_argument("--stream", action="store_true")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="sweepkit-metric-load-") as work:
        for kind in (["sqlite", "server"] if args.store == "both" else [args.store]):
            result = run(kind, args, Path(work))
            results.append(result)
            print(json.dumps(result, indent=2), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
