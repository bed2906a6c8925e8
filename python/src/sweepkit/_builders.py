"""`command(...)`, the Command node, `Input`/`Output`: the Azure SDK's builder path to a sweep.

`command(...)` makes a Command; calling it with keyword arguments overrides inputs (any value may be
a search-space expression); `.sweep(...)` turns it into a SweepJob. Unlike the Azure SDK, a called
Command keeps its `experiment_name` and `.sweep()` keeps the Command's timeout as `trial_timeout`.
"""
import copy
import os
import warnings
from typing import Any, Dict, Optional

from . import _engine
from .exceptions import UserErrorException, ValidationException
from .sweep._objective import Objective
from .sweep._search_space import SweepDistribution
from .sweep._sweep_job import SweepJob


class Input:
    """A job input: `Input(type="uri_file", path="data.csv")`; the command gets the path."""

    def __init__(self, *, type: str = "uri_folder", path: Optional[str] = None, mode: Optional[str] = None,  # noqa: A002
                 default: Any = None, optional: Optional[bool] = None, description: Optional[str] = None,
                 **kwargs: Any) -> None:
        self.type = type
        self.path = path
        self.mode = mode
        self.default = default
        self.optional = optional
        self.description = description

    def _to_spec(self) -> dict:
        """The engine's form: a literal input (`Input(type="integer", default=42)`) by its type and
        default, which the engine checks and reads as the value 42; a data input by its type,
        path (a local path made absolute, against the current directory) and mode."""
        if self.type in LITERAL_INPUT_TYPES:
            return {"type": self.type, "default": self.default}
        spec = {"type": self.type, "path": absolute_local_path(self.path) if isinstance(self.path, str) else self.path}
        if self.mode is not None:
            spec["mode"] = self.mode
        return spec

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Input):
            return NotImplemented
        return (self.type, self.path, self.mode, self.default) == (other.type, other.path, other.mode, other.default)

    def __repr__(self) -> str:
        if self.type in LITERAL_INPUT_TYPES:
            return f"Input(type={self.type!r}, default={self.default!r})"
        return f"Input(type={self.type!r}, path={self.path!r})"


#: Input types whose value is a literal rather than data at a path.
LITERAL_INPUT_TYPES = ("integer", "number", "string", "boolean")


def is_local_path(path: str) -> bool:
    """False for a URL (`https://...`, `wasbs://...`) and for Azure ML references (`azureml:...`)."""
    scheme, separator, _ = path.partition("://")
    if separator and scheme and all(c.isalnum() or c in "+-." for c in scheme):
        return False
    return not path.startswith("azureml:")


def absolute_local_path(path: str) -> str:
    """A local path made absolute against the current directory; URLs and references as they are."""
    return os.path.abspath(path) if is_local_path(path) else path


class Output:
    """A job output; the command gets `outputs/<name>` in the trial's folder."""

    def __init__(self, *, type: str = "uri_folder", path: Optional[str] = None, mode: Optional[str] = None,  # noqa: A002
                 description: Optional[str] = None, **kwargs: Any) -> None:
        self.type = type
        self.path = path
        self.mode = mode
        self.description = description

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Output):
            return NotImplemented
        return (self.type, self.path, self.mode) == (other.type, other.path, other.mode)

    def __repr__(self) -> str:
        return f"Output(type={self.type!r}" + (f", path={self.path!r})" if self.path is not None else ")")


class UnexpectedKeywordError(UserErrorException, TypeError):
    """A Command was called with a keyword that is not one of its inputs."""


def _check_input(name: str, value: Any) -> Any:
    if isinstance(value, dict) and "type" in value and not isinstance(value, SweepDistribution):
        return Input(**value)
    if isinstance(value, (Input, SweepDistribution, str, bool, int, float)):
        return value
    raise ValidationException(f"Unsupported input type: {type(value)}, only Input, dict, str, bool, int and float are supported.")


class Command:
    """A command job node: what `command(...)` returns."""

    type = "command"

    def __init__(self, *, command: Optional[str] = None, code: Optional[str] = None, environment: Any = None,
                 environment_variables: Optional[Dict[str, str]] = None, inputs: Optional[Dict[str, Any]] = None,
                 outputs: Optional[Dict[str, Any]] = None, compute: Optional[str] = None, name: Optional[str] = None,
                 display_name: Optional[str] = None, description: Optional[str] = None, tags: Optional[Dict] = None,
                 properties: Optional[Dict] = None, experiment_name: Optional[str] = None,
                 timeout: Optional[int] = None, **kwargs: Any) -> None:
        self.command = command
        self.code = code
        self.environment = environment
        self.environment_variables = dict(environment_variables or {})
        self.inputs = {k: _check_input(k, v) for k, v in (inputs or {}).items()}
        self.outputs = dict(outputs or {})
        self.compute = compute
        self.name = name
        self.display_name = display_name
        self.description = description
        self.tags = dict(tags or {})
        self.properties = dict(properties or {})
        self.experiment_name = experiment_name
        self.timeout = timeout
        self.resources = kwargs.get("resources")
        self.distribution = kwargs.get("distribution")

    def __call__(self, *args: Any, **kwargs: Any) -> "Command":
        if args:
            example = ", ".join(f"{k}=xxx" for k in self.inputs)
            raise ValidationException(
                f"Component function doesn't support positional arguments, got {args} for {self.name or 'command'}. "
                f"Please use keyword arguments like: component_func({example}).")
        node = copy.deepcopy(self)
        declared = {k.lower(): k for k in self.inputs}
        for key, value in kwargs.items():
            actual = key if key in self.inputs else declared.get(key.lower())
            if actual is None:
                valid = ", ".join(f"'{k}'" for k in self.inputs)
                raise UnexpectedKeywordError(
                    f"[component] {self.display_name or self.name or 'command'}() got an unexpected keyword argument '{key}', valid keywords: {valid}.")
            if actual != key:
                warnings.warn(f"input '{key}' matched '{actual}' case-insensitively")
            node.inputs[actual] = _check_input(actual, value)
        return node

    def sweep(self, *, primary_metric: str, goal: str, sampling_algorithm: Any = "random", compute: Optional[str] = None,
              max_concurrent_trials: Optional[int] = None, max_total_trials: Optional[int] = None,
              timeout: Optional[int] = None, trial_timeout: Optional[int] = None,
              early_termination_policy: Any = None, search_space: Optional[Dict[str, Any]] = None,
              identity: Any = None, queue_settings: Any = None, job_tier: Optional[str] = None,
              priority: Optional[str] = None) -> SweepJob:
        """A sweep over this command: inputs given as search-space expressions become the search
        space (`${{inputs.x}}` in the command then reads `${{search_space.x}}`), the other inputs stay."""
        space = {k: v for k, v in self.inputs.items() if isinstance(v, SweepDistribution)}
        space.update(search_space or {})
        inputs = {k: v for k, v in self.inputs.items() if not isinstance(v, SweepDistribution)}
        trial = copy.deepcopy(self)
        trial.inputs = dict(inputs)
        trial.command = _point_inputs_at_search_space(self.command or "", space)
        job = SweepJob(name=self.name, display_name=self.display_name, description=self.description, tags=self.tags,
                       properties=self.properties, experiment_name=self.experiment_name, compute=compute or self.compute,
                       inputs=inputs, outputs=self.outputs, search_space=space,
                       objective=Objective(goal=goal, primary_metric=primary_metric),
                       sampling_algorithm=sampling_algorithm, trial=trial, early_termination=early_termination_policy,
                       identity=identity, queue_settings=queue_settings, resources=self.resources)
        job.set_limits(max_total_trials=max_total_trials, max_concurrent_trials=max_concurrent_trials, timeout=timeout,
                       trial_timeout=trial_timeout if trial_timeout is not None else self.timeout)
        return job

    def __repr__(self) -> str:
        return f"Command(command={self.command!r}, inputs={self.inputs!r})"


def _point_inputs_at_search_space(command: str, space: Dict[str, Any]) -> str:
    """`${{inputs.x}}` → `${{search_space.x}}` for swept names, whitespace inside the braces allowed
    (the Azure SDK leaves `${{ inputs.x }}` alone and loses the input); the engine rewrites it."""
    return _engine.command_sweep_inputs(command, list(space))


def command(*, name: Optional[str] = None, description: Optional[str] = None, tags: Optional[Dict] = None,
            properties: Optional[Dict] = None, display_name: Optional[str] = None, command: Optional[str] = None,
            experiment_name: Optional[str] = None, environment: Any = None,
            environment_variables: Optional[Dict] = None, distribution: Any = None, compute: Optional[str] = None,
            inputs: Optional[Dict] = None, outputs: Optional[Dict] = None, instance_count: Optional[int] = None,
            instance_type: Optional[str] = None, locations: Any = None, docker_args: Any = None, shm_size: Any = None,
            timeout: Optional[int] = None, code: Any = None, identity: Any = None, is_deterministic: bool = True,
            services: Any = None, job_tier: Any = None, priority: Any = None, parent_job_name: Any = None,
            **kwargs: Any) -> Command:
    """A command job, as `azure.ai.ml.command`: `python train.py --lr ${{inputs.lr}}` run in `code`."""
    return Command(command=command, code=code, environment=environment, environment_variables=environment_variables,
                   inputs=inputs, outputs=outputs, compute=compute, name=name, display_name=display_name,
                   description=description, tags=tags, properties=properties, experiment_name=experiment_name,
                   timeout=timeout, resources=kwargs.get("resources"))
