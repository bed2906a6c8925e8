"""In-process sweeps from Python: ask/tell, optimize, best trial, reproducibility across faces."""
import json
import math
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

import sweepkit
from sweepkit import _core
from sweepkit.sweep import Choice, LogUniform, RandomSamplingAlgorithm, Uniform

from conftest import run_cli

SPACE = {"x0": Uniform(-5, 5), "x1": Uniform(-5, 5), "lr": LogUniform(-11.5, -2.3), "cat": Choice(["a", "b", "c"])}


def test_optimize_finds_the_best_trial_and_honours_the_limits():
    sweep = sweepkit.Sweep(search_space=SPACE, sampling_algorithm=RandomSamplingAlgorithm(seed=3),
                           primary_metric="loss", goal="minimize", max_total_trials=60)
    sweep.optimize(lambda t: (t.params["x0"] - 1) ** 2 + (t.params["x1"] + 2) ** 2)
    trials = sweep.trials
    assert len(trials) == 60 and all(t.state == "Completed" for t in trials)
    assert sweep.best_trial.value == min(t.value for t in trials)
    assert sweep.best_trial.number == min(trials, key=lambda t: t.value).number
    assert sweep.finish_reason == "max_total_trials (60) reached"
    assert sweep.ask() is None


def test_optimize_n_trials_continues_an_existing_sweep():
    sweep = sweepkit.Sweep(search_space=SPACE, goal="maximize")
    sweep.optimize(lambda t: t.params["x0"], n_trials=5)
    sweep.optimize(lambda t: t.params["x0"], n_trials=7)
    assert [t.number for t in sweep.trials] == list(range(12))


def test_failures_nan_and_caught_exceptions_are_recorded_and_the_sweep_goes_on():
    def objective(trial):
        if trial.number == 1:
            return float("nan")
        if trial.number == 2:
            raise ArithmeticError("diverged")
        return 1.0
    sweep = sweepkit.Sweep(search_space=SPACE, goal="minimize", max_total_trials=4)
    with pytest.warns(UserWarning, match="nan"):
        sweep.optimize(objective, catch=(ArithmeticError,))
    states = [t.state for t in sweep.trials]
    assert states == ["Completed", "Failed", "Failed", "Completed"]
    assert sweep.trials[2].message == "ArithmeticError: diverged"


def test_an_uncaught_exception_fails_the_trial_and_propagates():
    sweep = sweepkit.Sweep(search_space=SPACE, goal="minimize")
    with pytest.raises(KeyError):
        sweep.optimize(lambda t: {}["missing"])
    assert [t.state for t in sweep.trials] == ["Failed"]


def test_a_told_trial_holds_its_state_and_value():
    """"once told, `state` and `value`": the Trial object the caller holds is updated by tell."""
    sweep = sweepkit.Sweep(search_space=SPACE, goal="minimize")
    completed, failed, canceled = sweep.ask(), sweep.ask(), sweep.ask()
    assert (completed.state, completed.value) == ("Running", None)
    sweep.tell(completed, 0.25)
    sweep.tell(failed, state="failed", message="diverged")
    sweep.tell(canceled.number, state="canceled")
    assert (completed.state, completed.value, completed.message) == ("Completed", 0.25, None)
    assert (failed.state, failed.value, failed.message) == ("Failed", None, "diverged")
    assert canceled.state == "Canceled"
    assert [(t.state, t.value) for t in sweep.trials] == [("Completed", 0.25), ("Failed", None), ("Canceled", None)]


def test_conditional_params_arrive_nested_and_flattened():
    sweep = sweepkit.Sweep(search_space={"m": Choice([{"kernel": "rbf", "gamma": Uniform(0, 1)}])}, goal="minimize")
    trial = sweep.ask()
    assert set(trial.params["m"]) == {"kernel", "gamma"}
    assert trial.flat_params == {"m.kernel": "rbf", "m.gamma": trial.params["m"]["gamma"]}


def params_sequence(sweep, n):
    out = []
    for _ in range(n):
        trial = sweep.ask()
        out.append(trial.params)
        sweep.tell(trial, 0.0)
    return out


@pytest.mark.parametrize("rule", ["random", "sobol"])
def test_the_same_seed_gives_the_same_trials_and_another_seed_does_not(rule):
    make = lambda seed: sweepkit.Sweep(search_space=SPACE, goal="minimize",
                                       sampling_algorithm=RandomSamplingAlgorithm(rule=rule, seed=seed))
    assert params_sequence(make(11), 30) == params_sequence(make(11), 30)
    assert params_sequence(make(11), 30) != params_sequence(make(12), 30)


def test_without_a_seed_the_drawn_seed_is_reported_and_replays():
    first = sweepkit.Sweep(search_space=SPACE, goal="minimize")
    seed = first.spec["sampling_algorithm"]["seed"]
    replay = sweepkit.Sweep(search_space=SPACE, goal="minimize", sampling_algorithm=RandomSamplingAlgorithm(seed=seed))
    assert params_sequence(first, 10) == params_sequence(replay, 10)


@pytest.mark.parametrize("algorithm_yaml,algorithm", [
    ("{type: random, seed: 42}", RandomSamplingAlgorithm(seed=42)),
    ("{type: random, seed: 42, rule: sobol}", RandomSamplingAlgorithm(seed=42, rule="sobol")),
    ("{type: random, rule: sobol}", RandomSamplingAlgorithm(rule="sobol")),
    ("grid", "grid"),
])
def test_python_and_the_yaml_cli_propose_the_same_trials(tmp_path, sweepkit_command, algorithm_yaml, algorithm):
    grid = algorithm == "grid"
    space_yaml = ("  a: {type: choice, values: [1, 2, 3]}\n  b: {type: choice, values: [x, y]}\n" if grid else
                  "  x0: {type: uniform, min_value: -5, max_value: 5}\n"
                  "  lr: {type: loguniform, min_value: -11.5, max_value: -2.3}\n"
                  "  cat: {type: choice, values: [a, b, c]}\n")
    (tmp_path / "sweep.yml").write_text(textwrap.dedent(f"""\
        type: sweep
        trial: {{command: python train.py, code: src, environment: local}}
        sampling_algorithm: {algorithm_yaml}
        search_space:
        """) + space_yaml + "objective: {goal: minimize, primary_metric: loss}\nlimits: {max_total_trials: 6}\n")
    lines = run_cli(sweepkit_command, "sample", "--file", str(tmp_path / "sweep.yml")).stdout.splitlines()
    from_yaml = [json.loads(line) for line in lines]
    space = ({"a": Choice([1, 2, 3]), "b": Choice(["x", "y"])} if grid else
             {"x0": SPACE["x0"], "lr": SPACE["lr"], "cat": SPACE["cat"]})
    sweep = sweepkit.Sweep(search_space=space, goal="minimize", sampling_algorithm=algorithm)
    assert from_yaml == params_sequence(sweep, 6)


def test_the_gil_is_released_while_the_engine_works():
    """Another Python thread runs while the engine works. With a switch interval far longer than the
    test, the main thread only gives up the GIL when it blocks or releases it, so a counter that the
    other thread bumps moving across one engine call means the call released the GIL (no clocks)."""
    counter = [0]
    stop = threading.Event()

    def bump():
        while not stop.is_set():
            counter[0] += 1
            time.sleep(0.001)  # releases the GIL

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1000)
    thread = threading.Thread(target=bump)
    thread.start()
    try:
        moved = 0
        for _ in range(20):  # the other thread only needs the CPU once during one call
            before = counter[0]
            _core.sobol_points(1024, 1 << 12, True, 1)  # a long call into the engine
            moved += counter[0] != before
            if moved:
                break
    finally:
        stop.set()
        thread.join(timeout=30)
        sys.setswitchinterval(interval)
    assert moved, "no other Python thread ran during 20 engine calls: the GIL was held"


def test_ctrl_c_interrupts_a_long_optimize(tmp_path):
    """Ctrl-C during a trial: that trial ends Canceled, the finished ones stay Completed, and
    KeyboardInterrupt reaches the caller (here the trial would otherwise sleep 10 minutes)."""
    script = tmp_path / "long.py"
    script.write_text(textwrap.dedent("""\
        import sys, time, sweepkit
        from sweepkit.sweep import Uniform
        sweep = sweepkit.Sweep(search_space={"x": Uniform(0, 1)}, goal="minimize")

        def objective(trial):
            if trial.number == 10:
                print("trial 10 running", flush=True)
                time.sleep(600)
            return trial.params["x"]

        try:
            sweep.optimize(objective)
        except KeyboardInterrupt:
            states = [t.state for t in sweep.trials]
            print("interrupted", len(states), states[-1], set(states[:-1]), flush=True)
            sys.exit(0)
        """))
    process = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        lines = []  # read by a thread, so no wait for a line can block the test
        reader = threading.Thread(target=lambda: lines.extend(iter(process.stdout.readline, "")), daemon=True)
        reader.start()
        deadline = time.monotonic() + 60
        while "trial 10 running\n" not in lines:
            assert process.poll() is None and time.monotonic() < deadline, f"the script did not reach trial 10: {lines}"
            time.sleep(0.02)
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
        reader.join(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
    assert process.returncode == 0, lines
    assert lines[-1].split() == ["interrupted", "11", "Canceled", "{'Completed'}"]
