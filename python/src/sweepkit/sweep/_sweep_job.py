"""`SweepJob`, as in `azure.ai.ml.sweep`: the description of a sweep over a command trial."""
from typing import Any, Dict, Optional, Union

from ..exceptions import ValidationException
from ._objective import Objective, SweepJobLimits
from ._policies import EarlyTerminationPolicy
from ._sampling import SamplingAlgorithm
from ._spec import build_spec
from ._search_space import SweepDistribution, distribution_from_wire


class SweepJob:
    """A sweep job. Attributes can be set after construction, as with the Azure SDK.

    Unlike the Azure SDK, `sampling_algorithm` defaults to random sampling (as its documentation
    says), and `experiment_name` is kept however the job was built.
    """

    type = "sweep"

    def __init__(self, *, name: Optional[str] = None, description: Optional[str] = None,
                 tags: Optional[Dict] = None, display_name: Optional[str] = None,
                 experiment_name: Optional[str] = None, identity: Any = None,
                 inputs: Optional[Dict] = None, outputs: Optional[Dict] = None,
                 compute: Optional[str] = None, limits: Optional[SweepJobLimits] = None,
                 sampling_algorithm: Optional[Union[str, SamplingAlgorithm]] = None,
                 search_space: Optional[Dict[str, Any]] = None, objective: Optional[Objective] = None,
                 trial: Any = None, early_termination: Optional[EarlyTerminationPolicy] = None,
                 queue_settings: Any = None, resources: Any = None, **kwargs: Any) -> None:
        self.name = name
        self.description = description
        self.tags = dict(tags or {})
        self.display_name = display_name
        self.experiment_name = experiment_name
        self.identity = identity
        self.inputs = dict(inputs or {})
        self.outputs = dict(outputs or {})
        self.compute = compute
        self.limits = limits
        self.sampling_algorithm = sampling_algorithm
        self.search_space = search_space
        self.objective = objective
        self.trial = trial
        self.early_termination = early_termination
        self.queue_settings = queue_settings
        self.resources = resources
        self.properties = dict(kwargs.pop("properties", None) or {})
        self.status = kwargs.pop("status", None)
        self.services = kwargs.pop("services", None) or {}
        for key, value in kwargs.items():
            setattr(self, key, value)

    # --- attributes with the Azure SDK's checks -------------------------------------------------

    @property
    def sampling_algorithm(self):
        return self._sampling_algorithm

    @sampling_algorithm.setter
    def sampling_algorithm(self, value):
        if value is not None and not isinstance(value, (str, SamplingAlgorithm)):
            raise ValidationException(f"unsupported sampling algorithm: {value!r}")
        self._sampling_algorithm = value

    @property
    def early_termination(self):
        return self._early_termination

    @early_termination.setter
    def early_termination(self, value):
        if value is not None and not isinstance(value, (str, dict, EarlyTerminationPolicy)):
            raise ValidationException(f"Received unsupported value of type {type(value)} as the early termination policy")
        self._early_termination = value

    @property
    def limits(self):
        return self._limits

    @limits.setter
    def limits(self, value):
        if value is not None and not isinstance(value, SweepJobLimits):
            raise ValidationException(f"limits must be SweepJobLimits but get {type(value)} instead")
        self._limits = value

    @property
    def objective(self):
        return self._objective

    @objective.setter
    def objective(self, value):
        if isinstance(value, dict):
            value = Objective(**value)
        self._objective = value

    @property
    def search_space(self):
        return self._search_space

    @search_space.setter
    def search_space(self, value):
        if value is not None:
            value = {k: (v if isinstance(v, SweepDistribution) else distribution_from_wire(v)) for k, v in value.items()}
        self._search_space = value

    # --- methods ------------------------------------------------------------------------------

    def set_limits(self, *, max_concurrent_trials: Optional[int] = None, max_total_trials: Optional[int] = None,
                   timeout: Optional[int] = None, trial_timeout: Optional[int] = None) -> None:
        """Creates the limits or updates only the arguments given."""
        if self._limits is None:
            self._limits = SweepJobLimits(max_concurrent_trials=max_concurrent_trials, max_total_trials=max_total_trials,
                                          timeout=timeout, trial_timeout=trial_timeout)
            return
        for key, value in (("max_concurrent_trials", max_concurrent_trials), ("max_total_trials", max_total_trials),
                           ("timeout", timeout), ("trial_timeout", trial_timeout)):
            if value is not None:
                setattr(self._limits, key, value)

    def set_objective(self, *, goal: Optional[str] = None, primary_metric: Optional[str] = None) -> None:
        """Creates the objective or updates only the arguments given."""
        if self._objective is None:
            self._objective = Objective(goal=goal, primary_metric=primary_metric)
            return
        if goal:
            self._objective.goal = goal.lower()
        if primary_metric:
            self._objective.primary_metric = primary_metric

    def set_resources(self, *, instance_type=None, instance_count=None, locations=None, properties=None,
                      docker_args=None, shm_size=None) -> None:
        """Accepted for compatibility; local trials use this machine's resources."""
        self.resources = {k: v for k, v in dict(instance_type=instance_type, instance_count=instance_count,
                                                 locations=locations, properties=properties,
                                                 docker_args=docker_args, shm_size=shm_size).items() if v is not None}

    def _to_spec(self) -> dict:
        """The engine's canonical spec of this sweep (search space, sampler, objective, limits, policy)."""
        return build_spec(search_space=self.search_space, sampling_algorithm=self.sampling_algorithm,
                          objective=self.objective, limits=self.limits, early_termination=self.early_termination)
