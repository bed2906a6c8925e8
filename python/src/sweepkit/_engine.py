"""The one place that talks to the Swift engine (`sweepkit._core`, a thin wrapper of sweepkit.h)."""
import json

from . import _core
from .exceptions import EngineError, UnavailableError, UserErrorException, ValidationException

_core._set_exception_classes(ValidationException, UserErrorException, UnavailableError, EngineError)

# sk_trial_state values of sweepkit.h
TRIAL_STATES = {"completed": 1, "failed": 2, "canceled": 3}


def normalize_spec(spec: dict) -> dict:
    """Validates a sweep spec in the engine and returns its canonical form."""
    return json.loads(_core.normalize_spec(dumps(spec)))


def normalize_space(space: dict, form: str = "wire") -> dict:
    return json.loads(_core.normalize_space(dumps(space), 0 if form == "wire" else 1))


def dumps(value) -> str:
    try:
        return json.dumps(value, default=_plain, allow_nan=True)
    except (TypeError, ValueError) as error:
        raise ValidationException(str(error)) from None


def _plain(value):
    """numpy scalars and other number-likes become plain JSON numbers."""
    item = getattr(value, "item", None)
    if callable(item):
        plain = item()
        if isinstance(plain, (int, float, str, bool)):
            return plain
    if isinstance(value, range):
        return list(value)
    raise TypeError(f"{value!r} (of type {type(value).__name__}) cannot be part of a sweep spec")


def warn_about(spec: dict) -> None:
    """Emits the engine's advice about a valid spec (e.g. Azure's Bayesian recommendations) as warnings."""
    import warnings
    for message in json.loads(_core.spec_advice(dumps(spec))):
        warnings.warn(message, stacklevel=3)
