"""Sampling algorithms, with the constructors and `.type` strings of `azure.ai.ml.sweep`."""
from typing import Optional, Union


class SamplingAlgorithm:
    """Base class of the sampling algorithms."""

    def __init__(self) -> None:
        self.type: Optional[str] = None

    def _to_spec(self) -> dict:
        return {"type": self.type}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SamplingAlgorithm) and self._to_spec() == other._to_spec()

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self._to_spec().items() if k != "type")
        return f"{type(self).__name__}({fields})"


class RandomSamplingAlgorithm(SamplingAlgorithm):
    """Random sampling. `rule="random"` draws independent values; `rule="sobol"` follows the Sobol
    sequence (plain without a seed, scrambled with one). The same seed gives the same trials."""

    def __init__(self, *, rule: Optional[str] = None, seed: Optional[int] = None,
                 logbase: Optional[Union[float, str]] = None) -> None:
        super().__init__()
        self.type = "random"
        self.rule = rule
        self.seed = seed
        self.logbase = logbase

    def _to_spec(self) -> dict:
        spec = {"type": "random"}
        if self.rule is not None:
            spec["rule"] = self.rule
        if self.seed is not None:
            spec["seed"] = self.seed
        if self.logbase is not None:
            spec["logbase"] = self.logbase
        return spec


class GridSamplingAlgorithm(SamplingAlgorithm):
    """Every combination of the choice values, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.type = "grid"


class BayesianSamplingAlgorithm(SamplingAlgorithm):
    """Model-based sampling from the results so far."""

    def __init__(self) -> None:
        super().__init__()
        self.type = "bayesian"
