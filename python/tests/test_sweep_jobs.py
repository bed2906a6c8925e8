"""Sweep jobs end to end: real trial processes, real MLflow (SQLite), the builder API and MLClient,
limits, faults, substitution. See test_job_durability.py for resume and Ctrl-C, and
test_mlflow_server.py for the REST store."""
import json
import os
import sys
import time

import pytest

import sweepkit
from sweepkit import Input, MLClient, command, load_job
from sweepkit.sweep import Choice, QUniform, SweepJobLimits, Uniform

from jobs_helpers import cli, report, trial_processes, wait_for, write_code

LOGGING_TRIAL = """
    import argparse, os, mlflow
    p = argparse.ArgumentParser()
    p.add_argument("--x", type=float)
    p.add_argument("--label", default="")
    a = p.parse_args()
    for step in range(3):
        mlflow.log_metric("score", a.x * (step + 1), step=step)
    mlflow.log_metric("other", 1.0)
    os.makedirs("outputs/model", exist_ok=True)
    open("outputs/model/weights.txt", "w").write(f"x={a.x}")
    open("outputs/notes.txt", "w").write(f"notes of {a.x}")
    print(f"trained {a.x}")
"""


@pytest.fixture
def workspace(tmp_path, monkeypatch, mlflow_db):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_db)
    return MLClient(workspace_dir=str(tmp_path / "ws"))


@pytest.fixture
def untracked(tmp_path, monkeypatch):
    """Sweeps whose trials report nothing to MLflow: pure engine behaviour, fast."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "none")
    return MLClient(workspace_dir=str(tmp_path / "ws"))


def mlflow_client(uri):
    from mlflow import MlflowClient
    return MlflowClient(uri)


def test_a_grid_sweep_logs_nested_runs_and_reports_the_best_trial(workspace, tmp_path, mlflow_db):
    code = write_code(tmp_path / "src", **{"trial.py": LOGGING_TRIAL})
    job = command(code=str(code), command="python trial.py --x ${{inputs.x}}", inputs={"x": 1.0},
                  environment="AzureML-sklearn-0.24-ubuntu18.04-py37-cpu@latest", compute="aml-cluster")
    sweep_job = job(x=Choice([0.5, 2.0, 1.0])).sweep(sampling_algorithm="grid", primary_metric="score", goal="Maximize")
    sweep_job.experiment_name = "grid-test"
    sweep_job.set_limits(max_total_trials=4, max_concurrent_trials=2, timeout=600)
    returned = workspace.create_or_update(sweep_job)
    assert returned.status in ("Running", "Completed") and returned.name
    final = wait_for(workspace, returned.name)
    assert final["status"] == "Completed"
    trials = workspace.jobs.list(parent_job_name=returned.name)
    assert [t.params for t in trials] == [{"x": 0.5}, {"x": 2.0}, {"x": 1.0}]
    assert [t.value for t in trials] == [1.5, 6.0, 3.0]  # the best value of each trial's history
    got = workspace.jobs.get(returned.name)
    assert got.status == "Completed" and got.experiment_name == "grid-test"
    best_run = got.properties["best_child_run_id"]
    assert best_run == trials[1].run_id

    client = mlflow_client(mlflow_db)
    experiment = client.get_experiment_by_name("grid-test")
    runs = client.search_runs([experiment.experiment_id])
    parent = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent[0].info.run_id]
    assert len(parent) == 1 and len(children) == 3
    assert parent[0].data.tags["best_child_run_id"] == best_run
    assert {r.info.status for r in children} == {"FINISHED"}
    by_x = {r.data.params["x"]: r for r in children}
    assert set(by_x) == {"0.5", "2.0", "1.0"}
    history = client.get_metric_history(by_x["2.0"].info.run_id, "score")
    assert [m.value for m in history] == [2.0, 4.0, 6.0]

    # download: the best trial's (x = 2, the second trial's) outputs and logs, and the sweep's log.
    name = returned.name
    workspace.jobs.download(name, download_path=str(tmp_path / "dl"))
    artifacts = tmp_path / "dl" / "artifacts"
    assert (artifacts / "outputs" / "model" / "weights.txt").read_text() == "x=2.0"
    assert (artifacts / "outputs" / "notes.txt").read_text() == "notes of 2.0"
    assert (artifacts / "user_logs" / "stdout.txt").read_text() == "trained 2.0\n"
    assert f"best trial: {name}_1 with score=6.0" in (tmp_path / "dl" / "hd-artifacts" / "sweep.log").read_text()
    # One named output, to named-outputs/<name>.
    workspace.jobs.download(name, download_path=str(tmp_path / "one"), output_name="model")
    assert (tmp_path / "one" / "named-outputs" / "model" / "weights.txt").read_text() == "x=2.0"
    assert not (tmp_path / "one" / "artifacts").exists()
    with pytest.raises(sweepkit.JobException, match="has no output named 'missing'"):
        workspace.jobs.download(name, download_path=str(tmp_path / "none"), output_name="missing")


def test_trials_get_a_working_copy_substituted_values_environment_and_logs(untracked, tmp_path):
    code = write_code(tmp_path / "src", **{"show.py": """
        import json, os, sys
        out = {"argv": sys.argv[1:], "python": sys.executable, "cwd": os.getcwd(),
               "env": {k: v for k, v in os.environ.items() if k.startswith(("AZUREML_SWEEP_", "MY_"))},
               "outputs": os.path.isdir("outputs")}
        open(os.path.join("outputs", "seen.json"), "w").write(json.dumps(out))
        print("hello from", os.environ["SWEEPKIT_TRIAL"])
    """})
    job = command(code=str(code),
                  command="python show.py ${{ inputs.rate }} ${{search_space.flag}} ${{search_space.word}} "
                          "${{search_space.model}} ${{search_space.model.depth}} ${{inputs.data}} [--opt ${{inputs.missing}}]",
                  inputs={"rate": 0.1, "data": Input(type="uri_file", path="/data/x.csv"), "missing": "m"},
                  environment_variables={"MY_VAR": "set"})
    sweep_job = job(rate=Choice([1e-05])).sweep(
        primary_metric="none", goal="minimize", sampling_algorithm="grid",
        search_space={"flag": Choice([True]), "word": Choice(["two words"]),
                      "model": Choice([{"kind": "tree", "depth": Choice([3])}])})
    sweep_job.set_limits(max_total_trials=1)
    name = untracked.create_or_update(sweep_job).name
    final = wait_for(untracked, name)
    assert final["status"] == "Completed", final
    trial = final["trials"][0]
    seen = json.loads(open(os.path.join(trial["directory"], "outputs", "seen.json")).read())
    assert seen["argv"] == ["1e-05", "True", "two words", '{"kind":"tree","depth":3}', "3", "/data/x.csv", "--opt", "m"]
    assert os.path.abspath(seen["python"]) == os.path.abspath(sys.executable)
    assert seen["cwd"] == trial["directory"] and os.path.exists(os.path.join(seen["cwd"], "show.py"))
    assert seen["env"] == {"AZUREML_SWEEP_rate": "1e-05", "AZUREML_SWEEP_flag": "True", "AZUREML_SWEEP_word": "two words",
                           "AZUREML_SWEEP_model_kind": "tree", "AZUREML_SWEEP_model_depth": "3", "MY_VAR": "set"}
    assert open(os.path.join(trial["log_directory"], "stdout.txt")).read() == f"hello from {name}_0\n"
    assert sweep_job.trial.command.startswith("python show.py ${{search_space.rate}}")  # inputs -> search_space


def test_failures_are_recorded_and_the_sweep_goes_on(workspace, tmp_path, mlflow_db):
    code = write_code(tmp_path / "src", **{"trial.py": """
        import sys, mlflow
        mode = sys.argv[1]
        if mode == "crash":
            print("about to fail", file=sys.stderr); sys.exit(3)
        if mode == "silent":
            mlflow.log_metric("loss", 0.5); mlflow.log_metric("accuracy", 0.9)
        if mode == "ok":
            mlflow.log_metric("Accuracy", 0.75)
    """})
    job = command(code=str(code), command="python trial.py ${{inputs.mode}}", inputs={"mode": "ok"})
    sweep_job = job(mode=Choice(["crash", "silent", "ok"])).sweep(sampling_algorithm="grid", primary_metric="Accuracy",
                                                                   goal="maximize")
    sweep_job.set_limits(max_total_trials=3, max_concurrent_trials=3)
    name = workspace.create_or_update(sweep_job).name
    final = wait_for(workspace, name)
    states = {t["params"]["mode"]: t for t in final["trials"]}
    assert final["status"] == "Completed"
    assert states["crash"]["status"] == "Failed"
    assert "exited with code 3" in states["crash"]["message"] and "about to fail" in states["crash"]["message"]
    assert states["silent"]["status"] == "Failed"
    assert states["silent"]["message"] == ("the command exited 0 but never logged the primary metric 'Accuracy'; "
                                           "it logged: accuracy, loss")
    assert states["ok"]["status"] == "Completed" and final["best_trial"]["params"] == {"mode": "ok"}
    client = mlflow_client(mlflow_db)
    assert client.get_run(states["crash"]["run_id"]).info.status == "FAILED"
    assert client.get_run(states["silent"]["run_id"]).info.status == "FAILED"  # MLflow itself said FINISHED


def journal_events(client, name):
    """The job's journal, event by event, in the order the engine wrote them."""
    path = os.path.join(client.workspace_dir, "jobs", name, "journal.jsonl")
    with open(path) as f:
        return [json.loads(line) for line in f if line.endswith("\n")]


def test_concurrency_is_capped_and_max_total_trials_is_honoured(untracked, tmp_path):
    code = write_code(tmp_path / "src", **{"t.py": "import time\ntime.sleep(0.3)\n"})
    job = command(code=str(code), command="python t.py ${{search_space.x}}")
    sweep_job = job.sweep(primary_metric="none", goal="minimize", search_space={"x": Uniform(0, 1)})
    sweep_job.set_limits(max_total_trials=7, max_concurrent_trials=3)
    final = wait_for(untracked, untracked.create_or_update(sweep_job).name)
    assert final["status"] == "Completed" and len(final["trials"]) == 7
    assert final["reason"] == "max_total_trials (7) reached"
    # How many trials ran at once, from the engine's own record (the journal's order, not clocks):
    # a trial runs from its trial_started to its trial_ended.
    running, peak = 0, 0
    for event in journal_events(untracked, final["name"]):
        if event["event"] == "trial_started":
            running += 1
        elif event["event"] == "trial_ended":
            running -= 1
        peak = max(peak, running)
    assert peak == 3
    # The report agrees: no trial started while three others had started and not yet ended.
    for trial in final["trials"]:
        overlapping = [t for t in final["trials"] if t["started"] <= trial["started"] < t["ended"]]
        assert len(overlapping) <= 3, (trial["name"], overlapping)


def test_trial_timeout_cancels_a_hanging_trial(untracked, tmp_path):
    # Command(timeout=) is the trials' timeout (`.sweep()` keeps it as trial_timeout).
    code = write_code(tmp_path / "src", **{"hang.py": "import sys, time\nif sys.argv[1] == 'hang': time.sleep(120)\n"})
    job = command(code=str(code), command="python hang.py ${{search_space.mode}}", timeout=1)
    sweep_job = job.sweep(primary_metric="none", goal="minimize", sampling_algorithm="grid",
                          search_space={"mode": Choice(["hang", "quick"])})
    sweep_job.set_limits(max_total_trials=2)
    final = wait_for(untracked, untracked.create_or_update(sweep_job).name, timeout=60)
    hang, quick = final["trials"]
    assert hang["status"] == "Canceled" and hang["message"] == "trial_timeout (1 s) reached"
    assert quick["status"] == "Completed"
    assert final["spec"]["limits"]["trial_timeout"] == 1
    assert trial_processes(final["name"]) == []


def test_command_timeout_becomes_trial_timeout(untracked, tmp_path):
    code = write_code(tmp_path / "src", **{"t.py": ""})
    job = command(code=str(code), command="python t.py ${{inputs.x}}", inputs={"x": 1}, timeout=5)
    from_command = job(x=Choice([1])).sweep(primary_metric="m", goal="minimize", sampling_algorithm="grid")
    assert from_command.limits.trial_timeout == 5
    from_command.set_limits(max_total_trials=1)  # updates the limits, keeps trial_timeout
    explicit = job(x=Choice([1])).sweep(primary_metric="m", goal="minimize", sampling_algorithm="grid", trial_timeout=7)
    assert explicit.limits.trial_timeout == 7, "the sweep's own trial_timeout wins"
    explicit.set_limits(trial_timeout=9)
    for sweep_job, expected in ((from_command, 5), (explicit, 9)):
        name = untracked.create_or_update(sweep_job).name
        final = wait_for(untracked, name)
        assert final["spec"]["limits"]["trial_timeout"] == expected
        assert untracked.jobs.get(name).limits.trial_timeout == expected


def test_stream_raises_for_a_failed_sweep(untracked, tmp_path, capsys):
    code = write_code(tmp_path / "src", **{"t.py": "raise SystemExit(4)\n"})
    sweep_job = command(code=str(code), command="python t.py ${{search_space.x}}").sweep(
        primary_metric="none", goal="minimize", sampling_algorithm="grid", search_space={"x": Choice([1, 2])})
    name = untracked.create_or_update(sweep_job).name
    with pytest.raises(sweepkit.JobException, match='"status": "Failed", "reason": "every trial failed"'):
        untracked.jobs.stream(name)
    assert "Status: Failed" in capsys.readouterr().out


def test_the_sweep_timeout_cancels_everything(untracked, tmp_path):
    code = write_code(tmp_path / "src", **{"slow.py": "import time\ntime.sleep(600)\n"})
    sweep_job = command(code=str(code), command="python slow.py ${{search_space.x}}").sweep(
        primary_metric="none", goal="minimize", search_space={"x": Uniform(0, 1)})
    sweep_job.set_limits(max_total_trials=10, max_concurrent_trials=2, timeout=2)
    final = wait_for(untracked, untracked.create_or_update(sweep_job).name, timeout=60)
    assert final["status"] == "Canceled" and final["reason"] == "timeout (2 s) reached"
    assert [t["status"] for t in final["trials"]] == ["Canceled", "Canceled"]
    assert trial_processes(final["name"]) == []


def test_begin_cancel_stops_running_trials(untracked, tmp_path):
    code = write_code(tmp_path / "src", **{"slow.py": "import time\ntime.sleep(600)\n"})
    sweep_job = command(code=str(code), command="python slow.py ${{search_space.x}}").sweep(
        primary_metric="none", goal="minimize", search_space={"x": Uniform(0, 1)})
    sweep_job.set_limits(max_total_trials=4, max_concurrent_trials=2)
    name = untracked.create_or_update(sweep_job).name
    deadline = time.monotonic() + 30
    while len(trial_processes(name)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    untracked.jobs.begin_cancel(name).result(timeout=30)
    final = report(untracked, name)
    assert final["status"] == "Canceled" and final["reason"] == "canceled by the user"
    assert {t["status"] for t in final["trials"]} == {"Canceled"}
    assert trial_processes(name) == []


def test_invalid_jobs_are_rejected_before_anything_runs(untracked, tmp_path):
    code = write_code(tmp_path / "src", **{"t.py": ""})
    job = command(code=str(code), command="python t.py ${{inputs.nope}}", inputs={"x": 1})
    with pytest.raises(sweepkit.ValidationException, match="Inputs to job does not contain 'nope' referenced in command"):
        untracked.create_or_update(job(x=Choice([1])).sweep(primary_metric="m", goal="maximize"))
    good = command(code=str(code), command="python t.py ${{search_space.lr}}")
    with pytest.raises(sweepkit.ValidationException, match="search_space.lr: uniform expects min_value < max_value"):
        sweep_job = good.sweep(primary_metric="m", goal="maximize", search_space={"lr": Uniform(1, 0)})
        sweep_job.set_limits(max_total_trials=2)
        untracked.create_or_update(sweep_job)
    missing = command(code=str(tmp_path / "absent"), command="python t.py").sweep(
        primary_metric="m", goal="maximize", search_space={"lr": Uniform(0, 1)})
    missing.set_limits(max_total_trials=1)
    with pytest.raises(sweepkit.ValidationException, match="trial.code: the code folder or file .* does not exist"):
        untracked.create_or_update(missing)
    assert not os.path.exists(untracked.workspace_dir) or os.listdir(os.path.join(untracked.workspace_dir, "jobs")) == []


def test_the_cli_runs_a_yaml_sweep_with_reliable_exit_codes(tmp_path, mlflow_db):
    write_code(tmp_path / "src", **{"trial.py": LOGGING_TRIAL})
    (tmp_path / "sweep.yml").write_text("""
type: sweep
experiment_name: cli-test
trial:
  code: src
  command: python trial.py --x ${{search_space.x}}
  environment: azureml:AzureML-sklearn-0.24-ubuntu18.04-py37-cpu@latest
sampling_algorithm: {type: random, seed: 3}
search_space:
  x: {type: quniform, min_value: 1, max_value: 9, q: 1}
objective: {goal: minimize, primary_metric: score}
limits: {max_total_trials: 3, max_concurrent_trials: 3}
""")
    env = {"MLFLOW_TRACKING_URI": mlflow_db, "SWEEPKIT_PYTHON": sys.executable}
    created = cli("job", "create", "--file", "sweep.yml", "--name", "cli_sweep", "--stream", cwd=tmp_path, env=env)
    assert created.returncode == 0, created.stderr
    assert "Execution Summary" in created.stdout and "Status: Completed" in created.stdout
    shown = json.loads(cli("job", "show", "cli_sweep", cwd=tmp_path).stdout)
    values = [t["value"] for t in shown["trials"]]
    assert shown["status"] == "Completed" and shown["best_trial"]["value"] == min(values)
    assert "cli_sweep\tCompleted\tcli-test" in cli("job", "list", cwd=tmp_path).stdout
    trials = cli("job", "list", "--parent-job-name", "cli_sweep", cwd=tmp_path).stdout.splitlines()
    assert len(trials) == 3 and all("\tCompleted\t" in line for line in trials)
    assert cli("job", "show", "no_such_job", cwd=tmp_path).returncode == 3
    (tmp_path / "bad.yml").write_text((tmp_path / "sweep.yml").read_text().replace("quniform", "qunifrom"))
    bad = cli("job", "create", "--file", "bad.yml", cwd=tmp_path, env=env)
    assert bad.returncode == 2 and "search_space.x.type: unknown search space type" in bad.stderr
    # The same YAML through load_job and the Python API.
    loaded = load_job(tmp_path / "sweep.yml")
    assert loaded.search_space == {"x": QUniform(1, 9, 1)} and loaded.limits == SweepJobLimits(max_total_trials=3, max_concurrent_trials=3)
    loaded.dump(tmp_path / "dumped.yml")
    assert load_job(tmp_path / "dumped.yml").search_space == loaded.search_space


def test_download_without_a_best_trial_is_refused(untracked, tmp_path):
    code = write_code(tmp_path / "src", **{"t.py": ""})
    sweep_job = command(code=str(code), command="python t.py ${{search_space.w}}").sweep(
        primary_metric="none", goal="minimize", sampling_algorithm="grid", search_space={"w": Choice(["a"])})
    sweep_job.set_limits(max_total_trials=1)
    name = untracked.create_or_update(sweep_job).name
    wait_for(untracked, name)
    # Without a metric there is no best trial to download.
    with pytest.raises(sweepkit.JobException, match="no completed trial"):
        untracked.jobs.download(name, download_path=str(tmp_path / "dl"))
    assert not (tmp_path / "dl").exists()
