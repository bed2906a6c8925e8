"""The README's Python example: tune a function in-process with the Azure sweep vocabulary.

Run: scripts/example   (or, once installed: .venv/bin/python examples/inprocess_quickstart.py)
"""
import math

import sweepkit
from sweepkit.sweep import Choice, LogUniform, QUniform, RandomSamplingAlgorithm, Uniform


def validation_loss(trial):
    """A stand-in for training: a smooth loss with its optimum at x=1.5, lr=0.01, 64 units, adam."""
    p = trial.params
    return ((p["x"] - 1.5) ** 2 + (math.log10(p["lr"]) + 2) ** 2
            + abs(p["units"] - 64) / 64 + (0.3 if p["optimizer"] == "sgd" else 0.0))


sweep = sweepkit.Sweep(
    search_space={
        "x": Uniform(min_value=-5, max_value=5),
        "lr": LogUniform(min_value=math.log(1e-5), max_value=math.log(1e-1)),
        "units": QUniform(min_value=16, max_value=256, q=16),
        "optimizer": Choice(values=["adam", "sgd"]),
    },
    sampling_algorithm=RandomSamplingAlgorithm(rule="sobol", seed=7),
    primary_metric="validation_loss",
    goal="minimize",
    max_total_trials=200,
)
sweep.optimize(validation_loss)

best = sweep.best_trial
print(f"{len(sweep.trials)} trials ({sweep.finish_reason})")
print(f"best trial #{best.number}: validation_loss={best.value:.4f} params={best.params}")
