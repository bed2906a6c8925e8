"""`load_job` and `SweepJob.dump`: the Azure CLI v2 sweep YAML (the schema at https://azuremlschemas.azureedge.net/latest/sweepJob.schema.json)."""
import os
from typing import Any, Optional, Union

from . import _engine
from ._plugins import load_plugin
from .exceptions import ValidationException
from .sweep._objective import Objective, SweepJobLimits
from .sweep._search_space import converted
from .sweep._sweep_job import SweepJob, _algorithm_from_spec, _job_spec, _policy_from_spec


def _yaml() -> Any:
    try:
        import yaml
    except ImportError:  # pragma: no cover - PyYAML is a dependency
        raise ValidationException("reading sweep YAML needs PyYAML: pip install pyyaml") from None
    return yaml


def _read_bounded(path: str) -> str:
    """The file's text, read only up to the engine's size limit for a document."""
    limits = _engine.input_limits()
    size = limits["max_input_bytes"]["value"]
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


def load_job(source: Union[str, "os.PathLike[str]"], *, relative_origin: Optional[str] = None,
             **kwargs: Any) -> SweepJob:
    """Reads a sweep job from a YAML file (`type: sweep`). Relative paths (`trial.code`, `plugins`)
    are taken relative to the file's folder (or `relative_origin`), as `sweepkit job create` takes
    them; the plugins it names are loaded. The file is held to the engine's input limits
    (size, nesting depth, values with aliases expanded) before PyYAML builds it."""
    path = os.fspath(source)
    yaml = _yaml()
    text = _read_bounded(path)
    _check_events(yaml, text, path)
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ValidationException(f"{path} is not valid YAML: {error}") from None
    origin = os.path.join(relative_origin, os.path.basename(path)) if relative_origin else os.path.abspath(path)
    document = _engine.job_file_resolve(document, origin)
    for library in document.get("plugins") or []:
        load_plugin(library)
    from ._builders import Command
    trial = document.get("trial") or {}
    limits = document.get("limits")
    objective = document.get("objective")
    return SweepJob(
        name=document.get("name"), display_name=document.get("display_name"),
        experiment_name=document.get("experiment_name"), description=document.get("description"),
        tags=document.get("tags"), compute=document.get("compute"), inputs=document.get("inputs"),
        limits=SweepJobLimits(**limits) if isinstance(limits, dict) else limits,
        sampling_algorithm=_algorithm_from_spec(document.get("sampling_algorithm")),
        search_space=document.get("search_space"),
        objective=Objective(**objective) if isinstance(objective, dict) else objective,
        trial=Command(command=trial.get("command"), code=trial.get("code"), environment=trial.get("environment"),
                      environment_variables=trial.get("environment_variables")),
        early_termination=_policy_from_spec(document.get("early_termination")),
        resources=document.get("resources") or trial.get("resources"),
    )


def dump(job: SweepJob, dest: Union[str, "os.PathLike[str]", Any], **kwargs: Any) -> None:
    """Writes the job as sweep YAML (search space in the dict form, as `az ml job create` reads it)."""
    spec = _job_spec(job)
    spec.pop("python", None)
    spec.pop("tracking_uri", None)
    document = {"$schema": "https://azuremlschemas.azureedge.net/latest/sweepJob.schema.json", **spec}
    document["search_space"] = {k: converted(k, lambda v: v._to_dict(), v) for k, v in (job.search_space or {}).items()}
    if job.compute:
        document["compute"] = f"azureml:{job.compute}" if job.compute != "local" else "local"
    text = _yaml().safe_dump(document, sort_keys=False)
    if hasattr(dest, "write"):
        dest.write(text)
    else:
        with open(dest, "w") as f:
            f.write(text)


SweepJob.dump = dump
