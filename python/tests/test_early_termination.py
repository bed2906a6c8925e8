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
    # The stopped trial's curve would take a minute: it can only end early by being stopped.
    report = run_curves(workspace, tmp_path, [[0.8] * 10, [0.6] * 240, [0.7] * 10],
                        BanditPolicy(slack_factor=0.2, evaluation_interval=1, delay_evaluation=2))
    first, second, third = report["trials"]
    assert first["status"] == "Completed" and third["status"] == "Completed"
    assert second["status"] == "Canceled"
    decision = second["stop_decision"]
    assert decision["policy"] == "bandit" and decision["interval"] == 2
    assert decision["value"] == 0.6 and decision["threshold"] == pytest.approx(0.8 / 1.2)
    assert second["message"] == decision["reason"]
    assert report["stop_decisions"] == [decision]
    assert second["exit"] == "was killed by signal 15", "SIGTERM ended it, not its own end"
    assert steps_run(tmp_path, 1) < 240, "the stopped trial kept running"
    from mlflow import MlflowClient
    run = MlflowClient(mlflow_db).get_run(second["run_id"])
    assert run.info.status == "KILLED" and run.data.tags["sweepkit.message"] == decision["reason"]


def test_median_stopping_with_a_delay_for_a_minimize_goal(workspace, tmp_path):
    # Averages over intervals 1..3: 1, 1 and the third trial's own 4: median 1; its best 3 > 1.
    # (The second trial is not stopped: its best equals the median, and only worse is stopped.)
    report = run_curves(workspace, tmp_path, [[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1], [5, 4] + [3] * 238],
                        MedianStoppingPolicy(delay_evaluation=3, evaluation_interval=1), goal="minimize")
    assert [t["status"] for t in report["trials"]] == ["Completed", "Completed", "Canceled"]
    decision = report["trials"][2]["stop_decision"]
    assert decision["interval"] == 3 and decision["value"] == 3 and decision["threshold"] == 1
    assert report["trials"][2]["exit"] == "was killed by signal 15"
    assert steps_run(tmp_path, 2) < 240


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


def in_process_decisions(policy, curves, goal="maximize", told=()):
    """Trials 0..n-1 asked together; `told` trials report their whole curve and are told first, then
    the others report theirs in turn. Each trial's first decision (or None)."""
    sweep = sweepkit.Sweep(search_space={"x": Uniform(0, 1)}, goal=goal, early_termination=policy)
    trials = [sweep.ask() for _ in curves]
    decisions = [None] * len(curves)
    order = list(told) + [i for i in range(len(curves)) if i not in told]
    for i in order:
        for value in curves[i]:
            if trials[i].report(value):
                decisions[i] = trials[i].stop_decision
                break
        if i in told:
            sweep.tell(trials[i], max(curves[i]) if goal == "maximize" else min(curves[i]))
    return decisions


def test_exclude_finished_jobs_reaches_the_engine(tmp_path, monkeypatch):
    # Trial 0 ended with 0.9; trial 1 (running) reports 0.5. Ranked with trial 0, 0.5 is the lower
    # half and is cut; with exclude_finished_jobs=True trial 1 is alone and goes on.
    curves = [[0.9], [0.5]]
    excluded = in_process_decisions(TruncationSelectionPolicy(truncation_percentage=50, exclude_finished_jobs=True),
                                    curves, told=[0])
    included = in_process_decisions(TruncationSelectionPolicy(truncation_percentage=50, exclude_finished_jobs=False),
                                    curves, told=[0])
    assert excluded == [None, None]
    assert included[1]["trial"] == 1 and included[1]["threshold"] == 0.9
    # And in a sweep job's spec, as submitted through MLClient.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "none")
    client = MLClient(workspace_dir=str(tmp_path / "ws"))
    code = write_code(tmp_path / "src", **{"t.py": ""})
    sweep_job = command(code=str(code), command="python t.py ${{search_space.x}}").sweep(
        primary_metric="m", goal="maximize", sampling_algorithm="grid", search_space={"x": Choice([1])},
        early_termination_policy=TruncationSelectionPolicy(truncation_percentage=25, exclude_finished_jobs=True))
    report = wait_for(client, client.create_or_update(sweep_job).name)
    assert report["spec"]["early_termination"]["exclude_finished_jobs"] is True
    assert report["spec"]["early_termination"]["truncation_percentage"] == 25


def test_in_process_policies_follow_their_arguments():
    # Best 1.0 (trial 0, ended); trial 1 reports 0.82: within slack_amount 0.2 (bound 0.8), not
    # within slack_factor 0.2 (bound 1 / 1.2 = 0.833).
    curves = [[1.0], [0.82]]
    assert in_process_decisions(BanditPolicy(slack_amount=0.2), curves, told=[0]) == [None, None]
    decision = in_process_decisions(BanditPolicy(slack_factor=0.2), curves, told=[0])[1]
    assert decision["policy"] == "bandit" and decision["threshold"] == pytest.approx(1 / 1.2)
    # delay_evaluation: nothing is evaluated before interval 2, then the running averages at 2.
    delayed = in_process_decisions(MedianStoppingPolicy(delay_evaluation=2), [[1.0, 1.0], [0.1, 0.2]], told=[0])
    assert delayed[1]["interval"] == 2 and delayed[1]["threshold"] == pytest.approx((1.0 + 0.15) / 2)
    # evaluation_interval 2: intervals 2, 4, ...; truncation's value at interval 2 (0.3 < 0.9).
    every_other = in_process_decisions(TruncationSelectionPolicy(truncation_percentage=50, evaluation_interval=2),
                                       [[0.9, 0.9], [0.1, 0.3]], told=[0])
    assert every_other[1]["interval"] == 2 and every_other[1]["value"] == 0.3
