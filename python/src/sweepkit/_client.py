"""`MLClient` and its `jobs` operations, for this machine: `MLClient()` needs no arguments."""
import json
import os
import shutil
import sys
import time
from typing import Any, Dict, List, Optional, Union

from . import _engine, _engine_process
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

    def stream(self, name: str) -> None:
        """Prints the sweep's progress (trials started, completed, failed, canceled, best so far)
        until it ends, then the execution summary: the engine's text, as `sweepkit job stream`
        prints it. A Failed sweep raises JobException."""
        offset, first = 0, True
        try:
            while True:
                progress = _engine.job_stream(self._workspace, name, offset)
                sys.stdout.write((progress["header"] if first else "") + progress["text"])
                sys.stdout.flush()
                offset, first = progress["offset"], False
                if progress["over"]:
                    break
                time.sleep(0.2)
        except KeyboardInterrupt:
            raise JobException(
                "The output streaming for the run interrupted.\nBut the run is still executing on the compute target. "
                f"Cancel it with MLClient().jobs.begin_cancel({name!r}) or `sweepkit job cancel {name}`.") from None
        if progress["status"] == JobStatus.failed:
            report = self._report(name)
            raise JobException(f"Exception : \n {json.dumps({'status': report['status'], 'reason': report.get('reason')})} ")

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

    def create_or_update(self, entity: SweepJob, **kwargs: Any) -> SweepJob:
        """Submits a sweep job and starts it here: `jobs.create_or_update`."""
        return self.jobs.create_or_update(entity, **kwargs)
