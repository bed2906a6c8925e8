"""The sweep vocabulary of `azure.ai.ml.sweep`: the same twenty names, constructors, defaults and
`.type` strings, so `from sweepkit.sweep import Choice, Uniform, BanditPolicy` replaces the import."""
from ._objective import Objective, SweepJobLimits
from ._policies import BanditPolicy, EarlyTerminationPolicy, MedianStoppingPolicy, TruncationSelectionPolicy
from ._sampling import BayesianSamplingAlgorithm, GridSamplingAlgorithm, RandomSamplingAlgorithm, SamplingAlgorithm
from ._search_space import (Choice, LogNormal, LogUniform, Normal, QLogNormal, QLogUniform, QNormal, QUniform,
                            Randint, SweepDistribution, Uniform)
from ._sweep_job import SweepJob

__all__ = [
    "SweepJob", "SweepJobLimits", "Choice", "Normal", "LogNormal", "QNormal", "QLogNormal", "Randint", "Uniform",
    "QUniform", "LogUniform", "QLogUniform", "BanditPolicy", "MedianStoppingPolicy", "TruncationSelectionPolicy",
    "SamplingAlgorithm", "RandomSamplingAlgorithm", "GridSamplingAlgorithm", "BayesianSamplingAlgorithm", "Objective",
]
