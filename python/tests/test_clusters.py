"""Trials on real clusters, started and stopped by these tests, bound to 127.0.0.1 only: a one-node
Slurm (Debian's slurmctld, slurmd and munge; scripts/slurm-up) and a single-node Ray head
(`ray[default]` in .venv-ray; scripts/ray-up). For each: the seed example unchanged with
`aml-cluster` registered as that cluster, early termination stopping a remote trial, an engine
killed (kill -9) while remote trials run and resumed, and cancel.

Slurm tests run when Slurm's daemons are installed; Ray tests when SWEEPKIT_TEST_RAY=1, which
scripts/test sets unless told otherwise (Ray takes about a minute to install and 10-20 s to start here). Trials on Slurm log to a SQLite store in the
shared folder; trials on Ray to an MLflow tracking server started for them.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from sweepkit import MLClient, command
from sweepkit.entities import RayCompute, SlurmCompute
from sweepkit.sweep import BanditPolicy, Choice

from jobs_helpers import report, write_code

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A port free right now; another process may take it before ours binds it, so every start
    below retries with fresh ports (`up_with_fresh_ports`)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def up_with_fresh_ports(start, clean_up, attempts: int = 3):
    """Runs `start()` (which picks its ports with free_port) until it succeeds, calling `clean_up()`
    after each failure; the last failure is raised."""
    for attempt in range(attempts):
        try:
            return start()
        except AssertionError:
            clean_up()
            if attempt == attempts - 1:
                raise


def slurm_installed() -> bool:
    return all(shutil.which(d) or os.path.exists(f"/usr/sbin/{d}") for d in ("slurmctld", "slurmd")) and bool(shutil.which("sbatch"))


class Slurm:
    kind = "slurm"

    def __init__(self, folder: Path) -> None:
        self.folder = folder

        def start():
            env = {**os.environ, "SLURMCTLD_PORT": str(free_port()), "SLURMD_PORT": str(free_port())}
            started = subprocess.run([str(REPO / "scripts" / "slurm-up"), str(folder / "state")], capture_output=True,
                                     text=True, env=env, timeout=120)
            assert started.returncode == 0, started.stderr
            return started.stdout.strip().split("=", 1)[1]

        self.conf = up_with_fresh_ports(start, self.stop)
        os.environ["SLURM_CONF"] = self.conf  # for the engines the tests start, and squeue here

    def stop(self) -> None:
        subprocess.run([str(REPO / "scripts" / "slurm-down"), str(self.folder / "state")], timeout=60)
        os.environ.pop("SLURM_CONF", None)

    def register(self, client: MLClient, shared: Path, name: str = "aml-cluster") -> None:
        client.compute.begin_create_or_update(SlurmCompute(name=name, shared_dir=str(shared))).result()

    def tracking_uri(self, shared: Path) -> str:
        return f"sqlite:///{shared}/mlflow.db"

    def state(self, job_id: str) -> str:
        """running, queued or ended: what the cluster says of one of its jobs."""
        out = subprocess.run(["squeue", "--noheader", "--states=all", "--jobs", job_id, "--format=%T"], capture_output=True,
                             text=True).stdout.strip()
        return {"RUNNING": "running", "PENDING": "queued", "CONFIGURING": "queued", "COMPLETING": "running"}.get(out, "ended")


class Ray:
    kind = "ray"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.mlflow = None

        def start():
            env = {**os.environ, "RAY_DASHBOARD_PORT": str(free_port()), "RAY_GCS_PORT": str(free_port()),
                   "RAY_CLIENT_PORT": str(free_port()), "RAY_NUM_CPUS": "2"}
            started = subprocess.run([str(REPO / "scripts" / "ray-up"), str(folder / "ray")], capture_output=True,
                                     text=True, env=env, timeout=600)
            assert started.returncode == 0, started.stderr
            return started.stdout.strip().split("=", 1)[1]

        self.address = up_with_fresh_ports(start, self.stop)
        self.mlflow = MLflowServer(folder / "mlflow")

    def stop(self) -> None:
        if self.mlflow is not None:
            self.mlflow.stop()
        subprocess.run([str(REPO / "scripts" / "ray-down"), str(self.folder / "ray")], timeout=120)

    def register(self, client: MLClient, shared: Path, name: str = "aml-cluster") -> None:
        client.compute.begin_create_or_update(RayCompute(name=name, address=self.address)).result()

    def tracking_uri(self, shared: Path) -> str:
        return self.mlflow.uri

    def state(self, job_id: str) -> str:
        with urllib.request.urlopen(f"{self.address}/api/jobs/{job_id}", timeout=10) as response:
            status = json.loads(response.read())["status"]
        return {"RUNNING": "running", "PENDING": "queued"}.get(status, "ended")


class MLflowServer:
    """`mlflow server` on 127.0.0.1 with a SQLite store, for trials that cannot reach a file."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True)
        self.process = None
        mlflow = shutil.which("mlflow", path=os.path.dirname(sys.executable))

        def start():
            port = free_port()
            self.uri = f"http://127.0.0.1:{port}"
            self.process = subprocess.Popen(
                [mlflow, "server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
                 "--backend-store-uri", f"sqlite:///{folder}/mlflow.db", "--default-artifact-root", str(folder / "artifacts")],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                assert self.process.poll() is None, "mlflow server exited (its port may have been taken)"
                try:
                    with urllib.request.urlopen(self.uri + "/health", timeout=2):
                        return
                except OSError:
                    time.sleep(0.5)
            raise AssertionError("mlflow server did not come up")

        up_with_fresh_ports(start, self.stop)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)


@pytest.fixture(scope="session")
def slurm():
    if not slurm_installed():
        pytest.skip("Slurm is not installed (apt-get install --no-install-recommends slurmctld slurmd slurm-client munge)")
    # Not under pytest's folder, which is its owner's only: munged runs as the munge user.
    folder = Path(tempfile.mkdtemp(prefix="sweepkit-slurm-test-"))
    folder.chmod(0o755)
    cluster = Slurm(folder)
    yield cluster
    cluster.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def ray(tmp_path_factory):
    if os.environ.get("SWEEPKIT_TEST_RAY") != "1":
        pytest.skip("Ray tests run with SWEEPKIT_TEST_RAY=1 (scripts/ray-up installs Ray into .venv-ray)")
    cluster = Ray(tmp_path_factory.mktemp("ray"))
    yield cluster
    cluster.stop()


@pytest.fixture(params=["slurm", "ray"])
def cluster(request):
    return request.getfixturevalue(request.param)


@pytest.fixture
def shared(tmp_path, monkeypatch, cluster):
    """A folder the cluster's nodes see, the current directory, and its tracking store."""
    folder = tmp_path / "shared"
    folder.mkdir()
    monkeypatch.chdir(folder)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", cluster.tracking_uri(folder))
    return folder


def remote_trials(client: MLClient, name: str) -> list:
    return [t for t in report(client, name)["trials"] if t.get("compute")]


def wait_finished(client: MLClient, name: str, timeout: float) -> dict:
    """The job's report once it is over (not merely NotResponding, as right after a resume)."""
    return wait_until(lambda: r if (r := report(client, name))["status"] in ("Completed", "Failed", "Canceled") else None,
                      timeout, f"job {name} to finish")


def wait_until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"waited {timeout} s for {what}")


def test_the_seed_example_runs_its_trials_on_the_cluster_registered_as_aml_cluster(cluster, shared):
    client = MLClient(workspace_dir=str(shared / ".sweepkit"))
    cluster.register(client, shared)
    assert [c.name for c in client.compute.list()] == ["aml-cluster"]
    result = subprocess.run([sys.executable, str(REPO / "examples" / "sweep_example.py")], capture_output=True, text=True,
                            cwd=shared, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "best_child_run_id: " in result.stdout
    assert "is not registered" not in result.stdout
    name = client.jobs.list()[0].name
    trials = report(client, name)["trials"]
    assert [t["status"] for t in trials] == ["Completed"] * 3
    assert {t["compute"]["kind"] for t in trials} == {cluster.kind}
    assert all(t["queue_seconds"] >= 0 and t["run_seconds"] > 0 for t in trials)
    assert all(0.5 < t["value"] <= 1 for t in trials), [t["value"] for t in trials]
    log = Path(report(client, name)["log"]).read_text()
    assert f"time on {cluster.kind}: in the queue" in log


def sweep(code: Path, env: dict, policy=None, values=(1, 5), concurrency=2):
    """A grid sweep of trial.py over x on aml-cluster; `env` reaches the trials (on Ray, trials get
    only their own variables, not the engine's environment)."""
    job = command(code=str(code), command="python trial.py ${{inputs.x}}", inputs={"x": 1}, compute="aml-cluster",
                  environment_variables=env)
    sweep_job = job(x=Choice(list(values))).sweep(primary_metric="loss", goal="minimize", sampling_algorithm="grid",
                                                  early_termination_policy=policy)
    sweep_job.experiment_name = "clusters"
    sweep_job.set_limits(max_total_trials=len(values), max_concurrent_trials=concurrency)
    return sweep_job


TRIAL = """
    import os, sys, time, mlflow
    x = float(sys.argv[1])
    time.sleep(float(os.environ.get("FIRST_LOG_AFTER", "0")) * x)
    for step in range(int(os.environ.get("STEPS", "3"))):
        mlflow.log_metric("loss", x, step=step)
        time.sleep(float(os.environ.get("STEP_SECONDS", "0.2")))
"""


def test_early_termination_stops_a_trial_on_the_cluster(cluster, shared):
    client = MLClient(workspace_dir=str(shared / ".sweepkit"))
    cluster.register(client, shared)
    code = write_code(shared / "src", **{"trial.py": TRIAL})
    # x=1 logs 1 after 1 s; x=5 logs 5 after 5 s, then would go on for 2 minutes: Bandit stops it.
    job = sweep(code, {"FIRST_LOG_AFTER": "1", "STEPS": "120", "STEP_SECONDS": "1"},
                policy=BanditPolicy(slack_factor=0.1, evaluation_interval=1), values=(1, 5))
    name = client.create_or_update(job).name
    stopped = wait_until(lambda: next((t for t in report(client, name)["trials"] if t["number"] == 1 and t["status"] != "Running"), None),
                         240, "the policy to stop trial 1")
    assert stopped["status"] == "Canceled"
    assert stopped["stop_decision"]["policy"] == "bandit"
    assert stopped["value"] == 5
    wait_until(lambda: cluster.state(stopped["compute"]["id"]) == "ended", 60, "the cluster to end the stopped job")
    client.jobs.begin_cancel(name)  # trial 0 would log for 2 minutes
    wait_finished(client, name, 120)


def test_a_killed_engine_is_resumed_and_finds_its_trials_still_running_or_ended_on_the_cluster(cluster, shared):
    client = MLClient(workspace_dir=str(shared / ".sweepkit"))
    cluster.register(client, shared)
    code = write_code(shared / "src", **{"trial.py": TRIAL})
    # x=1 ends after about 3 s, x=5 after about 15 s.
    name = client.create_or_update(sweep(code, {"STEPS": "1", "FIRST_LOG_AFTER": "3"}, values=(1, 5))).name
    running = wait_until(lambda: [t for t in remote_trials(client, name) if "queue_seconds" in t] if len(
        [t for t in remote_trials(client, name) if "queue_seconds" in t]) == 2 else None, 180, "both trials to run")
    engine = int((shared / ".sweepkit" / "jobs" / name / "engine.lock").read_text())
    os.kill(engine, signal.SIGKILL)
    wait_until(lambda: report(client, name)["status"] == "NotResponding", 10, "the engine's lock to be released")
    ids = {t["number"]: t["compute"]["id"] for t in running}
    wait_until(lambda: cluster.state(ids[0]) == "ended", 120, "trial 0 to end while no engine watches")
    assert cluster.state(ids[1]) == "running", "a remote trial outlives the engine"

    client.jobs.resume(name)
    final = wait_finished(client, name, 240)
    assert final["status"] == "Completed"
    assert [t["status"] for t in final["trials"]] == ["Completed", "Completed"]
    assert [t["attempts"] for t in final["trials"]] == [1, 1], "collected and re-attached, not relaunched"
    assert [t["compute"]["id"] for t in final["trials"]] == [ids[0], ids[1]]
    assert [t["value"] for t in final["trials"]] == [1, 5]
    log = Path(final["log"]).read_text()
    assert log.count("was running when the engine stopped: watching it again") == 2


def test_cancel_stops_the_trials_on_the_cluster_with_or_without_a_running_engine(cluster, shared):
    client = MLClient(workspace_dir=str(shared / ".sweepkit"))
    cluster.register(client, shared)
    code = write_code(shared / "src", **{"trial.py": TRIAL})
    for engine_alive in (True, False):
        name = client.create_or_update(sweep(code, {"STEPS": "600", "STEP_SECONDS": "0.5"}, values=(1, 2))).name
        running = wait_until(lambda: [t for t in remote_trials(client, name) if "queue_seconds" in t] if len(
            [t for t in remote_trials(client, name) if "queue_seconds" in t]) == 2 else None, 180, "both trials to run")
        if not engine_alive:
            os.kill(int((shared / ".sweepkit" / "jobs" / name / "engine.lock").read_text()), signal.SIGKILL)
            wait_until(lambda: report(client, name)["status"] == "NotResponding", 10, "the engine's lock to be released")
        client.jobs.begin_cancel(name).wait(120)
        final = wait_finished(client, name, 120)
        assert final["status"] == "Canceled", engine_alive
        assert [t["status"] for t in final["trials"]] == ["Canceled", "Canceled"], engine_alive
        for trial in running:
            wait_until(lambda: cluster.state(trial["compute"]["id"]) == "ended", 60, f"{trial['name']} to end on the cluster")
