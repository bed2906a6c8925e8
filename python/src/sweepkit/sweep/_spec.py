"""Turns the Python objects of a sweep into the engine's canonical spec (a JSON-able dict).

Only shapes are handled here (objects → dicts, the Azure string forms); every rule is checked by
the engine when the spec reaches it, with a message naming the field.
"""
from typing import Any, Dict, Optional, Union

from ..exceptions import ValidationException
from ._objective import Objective, SweepJobLimits
from ._policies import EarlyTerminationPolicy
from ._sampling import SamplingAlgorithm
from ._search_space import search_space_to_wire


def sampling_algorithm_to_spec(value: Union[str, SamplingAlgorithm, dict, None]) -> Any:
    if value is None:
        return "random"
    if isinstance(value, SamplingAlgorithm):
        return value._to_spec()
    if isinstance(value, (str, dict)):
        return value
    raise ValidationException(f"unsupported sampling algorithm: {value!r}")


def early_termination_to_spec(value: Union[str, EarlyTerminationPolicy, dict, None]) -> Any:
    if value is None or isinstance(value, (str, dict)):
        return value
    if isinstance(value, EarlyTerminationPolicy):
        return value._to_spec()
    raise ValidationException(f"Received unsupported value of type {type(value)} as the early termination policy")


def limits_to_spec(value: Union[SweepJobLimits, dict, None]) -> dict:
    if value is None:
        return {}
    if isinstance(value, SweepJobLimits):
        return value._to_spec()
    if isinstance(value, dict):
        return dict(value)
    raise ValidationException(f"limits must be SweepJobLimits but get {type(value)} instead")


def build_spec(*, search_space: Optional[Dict[str, Any]], sampling_algorithm: Any, objective: Optional[Objective],
               limits: Any = None, early_termination: Any = None) -> dict:
    if not isinstance(search_space, dict):
        raise ValidationException(f"search_space: expected a dict of parameter names to expressions, got {type(search_space).__name__}")
    if objective is None:
        raise ValidationException("objective: Missing data for required field: goal and primary_metric")
    spec = {
        "search_space": search_space_to_wire(search_space),
        "sampling_algorithm": sampling_algorithm_to_spec(sampling_algorithm),
        "objective": {"goal": objective.goal, "primary_metric": objective.primary_metric},
        "limits": limits_to_spec(limits),
    }
    policy = early_termination_to_spec(early_termination)
    if policy is not None:
        spec["early_termination"] = policy
    return spec
