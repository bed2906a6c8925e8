"""The one module that calls the Swift engine (`sweepkit._core`, a thin wrapper of sweepkit.h).

Every other module of the package goes through these functions, which only move values between
Python and the C API's JSON. The engine decides everything else: status and state names
(`sk_job_vocabulary`), which state a user's spelling means, flattened parameter names, command
rewriting, sweep-file paths and a job's progress text.
"""
import enum
import json
import warnings
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Tuple

from . import _core
from .exceptions import EngineError, UnavailableError, UserErrorException, ValidationException

_core._set_exception_classes(ValidationException, UserErrorException, UnavailableError, EngineError)

_VOCABULARY: Dict[str, Any] = json.loads(_core.job_vocabulary())

#: A sweep job's status, as reports spell it (`JobStatus.completed == "Completed"`).
JobStatus = enum.Enum("JobStatus", _VOCABULARY["job_status_cases"], type=str, module=__name__)  # type: ignore[misc]
#: A trial's state, as trials report it (`TrialState.canceled == "Canceled"`).
TrialState = enum.Enum("TrialState", _VOCABULARY["trial_state_cases"], type=str, module=__name__)  # type: ignore[misc]

#: Statuses a job never leaves.
FINISHED_JOB_STATUSES: FrozenSet[str] = frozenset(_VOCABULARY["finished_job_statuses"])
#: Statuses in which no engine runs a job until it is resumed (finished, or its engine is gone).
STOPPED_JOB_STATUSES: FrozenSet[str] = frozenset(_VOCABULARY["stopped_job_statuses"])
_STATE_NAMES: Dict[int, str] = {code: name for name, code in _VOCABULARY["trial_state_codes"].items()}
_SPACE_FORMS: Dict[str, int] = {"wire": _core.SPACE_WIRE, "yaml": _core.SPACE_YAML}


def version() -> str:
    """The engine's version."""
    return _core.version()


# --- specs ----------------------------------------------------------------------------------------

def input_limits() -> Dict[str, Dict[str, Any]]:
    """The engine's input limits in force (`sk_input_limits`): for each, its value, default, unit and
    environment variable, e.g. `{"max_input_depth": {"value": 64, ...}}`."""
    return json.loads(_core.input_limits())


def limit_exceeded(limits: Dict[str, Dict[str, Any]], name: str, field: str, detail: str) -> ValidationException:
    """The error for input over limit `name`, worded as the engine words it."""
    limit = limits[name]
    return ValidationException(
        f"{field}: {detail}, over the limit of {limit['value']} {limit['unit']} ({limit['environment_variable']})")


def check_document(value: Any, field: str = "spec", limits: Optional[Dict[str, Dict[str, Any]]] = None,
                   depth: int = 1) -> None:
    """Checks a value bound for the engine against its depth and value limits before it is written
    as JSON, without recursion: an object that appears several times (as PyYAML shares an aliased
    node) counts every time, as it would in the JSON text. `depth`: the level `value` sits at in
    its document."""
    limits = limits or input_limits()
    max_depth = limits["max_input_depth"]["value"]
    max_values = limits["max_input_values"]["value"]
    count = 0
    stack = [(value, depth)]
    while stack:
        item, depth = stack.pop()
        count += 1 + len(item) if isinstance(item, range) else 1
        if count > max_values:
            raise limit_exceeded(limits, "max_input_values", field, f"more than {max_values} values")
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, (list, tuple)):
            children = item
        else:
            continue
        if depth > max_depth:
            raise limit_exceeded(limits, "max_input_depth", field, "nesting too deep")
        stack.extend((child, depth + 1) for child in children)


def dumps(value: Any, field: str = "spec") -> str:
    """JSON for the engine; numpy scalars and ranges become plain JSON values. Checked against the
    engine's depth and value limits first (`field` names the value in the error)."""
    check_document(value, field)
    try:
        return json.dumps(value, default=_plain, allow_nan=True)
    except (TypeError, ValueError) as error:
        raise ValidationException(str(error)) from None


def _plain(value: Any) -> Any:
    """numpy scalars and other number-likes become plain JSON numbers."""
    item = getattr(value, "item", None)
    if callable(item):
        plain = item()
        if isinstance(plain, (int, float, str, bool)):
            return plain
    if isinstance(value, range):
        return list(value)
    raise TypeError(f"{value!r} (of type {type(value).__name__}) cannot be part of a sweep spec")


def normalize_spec(spec: dict) -> dict:
    """Validates a sweep spec in the engine and returns its canonical form."""
    return json.loads(_core.normalize_spec(dumps(spec)))


def normalize_space(space: dict, form: str = "wire") -> dict:
    """Validates a search space and returns it in the wire (`["uniform", [0, 1]]`) or YAML form."""
    if form not in _SPACE_FORMS:
        raise ValidationException(f"form: expected one of {', '.join(_SPACE_FORMS)}, got {form!r}")
    return json.loads(_core.normalize_space(dumps(space), _SPACE_FORMS[form]))


def warn_about(spec: dict, stacklevel: int = 3) -> None:
    """Emits the engine's advice about a valid spec (e.g. Azure's Bayesian recommendations) as warnings."""
    for message in json.loads(_core.spec_advice(dumps(spec))):
        warnings.warn(message, stacklevel=stacklevel)


# --- in-process sweeps ------------------------------------------------------------------------------

def sweep_create(spec: dict) -> object:
    """A new in-process sweep; the handle frees it when collected."""
    return _core.sweep_create(dumps(spec))


def sweep_spec(handle: object) -> dict:
    return json.loads(_core.sweep_spec(handle))


def sweep_ask(handle: object) -> Optional[Tuple[int, dict]]:
    """The next trial's number and parameters, or None when the sweep is over."""
    answer = _core.sweep_ask(handle)
    return None if answer is None else (answer[0], json.loads(answer[1]))


def sweep_tell(handle: object, number: int, state: str, value: float, message: Optional[str]) -> str:
    """Records how a trial ended; `state` is any spelling the engine accepts. Returns the state's
    name as trials report it."""
    code = _core.trial_state_from_name(state if isinstance(state, str) else repr(state))
    _core.sweep_tell(handle, number, code, value, message)
    return _STATE_NAMES[code]


def sweep_report(handle: object, number: int, value: float) -> Optional[dict]:
    """The stop decision when the policy stops the trial, else None."""
    decision = _core.sweep_report(handle, number, value)
    return None if decision is None else json.loads(decision)


def sweep_decisions(handle: object) -> List[dict]:
    return json.loads(_core.sweep_decisions(handle))


def sweep_best(handle: object) -> Optional[dict]:
    best = _core.sweep_best(handle)
    return None if best is None else json.loads(best)


def sweep_trials(handle: object) -> List[dict]:
    return json.loads(_core.sweep_trials(handle))


def sweep_finish_reason(handle: object) -> Optional[str]:
    return _core.sweep_finish_reason(handle)


def flatten_params(params: dict) -> dict:
    """`params` with nested mappings flattened to dotted names, as commands and MLflow see them."""
    return json.loads(_core.params_flatten(dumps(params, "params")))


# --- sweep jobs -------------------------------------------------------------------------------------

def job_submit(workspace: str, job: dict) -> dict:
    """Validates and records a sweep job; returns its report."""
    return json.loads(_core.job_submit(workspace, dumps(job, "job")))


def job_show(workspace: str, name: str) -> dict:
    return json.loads(_core.job_show(workspace, name))


def job_list(workspace: str) -> List[dict]:
    return json.loads(_core.job_list(workspace))


def job_cancel(workspace: str, name: str) -> dict:
    return json.loads(_core.job_cancel(workspace, name))


def compute_create_or_update(workspace: str, compute: dict) -> dict:
    """Checks a compute target and registers it in the workspace; returns it as stored."""
    return json.loads(_core.compute_create_or_update(workspace, dumps(compute)))


def compute_show(workspace: str, name: str) -> dict:
    return json.loads(_core.compute_show(workspace, name))


def compute_list(workspace: str) -> List[dict]:
    return json.loads(_core.compute_list(workspace))


def compute_delete(workspace: str, name: str) -> None:
    _core.compute_delete(workspace, name)


def job_stream(workspace: str, name: str, offset: int) -> dict:
    """A job's progress from byte `offset` of its log: header, text, offset, over, status, and
    progress (done, total, running, best, elapsed, time left, and the same as a line)."""
    return json.loads(_core.job_stream(workspace, name, offset))


def job_report(workspace: str, name: str, path: Optional[str]) -> dict:
    """Writes the job's HTML report (None: report.html in its folder); returns its path, bytes and trials."""
    return json.loads(_core.job_report(workspace, name, path))


_TABLE_FORMATS: Dict[str, int] = {"json": _core.TABLE_JSON, "csv": _core.TABLE_CSV, "table": _core.TABLE_TEXT}


def job_trials(workspace: str, name: str, format: str = "json") -> str:  # noqa: A002 - the CLI's option name
    """The job's trial table as the engine writes it: "json" (a list of rows), "csv" or "table"."""
    if format not in _TABLE_FORMATS:
        raise ValidationException(f"format: expected one of {', '.join(_TABLE_FORMATS)}, got {format!r}")
    return _core.job_trials(workspace, name, _TABLE_FORMATS[format])


def job_file_read(document: Any, path: str, overrides: List[Dict[str, Any]]) -> Tuple[dict, List[str]]:
    """A sweep YAML document read from `path`, as a job takes it: `overrides` (Azure's
    `params_override`, `[{"dotted.path": value}, ...]`) applied, the `sweepkit.*` extension
    properties read back, single-brace placeholders upgraded, paths resolved against the file's
    folder; and the engine's warnings about it."""
    answer = json.loads(_core.job_file_read(dumps(document, path), path, dumps(list(overrides), "params_override")))
    return answer["document"], answer["warnings"]


def command_upgrade(command: str) -> Tuple[str, List[str]]:
    """`command` with its deprecated single-brace placeholders (`{inputs.x}`) written `${{inputs.x}}`,
    and Azure's warning when there were any."""
    answer = json.loads(_core.command_upgrade(command))
    return answer["command"], answer["warnings"]


def command_sweep_inputs(command: str, names: List[str]) -> str:
    """`${{inputs.x}}` → `${{search_space.x}}` in `command` for each swept input x."""
    return _core.command_sweep_inputs(command, dumps(list(names), "names"))


# --- plugins ----------------------------------------------------------------------------------------

def plugin_load(path: str) -> dict:
    return json.loads(_core.plugin_load(path))


def plugins() -> dict:
    return json.loads(_core.plugins())


def register_sampler(name: str, factory: Callable[[dict], Any]) -> None:
    _core.register_sampler(name, factory)
