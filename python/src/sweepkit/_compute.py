"""Compute targets, as `azure.ai.ml.entities.Compute` and `MLClient().compute`: where a job's
trials run. A job names one (`compute="aml-cluster"`); a name that is not registered runs the
trials as local processes, so registering `aml-cluster` as a Ray or Slurm compute moves an
unchanged script's trials onto that cluster. The engine checks and stores them."""
import os
from typing import Any, Dict, List, Optional, Union

from . import _engine
from .exceptions import ValidationException


class Compute:
    """A registered compute target: `name`, `type` (`local`, `ray` or `slurm`), `description`,
    `tags`, and `max_instances` (at most this many trials on it at once)."""

    type = ""
    _settings: tuple = ()

    def __init__(self, *, name: str, description: Optional[str] = None, tags: Optional[Dict[str, str]] = None,
                 max_instances: Optional[int] = None, **kwargs: Any) -> None:
        self.name = name
        self.description = description
        self.tags = dict(tags or {})
        self.max_instances = max_instances
        for key, value in kwargs.items():
            setattr(self, key, value)

    def _to_dict(self) -> Dict[str, Any]:
        data: Dict[str, Any] = {"name": self.name, "type": self.type}
        for key in ("description", "tags", "max_instances") + self._settings:
            value = getattr(self, key, None)
            if value not in (None, {}, []):
                data[key] = value
        return data

    def __repr__(self) -> str:
        """`RayCompute(name=..., address=...)`: the compute's settings (a token shows as ***)."""
        settings = ", ".join(f"{k}={v!r}" for k, v in self._to_dict().items() if k != "type")
        return f"{type(self).__name__}({settings})"


class LocalCompute(Compute):
    """This machine, with the GPUs trials get slices of (`gpus=[0, 1]` or a count): each trial
    gets `resources["gpus"]` of them in `CUDA_VISIBLE_DEVICES`, and only as many trials run at once
    as the GPUs (and `cpus`, `memory`, default: this machine's) allow."""

    type = "local"
    _settings = ("gpus", "cpus", "memory")

    def __init__(self, *, name: str = "local", gpus: Union[int, List[Union[int, str]], None] = None,
                 cpus: Optional[int] = None, memory: Optional[str] = None, **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.gpus, self.cpus, self.memory = gpus, cpus, memory


class RayCompute(Compute):
    """A Ray cluster, through its dashboard's Jobs REST API: `address` (http://head:8265) and an
    optional `token`. Trials need an MLflow tracking server (`MLFLOW_TRACKING_URI=http://...`)."""

    type = "ray"
    _settings = ("address", "token")

    def __init__(self, *, name: str, address: str, token: Optional[str] = None, **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.address, self.token = address, token


class SlurmCompute(Compute):
    """A Slurm cluster, through sbatch, squeue and scancel: `shared_dir` (a folder this machine and
    every node see; trial folders and logs go there), `partition`, `account`, `sbatch_options`."""

    type = "slurm"
    _settings = ("shared_dir", "partition", "account", "sbatch_options")

    def __init__(self, *, name: str, shared_dir: str, partition: Optional[str] = None, account: Optional[str] = None,
                 sbatch_options: Optional[List[str]] = None, **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.shared_dir = os.path.abspath(shared_dir)
        self.partition, self.account, self.sbatch_options = partition, account, list(sbatch_options or [])


_KINDS = {kind.type: kind for kind in (LocalCompute, RayCompute, SlurmCompute)}


def _compute_from_dict(data: Dict[str, Any]) -> Compute:
    fields = {k: v for k, v in data.items() if k != "type"}
    kind = _KINDS.get(str(data.get("type", "")).lower())
    if kind is None:
        raise ValidationException(f"type: {data.get('type')!r} is not a compute type SweepKit runs trials on: local, ray or slurm")
    return kind(**fields)


def load_compute(source: Union[str, "os.PathLike[str]"], **kwargs: Any) -> Compute:
    """Reads a compute YAML file (`name`, `type`, and the settings of its type), as
    `azure.ai.ml.load_compute` does; a relative `shared_dir` is relative to the file."""
    import yaml
    path = os.fspath(source)
    with open(path) as f:
        data = yaml.safe_load(f) or {}
    if not isinstance(data, dict):
        raise ValidationException(f"{path} must hold a mapping (name, type, ...)")
    data = {k: v for k, v in data.items() if k != "$schema"}
    if isinstance(data.get("shared_dir"), str):
        data["shared_dir"] = os.path.join(os.path.dirname(os.path.abspath(path)), data["shared_dir"])
    data.update(kwargs)
    return _compute_from_dict(data)


class ComputePoller:
    """What `begin_create_or_update` and `begin_delete` return (an LROPoller in the Azure SDK);
    the work is done when it is returned."""

    def __init__(self, value: Optional[Compute]) -> None:
        self._value = value

    def result(self, timeout: Optional[float] = None) -> Optional[Compute]:
        """The compute as registered (None for a delete)."""
        return self._value

    def done(self) -> bool:
        """Always True."""
        return True

    def wait(self, timeout: Optional[float] = None) -> None:
        """Returns at once."""


class ComputeOperations:
    """`MLClient().compute`: the compute targets of the client's workspace folder."""

    def __init__(self, workspace: str) -> None:
        self._workspace = workspace

    def begin_create_or_update(self, compute: Union[Compute, Dict[str, Any]], **kwargs: Any) -> ComputePoller:
        """Checks the compute and registers it, replacing one of the same name."""
        data = compute._to_dict() if isinstance(compute, Compute) else dict(compute)
        return ComputePoller(_compute_from_dict(_engine.compute_create_or_update(self._workspace, data)))

    def get(self, name: str) -> Compute:
        """The compute registered as `name` (its token shows as ***)."""
        return _compute_from_dict(_engine.compute_show(self._workspace, name))

    def list(self, **kwargs: Any) -> List[Compute]:
        """Every registered compute, by name."""
        return [_compute_from_dict(data) for data in _engine.compute_list(self._workspace)]

    def begin_delete(self, name: str, **kwargs: Any) -> ComputePoller:
        """Unregisters the compute; jobs that name it then run their trials locally."""
        _engine.compute_delete(self._workspace, name)
        return ComputePoller(None)
