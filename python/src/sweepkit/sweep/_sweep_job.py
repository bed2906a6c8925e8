"""`SweepJob`, as in `azure.ai.ml.sweep`: the description of a sweep over a command trial."""
import warnings
from typing import Any, Dict, List, Optional, Union

from ..exceptions import ValidationException
from ._objective import Objective, SweepJobLimits
from ._policies import EarlyTerminationPolicy
from ._sampling import SamplingAlgorithm
from ._spec import build_spec
from ._search_space import SweepDistribution, converted, distribution_from_wire


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
                 sampling_algorithm: Optional[Union[str, Dict[str, Any], SamplingAlgorithm]] = None,
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
    def sampling_algorithm(self) -> Optional[Union[str, Dict[str, Any], SamplingAlgorithm]]:
        """How trials are chosen: a name (`"random"`, `"grid"`, `"bayesian"`, a plugin's), a
        SamplingAlgorithm, or the YAML form `{"type": "tpe", "seed": 1}`; None means random sampling."""
        return self._sampling_algorithm

    @sampling_algorithm.setter
    def sampling_algorithm(self, value: Optional[Union[str, Dict[str, Any], SamplingAlgorithm]]) -> None:
        if value is not None and not isinstance(value, (str, dict, SamplingAlgorithm)):
            raise ValidationException(f"unsupported sampling algorithm: {value!r}")
        self._sampling_algorithm = value

    @property
    def early_termination(self) -> Optional[Union[str, Dict[str, Any], EarlyTerminationPolicy]]:
        """The early-termination policy (an object, a name, or a dict with `type`), or None."""
        return self._early_termination

    @early_termination.setter
    def early_termination(self, value: Optional[Union[str, Dict[str, Any], EarlyTerminationPolicy]]) -> None:
        if value is not None and not isinstance(value, (str, dict, EarlyTerminationPolicy)):
            raise ValidationException(f"Received unsupported value of type {type(value)} as the early termination policy")
        self._early_termination = value

    @property
    def limits(self) -> Optional[SweepJobLimits]:
        """The sweep's limits (trial counts and timeouts), or None for the defaults."""
        return self._limits

    @limits.setter
    def limits(self, value: Optional[SweepJobLimits]) -> None:
        if value is not None and not isinstance(value, SweepJobLimits):
            raise ValidationException(f"limits must be SweepJobLimits but get {type(value)} instead")
        self._limits = value

    @property
    def objective(self) -> Optional[Objective]:
        """The primary metric and its goal (a dict is turned into an Objective)."""
        return self._objective

    @objective.setter
    def objective(self, value: Optional[Union[Objective, Dict[str, Any]]]) -> None:
        if isinstance(value, dict):
            value = Objective(**value)
        self._objective = value

    @property
    def search_space(self) -> Optional[Dict[str, SweepDistribution]]:
        """Parameter names to expressions (wire or YAML forms given here become objects)."""
        return self._search_space

    @search_space.setter
    def search_space(self, value: Optional[Dict[str, Any]]) -> None:
        if value is not None:
            if not isinstance(value, dict):
                raise ValidationException(
                    f"search_space: expected a dict of parameter names to expressions, got {type(value).__name__} {value!r:.60}")
            value = {k: (v if isinstance(v, SweepDistribution) else converted(k, distribution_from_wire, v)) for k, v in value.items()}
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

    def set_resources(self, *, instance_type: Optional[str] = None, instance_count: Optional[int] = None,
                      locations: Optional[List[str]] = None, properties: Optional[Dict[str, Any]] = None,
                      docker_args: Optional[str] = None, shm_size: Optional[str] = None,
                      cpus: Optional[float] = None, gpus: Optional[int] = None, memory: Optional[str] = None) -> None:
        """What each trial needs: `cpus`, `gpus` and `memory` (e.g. "8G"), honoured by every compute
        (Ray's entrypoint resources, Slurm's --cpus-per-task/--gres/--mem, GPU slices locally).
        Azure's own arguments are accepted and kept."""
        self.resources = {k: v for k, v in dict(instance_type=instance_type, instance_count=instance_count,
                                                 locations=locations, properties=properties,
                                                 docker_args=docker_args, shm_size=shm_size, cpus=cpus, gpus=gpus,
                                                 memory=memory).items() if v is not None}

    def _to_spec(self) -> Dict[str, Any]:
        """The engine's canonical spec of this sweep (search space, sampler, objective, limits, policy)."""
        return build_spec(search_space=self.search_space, sampling_algorithm=self.sampling_algorithm,
                          objective=self.objective, limits=self.limits, early_termination=self.early_termination)


def _default_experiment_name() -> str:
    """The Azure SDK's default: the current folder's name, else "Default"."""
    import os
    return os.path.basename(os.path.abspath(".")).replace(" ", "") or "Default"


def upgraded_command(command: Any, stacklevel: int = 4) -> Any:
    """`command` with deprecated single-brace placeholders (`{inputs.x}`) written `${{inputs.x}}`,
    with the Azure ML SDK's warning, as the SDK does before it submits a job."""
    if not isinstance(command, str):
        return command
    from .. import _engine
    upgraded, messages = _engine.command_upgrade(command)
    for message in messages:
        warnings.warn(message, FutureWarning, stacklevel=stacklevel)
    return upgraded


def _trial_to_spec(trial: Any) -> dict:
    if trial is None:
        raise ValidationException("trial: Missing data for required field: the command each trial runs")
    command = getattr(trial, "command", None) if not isinstance(trial, dict) else trial.get("command")
    spec = {"command": upgraded_command(command, stacklevel=5)}
    for key in ("code", "environment", "environment_variables"):
        value = getattr(trial, key, None) if not isinstance(trial, dict) else trial.get(key)
        if value:
            spec[key] = value if isinstance(value, (str, dict)) else str(value)
    return spec


def _inputs_to_spec(inputs: dict) -> dict:
    from .._builders import LITERAL_INPUT_TYPES, absolute_local_path
    out = {}
    for key, value in (inputs or {}).items():
        to_spec = getattr(value, "_to_spec", None)
        if callable(to_spec):
            value = to_spec()
        elif isinstance(value, dict) and isinstance(value.get("path"), str) and value.get("type") not in LITERAL_INPUT_TYPES:
            value = {**value, "path": absolute_local_path(value["path"])}
        out[key] = value
    return out


def _resources_to_spec(resources: Any) -> dict:
    """A dict, or an object with the keys as attributes (Azure's JobResourceConfiguration)."""
    if resources is None:
        return {}
    if not isinstance(resources, dict):
        resources = {k: v for k, v in vars(resources).items() if not k.startswith("_")}
    return {k: v for k, v in resources.items() if v is not None}


def _job_spec(job: "SweepJob") -> dict:
    """The engine's job JSON: the sweep spec plus names, trial, inputs and the interpreter."""
    import sys
    spec = {"type": "sweep"}
    if job.name:
        spec["name"] = job.name
    spec["experiment_name"] = job.experiment_name or _default_experiment_name()
    for key in ("display_name", "description", "compute"):
        if getattr(job, key):
            spec[key] = getattr(job, key)
    if job.tags:
        spec["tags"] = job.tags
    spec["trial"] = _trial_to_spec(job.trial)
    inputs = _inputs_to_spec(job.inputs or getattr(job.trial, "inputs", None) or {})
    if inputs:
        spec["inputs"] = inputs
    resources = _resources_to_spec(job.resources or getattr(job.trial, "resources", None))
    if resources:
        spec["resources"] = resources
    spec.update(job._to_spec())
    # The engine takes MLFLOW_TRACKING_URI (or its default) itself when the job is submitted.
    spec["python"] = sys.executable
    from .._plugins import loaded_plugin_libraries
    libraries = loaded_plugin_libraries()
    if libraries:
        spec["plugins"] = libraries
    return spec


def _from_report(report: dict) -> "SweepJob":
    """A SweepJob as `jobs.get` returns it: the submitted spec plus name, status and properties."""
    from .._builders import Command
    spec = report.get("spec") or {}
    trial = spec.get("trial") or {}
    policy = spec.get("early_termination")
    job = SweepJob(
        name=report.get("name"), display_name=spec.get("display_name") or report.get("name"),
        experiment_name=spec.get("experiment_name"), description=spec.get("description"), tags=spec.get("tags"),
        compute=spec.get("compute"), inputs=spec.get("inputs"),
        limits=SweepJobLimits(**(spec.get("limits") or {})),
        sampling_algorithm=_algorithm_from_spec(spec.get("sampling_algorithm")),
        search_space=spec.get("search_space"),
        objective=Objective(**spec["objective"]) if spec.get("objective") else None,
        trial=Command(command=trial.get("command"), code=trial.get("code"), environment=trial.get("environment"),
                      environment_variables=trial.get("environment_variables")),
        early_termination=_policy_from_spec(policy), resources=spec.get("resources"),
        properties=report.get("properties") or {}, status=report.get("status"),
    )
    directory = report.get("directory")
    if directory:
        job.services = {"Studio": _Endpoint(f"file://{directory}")}
        job.studio_url = f"file://{directory}"
    return job


class _Endpoint:
    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint

    def __repr__(self) -> str:
        return f"JobService(endpoint={self.endpoint!r})"


def _algorithm_from_spec(value):
    from ._sampling import BayesianSamplingAlgorithm, GridSamplingAlgorithm, RandomSamplingAlgorithm
    if not isinstance(value, dict):
        return value
    kind = str(value.get("type", "")).lower()
    if kind == "random":
        return RandomSamplingAlgorithm(rule=value.get("rule"), seed=value.get("seed"), logbase=value.get("logbase"))
    if kind == "grid":
        return GridSamplingAlgorithm()
    if kind == "bayesian":
        return BayesianSamplingAlgorithm()
    return value


def _policy_from_spec(value):
    from ._policies import BanditPolicy, MedianStoppingPolicy, TruncationSelectionPolicy
    if not isinstance(value, dict):
        return value
    kind = str(value.get("type", "")).lower().replace("_", "")
    common = {k: value[k] for k in ("delay_evaluation", "evaluation_interval") if k in value}
    if kind == "bandit":
        return BanditPolicy(slack_factor=value.get("slack_factor", 0), slack_amount=value.get("slack_amount", 0), **common)
    if kind == "medianstopping":
        return MedianStoppingPolicy(**common)
    if kind == "truncationselection":
        return TruncationSelectionPolicy(truncation_percentage=value.get("truncation_percentage", 0),
                                         exclude_finished_jobs=value.get("exclude_finished_jobs", False), **common)
    return value


SweepJob._to_job_spec = _job_spec
SweepJob._from_report = staticmethod(_from_report)
