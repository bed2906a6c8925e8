"""The catalogue of invalid sweeps: each is a ValidationException (a ValueError) naming the field,
raised before any trial runs."""
import pytest

import sweepkit
from sweepkit.sweep import (BanditPolicy, Choice, LogUniform, MedianStoppingPolicy, Normal, QNormal, QUniform,
                            RandomSamplingAlgorithm, Randint, TruncationSelectionPolicy, Uniform)

CATALOGUE = [
    ({"x": Uniform(1, 0.5)}, {}, "search_space.x: uniform expects min_value < max_value, got min_value=1, max_value=0.5"),
    ({"x": Uniform()}, {}, "search_space.x.min_value: uniform expects min_value to be a number, got null"),
    ({"x": LogUniform(3, 1)}, {}, "search_space.x: loguniform expects min_value <= max_value"),
    ({"x": QUniform(0, 10, 0)}, {}, "search_space.x: quniform expects q to be positive"),
    ({"x": Normal(0, -1)}, {}, "search_space.x: normal expects sigma to be non negative"),
    ({"x": QNormal(0, 1, -1)}, {}, "search_space.x: qnormal expects q to be positive"),
    ({"x": Randint(0)}, {}, "search_space.x: randint expects a positive number as input"),
    ({"x": Randint(2.5)}, {}, "search_space.x.upper: randint expects upper to be an integer"),
    ({"x": Choice([])}, {}, "search_space.x.values: choice expects non-empty single list"),
    ({"x": Choice()}, {}, "search_space.x.values: choice expects non-empty single list"),
    ({"x": Choice([1, None])}, {}, "search_space.x.values[1]: choice values must be"),
    ({"bad-key": Uniform(0, 1)}, {}, "search_space.bad-key: key name 'bad-key' must be composed of letters, numbers, and underscore"),
    ({"c": Choice([{"g": Uniform(3, 1)}])}, {}, r"search_space.c.values[0].g: uniform expects min_value < max_value"),
    ({"x": 0.5}, {}, "search_space.x: expected a parameter expression"),
    ({}, {}, "search_space: the search space is empty"),
    ({"x": Uniform(0, 1)}, {"sampling_algorithm": "grid"}, "search_space.x: grid sampling supports only choice"),
    ({"x": Uniform(0, 1)}, {"sampling_algorithm": "halton"}, "sampling_algorithm: unsupported sampling algorithm: halton"),
    ({"x": Uniform(0, 1)}, {"sampling_algorithm": RandomSamplingAlgorithm(rule="halton")},
     "sampling_algorithm.rule: Value \"halton\" passed is not in set ['random', 'sobol']"),
    ({"x": Uniform(0, 1)}, {"sampling_algorithm": RandomSamplingAlgorithm(seed="7")}, "sampling_algorithm.seed: seed must be an integer"),
    ({"x": Uniform(0, 1)}, {"sampling_algorithm": 3}, "unsupported sampling algorithm: 3"),
    ({"x": Uniform(0, 1)}, {"goal": "upward"}, "objective.goal: Value \"upward\" passed is not in set ['minimize', 'maximize']"),
    ({"x": Uniform(0, 1)}, {"max_total_trials": 0}, "limits.max_total_trials: must be an integer of at least 1"),
    ({"x": Uniform(0, 1)}, {"max_concurrent_trials": -1}, "limits.max_concurrent_trials: must be an integer of at least 1"),
    ({"x": Uniform(0, 1)}, {"timeout": 0}, "limits.timeout: must be a positive number of seconds"),
    ({"x": Uniform(0, 1)}, {"early_termination": BanditPolicy()},
     "early_termination: Bandit termination policy expects exactly one of slack factor or slack amount to be set."),
    ({"x": Uniform(0, 1)}, {"early_termination": BanditPolicy(slack_factor=0.1, slack_amount=0.2)},
     "exactly one of slack factor or slack amount"),
    ({"x": Uniform(0, 1)}, {"early_termination": BanditPolicy(slack_factor=-0.1)}, "must be non-negative"),
    ({"x": Uniform(0, 1)}, {"early_termination": TruncationSelectionPolicy(truncation_percentage=0)},
     "early_termination.truncation_percentage: truncation_percentage expects value to be between 1 and 99"),
    ({"x": Uniform(0, 1)}, {"early_termination": TruncationSelectionPolicy(truncation_percentage=100)}, "between 1 and 99"),
    ({"x": Uniform(0, 1)}, {"early_termination": MedianStoppingPolicy(delay_evaluation=-1)},
     "early_termination.delay_evaluation: must be a non-negative integer"),
    ({"x": Uniform(0, 1)}, {"early_termination": MedianStoppingPolicy(evaluation_interval=-1)},
     "early_termination.evaluation_interval: must be a non-negative integer"),
    ({"x": Uniform(0, 1)}, {"early_termination": "hyperband"}, "Received unsupported value hyperband as the early termination policy"),
    ({"x": Uniform(0, 1)}, {"early_termination": 3}, "Received unsupported value of type <class 'int'> as the early termination policy"),
]


@pytest.mark.parametrize("space,kwargs,message", CATALOGUE, ids=[m[:40] for _, _, m in CATALOGUE])
def test_invalid_sweeps_raise_validation_exception_naming_the_field(space, kwargs, message):
    kwargs = {"goal": "minimize", **kwargs}
    with pytest.raises(sweepkit.ValidationException) as raised:
        sweepkit.Sweep(search_space=space, **kwargs)
    assert message in str(raised.value)
    assert isinstance(raised.value, ValueError)


@pytest.mark.parametrize("policy,expected", [
    (BanditPolicy(slack_factor=0.1), {"type": "bandit", "slack_factor": 0.1, "delay_evaluation": 0, "evaluation_interval": 0}),
    (BanditPolicy(slack_amount=0.2, delay_evaluation=3, evaluation_interval=2),
     {"type": "bandit", "slack_amount": 0.2, "delay_evaluation": 3, "evaluation_interval": 2}),
    ("median_stopping", {"type": "median_stopping", "delay_evaluation": 0, "evaluation_interval": 1}),
    ("MedianStopping", {"type": "median_stopping"}),
    (MedianStoppingPolicy(delay_evaluation=5), {"type": "median_stopping", "delay_evaluation": 5, "evaluation_interval": 1}),
    (TruncationSelectionPolicy(truncation_percentage=20, exclude_finished_jobs=True),
     {"type": "truncation_selection", "truncation_percentage": 20, "exclude_finished_jobs": True}),
    (TruncationSelectionPolicy(truncation_percentage=30), {"type": "truncation_selection", "exclude_finished_jobs": False}),
    ({"type": "truncation_selection", "truncation_percentage": 10}, {"type": "truncation_selection", "truncation_percentage": 10}),
])
def test_every_documented_policy_spelling_reaches_the_engine_as_written(policy, expected):
    sweep = sweepkit.Sweep(search_space={"x": Uniform(0, 1)}, goal="minimize", early_termination=policy)
    spec = sweep.spec["early_termination"]
    assert {key: spec.get(key) for key in expected} == expected


def test_bayesian_sampling_accepts_every_expression_and_a_policy():
    from sweepkit.sweep import LogNormal, QLogUniform, Choice
    space = {"a": Uniform(0, 1), "b": LogNormal(0, 1), "c": QLogUniform(0, 3, 1), "d": Choice(["x", "y"]), "e": Randint(4)}
    with pytest.warns(UserWarning, match="Recommended value: 100"):
        sweep = sweepkit.Sweep(search_space=space, sampling_algorithm="Bayesian", goal="minimize", max_total_trials=14,
                               early_termination=MedianStoppingPolicy())
    with pytest.warns(UserWarning, match="20 max concurrent runs or fewer"):
        sweepkit.Sweep(search_space={"a": Uniform(0, 1)}, sampling_algorithm="bayesian", goal="minimize",
                       max_total_trials=40, max_concurrent_trials=30)
    sweep.optimize(lambda t: (t["a"] - 0.3) ** 2 + t["e"])
    assert len(sweep.trials) == 14 and sweep.spec["sampling_algorithm"]["type"] == "bayesian"


def test_misuse_is_a_user_error_not_a_crash():
    sweep = sweepkit.Sweep(search_space={"x": Uniform(0, 1)}, goal="minimize", max_concurrent_trials=1)
    trial = sweep.ask()
    with pytest.raises(sweepkit.UserErrorException, match="max_concurrent_trials"):
        sweep.ask()
    with pytest.raises(sweepkit.UserErrorException, match="no trial 7"):
        sweep.tell(7, 1.0)
    with pytest.raises(sweepkit.ValidationException, match="finite value"):
        sweep.tell(trial, float("nan"))
    with pytest.raises(sweepkit.ValidationException, match="state"):
        sweep.tell(trial, 1.0, state="paused")
    sweep.tell(trial, 1.0)
    with pytest.raises(sweepkit.UserErrorException, match="already finished"):
        sweep.tell(trial, 2.0)


def test_the_core_rejects_bad_handles_and_json():
    from sweepkit import _core
    with pytest.raises(TypeError):
        _core.sweep_ask(object())
    with pytest.raises(sweepkit.ValidationException, match="invalid JSON"):
        _core.sweep_create("{nope")
