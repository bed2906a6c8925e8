"""`Objective` and `SweepJobLimits`, as in `azure.ai.ml.sweep`."""
from typing import Optional, Union


class Objective:
    """The metric a sweep optimises and in which direction. `goal` is lowercased."""

    def __init__(self, goal: Optional[str], primary_metric: Optional[str] = None) -> None:
        self.goal = goal.lower() if isinstance(goal, str) else goal
        self.primary_metric = primary_metric

    def _to_spec(self) -> dict:
        return {"goal": self.goal, "primary_metric": self.primary_metric}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Objective) and self._to_spec() == other._to_spec()

    def __repr__(self) -> str:
        return f"Objective(goal={self.goal!r}, primary_metric={self.primary_metric!r})"


class SweepJobLimits:
    """Limits of a sweep. Timeouts are seconds; unlike the Azure SDK they are not floored to 60
    seconds and are never silently dropped (a bad value is a ValidationException when the sweep is
    built)."""

    def __init__(self, *, max_concurrent_trials: Optional[int] = None, max_total_trials: Optional[int] = None,
                 timeout: Optional[int] = None, trial_timeout: Optional[Union[int, str]] = None) -> None:
        self.type = "sweep"
        self.max_concurrent_trials = max_concurrent_trials
        self.max_total_trials = max_total_trials
        self.timeout = timeout
        self.trial_timeout = trial_timeout

    def _to_spec(self) -> dict:
        spec = {}
        for key in ("max_total_trials", "max_concurrent_trials", "timeout", "trial_timeout"):
            value = getattr(self, key)
            if value is not None:
                spec[key] = value
        return spec

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SweepJobLimits) and self._to_spec() == other._to_spec()

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self._to_spec().items())
        return f"SweepJobLimits({fields})"
