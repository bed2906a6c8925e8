"""Grid sampling: exhaustive, in itertools.product order (last key fastest), then over."""
import itertools

import pytest

import sweepkit
from sweepkit.sweep import Choice, GridSamplingAlgorithm, Uniform


def run_grid(space, **kwargs):
    sweep = sweepkit.Sweep(search_space=space, sampling_algorithm="grid", goal="maximize", **kwargs)
    trials = []
    while (trial := sweep.ask()) is not None:
        trials.append(trial.params)
        sweep.tell(trial, 1.0)
    return sweep, trials


def test_grid_is_the_cartesian_product_in_order_then_exhausted():
    values = {"a": [0.01, 0.1, 1], "b": ["x", "y"], "c": [True, False], "d": range(12, 15)}
    sweep, trials = run_grid({k: Choice(values=v) for k, v in values.items()})
    expected = [dict(zip(values, combo)) for combo in itertools.product(*values.values())]
    assert trials == expected
    assert "exhausted" in sweep.finish_reason


def test_grid_capped_by_max_total_trials_keeps_the_order():
    sweep, trials = run_grid({"a": Choice([1, 2, 3]), "b": Choice([4, 5])}, max_total_trials=4)
    assert trials == [{"a": 1, "b": 4}, {"a": 1, "b": 5}, {"a": 2, "b": 4}, {"a": 2, "b": 5}]
    assert sweep.finish_reason == "max_total_trials (4) reached"


def test_grid_expands_conditional_choices():
    space = {"model": Choice([{"kernel": "linear"}, {"kernel": "rbf", "gamma": Choice([0.1, 1.0])}])}
    _, trials = run_grid(space)
    assert trials == [{"model": {"kernel": "linear"}}, {"model": {"kernel": "rbf", "gamma": 0.1}},
                      {"model": {"kernel": "rbf", "gamma": 1.0}}]


@pytest.mark.parametrize("algorithm", ["grid", "GRID", "Grid", GridSamplingAlgorithm()])
def test_grid_rejects_non_choice_expressions_naming_the_parameter(algorithm):
    with pytest.raises(sweepkit.ValidationException, match=r"search_space\.lr: grid sampling supports only choice"):
        sweepkit.Sweep(search_space={"a": Choice([1]), "lr": Uniform(0, 1)}, sampling_algorithm=algorithm, goal="minimize")
