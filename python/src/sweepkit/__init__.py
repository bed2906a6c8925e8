"""SweepKit: hyperparameter sweeps with the Azure ML sweep-job API, on a Swift engine.

`from sweepkit.sweep import Choice, Uniform, ...` mirrors `azure.ai.ml.sweep`;
`sweepkit.Sweep` runs a sweep in-process with ask/tell or `optimize(fn)`.
"""
from . import _engine  # noqa: F401  (hands the exception classes to the engine)
from . import sweep
from ._core import version as _engine_version
from ._inprocess import Sweep, Trial
from .exceptions import (EngineError, JobException, MlException, UnavailableError, UserErrorException,
                         ValidationException)

__version__ = _engine_version()

__all__ = ["Sweep", "Trial", "sweep", "MlException", "ValidationException", "UserErrorException", "JobException",
           "UnavailableError", "EngineError"]
