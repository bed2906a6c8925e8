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
    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.005)

    thread = threading.Thread(target=tick)
    thread.start()
    time.sleep(0.02)
    start = time.monotonic()
    _core.sobol_points(1024, 1 << 14, True, 1)  # a long call into the engine (~0.1-1 s)
    end = time.monotonic()
    stop.set()
    thread.join()
    during = [t for t in ticks if start < t < end]
    assert end - start > 0.05, "the call was too short to tell"
    assert len(during) >= 3, f"the Python thread ran {len(during)} times during a {end - start:.2f} s engine call"


def test_ctrl_c_interrupts_a_long_optimize_promptly(tmp_path):
    script = tmp_path / "long.py"
    script.write_text(textwrap.dedent("""\
        import sys, time, sweepkit
        from sweepkit.sweep import Uniform
        sweep = sweepkit.Sweep(search_space={"x": Uniform(0, 1)}, goal="minimize")
        print("ready", flush=True)
        try:
            sweep.optimize(lambda t: time.sleep(0.01) or t.params["x"])
        except KeyboardInterrupt:
            states = [t.state for t in sweep.trials]
            print("interrupted", len(states), states[-1], set(states[:-1]), flush=True)
            sys.exit(0)
        """))
    process = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "ready"
    time.sleep(0.5)
    sent = time.monotonic()
    process.send_signal(signal.SIGINT)
    out, _ = process.communicate(timeout=10)
    elapsed = time.monotonic() - sent
    assert process.returncode == 0, out
    words = out.split()
    assert words[0] == "interrupted" and int(words[1]) > 5
    assert words[2] == "Canceled" and "{'Completed'}" in out
    print(f"KeyboardInterrupt handled {elapsed * 1000:.0f} ms after SIGINT")
