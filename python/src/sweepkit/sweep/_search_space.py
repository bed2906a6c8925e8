"""The ten parameter expressions, with the constructors and `.type` strings of `azure.ai.ml.sweep`.

These classes only hold their arguments and write the wire form (`["uniform", [0.1, 1]]`); the
rules (min < max, sigma >= 0, ...) and the sampling semantics live in the Swift engine, which
checks every sweep before it runs.
"""
from typing import Any, Callable, Dict, List, Optional, Union

from .. import _engine
from ..exceptions import JobException


class SweepDistribution:
    """Base class of the parameter expressions."""

    def __init__(self, *, type: Optional[str] = None) -> None:  # noqa: A002 - Azure's name
        self.type = type

    # The positional argument names of the wire form, in order (set by each subclass).
    _argument_names: tuple = ()

    def _arguments(self) -> list:
        return [getattr(self, name) for name in self._argument_names]

    def _to_rest_object(self) -> list:
        return [self.type, self._arguments()]

    def _to_dict(self) -> dict:
        """The YAML dict form: `{"type": "uniform", "min_value": ..., "max_value": ...}`."""
        out = {"type": self.type}
        out.update(zip(self._argument_names, self._arguments()))
        return out

    @classmethod
    def _from_rest_object(cls, obj: list) -> "SweepDistribution":
        return distribution_from_wire(obj)

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, SweepDistribution):
            return NotImplemented
        return self._to_rest_object() == other._to_rest_object()

    def __repr__(self) -> str:
        arguments = ", ".join(f"{name}={value!r}" for name, value in zip(self._argument_names, self._arguments()))
        return f"{type(self).__name__}({arguments})"


class Choice(SweepDistribution):
    """One of `values`, uniformly. `values` may be a list, a tuple or a range; a value may be a
    dict whose entries are literals or nested expressions (a conditional space)."""

    _argument_names = ("values",)

    def __init__(self, values: Optional[List[Union[float, str, dict]]] = None, **kwargs: Any) -> None:
        kwargs.setdefault("type", "choice")
        super().__init__(**kwargs)
        self.values = list(values) if isinstance(values, (range, tuple)) else values

    def _arguments(self) -> list:
        values = self.values if self.values is not None else []
        return [[_value_to_wire(v) for v in values]]

    def _to_dict(self) -> dict:
        values = self.values if self.values is not None else []
        return {"type": self.type, "values": [_value_to_dict(v) for v in values]}


class Randint(SweepDistribution):
    """An integer in [0, upper)."""

    _argument_names = ("upper",)

    def __init__(self, upper: Optional[int] = None, **kwargs: Any) -> None:
        kwargs.setdefault("type", "randint")
        super().__init__(**kwargs)
        self.upper = upper


class Uniform(SweepDistribution):
    """A value uniformly distributed between min_value and max_value."""

    _argument_names = ("min_value", "max_value")

    def __init__(self, min_value: Optional[float] = None, max_value: Optional[float] = None, **kwargs: Any) -> None:
        kwargs.setdefault("type", "uniform")
        super().__init__(**kwargs)
        self.min_value = min_value
        self.max_value = max_value


class LogUniform(Uniform):
    """exp(Uniform(min_value, max_value)): the bounds are exponents."""

    def __init__(self, min_value: Optional[float] = None, max_value: Optional[float] = None, **kwargs: Any) -> None:
        kwargs.setdefault("type", "loguniform")
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)


class QUniform(Uniform):
    """round(Uniform(min_value, max_value) / q) * q."""

    _argument_names = ("min_value", "max_value", "q")

    def __init__(self, min_value: Optional[Union[int, float]] = None, max_value: Optional[Union[int, float]] = None,
                 q: Optional[int] = None, **kwargs: Any) -> None:
        kwargs.setdefault("type", "quniform")
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)
        self.q = q


class QLogUniform(QUniform):
    """round(exp(Uniform(min_value, max_value)) / q) * q."""

    def __init__(self, min_value: Optional[float] = None, max_value: Optional[float] = None,
                 q: Optional[int] = None, **kwargs: Any) -> None:
        kwargs.setdefault("type", "qloguniform")
        super().__init__(min_value=min_value, max_value=max_value, q=q, **kwargs)


class Normal(SweepDistribution):
    """A value normally distributed with mean mu and standard deviation sigma."""

    _argument_names = ("mu", "sigma")

    def __init__(self, mu: Optional[float] = None, sigma: Optional[float] = None, **kwargs: Any) -> None:
        kwargs.setdefault("type", "normal")
        super().__init__(**kwargs)
        self.mu = mu
        self.sigma = sigma


class LogNormal(Normal):
    """exp(Normal(mu, sigma))."""

    def __init__(self, mu: Optional[float] = None, sigma: Optional[float] = None, **kwargs: Any) -> None:
        kwargs.setdefault("type", "lognormal")
        super().__init__(mu=mu, sigma=sigma, **kwargs)


class QNormal(Normal):
    """round(Normal(mu, sigma) / q) * q."""

    _argument_names = ("mu", "sigma", "q")

    def __init__(self, mu: Optional[float] = None, sigma: Optional[float] = None, q: Optional[int] = None,
                 **kwargs: Any) -> None:
        kwargs.setdefault("type", "qnormal")
        super().__init__(mu=mu, sigma=sigma, **kwargs)
        self.q = q


class QLogNormal(QNormal):
    """round(exp(Normal(mu, sigma)) / q) * q."""

    def __init__(self, mu: Optional[float] = None, sigma: Optional[float] = None, q: Optional[int] = None,
                 **kwargs: Any) -> None:
        kwargs.setdefault("type", "qlognormal")
        super().__init__(mu=mu, sigma=sigma, q=q, **kwargs)


_CLASSES = {cls().type: cls for cls in (Choice, Randint, Uniform, LogUniform, QUniform, QLogUniform,
                                         Normal, LogNormal, QNormal, QLogNormal)}


def _value_to_wire(value: Any) -> Any:
    if isinstance(value, SweepDistribution):
        return value._to_rest_object()
    if isinstance(value, dict):
        return {key: _value_to_wire(v) for key, v in value.items()}
    return value


def _value_to_dict(value: Any) -> Any:
    if isinstance(value, SweepDistribution):
        return value._to_dict()
    if isinstance(value, dict):
        return {key: _value_to_dict(v) for key, v in value.items()}
    return value


def distribution_from_wire(obj: Any) -> SweepDistribution:
    """`["uniform", [0, 1]]` or `{"type": "uniform", ...}` → `Uniform(0, 1)`; nested choices too."""
    if isinstance(obj, SweepDistribution):
        return obj
    if isinstance(obj, dict):
        kind = str(obj.get("type", "")).lower()
        cls = _CLASSES.get(kind)
        if cls is None:
            raise JobException(f"Unknown search space type: {obj.get('type')}")
        arguments = {k: v for k, v in obj.items() if k != "type"}
        if cls is Choice:
            arguments["values"] = [_nested_from_wire(v) for v in arguments.get("values") or []]
        return cls(**arguments)
    if isinstance(obj, (list, tuple)) and len(obj) == 2 and isinstance(obj[1], (list, tuple)):
        kind = str(obj[0]).lower()
        cls = _CLASSES.get(kind)
        if cls is None:
            raise JobException(f"Unknown search space type: {obj[0]}")
        if cls is Choice:
            values = obj[1][0] if obj[1] else []
            return Choice([_nested_from_wire(v) for v in values])
        return cls(*obj[1])
    raise JobException(f"Unknown search space type: {obj!r}")


def _nested_from_wire(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _maybe_distribution(v) for key, v in value.items()}
    return value


def _maybe_distribution(value: Any) -> Any:
    if isinstance(value, dict) and str(value.get("type", "")).lower() in _CLASSES:
        return distribution_from_wire(value)
    if (isinstance(value, list) and len(value) == 2 and isinstance(value[1], list)
            and str(value[0]).lower() in _CLASSES):
        return distribution_from_wire(value)
    return value


def converted(name: str, convert: Callable[[Any], Any], value: Any) -> Any:
    """`convert(value)` for parameter `name`. Conditional choices nested too deep for Python's
    recursion are the engine's depth error, naming the parameter, not a RecursionError."""
    try:
        return convert(value)
    except RecursionError:
        raise _engine.limit_exceeded(_engine.input_limits(), "max_input_depth", f"search_space.{name}",
                                     "nesting too deep") from None


def search_space_to_wire(search_space: Dict[str, Any]) -> Dict[str, Any]:
    """A search space of distribution objects (or already-wire/YAML forms) in the wire form, each
    parameter checked against the engine's depth and value limits (it sits 3 levels deep in a spec)."""
    limits = _engine.input_limits()
    wire = {}
    for name, value in search_space.items():
        if isinstance(value, SweepDistribution):
            value = converted(name, lambda v: v._to_rest_object(), value)
        _engine.check_document(value, f"search_space.{name}", limits, depth=3)
        wire[name] = value
    return wire
