"""The exception classes, named as in `azure.ai.ml.exceptions` so existing `except` clauses work."""


class MlException(Exception):
    """Base class of every SweepKit error."""


class ValidationException(MlException, ValueError):
    """A sweep, search space, policy or limit breaks a rule. The message names the field."""


class UserErrorException(MlException):
    """The API was used out of order (e.g. telling the result of a trial that was never asked)."""


class JobException(MlException):
    """A job could not be run or queried."""


class UnavailableError(MlException, NotImplementedError):
    """The feature exists in the API but not in this build yet."""


class EngineError(MlException, RuntimeError):
    """A sampler or plugin failed while the sweep ran."""
