"""SweepKit: hyperparameter sweeps with the Azure ML sweep-job API, on a Swift engine.

`from sweepkit.sweep import Choice, Uniform, ...` mirrors `azure.ai.ml.sweep`;
`from sweepkit import command, MLClient` mirrors `azure.ai.ml` for sweep jobs over command trials;
`sweepkit.Sweep` runs a sweep in-process with ask/tell or `optimize(fn)`.
"""
from . import _engine  # the one module that calls the engine (sweepkit._core)
from . import sweep
from . import _yaml  # noqa: F401  (adds SweepJob.dump)
from ._builders import Input, Output, command
from ._client import MLClient
from ._compute import load_compute
from ._inprocess import Sweep, Trial, TrialStopped
from ._plugins import load_plugin, plugins, register_sampler
from ._yaml import load_job
from .exceptions import (EngineError, JobException, MlException, UnavailableError, UserErrorException,
                         ValidationException)

__version__: str = _engine.version()

__all__ = ["Sweep", "Trial", "TrialStopped", "load_plugin", "plugins", "register_sampler", "sweep", "command", "Input", "Output", "MLClient", "load_job", "load_compute", "MlException", "ValidationException", "UserErrorException", "JobException",
           "UnavailableError", "EngineError"]
