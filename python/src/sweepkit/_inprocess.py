"""In-process sweeps: ask/tell and `optimize(fn)`, without a subprocess per trial.

The engine decides everything (which trial comes next, when the sweep is over, which trial is
best); this module only moves trials between it and the user's function.
"""
import math
import time
import warnings
from typing import Any, Callable, Dict, Iterable, List, Optional, Type, Union

from . import _engine
from ._engine import TrialState
from .exceptions import UserErrorException, ValidationException
from .sweep._objective import Objective, SweepJobLimits
from .sweep._spec import build_spec


def _number(value: Any) -> float:
    """A metric value as a float; an int too large for one is a ValidationException naming it."""
    try:
        return float(value)
    except OverflowError:
        try:
            text = str(value)
        except ValueError:  # more digits than Python converts
            text = "the number"
        raise ValidationException(f"value: {text[:40] + '...' if len(text) > 40 else text} is too large for a float") from None


def _bounded(message: str) -> str:
    """A message `optimize` writes from an exception or a result, made fit for `tell`: a NUL is
    written as \\x00, and a message over the engine's limit keeps its head and tail and says how
    much was cut (so the objective's own error is what propagates, not the message's)."""
    data = message.replace("\x00", "\\x00").encode("utf-8", "replace")  # lone surrogates too
    limit = _engine.input_limits()["max_message_bytes"]
    if len(data) <= limit["value"]:
        return data.decode("utf-8")
    marker = f" [... {{}} bytes cut ({limit['environment_variable']}) ...] "
    keep = (limit["value"] - len(marker) - 20) // 2
    if keep <= 0:  # a limit too small for the marker
        return data[:limit["value"]].decode("utf-8", "ignore")
    cut = len(data) - 2 * keep
    head = data[:keep].decode("utf-8", "ignore")
    tail = data[len(data) - keep:].decode("utf-8", "ignore") if keep else ""
    return head + marker.format(cut) + tail


class TrialStopped(Exception):
    """Raise it from an objective when `trial.report(...)` said the trial should stop (like Optuna's
    TrialPruned): `optimize` records the trial as Canceled with the policy's reason."""


class Trial:
    """One trial of an in-process sweep: `number` (0-based), `params` (name → value; a conditional
    choice gives a nested dict), and, once told, `state` and `value`."""

    __slots__ = ("number", "params", "state", "value", "message", "_flat_params", "_handle", "_decision")

    def __init__(self, number: int, params: Dict[str, Any], state: str = TrialState.running.value,
                 value: Optional[float] = None, message: Optional[str] = None,
                 flat_params: Optional[Dict[str, Any]] = None, handle: Any = None) -> None:
        self.number = number
        self.params = params
        self.state = str(state)
        self.value = value
        self.message = message
        self._flat_params = flat_params
        self._handle = handle
        self._decision = None

    def report(self, value: float, step: Optional[int] = None) -> bool:
        """Reports the primary metric's value at the next interval (`step` is informational; each
        report is one interval). Returns True when the early-termination policy says to stop:
        then raise `sweepkit.TrialStopped` (or return). Non-finite values are ignored."""
        if self._handle is None:
            raise UserErrorException("report: this trial does not belong to a running sweep")
        decision = _engine.sweep_report(self._handle, self.number, _number(value))
        if decision is not None:
            self._decision = decision
        return self._decision is not None

    def should_stop(self) -> bool:
        """Whether the policy decided that this trial should stop."""
        return self._decision is not None

    @property
    def stop_decision(self) -> Optional[Dict[str, Any]]:
        """The decision that stopped the trial: interval, policy, value, threshold, reason."""
        return self._decision

    @property
    def flat_params(self) -> Dict[str, Any]:
        """Parameters with nested dicts flattened to dotted names (`cond.kernel`), as the engine
        names them in commands, environment variables and MLflow."""
        if self._flat_params is None:
            self._flat_params = _engine.flatten_params(self.params)
        return self._flat_params

    def __getitem__(self, name: str) -> Any:
        """`trial["x"]` is `trial.params["x"]`."""
        return self.params[name]

    def __repr__(self) -> str:
        return f"Trial(number={self.number}, state={self.state!r}, value={self.value!r}, params={self.params!r})"

    @classmethod
    def _from_json(cls, data: Dict[str, Any]) -> "Trial":
        return cls(data["number"], data["params"], data["state"], data.get("value"), data.get("message"),
                   data.get("flat_params"))


class Sweep:
    """A sweep driven from Python, like Optuna's study with ask/tell.

    >>> from sweepkit import Sweep
    >>> from sweepkit.sweep import Uniform
    >>> sweep = Sweep(search_space={"x": Uniform(-5, 5)}, sampling_algorithm="random",
    ...               primary_metric="loss", goal="minimize", max_total_trials=50)
    >>> sweep.optimize(lambda trial: (trial.params["x"] - 2) ** 2)
    >>> sweep.best_trial.params
    """

    def __init__(self, *, search_space: Dict[str, Any], sampling_algorithm: Any = "random",
                 primary_metric: str = "objective", goal: str = "minimize",
                 max_total_trials: Optional[int] = None, max_concurrent_trials: Optional[int] = None,
                 timeout: Optional[float] = None, early_termination: Any = None,
                 limits: Optional[SweepJobLimits] = None) -> None:
        if limits is None:
            limits = SweepJobLimits(max_total_trials=max_total_trials, max_concurrent_trials=max_concurrent_trials,
                                    timeout=timeout)
        elif any(v is not None for v in (max_total_trials, max_concurrent_trials, timeout)):
            raise ValidationException("limits: pass either limits= or max_total_trials/max_concurrent_trials/timeout, not both")
        spec = build_spec(search_space=search_space, sampling_algorithm=sampling_algorithm,
                          objective=Objective(goal=goal, primary_metric=primary_metric), limits=limits,
                          early_termination=early_termination)
        self._handle = _engine.sweep_create(spec)
        _engine.warn_about(spec)
        self._running: Dict[int, Trial] = {}

    @property
    def spec(self) -> Dict[str, Any]:
        """The spec as the engine runs it, with every default filled in (and the drawn seed)."""
        return _engine.sweep_spec(self._handle)

    def ask(self) -> Optional[Trial]:
        """The next trial, or None when the sweep is over (limits reached, grid exhausted)."""
        answer = _engine.sweep_ask(self._handle)
        if answer is None:
            return None
        trial = Trial(answer[0], answer[1], handle=self._handle)
        self._running[trial.number] = trial
        return trial

    def tell(self, trial: Union[Trial, int], value: Optional[float] = None, *,
             state: str = TrialState.completed.value, message: Optional[str] = None) -> None:
        """Records how a trial ended: `state` is "completed" (the default; needs a finite value),
        "failed" or "canceled", in any case (the engine reads it; "cancelled" and "pruned" too)."""
        number = trial.number if isinstance(trial, Trial) else int(trial)
        numeric = math.nan if value is None else _number(value)
        told_state = _engine.sweep_tell(self._handle, number, state, numeric, message)
        told = self._running.pop(number, None)
        if told is not None:
            told.state = told_state
            told.value = None if math.isnan(numeric) else numeric
            told.message = message

    def optimize(self, fn: Callable[[Trial], float], n_trials: Optional[int] = None, *,
                 timeout: Optional[float] = None, catch: Iterable[Type[BaseException]] = ()) -> None:
        """Runs `fn(trial)` for up to `n_trials` more trials (or until `timeout` seconds, or the
        sweep's own limits). A non-finite result marks the trial failed; an exception in `catch`
        marks it failed and goes on; any other exception (Ctrl-C too) ends the trial and propagates."""
        catch = tuple(catch)
        deadline = None if timeout is None else time.monotonic() + timeout
        count = 0
        while n_trials is None or count < n_trials:
            if deadline is not None and time.monotonic() >= deadline:
                break
            trial = self.ask()
            if trial is None:
                break
            count += 1
            try:
                result = fn(trial)
            except TrialStopped as stopped:
                reason = (trial.stop_decision or {}).get("reason") or str(stopped) or "stopped by the objective"
                self.tell(trial, state=TrialState.canceled.value, message=_bounded(reason))
                continue
            except catch as error:
                self.tell(trial, state=TrialState.failed.value, message=_bounded(f"{type(error).__name__}: {error}"))
                continue
            except KeyboardInterrupt:
                self.tell(trial, state=TrialState.canceled.value, message="interrupted (KeyboardInterrupt)")
                raise
            except BaseException as error:
                self.tell(trial, state=TrialState.failed.value, message=_bounded(f"{type(error).__name__}: {error}"))
                raise
            try:
                value = float(result)
            except (TypeError, ValueError):
                self.tell(trial, state=TrialState.failed.value, message=_bounded(f"the objective returned {result!r}, not a number"))
                warnings.warn(f"trial {trial.number}: the objective returned {result!r}, not a number; marked failed")
                continue
            if math.isfinite(value):
                self.tell(trial, value)
            else:
                self.tell(trial, state=TrialState.failed.value, message=f"the objective returned {value}")
                warnings.warn(f"trial {trial.number}: the objective returned {value}; marked failed")

    @property
    def stop_decisions(self) -> List[Dict[str, Any]]:
        """Every early-termination decision: trial, interval, policy, value, threshold, reason."""
        return _engine.sweep_decisions(self._handle)

    @property
    def best_trial(self) -> Optional[Trial]:
        """The completed trial with the best value (the earliest on ties), or None."""
        best = _engine.sweep_best(self._handle)
        return None if best is None else Trial._from_json(best)

    @property
    def trials(self) -> List[Trial]:
        """Every trial so far, in the order they were asked."""
        return [Trial._from_json(t) for t in _engine.sweep_trials(self._handle)]

    @property
    def finish_reason(self) -> Optional[str]:
        """Why the sweep ended (`ask` returned None), or None while it can go on."""
        return _engine.sweep_finish_reason(self._handle)
