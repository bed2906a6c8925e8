"""Against a real MLflow tracking server on 127.0.0.1: a sweep with MLFLOW_TRACKING_URI=http://...
uses the REST store; and the server, pointed at the SQLite store the engine wrote, shows a sweep as
a parent run with its trials nested (what `mlflow ui` displays)."""
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from sweepkit import MLClient, command
from sweepkit.sweep import Choice

from jobs_helpers import wait_for, write_code

TRIAL = """
    import sys, mlflow
    x = float(sys.argv[1])
    for step in range(2):
        mlflow.log_metric("loss", (x - 2) ** 2 + step, step=step)
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(base, path, body=None):
    request = urllib.request.Request(base + path, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def start_server(store, folder):
    """`mlflow server` on a SQLite store (it needs ~30 s to come up here). Started only after the
    engine initialised the store: two first users of one SQLite file race MLflow's migrations."""
    port = free_port()
    mlflow = shutil.which("mlflow", path=os.path.dirname(sys.executable))
    process = subprocess.Popen([mlflow, "server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
                                "--backend-store-uri", store, "--default-artifact-root", str(folder / "artifacts")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    return f"http://127.0.0.1:{port}", process


def wait_healthy(base, process, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "mlflow server exited"
        try:
            with urllib.request.urlopen(base + "/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError("mlflow server did not come up")


def run_sweep(tmp_path, monkeypatch, tracking_uri, experiment):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", tracking_uri)
    code = write_code(tmp_path / "src", **{"trial.py": TRIAL})
    sweep_job = command(code=str(code), command="python trial.py ${{search_space.x}}").sweep(
        primary_metric="loss", goal="minimize", sampling_algorithm="grid", search_space={"x": Choice([1, 2, 4])})
    sweep_job.experiment_name = experiment
    sweep_job.set_limits(max_total_trials=3, max_concurrent_trials=3)
    client = MLClient(workspace_dir=str(tmp_path / "ws"))
    return wait_for(client, client.create_or_update(sweep_job).name, timeout=180)


def nested_runs(base, experiment):
    experiment_id = api(base, f"/api/2.0/mlflow/experiments/get-by-name?experiment_name={experiment}")["experiment"]["experiment_id"]
    runs = api(base, "/ajax-api/2.0/mlflow/runs/search", {"experiment_ids": [experiment_id], "max_results": 100})["runs"]
    tags = [{t["key"]: t["value"] for t in r["data"].get("tags", [])} for r in runs]
    parents = [r for r, t in zip(runs, tags) if "mlflow.parentRunId" not in t]
    children = [(r, t) for r, t in zip(runs, tags) if "mlflow.parentRunId" in t]
    return parents, children


def test_the_ui_shows_a_sqlite_sweep_nested_and_a_rest_sweep_works(tmp_path, monkeypatch):
    store = f"sqlite:///{tmp_path}/server.db"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    sqlite_report = run_sweep(tmp_path / "a", monkeypatch, store, "written-by-sql")
    assert sqlite_report["status"] == "Completed"
    base, process = start_server(store, tmp_path)
    try:
        wait_healthy(base, process)
        parents, children = nested_runs(base, "written-by-sql")
        assert len(parents) == 1 and len(children) == 3
        assert {t["mlflow.parentRunId"] for _, t in children} == {parents[0]["info"]["run_id"]}
        assert {r["info"]["status"] for r, _ in children} == {"FINISHED"}

        rest_report = run_sweep(tmp_path / "b", monkeypatch, base, "through-rest")
        assert rest_report["status"] == "Completed", rest_report
        assert [t["value"] for t in rest_report["trials"]] == [1.0, 0.0, 4.0]
        assert rest_report["best_trial"]["params"] == {"x": 2}
        parents, children = nested_runs(base, "through-rest")
        assert len(parents) == 1 and len(children) == 3
        best_tag = {t["key"]: t["value"] for t in parents[0]["data"]["tags"]}["best_child_run_id"]
        assert best_tag == rest_report["best_trial"]["run_id"]
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=60)
