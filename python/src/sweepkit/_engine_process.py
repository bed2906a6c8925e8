"""Starts a sweep job's engine (`sweepkit job run NAME`) and makes sure a script that submits a
sweep and ends still sees it finish: at exit it waits for the engines it started; Ctrl-C while
waiting cancels the sweep cleanly (trials stopped, runs marked KILLED)."""
import atexit
import os
import subprocess
import sys
import threading
import time
from typing import List, Tuple

from . import _engine
from ._cli import binary_path
from ._engine import JobStatus

_started: List[Tuple[str, str, subprocess.Popen]] = []
_lock = threading.Lock()


def start(workspace: str, name: str, *, fail_interrupted: bool = False) -> subprocess.Popen:
    """Starts `sweepkit job run NAME` in a session of its own, its output in the job's engine.log."""
    directory = os.path.join(workspace, "jobs", name)
    log = open(os.path.join(directory, "engine.log"), "ab")
    arguments = [str(binary_path()), "job", "run", name, "--workspace", workspace]
    if fail_interrupted:
        arguments.append("--fail-interrupted")
    environment = {**os.environ, "SWEEPKIT_PYTHON": sys.executable}
    # A session of its own: Ctrl-C in the terminal reaches this script, which then cancels the sweep.
    process = subprocess.Popen(arguments, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True, env=environment)
    log.close()
    with _lock:
        if not _started:
            atexit.register(_wait_for_engines)
        _started.append((workspace, name, process))
    return process


def wait_until_running(workspace: str, name: str, process: subprocess.Popen, timeout: float = 15.0) -> None:
    """Returns once the engine holds the job (or ended), so `status` is Running, not NotStarted (a
    new job) or NotResponding (a job being resumed)."""
    waiting = (JobStatus.notStarted, JobStatus.notResponding)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if _engine.job_show(workspace, name)["status"] not in waiting:
            return
        time.sleep(0.01)


def _wait_for_engines() -> None:
    for workspace, name, process in list(_started):
        if process.poll() is not None:
            continue
        print(f"sweepkit: waiting for sweep {name} to finish (Ctrl-C cancels it)...", file=sys.stderr, flush=True)
        try:
            process.wait()
        except KeyboardInterrupt:
            print(f"sweepkit: canceling sweep {name}...", file=sys.stderr, flush=True)
            _engine.job_cancel(workspace, name)
            process.wait()
