"""Early termination, acting on decisions: command trials are stopped (SIGTERM), end Canceled with
their MLflow run KILLED and the reason; in-process trials see `report()` return True. Every
decision is recorded with its interval, value and threshold. The formulas themselves are tested
against the documentation's worked examples in Tests/SweepKitTests/TerminationPolicyTests.swift."""
import json
import math

import pytest

import sweepkit
from sweepkit import MLClient, command
from sweepkit.sweep import BanditPolicy, Choice, MedianStoppingPolicy, TruncationSelectionPolicy, Uniform

from jobs_helpers import wait_for, write_code

CURVE_TRIAL = """
    import json, sys, time, mlflow
    curve = json.loads(sys.argv[1])
    progress = sys.argv[2]
    for step, value in enumerate(curve):
        mlflow.log_metric("acc", value, step=step)
        with open(progress, "a") as f:
            f.write(f"{step}\\n")
        time.sleep(0.25)
"""


@pytest.fixture
def workspace(tmp_path, monkeypatch, mlflow_db):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_db)
    monkeypatch.setenv("SWEEPKIT_METRIC_POLL_SECONDS", "0.05")
    return MLClient(workspace_dir=str(tmp_path / "ws"))


def run_curves(workspace, tmp_path, curves, policy, goal="maximize"):
    code = write_code(tmp_path / "src", **{"curve.py": CURVE_TRIAL})
    # A curve per trial, in order (grid over the curve's index at concurrency 1): decisions are predictable.
    choices = [json.dumps(c).replace(" ", "") for c in curves]
    sweep_job = command(code=str(code), command=f"python curve.py ${{{{search_space.curve}}}} {tmp_path}/progress-${{{{search_space.index}}}}").sweep(
        primary_metric="acc", goal=goal, sampling_algorithm="grid",
        search_space={"curve": Choice([choices[0]]), "index": Choice(list(range(len(curves))))},
        early_termination_policy=policy)
    # Pair each index with its curve through a conditional choice instead of a product:
    sweep_job.search_space = {"index": Choice([{"curve": c, "i": i} for i, c in enumerate(choices)])}
    sweep_job.trial.command = f"python curve.py ${{{{search_space.index.curve}}}} {tmp_path}/progress-${{{{search_space.index.i}}}}"
    sweep_job.set_limits(max_total_trials=len(curves), max_concurrent_trials=1)
    return wait_for(workspace, workspace.create_or_update(sweep_job).name, timeout=180)


def steps_run(tmp_path, index):
    path = tmp_path / f"progress-{index}"
    return len(path.read_text().splitlines()) if path.exists() else 0


def test_bandit_stops_a_command_trial_and_records_why(workspace, tmp_path, mlflow_db):
    report = run_curves(workspace, tmp_path, [[0.8] * 10, [0.6] * 10, [0.7] * 10],
                        BanditPolicy(slack_factor=0.2, evaluation_interval=1, delay_evaluation=2))
    first, second, third = report["trials"]
    assert first["status"] == "Completed" and third["status"] == "Completed"
    assert second["status"] == "Canceled"
    decision = second["stop_decision"]
    assert decision["policy"] == "bandit" and decision["interval"] == 2
    assert decision["value"] == 0.6 and decision["threshold"] == pytest.approx(0.8 / 1.2)
    assert second["message"] == decision["reason"]
    assert report["stop_decisions"] == [decision]
    assert steps_run(tmp_path, 1) < 10, "the stopped trial kept running"
    from mlflow import MlflowClient
    run = MlflowClient(mlflow_db).get_run(second["run_id"])
    assert run.info.status == "KILLED" and run.data.tags["sweepkit.message"] == decision["reason"]


def test_median_stopping_with_a_delay_for_a_minimize_goal(workspace, tmp_path):
    # Averages over intervals 1..3: 1, 1 and the third trial's own 4: median 1; its best 3 > 1.
    # (The second trial is not stopped: its best equals the median, and only worse is stopped.)
    report = run_curves(workspace, tmp_path, [[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1], [5, 4, 3, 3, 3, 3]],
                        MedianStoppingPolicy(delay_evaluation=3, evaluation_interval=1), goal="minimize")
    assert [t["status"] for t in report["trials"]] == ["Completed", "Completed", "Canceled"]
    decision = report["trials"][2]["stop_decision"]
    assert decision["interval"] == 3 and decision["value"] == 3 and decision["threshold"] == 1
    assert steps_run(tmp_path, 2) < 6


def test_in_process_report_returns_true_and_optimize_records_the_stop():
    sweep = sweepkit.Sweep(search_space={"x": Uniform(0, 1)}, goal="maximize",
                           early_termination=TruncationSelectionPolicy(truncation_percentage=50, evaluation_interval=1))
    curves = iter([[0.9, 0.9, 0.9], [0.5, 0.5, 0.5], [0.95, 0.97, 0.99]])

    def objective(trial):
        curve = next(curves)
        for step, value in enumerate(curve):
            if trial.report(value, step):
                raise sweepkit.TrialStopped()
        return curve[-1]

    sweep.optimize(objective, n_trials=3)
    states = [t.state for t in sweep.trials]
    assert states == ["Completed", "Canceled", "Completed"]
    [decision] = sweep.stop_decisions
    assert decision["trial"] == 1 and decision["interval"] == 1 and decision["policy"] == "truncation_selection"
    assert sweep.trials[1].message == decision["reason"]
