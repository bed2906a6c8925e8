"""`load_job` and `SweepJob.dump`: the Azure CLI v2 sweep YAML (the schema at https://azuremlschemas.azureedge.net/latest/sweepJob.schema.json)."""
import os
from typing import Any, Optional, Union

from . import _engine
from ._plugins import load_plugin
from .exceptions import ValidationException
from .sweep._objective import Objective, SweepJobLimits
from .sweep._sweep_job import SweepJob, _algorithm_from_spec, _job_spec, _policy_from_spec


def _yaml() -> Any:
    try:
        import yaml
    except ImportError:  # pragma: no cover - PyYAML is a dependency
        raise ValidationException("reading sweep YAML needs PyYAML: pip install pyyaml") from None
    return yaml


def load_job(source: Union[str, "os.PathLike[str]"], *, relative_origin: Optional[str] = None,
             **kwargs: Any) -> SweepJob:
    """Reads a sweep job from a YAML file (`type: sweep`). Relative paths (`trial.code`, `plugins`)
    are taken relative to the file's folder (or `relative_origin`), as `sweepkit job create` takes
    them; the plugins it names are loaded."""
    path = os.fspath(source)
    with open(path) as f:
        document = _yaml().safe_load(f)
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
    )


def dump(job: SweepJob, dest: Union[str, "os.PathLike[str]", Any], **kwargs: Any) -> None:
    """Writes the job as sweep YAML (search space in the dict form, as `az ml job create` reads it)."""
    spec = _job_spec(job)
    spec.pop("python", None)
    spec.pop("tracking_uri", None)
    document = {"$schema": "https://azuremlschemas.azureedge.net/latest/sweepJob.schema.json", **spec}
    document["search_space"] = {k: v._to_dict() for k, v in (job.search_space or {}).items()}
    if job.compute:
        document["compute"] = f"azureml:{job.compute}" if job.compute != "local" else "local"
    text = _yaml().safe_dump(document, sort_keys=False)
    if hasattr(dest, "write"):
        dest.write(text)
    else:
        with open(dest, "w") as f:
            f.write(text)


SweepJob.dump = dump
