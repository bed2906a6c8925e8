"""The SQLite store with the MLflow its users have: MLflow 2 trials on a fresh store (MLflow 2
initialises it, the engine checks what it uses and writes as MLflow 2 reads it back); mlflow-skinny
trials refused before the sweep with the two ways out; a store without what the engine uses, or at a
schema the trials' MLflow refuses, refused before the sweep with what to do."""
import json
import os
import shutil
import sqlite3
import subprocess

import pytest

from jobs_helpers import wait_for, write_code
from mlflow_servers import ensure_envs
from sweepkit import MLClient, command
from sweepkit.sweep import Choice

TRIAL = """
    import sys, mlflow
    x = float(sys.argv[1])
    for step in range(3):
        mlflow.log_metric("loss", (x - 1) ** 2 + step, step=step)
"""

READ_BACK = """
import json, sys, mlflow
client = mlflow.MlflowClient(sys.argv[1])
experiment = client.get_experiment_by_name(sys.argv[2])
runs = client.search_runs([experiment.experiment_id])
print(json.dumps({"kind": experiment.tags.get("mlflow.experimentKind"),
                  "runs": [{"id": r.info.run_id, "status": r.info.status, "tags": r.data.tags,
                            "metrics": r.data.metrics, "params": r.data.params} for r in runs]}))
"""


@pytest.fixture(scope="module")
def envs():
    return ensure_envs("mlflow2", "skinny")


@pytest.fixture(scope="module")
def mlflow2_store(envs, tmp_path_factory):
    """A store made by MLflow 2 (through a first sweep with MLflow 2 trials) and that sweep's report."""
    folder = tmp_path_factory.mktemp("mlflow2-store")
    uri = f"sqlite:///{folder}/mlflow.db"
    code = write_code(folder / "src", **{"trial.py": TRIAL})
    client = MLClient(workspace_dir=str(folder / "ws"))
    job = sweep(code, envs["mlflow2"], "mlflow2-trials")
    report = submit_with(client, job, uri)
    return uri, report


def sweep(code, python, experiment):
    job = command(code=str(code), command="python trial.py ${{search_space.x}}", environment=python).sweep(
        primary_metric="loss", goal="minimize", sampling_algorithm="grid", search_space={"x": Choice([0, 1, 2])})
    job.experiment_name = experiment
    job.set_limits(max_total_trials=3, max_concurrent_trials=3)
    return job


def submit_with(client, job, uri, timeout=400):
    saved = os.environ.get("MLFLOW_TRACKING_URI")
    os.environ["MLFLOW_TRACKING_URI"] = uri
    try:
        name = client.create_or_update(job).name
    finally:
        if saved is None:
            os.environ.pop("MLFLOW_TRACKING_URI", None)
        else:
            os.environ["MLFLOW_TRACKING_URI"] = saved
    return wait_for(client, name, timeout=timeout)


def test_mlflow2_trials_on_a_fresh_store_as_mlflow2_reads_it_back(mlflow2_store, envs):
    uri, report = mlflow2_store
    assert report["status"] == "Completed", report.get("reason")
    assert [t["value"] for t in report["trials"]] == [1.0, 0.0, 1.0]
    read = subprocess.run([envs["mlflow2"], "-c", READ_BACK, uri, "mlflow2-trials"], capture_output=True, text=True, timeout=300)
    assert read.returncode == 0, read.stderr
    seen = json.loads(read.stdout)
    assert seen["kind"] == "custom_model_development"
    parents = [r for r in seen["runs"] if "mlflow.parentRunId" not in r["tags"]]
    children = [r for r in seen["runs"] if "mlflow.parentRunId" in r["tags"]]
    assert len(parents) == 1 and len(children) == 3
    parent = parents[0]
    assert {c["tags"]["mlflow.parentRunId"] for c in children} == {parent["id"]}
    assert {c["status"] for c in children} == {"FINISHED"}
    assert parent["metrics"]["loss"] == 0.0 and parent["params"]["x"] == "1"
    assert parent["tags"]["best_child_run_id"] == report["best_trial"]["run_id"]


def test_skinny_trials_cannot_open_a_sqlite_store_and_the_sweep_says_so_before_it_starts(envs, tmp_path):
    code = write_code(tmp_path / "src", **{"trial.py": TRIAL})
    client = MLClient(workspace_dir=str(tmp_path / "ws"))
    report = submit_with(client, sweep(code, envs["skinny"], "skinny"), f"sqlite:///{tmp_path}/mlflow.db", timeout=120)
    assert report["status"] == "Failed" and report["trials"] == []
    reason = report["reason"]
    assert "mlflow-skinny" in reason and "SQLAlchemy" in reason
    assert "-m pip install mlflow" in reason and "mlflow server --backend-store-uri" in reason, reason


def copy_store(uri, folder):
    path = uri[len("sqlite:///"):]
    target = folder / "mlflow.db"
    shutil.copyfile(path, target)
    return f"sqlite:///{target}", target


def test_a_store_without_a_column_the_engine_uses_is_refused_with_what_to_do(mlflow2_store, envs, tmp_path):
    uri, target = copy_store(mlflow2_store[0], tmp_path)
    with sqlite3.connect(target) as db:
        db.execute("ALTER TABLE runs RENAME COLUMN deleted_time TO removed_time")
    code = write_code(tmp_path / "src", **{"trial.py": TRIAL})
    client = MLClient(workspace_dir=str(tmp_path / "ws"))
    report = submit_with(client, sweep(code, envs["mlflow2"], "damaged"), uri, timeout=120)
    assert report["status"] == "Failed" and report["trials"] == []
    assert "table runs has no column deleted_time" in report["reason"]
    assert "mlflow db upgrade" in report["reason"], report["reason"]


@pytest.mark.parametrize("revision, expected", [
    ("ffffffffffff", "made by a newer MLflow"),  # a revision the trials' MLflow 2 does not know
    ("451aebb31d03", "older schema"),  # MLflow 1.x's "add metric step": known, not the newest
])
def test_a_store_the_trials_mlflow_would_refuse_is_refused_before_the_sweep(mlflow2_store, envs, tmp_path, revision, expected):
    uri, target = copy_store(mlflow2_store[0], tmp_path)
    with sqlite3.connect(target) as db:
        db.execute("UPDATE alembic_version SET version_num = ?", (revision,))
    code = write_code(tmp_path / "src", **{"trial.py": TRIAL})
    client = MLClient(workspace_dir=str(tmp_path / "ws"))
    report = submit_with(client, sweep(code, envs["mlflow2"], "revision"), uri, timeout=120)
    assert report["status"] == "Failed" and report["trials"] == []
    assert expected in report["reason"] and revision in report["reason"], report["reason"]
