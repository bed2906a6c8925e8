"""`load_job` and `SweepJob.dump`: the Azure CLI v2 sweep YAML (the schema at
https://azuremlschemas.azureedge.net/latest/sweepJob.schema.json), read and written so that a file
means the same to SweepKit and to the Azure ML SDK (`azure.ai.ml.load_job`).

Reading goes through the engine (`sk_job_file_read`), as `sweepkit job create --file` does: the
overrides, the `sweepkit.*` extension properties, placeholder upgrades and paths are decided there.
Writing is shapes only: the job's objects in the YAML form Azure's schema accepts, paths relative
to the folder the file is written to, and what Azure's schema has no place for kept as JSON text
under `properties: {sweepkit.<key>: ...}` with a comment saying so.
"""
import json
import os
import warnings
from typing import IO, Any, Dict, List, Optional, Tuple, Union

from . import _engine
from ._plugins import load_plugin, loaded_plugin_libraries
from .exceptions import ValidationException
from .sweep._objective import Objective, SweepJobLimits
from .sweep._policies import EarlyTerminationPolicy
from .sweep._sampling import SamplingAlgorithm
from .sweep._search_space import SweepDistribution, converted
from .sweep._spec import early_termination_to_spec, sampling_algorithm_to_spec
from .sweep._sweep_job import SweepJob, _algorithm_from_spec, _policy_from_spec, _resources_to_spec, upgraded_command

SCHEMA = "https://azuremlschemas.azureedge.net/latest/sweepJob.schema.json"

# The keys `load_job` reads (anything else in a file is an error naming it, as in Azure's schema).
_JOB_KEYS = ("$schema", "type", "name", "display_name", "experiment_name", "description", "tags", "properties",
             "compute", "trial", "inputs", "outputs", "identity", "queue_settings", "resources", "limits",
             "sampling_algorithm", "search_space", "objective", "early_termination", "plugins")
_TRIAL_KEYS = ("command", "code", "environment", "environment_variables", "distribution", "resources", "type", "name")

# What Azure's schema accepts in each sampling algorithm and policy (everything else is SweepKit's).
_ALGORITHM_KEYS = {"random": ("type", "rule", "seed", "logbase"), "grid": ("type",), "bayesian": ("type",)}
_POLICY_NAMES = {"bandit": "bandit", "medianstopping": "median_stopping", "truncationselection": "truncation_selection"}
_POLICY_KEYS = {"bandit": ("type", "delay_evaluation", "evaluation_interval", "slack_factor", "slack_amount"),
                "median_stopping": ("type", "delay_evaluation", "evaluation_interval"),
                "truncation_selection": ("type", "delay_evaluation", "evaluation_interval", "truncation_percentage")}
# SweepKit's policy keys at their default value are left out rather than kept as an extension.
_POLICY_DEFAULTS = {"exclude_finished_jobs": False}
# Azure's keys of a job's resources (SweepKit's own are cpus, gpus and memory).
_RESOURCE_KEYS = ("instance_type", "instance_count", "locations", "properties", "docker_args", "shm_size",
                  "max_instance_count")


def _yaml() -> Any:
    try:
        import yaml
    except ImportError:  # pragma: no cover - PyYAML is a dependency
        raise ValidationException("reading sweep YAML needs PyYAML: pip install pyyaml") from None
    return yaml


# --- reading ------------------------------------------------------------------------------------------

def _read_bounded(path: str, stream: Optional[IO[Any]] = None) -> str:
    """The file's (or the open `stream`'s) text, read only up to the engine's size limit for a document."""
    limits = _engine.input_limits()
    size = limits["max_input_bytes"]["value"]
    if stream is not None:
        data = stream.read(size + 1)
        data = data.encode("utf-8") if isinstance(data, str) else data
    else:
        with open(path, "rb") as f:
            data = f.read(size + 1)
    if len(data) > size:
        raise _engine.limit_exceeded(limits, "max_input_bytes", path, f"more than {size} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValidationException(f"{path} is not UTF-8 text: {error}") from None


def _check_events(yaml: Any, text: str, path: str) -> None:
    """Reads the YAML's events (no document is built) within the engine's limits, as the CLI's
    reader does: nesting depth as each level opens, and values as they come, each alias counting
    the values it repeats. PyYAML would otherwise recurse past Python's limit on deep nesting, and
    an alias bomb would expand to billions of values on its way to the engine."""
    limits = _engine.input_limits()
    max_depth = limits["max_input_depth"]["value"]
    max_values = limits["max_input_values"]["value"]
    values = 0
    sizes: dict = {}
    open_nodes: list = []  # (anchor, values before the node)
    try:
        # The pure-Python parser, as safe_load uses: libyaml's would stop at its own depth of 1000
        # while reading ahead, before this sees the level that is over the limit.
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            where = f"line {event.start_mark.line + 1}, column {event.start_mark.column + 1}"
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                if len(open_nodes) + 1 > max_depth:
                    raise _engine.limit_exceeded(limits, "max_input_depth", path, f"nesting at {where}")
                open_nodes.append((event.anchor, values))
                values += 1
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                anchor, before = open_nodes.pop()
                if anchor is not None:
                    sizes[anchor] = values - before
            elif isinstance(event, yaml.ScalarEvent):
                values += 1
                if event.anchor is not None:
                    sizes[event.anchor] = 1
            elif isinstance(event, yaml.AliasEvent):
                values += sizes.get(event.anchor, 1)
            if values > max_values:
                raise _engine.limit_exceeded(limits, "max_input_values", path,
                                             f"more than {max_values} values by {where} (aliases count as the values they repeat)")
    except yaml.YAMLError as error:
        raise ValidationException(f"{path} is not valid YAML: {error}") from None


def load_job(source: Union[str, "os.PathLike[str]", IO[Any]], *, relative_origin: Optional[str] = None,
             params_override: Optional[List[Dict[str, Any]]] = None, **kwargs: Any) -> SweepJob:
    """Reads a sweep job from a YAML file (`type: sweep`), as `azure.ai.ml.load_job` does.

    `source` is a path or an open file. Relative paths (`trial.code`, local `inputs.*.path`,
    `plugins`) are taken relative to the file's folder (or `relative_origin`; `./` for a stream
    without a name). `params_override=[{"limits.max_total_trials": 10}, ...]` sets dotted paths on
    the document before it is read, as the Azure CLI's `--set` does. Deprecated single-brace
    placeholders (`{search_space.lr}`) are upgraded with a FutureWarning. What needs an Azure ML
    workspace (an `azureml:` code or data asset) is a ValidationException naming the field.
    The plugins the file names are loaded. The file is held to the engine's input limits (size,
    nesting depth, values with aliases expanded) before PyYAML builds it.
    """
    if hasattr(source, "read"):
        name = getattr(source, "name", None)
        path = os.path.abspath(name) if isinstance(name, str) else os.path.abspath("sweep.yml")
        text = _read_bounded(path, source)  # type: ignore[arg-type]
    else:
        path = os.path.abspath(os.fspath(source))  # type: ignore[arg-type]
        text = _read_bounded(path)
    yaml = _yaml()
    _check_events(yaml, text, path)
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ValidationException(f"{path} is not valid YAML: {error}") from None
    if relative_origin is not None:
        path = os.path.join(os.path.abspath(relative_origin), os.path.basename(path))
    overrides = params_override or []
    if not isinstance(overrides, list) or not all(isinstance(item, dict) for item in overrides):
        raise ValidationException("params_override: expected a list of {\"dotted.path\": value} dicts")
    document, messages = _engine.job_file_read(document, path, overrides)
    for message in messages:
        warnings.warn(message, FutureWarning, stacklevel=2)
    return _job_from_document(document)


def _job_from_document(document: Dict[str, Any]) -> SweepJob:
    from ._builders import Command, Input, Output
    for key in document:
        if key not in _JOB_KEYS:
            raise ValidationException(f"{key}: Unknown field.")
    trial = document.get("trial") or {}
    if not isinstance(trial, dict):
        raise ValidationException(f"trial: expected a mapping with command, code and environment, got {type(trial).__name__}")
    for key in trial:
        if key not in _TRIAL_KEYS:
            raise ValidationException(f"trial.{key}: Unknown field.")
    for library in document.get("plugins") or []:
        load_plugin(library)
    inputs = {name: (Input(**value) if isinstance(value, dict) else value)
              for name, value in (document.get("inputs") or {}).items()}
    outputs = {name: (Output(**value) if isinstance(value, dict) else value)
               for name, value in (document.get("outputs") or {}).items()}
    return SweepJob(
        name=document.get("name"), display_name=document.get("display_name"),
        experiment_name=document.get("experiment_name"), description=document.get("description"),
        tags=document.get("tags"), properties=document.get("properties"), compute=document.get("compute"),
        inputs=inputs, outputs=outputs, limits=_limits(document.get("limits")),
        sampling_algorithm=_algorithm_from_spec(document.get("sampling_algorithm")),
        search_space=document.get("search_space"), objective=_objective(document.get("objective")),
        trial=Command(command=trial.get("command"), code=trial.get("code"), environment=trial.get("environment"),
                      environment_variables=trial.get("environment_variables"), resources=trial.get("resources"),
                      distribution=trial.get("distribution")),
        early_termination=_policy_from_spec(document.get("early_termination")),
        identity=document.get("identity"), queue_settings=document.get("queue_settings"),
        resources=document.get("resources") or trial.get("resources"),
    )


def _limits(value: Any) -> Optional[SweepJobLimits]:
    if value is None or isinstance(value, SweepJobLimits):
        return value
    if not isinstance(value, dict):
        raise ValidationException(f"limits: expected a mapping, got {type(value).__name__}")
    known = ("max_total_trials", "max_concurrent_trials", "timeout", "trial_timeout")
    for key in value:
        if key not in known:
            raise ValidationException(f"limits.{key}: Unknown field.")
    return SweepJobLimits(**value)


def _objective(value: Any) -> Optional[Objective]:
    if value is None or isinstance(value, Objective):
        return value
    if not isinstance(value, dict):
        raise ValidationException(f"objective: expected a mapping, got {type(value).__name__}")
    for key in value:
        if key not in ("goal", "primary_metric"):
            raise ValidationException(f"objective.{key}: Unknown field.")
    return Objective(goal=value.get("goal"), primary_metric=value.get("primary_metric"))


# --- writing ------------------------------------------------------------------------------------------

def dump(job: SweepJob, dest: Union[str, "os.PathLike[str]", IO[Any]], **kwargs: Any) -> None:
    """Writes the job as sweep YAML that both `sweepkit.load_job` and `azure.ai.ml.load_job` read
    with the same meaning: the search space in the dict form, `compute: azureml:<name>`, paths
    relative to the folder the file is written to (absolute for a stream without a name).

    Keys Azure ML does not know are written only when they carry a non-default value, as JSON
    text under `properties: {sweepkit.<key>: ...}` (a plugin sampler or policy,
    `exclude_finished_jobs=True`, boolean or list choice values, loaded plugins), and a comment
    at the top of the file says so."""
    if hasattr(dest, "write"):
        name = getattr(dest, "name", None)
        folder = os.path.dirname(os.path.abspath(name)) if isinstance(name, str) else None
    else:
        folder = os.path.dirname(os.path.abspath(os.fspath(dest)))  # type: ignore[arg-type]
    document, notes = _azure_document(job, folder)
    header = "".join(f"# {line}\n" for line in notes)
    text = header + _yaml().safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    if hasattr(dest, "write"):
        dest.write(text)  # type: ignore[union-attr]
    else:
        with open(dest, "w") as f:  # type: ignore[arg-type]
            f.write(text)


def _relative(path: str, folder: Optional[str]) -> str:
    """A local path as the file written in `folder` names it (absolute when there is no folder)."""
    from ._builders import absolute_local_path, is_local_path
    if not is_local_path(path):
        return path
    absolute = absolute_local_path(path)
    if folder is None:
        return absolute
    return os.path.relpath(absolute, folder)


def _azure_document(job: SweepJob, folder: Optional[str]) -> Tuple[Dict[str, Any], List[str]]:
    """The job as the Azure CLI v2 sweep YAML, and the notes for the file's header comment."""
    extensions: Dict[str, Any] = {}
    notes: List[str] = []  # one per extension
    azure_notes: List[str] = []  # what Azure ML needs that the job does not say
    document: Dict[str, Any] = {"$schema": SCHEMA, "type": "sweep"}
    for key in ("name", "display_name", "experiment_name", "description"):
        if getattr(job, key, None):
            document[key] = getattr(job, key)
    if job.tags:
        document["tags"] = {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in job.tags.items()}
    if job.compute:
        document["compute"] = job.compute if job.compute == "local" or job.compute.startswith("azureml:") else f"azureml:{job.compute}"
    document["trial"] = _trial_document(job.trial, folder, azure_notes)
    inputs = job.inputs or getattr(job.trial, "inputs", None) or {}
    if inputs:
        document["inputs"] = {name: _input_document(value, folder) for name, value in inputs.items()}
    if job.outputs:
        document["outputs"] = {name: _output_document(value) for name, value in job.outputs.items()}

    algorithm, extension = _azure_algorithm(job.sampling_algorithm)
    if algorithm is not None:
        document["sampling_algorithm"] = algorithm
    if extension is not None:
        extensions["sweepkit.sampling_algorithm"] = extension
        notes.append("sampling_algorithm: " + (f"Azure ML reads {json.dumps(algorithm)}" if algorithm is not None
                                               else "Azure ML has no such algorithm"))
    space: Dict[str, Any] = {}
    for name, expression in (job.search_space or {}).items():
        form = converted(name, lambda v: v._to_dict(), expression) if isinstance(expression, SweepDistribution) else expression
        visible = _azure_literals(form)
        space[name] = visible
        if visible != form:
            extensions[f"sweepkit.search_space.{name}"] = form
            notes.append(f"search_space.{name}: Azure ML reads the values it has no type for (booleans, lists) "
                         "as the text a trial's command receives")
    document["search_space"] = space
    if job.objective is not None:
        document["objective"] = {"goal": job.objective.goal, "primary_metric": job.objective.primary_metric}
    policy, extension = _azure_policy(job.early_termination)
    if policy is not None:
        document["early_termination"] = policy
    if extension is not None:
        extensions["sweepkit.early_termination"] = extension
        extra = ", ".join(key for key in extension if policy is None or key not in policy)
        notes.append("early_termination: " + (f"Azure ML reads the policy without {extra}" if policy is not None
                                              else "Azure ML has no such policy"))
    limits = job.limits._to_spec() if isinstance(job.limits, SweepJobLimits) else dict(job.limits or {})
    # Azure's schema requires max_total_trials; 1000 is its documented default, and SweepKit's.
    document["limits"] = {"max_total_trials": limits.pop("max_total_trials", None) or 1000, **limits}
    resources = _resources_to_spec(job.resources or getattr(job.trial, "resources", None))
    if resources:
        visible = {key: value for key, value in resources.items() if key in _RESOURCE_KEYS}
        if visible:
            document["resources"] = visible
        if visible != resources:
            extensions["sweepkit.resources"] = resources
            notes.append("resources: Azure ML reads them without "
                         + ", ".join(key for key in resources if key not in _RESOURCE_KEYS))
    libraries = loaded_plugin_libraries()
    if libraries:
        extensions["sweepkit.plugins"] = [_relative(library, folder) for library in libraries]
        notes.append("plugins: the plugin libraries loaded when the job was written")

    properties = {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in (job.properties or {}).items()}
    properties.update({key: json.dumps(value) for key, value in extensions.items()})
    if properties:
        document["properties"] = properties
    header: List[str] = []
    if notes:
        header += [f"Written by SweepKit {_engine.version()}. Settings Azure ML has no place for are kept as JSON in",
                   "properties.sweepkit.<key>, which SweepKit reads back and Azure ML ignores:"] + [f"- {note}" for note in notes]
    header += [f"Azure ML: {note}" for note in azure_notes]
    return document, header


def _trial_document(trial: Any, folder: Optional[str], notes: List[str]) -> Dict[str, Any]:
    def attribute(key: str) -> Any:
        return trial.get(key) if isinstance(trial, dict) else getattr(trial, key, None)
    if trial is None:
        raise ValidationException("trial: Missing data for required field: the command each trial runs")
    document: Dict[str, Any] = {"command": upgraded_command(attribute("command"), stacklevel=5)}
    code = attribute("code")
    if code:
        document["code"] = _relative(os.fspath(code), folder)
    environment = attribute("environment")
    if isinstance(environment, dict):
        inline = dict(environment)
        if isinstance(inline.get("conda_file"), str):
            inline["conda_file"] = _relative(inline["conda_file"], folder)
        if isinstance(inline.get("build"), dict) and isinstance(inline["build"].get("path"), str):
            inline["build"] = {**inline["build"], "path": _relative(inline["build"]["path"], folder)}
        document["environment"] = inline
    elif environment:
        name = str(environment)
        if name.startswith("azureml:"):
            document["environment"] = name
        elif os.path.exists(name):
            document["environment"] = _relative(name, folder)
            notes.append("trial.environment is a local interpreter or virtualenv: give Azure ML an environment "
                         "(azureml:<name>@latest) to run this job there")
        else:
            document["environment"] = f"azureml:{name}"
    else:
        notes.append("trial.environment is not set (SweepKit's trials use the Python that submits the sweep): "
                     "Azure ML needs one (azureml:<name>@latest)")
    variables = attribute("environment_variables")
    if variables:
        document["environment_variables"] = dict(variables)
    if attribute("distribution"):
        document["distribution"] = attribute("distribution")
    return document


def _input_document(value: Any, folder: Optional[str]) -> Any:
    from ._builders import LITERAL_INPUT_TYPES, Input
    if isinstance(value, Input):
        if value.type in LITERAL_INPUT_TYPES:
            return value.default
        spec: Dict[str, Any] = {"type": value.type}
        if value.path is not None:
            spec["path"] = _relative(value.path, folder)
        if value.mode is not None:
            spec["mode"] = value.mode
        return spec
    if isinstance(value, dict):
        if "value" in value and "path" not in value:
            return value["value"]
        if value.get("type") in LITERAL_INPUT_TYPES and "path" not in value:
            return value.get("default")
        return {**value, "path": _relative(value["path"], folder)} if isinstance(value.get("path"), str) else dict(value)
    return value


def _output_document(value: Any) -> Any:
    if isinstance(value, dict):
        return dict(value)
    spec = {"type": getattr(value, "type", "uri_folder")}
    for key in ("path", "mode"):
        if getattr(value, key, None) is not None:
            spec[key] = getattr(value, key)
    return spec


def _azure_algorithm(value: Any) -> Tuple[Any, Any]:
    """(what Azure's schema reads, the full SweepKit form when Azure's cannot hold it)."""
    spec = sampling_algorithm_to_spec(value)
    if isinstance(spec, str):
        kind = spec.lower()
        if kind in _ALGORITHM_KEYS:
            return spec, None
        if kind == "sobol":
            return {"type": "random", "rule": "sobol"}, None
        return None, spec
    kind = str(spec.get("type", "")).lower()
    if kind not in _ALGORITHM_KEYS:
        return None, spec
    full = {**{key: v for key, v in spec.items() if v is not None}, "type": kind}
    visible = {key: full[key] for key in _ALGORITHM_KEYS[kind] if key in full}
    if kind == "random" and str(visible.get("rule", "random")).lower() not in ("random", "sobol"):
        visible.pop("rule")
    return visible, None if visible == full else spec


def _azure_policy(value: Any) -> Tuple[Any, Any]:
    """(what Azure's schema reads, the full SweepKit form when Azure's cannot hold it)."""
    spec = early_termination_to_spec(value)
    if spec is None:
        return None, None
    if isinstance(spec, str):
        spec = {"type": spec}
    kind = _POLICY_NAMES.get(str(spec.get("type", "")).lower().replace("_", ""))
    if kind is None:
        return None, spec
    spec = {key: v for key, v in spec.items() if not (key in _POLICY_DEFAULTS and v == _POLICY_DEFAULTS[key])}
    visible = {"type": kind}
    for key in _POLICY_KEYS[kind][1:]:
        if spec.get(key) is not None and not (key.startswith("slack_") and spec[key] == 0):
            visible[key] = spec[key]
    extra = [key for key in spec if key not in _POLICY_KEYS[kind]]
    return visible, ({**spec, "type": kind} if extra else None)


def _azure_literals(form: Any, inside_choice: bool = False) -> Any:
    """A search-space expression (dict form) with the choice values Azure's schema refuses
    (booleans, lists, null, plain mappings) written as the text a trial's command receives."""
    if isinstance(form, dict) and "type" in form and isinstance(form.get("type"), str):
        if str(form["type"]).lower() != "choice":
            return form
        return {**form, "values": [_azure_choice_value(v) for v in form.get("values") or []]}
    return form


def _azure_choice_value(value: Any) -> Any:
    if isinstance(value, dict) and not ("type" in value and isinstance(value.get("type"), str)):
        return {key: (_azure_literals(v) if isinstance(v, dict) and "type" in v else _azure_scalar(v))
                for key, v in value.items()}
    return _azure_scalar(value)


def _azure_scalar(value: Any) -> Any:
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (int, float, str)):
        return value
    if value is None:
        return "None"
    return json.dumps(value, separators=(",", ":"))


SweepJob.dump = dump  # type: ignore[attr-defined]
