"""Sweeps against real MLflow tracking servers started here, on 127.0.0.1 (python/tests/mlflow_servers.py):

- MLflow 2 (the newest 2.x) over TLS, with a certificate made by the test, and MLflow's basic-auth
  app: the seed example, its trials logging with MLflow 2; credentials never reach a job file, a log
  or a command line; a wrong password, an untrusted certificate give clear errors;
- MLflow 3 (the newest 3.x): the seed example with trials logging through mlflow-skinny; the runs
  view of MLflow 3's UI in a headless browser; the server killed and restarted mid-sweep (no metric
  and no trial lost); a server that stays down fails the sweep, naming it; behind a gateway that wants a
  bearer token and answers 429/503 to every third request of the engine, nothing is lost either.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from jobs_helpers import report, wait_for, write_code
from mlflow_servers import (REPO, FlakyGateway, MLflowServer, command_lines_containing, ensure_envs,
                            files_containing, parent_and_children, tags_of)
from sweepkit import MLClient, command
from sweepkit.sweep import Choice

EXAMPLE = REPO / "examples" / "sweep_example.py"


@pytest.fixture(scope="module")
def envs():
    return ensure_envs("mlflow2", "mlflow3", "skinny")


@pytest.fixture(scope="module")
def server2(envs, tmp_path_factory):
    server = MLflowServer("mlflow2", tmp_path_factory.mktemp("mlflow2-server"), tls=True, auth=True).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def server3(envs, tmp_path_factory):
    server = MLflowServer("mlflow3", tmp_path_factory.mktemp("mlflow3-server")).start()
    yield server
    server.stop()


def clean_environment(**extra) -> dict:
    """This process's environment without any MLflow setting, plus `extra`."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_") and k != "SWEEPKIT_PYTHON"}
    environment.update(extra)
    return environment


def run_example(folder: Path, environment: dict, secrets=()) -> subprocess.CompletedProcess:
    """The seed example as a user runs it; while it runs, no command line may show a secret."""
    folder.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen([sys.executable, str(EXAMPLE)], cwd=folder, env=environment, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    leaks = []
    if secrets:
        stop = threading.Event()

        def watch():
            while not stop.is_set():
                leaks.extend(command_lines_containing(secrets))
                time.sleep(0.2)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
    try:
        stdout, stderr = process.communicate(timeout=600)
    finally:
        if process.poll() is None:
            process.kill()
        if secrets:
            stop.set()
            watcher.join(timeout=10)
    assert not leaks, f"a command line shows a credential: {leaks[:3]}"
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def check_example_in_mlflow(server: MLflowServer, stdout: str):
    """The example's sweep as MLflow shows it: a model-training experiment, the parent run with the
    best trial's Accuracy and reg_rate, the trials nested under it."""
    assert "Status: Completed" in stdout and stdout.count(": Completed Accuracy=") == 3, stdout
    experiment = server.experiment("sweep-example")
    assert tags_of(experiment)["mlflow.experimentKind"] == "custom_model_development"
    runs = server.runs(experiment["experiment_id"])
    parents, children = parent_and_children(runs)
    assert len(parents) == 1 and len(children) == 3
    parent = parents[0]
    assert {tags_of(c["data"])["mlflow.parentRunId"] for c in children} == {parent["info"]["run_id"]}
    assert {c["info"]["status"] for c in children} == {"FINISHED"} and parent["info"]["status"] == "FINISHED"
    best_id = tags_of(parent["data"])["best_child_run_id"]
    best = next(c for c in children if c["info"]["run_id"] == best_id)
    # A trial's value is the best Accuracy it logged (any epoch); the parent shows the best of them.
    values = {c["info"]["run_id"]: max(m["value"] for m in server.history(c["info"]["run_id"], "Accuracy")) for c in children}
    parent_metrics = {m["key"]: m["value"] for m in parent["data"].get("metrics", [])}
    assert parent_metrics["Accuracy"] == max(values.values()) == values[best_id]
    parent_params = {p["key"]: p["value"] for p in parent["data"]["params"]}
    best_params = {p["key"]: p["value"] for p in best["data"]["params"]}
    assert parent_params["reg_rate"] == best_params["reg_rate"]
    return experiment, parent, children


# -- MLflow 2 over TLS with basic auth ------------------------------------------------------------

def test_the_seed_example_over_tls_with_basic_auth_trials_on_mlflow2(server2, envs, tmp_path):
    assert server2.version.startswith("2.") and server2.uri.startswith("https://")
    user, password = server2.credentials
    import base64
    secrets = [password, base64.b64encode(f"{user}:{password}".encode()).decode()]
    result = run_example(tmp_path, clean_environment(**server2.client_environment(), SWEEPKIT_PYTHON=envs["mlflow2"]),
                         secrets=secrets)
    assert result.returncode == 0, result.stdout + result.stderr
    check_example_in_mlflow(server2, result.stdout)
    # Job files, the journal, the engine's and the trials' logs, the report: no credential.
    assert files_containing(tmp_path, secrets) == []
    assert not any(secret in result.stdout + result.stderr for secret in secrets)


def sweep_job(code: Path, experiment: str, trials: int = 2):
    job = command(code=str(code), command="python trial.py ${{search_space.x}}").sweep(
        primary_metric="loss", goal="minimize", sampling_algorithm="grid", search_space={"x": Choice(list(range(trials)))})
    job.experiment_name = experiment
    job.set_limits(max_total_trials=trials, max_concurrent_trials=trials)
    return job


def submit(tmp_path: Path, monkeypatch, environment: dict, job, timeout: float = 300.0) -> dict:
    for key in [k for k in os.environ if k.startswith("MLFLOW_")]:
        monkeypatch.delenv(key)
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    client = MLClient(workspace_dir=str(tmp_path / "ws"))
    return wait_for(client, client.create_or_update(job).name, timeout=timeout)


QUICK_TRIAL = """
    import sys, mlflow
    mlflow.log_metric("loss", float(sys.argv[1]))
"""


def test_a_wrong_password_and_an_untrusted_certificate_are_told_before_the_sweep(server2, envs, tmp_path, monkeypatch):
    code = write_code(tmp_path / "src", **{"trial.py": QUICK_TRIAL})
    wrong = {**server2.client_environment(), "MLFLOW_TRACKING_PASSWORD": "not-the-password-0451", "SWEEPKIT_PYTHON": envs["mlflow2"]}
    report = submit(tmp_path / "a", monkeypatch, wrong, sweep_job(code, "refused"), timeout=120)
    assert report["status"] == "Failed" and report["trials"] == []
    assert server2.uri in report["reason"] and "MLFLOW_TRACKING_PASSWORD" in report["reason"], report["reason"]
    assert files_containing(tmp_path / "a", ["not-the-password-0451"]) == []

    untrusted = {k: v for k, v in server2.client_environment().items() if k != "MLFLOW_TRACKING_SERVER_CERT_PATH"}
    report = submit(tmp_path / "b", monkeypatch, {**untrusted, "SWEEPKIT_PYTHON": envs["mlflow2"]}, sweep_job(code, "untrusted"),
                    timeout=120)
    assert report["status"] == "Failed" and report["trials"] == []
    assert server2.uri in report["reason"] and "MLFLOW_TRACKING_SERVER_CERT_PATH" in report["reason"], report["reason"]


# -- MLflow 3 ---------------------------------------------------------------------------------------

def test_the_seed_example_with_mlflow_skinny_trials_on_mlflow3(server3, envs, tmp_path):
    assert server3.version.startswith("3.")
    skinny = subprocess.run([envs["skinny"], "-c", "import importlib.util as u; print(u.find_spec('sqlalchemy') is None)"],
                            capture_output=True, text=True, timeout=60)
    assert skinny.stdout.strip() == "True", "the skinny environment must not have SQLAlchemy"
    result = run_example(tmp_path, clean_environment(**server3.client_environment(), SWEEPKIT_PYTHON=envs["skinny"]))
    assert result.returncode == 0, result.stdout + result.stderr
    check_example_in_mlflow(server3, result.stdout)


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    pytest.fail("the UI test needs Debian's chromium: apt-get update && apt-get install -y chromium")


def test_mlflow3_ui_shows_the_sweep_on_its_runs_view_with_the_trials_nested(server3, tmp_path):
    """Headless Chromium renders MLflow 3's UI for the example's experiment (made by the previous
    test). MLflow 3.17 opens an experiment on its GenAI / Model training switch, not on the
    experiment's kind tag; on Model training, the experiment opens on its runs: one row, the sweep's
    parent run, with its three trials nested under it (collapsed: four matching runs, one row)."""
    experiment = server3.experiment("sweep-example")
    assert tags_of(experiment)["mlflow.experimentKind"] == "custom_model_development"
    parents, children = parent_and_children(server3.runs(experiment["experiment_id"]))
    url = f"{server3.uri}/#/experiments/{experiment['experiment_id']}?workflowType=machine_learning"
    result = subprocess.run(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1600,1000", "--virtual-time-budget=30000",
         "--dump-dom", url],
        capture_output=True, text=True, timeout=300)
    assert "</html>" in result.stdout, result.stderr[-2000:]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", result.stdout))
    parent_name = tags_of(parents[0]["data"])["mlflow.runName"]
    assert "Runs" in text and parent_name in text, text[-3000:]
    assert "4 matching runs" in text, text[-3000:]
    assert not any(tags_of(c["data"])["mlflow.runName"] in text for c in children), "the trials are not nested"


# A trial whose request is in flight when the server is SIGKILLed gets a broken read, which MLflow's
# client does not retry for a POST: the trial retries that point itself (same timestamp, so a point
# that did land is not doubled). What the test pins is the engine's side: no metric, no trial lost.
RESTART_TRIAL = """
    import sys, time, mlflow
    from mlflow.exceptions import MlflowException
    x = float(sys.argv[1])
    for step in range(30):
        stamp = int(time.time() * 1000)
        for attempt in range(30):
            try:
                mlflow.log_metric("loss", (x - 1) ** 2 + 1.0 / (step + 1), step=step, timestamp=stamp)
                break
            except MlflowException:
                time.sleep(1)
        time.sleep(0.2)
"""


def test_a_server_killed_and_restarted_mid_sweep_costs_no_metric_and_no_trial(server3, envs, tmp_path, monkeypatch):
    code = write_code(tmp_path / "src", **{"trial.py": RESTART_TRIAL})
    for key in [k for k in os.environ if k.startswith("MLFLOW_")]:
        monkeypatch.delenv(key)
    for key, value in {**server3.client_environment(), "SWEEPKIT_PYTHON": envs["skinny"]}.items():
        monkeypatch.setenv(key, value)
    client = MLClient(workspace_dir=str(tmp_path / "ws"))
    name = client.create_or_update(sweep_job(code, "restarted", trials=3)).name
    experiment_id = None
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:  # until every trial has logged a few points
        try:
            experiment_id = experiment_id or server3.experiment("restarted")["experiment_id"]
            _, children = parent_and_children(server3.runs(experiment_id))
            counts = [len(server3.history(c["info"]["run_id"], "loss")) for c in children]
            if len(counts) == 3 and min(counts) >= 3:
                break
        except Exception:
            pass
        time.sleep(0.3)
    else:
        pytest.fail("the trials never logged")
    server3.kill()
    time.sleep(2)
    server3.start(same_port=True)
    report = wait_for(client, name, timeout=600)
    assert report["status"] == "Completed", report.get("reason")
    for trial in report["trials"]:
        assert trial["status"] == "Completed" and trial["attempts"] == 1, trial
        logged = [m["value"] for m in sorted(server3.history(trial["run_id"], "loss"), key=lambda m: m["step"])]
        assert len(logged) == 30, trial
        assert trial["metrics"]["loss.points"] == 30 and sorted(trial["history"]) == sorted(logged), trial


SLEEPING_TRIAL = """
    import time
    time.sleep(300)
"""


def test_a_server_that_stays_down_fails_the_sweep_naming_it(server3, envs, tmp_path, monkeypatch):
    """After MLflow's retry schedule (here shortened to 2 retries, backoff factor 1) the sweep
    fails, its reason naming the server; the trials are stopped."""
    code = write_code(tmp_path / "src", **{"trial.py": SLEEPING_TRIAL})
    environment = {**server3.client_environment(), "SWEEPKIT_PYTHON": envs["skinny"],
                   "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2", "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1"}
    for key in [k for k in os.environ if k.startswith("MLFLOW_")]:
        monkeypatch.delenv(key)
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    client = MLClient(workspace_dir=str(tmp_path / "ws"))
    name = client.create_or_update(sweep_job(code, "stays-down")).name
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if report(client, name).get("trial_counts", {}).get("Running") == 2:
            break
        time.sleep(0.2)
    else:
        pytest.fail("the trials did not start")
    server3.kill()
    ended = wait_for(client, name, timeout=240)
    assert ended["status"] == "Failed", ended
    assert server3.uri in ended["reason"] and "did not answer" in ended["reason"], ended["reason"]
    assert {t["status"] for t in ended["trials"]} == {"Canceled"}


def test_a_gateway_with_a_bearer_token_and_429_503_answers_costs_no_metric_and_no_trial(server3, envs, tmp_path, monkeypatch):
    """MLFLOW_TRACKING_TOKEN reaches the engine and the trials (as MLflow's client reads it), never a
    file or a command line; the engine retries 429 (Retry-After) and 503 on MLflow's schedule and
    loses no metric, and a gateway busy at the sweep's very first requests is waited for (only a
    server that does not answer at all fails the start fast); the trials' own MLflow client is left
    alone by the gateway."""
    code = write_code(tmp_path / "src", **{"trial.py": RESTART_TRIAL})
    if server3.process.poll() is not None:  # the test before this one leaves it killed
        server3.start()
    with FlakyGateway(server3, every=3, busy_first=4) as gateway:
        environment = {"MLFLOW_TRACKING_URI": gateway.uri, "MLFLOW_TRACKING_TOKEN": gateway.token,
                       "SWEEPKIT_PYTHON": envs["skinny"]}
        ended = submit(tmp_path, monkeypatch, environment, sweep_job(code, "behind-a-gateway", trials=3), timeout=600)
        assert ended["status"] == "Completed", ended.get("reason")
        assert gateway.refused["429"] >= 3 and gateway.refused["503"] >= 3, gateway.refused
        assert gateway.refused["401"] == 0 and gateway.authorization_seen == {"Bearer"}, gateway.authorization_seen
        print(f"\ngateway: {gateway.engine_requests} engine requests, refused {gateway.refused}")
        experiment_id = server3.experiment("behind-a-gateway")["experiment_id"]
        _, children = parent_and_children(server3.runs(experiment_id))
        assert len(children) == 3
        for trial in ended["trials"]:
            assert trial["status"] == "Completed" and trial["attempts"] == 1, trial
            logged = [m["value"] for m in sorted(server3.history(trial["run_id"], "loss"), key=lambda m: m["step"])]
            assert len(logged) == 30, trial
            assert trial["metrics"]["loss.points"] == 30 and sorted(trial["history"]) == sorted(logged), trial
    assert files_containing(tmp_path, [gateway.token]) == []
    assert command_lines_containing([gateway.token]) == []
