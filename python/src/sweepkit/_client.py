"""`MLClient` and its `jobs` operations, for this machine: `MLClient()` needs no arguments."""
import csv
import json
import os
import shutil
import sys
import time
from typing import Any, Dict, List, Optional, Union

from . import _engine, _engine_process
from ._compute import Compute, ComputeOperations, ComputePoller
from ._progress import StreamDisplay, choose_mode
from ._engine import FINISHED_JOB_STATUSES, STOPPED_JOB_STATUSES, JobStatus
from .exceptions import JobException, UserErrorException, ValidationException
from .sweep._sweep_job import SweepJob


class TrialJob:
    """A trial of a sweep, as `jobs.list(parent_job_name=...)` returns it (Azure's `_BaseJob`):
    `name`, `status`, `type == "base"`, plus `params`, `metrics`, `value`, `message`, `run_id`."""

    type = "base"

    def __init__(self, data: Dict[str, Any], experiment_name: str) -> None:
        self.name = data["name"]
        self.display_name = data["name"]
        self.status = data["status"]
        self.params = data.get("params", {})
        self.flat_params = data.get("flat_params", {})
        self.metrics = data.get("metrics", {})
        self.value = data.get("value")
        self.message = data.get("message")
        self.run_id = data.get("run_id")
        self.directory = data.get("directory")
        self.log_directory = data.get("log_directory")
        self.experiment_name = experiment_name
        self.tags: Dict[str, str] = {}
        self.properties = {"run_id": self.run_id, **{f"param.{k}": v for k, v in self.flat_params.items()}}

    def __repr__(self) -> str:
        """`TrialJob(name=..., status=..., value=..., params=...)`."""
        return f"TrialJob(name={self.name!r}, status={self.status!r}, value={self.value!r}, params={self.params!r})"


class CancelPoller:
    """What `jobs.begin_cancel` returns (an LROPoller in the Azure SDK)."""

    def __init__(self, operations: "JobOperations", name: str) -> None:
        self._operations, self._name = operations, name

    def done(self) -> bool:
        """Whether the job has stopped (canceled, or ended otherwise first)."""
        return self._operations._report(self._name)["status"] in STOPPED_JOB_STATUSES

    def result(self, timeout: Optional[float] = None) -> None:
        """Waits until the job has stopped, or `timeout` seconds."""
        self.wait(timeout)

    def wait(self, timeout: Optional[float] = None) -> None:
        """Waits until the job has stopped, or `timeout` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.done():
            if deadline is not None and time.monotonic() > deadline:
                return
            time.sleep(0.1)


class JobOperations:
    """`MLClient().jobs`: sweep jobs in the client's workspace folder (Azure's JobOperations)."""

    def __init__(self, workspace: str) -> None:
        self._workspace = workspace

    def _report(self, name: str) -> Dict[str, Any]:
        if not isinstance(name, str):
            raise UserErrorException(f"{name} is a invalid input for client.jobs.get().")
        return _engine.job_show(self._workspace, name)

    def create_or_update(self, job: SweepJob, *, description: Optional[str] = None, compute: Optional[str] = None,
                         tags: Optional[Dict[str, str]] = None, experiment_name: Optional[str] = None,
                         skip_validation: bool = False, **kwargs: Any) -> SweepJob:
        """Validates the sweep completely, starts its engine here, and returns it Running."""
        if not isinstance(job, SweepJob):
            raise ValidationException(f"create_or_update expects a sweep job, got {type(job).__name__}")
        for key, value in (("description", description), ("compute", compute), ("experiment_name", experiment_name)):
            if value is not None:
                setattr(job, key, value)
        if tags:
            job.tags.update(tags)
        report = _engine.job_submit(self._workspace, job._to_job_spec())
        _engine.warn_about(job._to_spec())
        process = _engine_process.start(self._workspace, report["name"])
        _engine_process.wait_until_running(self._workspace, report["name"], process)
        return SweepJob._from_report(self._report(report["name"]))

    def get(self, name: str) -> SweepJob:
        """The sweep job `name` as it stands: status, properties (best_child_run_id, ...), spec."""
        return SweepJob._from_report(self._report(name))

    def list(self, *, parent_job_name: Optional[str] = None, **kwargs: Any) -> Union[List[SweepJob], List[TrialJob]]:
        """Sweep jobs, or with `parent_job_name` the trials of one (with params, metrics, status)."""
        if parent_job_name is not None:
            report = self._report(parent_job_name)
            return [TrialJob(t, report.get("experiment_name", "")) for t in report["trials"]]
        return [SweepJob._from_report(r) for r in _engine.job_list(self._workspace)]

    def begin_cancel(self, name: str, **kwargs: Any) -> CancelPoller:
        """Requests cancellation: running trials are stopped and the sweep ends Canceled. A sweep
        whose engine died gets a new engine that carries the request out."""
        if _engine.job_cancel(self._workspace, name)["status"] == JobStatus.notResponding:
            # Until the new engine holds the job it shows NotResponding, which the poller would take
            # for stopped while the trials still run.
            process = _engine_process.start(self._workspace, name)
            _engine_process.wait_until_running(self._workspace, name, process)
        return CancelPoller(self, name)

    def resume(self, name: str, *, fail_interrupted: bool = False) -> SweepJob:
        """Finishes a sweep whose engine stopped (crash, kill -9): finished trials are kept, trials
        still running are watched again, trials that ended meanwhile are collected, and only a
        trial whose process vanished is relaunched (or marked Failed with `fail_interrupted`)."""
        report = self._report(name)
        if report["status"] not in FINISHED_JOB_STATUSES and report["status"] != JobStatus.running:
            process = _engine_process.start(self._workspace, name, fail_interrupted=fail_interrupted)
            _engine_process.wait_until_running(self._workspace, name, process)
        return self.get(name)

    def stream(self, name: str, *, plain: Optional[bool] = None) -> None:
        """Prints the sweep's progress (trials started, completed, failed, canceled, best so far)
        until it ends, then the execution summary: the engine's text, as `sweepkit job stream`
        prints it. On a terminal a progress line (trials done of the total, running, best so far,
        elapsed, time left) is redrawn under the lines; in a Jupyter notebook it is an updating
        display; `plain=True`, `NO_COLOR` or output that is not a terminal give the plain lines
        only. A Failed sweep raises JobException."""
        offset, first = 0, True
        display = StreamDisplay(choose_mode(plain, sys.stdout), sys.stdout)
        try:
            while True:
                progress = _engine.job_stream(self._workspace, name, offset)
                if first:
                    sys.stdout.write(progress["header"])
                display.show(progress["text"], progress.get("progress"), progress["over"])
                offset, first = progress["offset"], False
                if progress["over"]:
                    break
                time.sleep(0.2)
        except KeyboardInterrupt:
            display.close()
            raise JobException(
                "The output streaming for the run interrupted.\nBut the run is still executing on the compute target. "
                f"Cancel it with MLClient().jobs.begin_cancel({name!r}) or `sweepkit job cancel {name}`.") from None
        if progress["status"] == JobStatus.failed:
            report = self._report(name)
            raise JobException(f"Exception : \n {json.dumps({'status': report['status'], 'reason': report.get('reason')})} ")

    def report(self, name: str, path: Optional[str] = None) -> str:
        """Writes the sweep's report, one self-contained HTML file (no network needed to view it):
        optimisation history, parallel coordinates, slice plots, parameter importance, learning
        curves with the policy's stops, the trial table and the spec. `path` defaults to
        report.html in the job's folder. Returns the file's absolute path. The engine builds it
        (as `sweepkit job report` does), so it works during the sweep too."""
        if not isinstance(name, str):
            raise UserErrorException(f"{name} is a invalid input for client.jobs.report().")
        return _engine.job_report(self._workspace, name, None if path is None else os.fspath(path))["path"]

    def trials_dataframe(self, name: str) -> Any:
        """The sweep's trials as a pandas DataFrame, one row per trial, as Optuna's
        `trials_dataframe`: number, name, status, value, datetime_start, datetime_complete,
        duration (Timedelta), queue_seconds and run_seconds (trials on a cluster),
        params_<flat name>..., metrics_<key>..., attempts, exit, stop_interval, message, run_id,
        log_directory. Needs pandas (`pip install pandas`)."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("trials_dataframe needs pandas: pip install pandas "
                              "(or use `sweepkit job trials NAME --format csv`)") from None
        rows = json.loads(_engine.job_trials(self._workspace, name, "json"))
        if rows:
            frame = pd.DataFrame(rows, columns=list(rows[0]))
        else:  # no trial yet: the columns from the CSV header
            header = _engine.job_trials(self._workspace, name, "csv").splitlines()[0]
            frame = pd.DataFrame(columns=next(csv.reader([header])))
        for column in ("datetime_start", "datetime_complete"):
            if column in frame:
                frame[column] = pd.to_datetime(frame[column], utc=True)
        if "duration" in frame:
            frame["duration"] = pd.to_timedelta(frame["duration"], unit="s")
        return frame

    def download(self, name: str, *, download_path: str = ".", output_name: Optional[str] = None,
                 all: bool = False) -> None:  # noqa: A002 - Azure's name
        """The best trial's outputs to `<download_path>/artifacts` (its `outputs/` and logs), a named
        output to `named-outputs/<name>`, and the sweep's own log to `hd-artifacts/`."""
        report = self._report(name)
        if report["status"] not in STOPPED_JOB_STATUSES:
            allowed = [status.value for status in JobStatus if status.value in STOPPED_JOB_STATUSES]
            raise JobException(f"This job is in state {report['status']}. Download is allowed only in states {allowed}")
        best = report.get("best_trial")
        if best is None:
            raise JobException(f"sweep {name} has no completed trial to download")
        artifacts = os.path.join(download_path, "artifacts")
        outputs = os.path.join(best["directory"], "outputs")
        if output_name is None or all:
            shutil.copytree(outputs, os.path.join(artifacts, "outputs"), dirs_exist_ok=True)
            if best.get("log_directory"):
                shutil.copytree(best["log_directory"], os.path.join(artifacts, "user_logs"), dirs_exist_ok=True)
        names = [output_name] if output_name else (os.listdir(outputs) if all else [])
        for output in names:
            source = os.path.join(outputs, output)
            if not os.path.exists(source):
                raise JobException(f"the best trial {best['name']} has no output named {output!r}")
            target = os.path.join(download_path, "named-outputs", output)
            if os.path.isdir(source):
                shutil.copytree(source, target, dirs_exist_ok=True)
            else:
                os.makedirs(os.path.dirname(target), exist_ok=True)
                shutil.copy2(source, target)
        hd = os.path.join(download_path, "hd-artifacts")
        os.makedirs(hd, exist_ok=True)
        if report.get("log") and os.path.exists(report["log"]):
            shutil.copy2(report["log"], hd)


class MLClient:
    """This machine as an Azure ML workspace. Azure's arguments are accepted and ignored;
    `workspace_dir` (default `$SWEEPKIT_WORKSPACE`, else `./.sweepkit`) holds the jobs."""

    def __init__(self, credential: Any = None, subscription_id: Optional[str] = None,
                 resource_group_name: Optional[str] = None, workspace_name: Optional[str] = None, *,
                 workspace_dir: Optional[str] = None, **kwargs: Any) -> None:
        root = workspace_dir or os.environ.get("SWEEPKIT_WORKSPACE") or ".sweepkit"
        self.workspace_dir = os.path.abspath(root)
        self.jobs = JobOperations(self.workspace_dir)
        self.compute = ComputeOperations(self.workspace_dir)

    def create_or_update(self, entity: SweepJob, **kwargs: Any) -> SweepJob:
        """Submits a sweep job and starts it here: `jobs.create_or_update`."""
        return self.jobs.create_or_update(entity, **kwargs)

    def begin_create_or_update(self, entity: Compute, **kwargs: Any) -> ComputePoller:
        """Registers a compute target: `compute.begin_create_or_update`."""
        return self.compute.begin_create_or_update(entity, **kwargs)
