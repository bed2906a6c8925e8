import faulthandler
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

import sweepkit
from sweepkit import _engine, _engine_process
from sweepkit._cli import binary_path
from jobs_helpers import trial_processes

REPO = Path(__file__).resolve().parents[2]

#: No test runs longer than this: past it, every thread's traceback is printed and the session
#: ends (a hang fails loudly instead of blocking CI). Each subprocess wait has its own timeout.
TEST_HANG_SECONDS = 1200


def _tree_mismatch():
    """Why the imported sweepkit is not the package built from this tree, or None.

    The engine: the build stamp setup.py wrote (a digest of Package.swift and Sources/) against the
    tree's digest now. The Python modules: each installed file against python/src."""
    package = Path(sweepkit.__file__).resolve().parent
    source = REPO / "python" / "src" / "sweepkit"
    if package == source:
        return None if any(package.glob("_core*.so")) else f"{package} has no built extension"
    spec = importlib.util.spec_from_file_location("build_stamp", REPO / "python" / "build_stamp.py")
    build_stamp = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_stamp)
    stamp_path = package / build_stamp.STAMP_FILE
    if not stamp_path.exists():
        return f"{package} has no build stamp (it was built before stamps, or not by python/setup.py)"
    stamp = json.loads(stamp_path.read_text())
    if stamp.get("sources") != build_stamp.source_digest(REPO):
        return (f"{package} was built from {stamp.get('repo')} with other engine sources than {REPO} has now "
                f"(Package.swift or Sources/ changed since)")
    for path in sorted(source.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            installed = package / path.relative_to(source)
            if not installed.exists() or installed.read_bytes() != path.read_bytes():
                return f"{installed} differs from {path}"
    return None


def pytest_sessionstart(session):
    """The tests run against the tree they belong to, never a stale or foreign install."""
    # A shell's background job (`scripts/test &`, nohup) starts with SIGINT ignored, and every
    # process a test starts would inherit that: the Ctrl-C tests could not interrupt anything.
    # A handler (unlike SIG_IGN) is reset to the default in the children.
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    mismatch = _tree_mismatch()
    if mismatch:
        pytest.exit(f"sweepkit under test is not the package built from this tree: {mismatch}.\n"
                    f"Reinstall it: {sys.executable} -m pip install --no-build-isolation {REPO / 'python'}",
                    returncode=3)


@pytest.fixture(autouse=True)
def hang_guard():
    faulthandler.dump_traceback_later(TEST_HANG_SECONDS, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


def _engine_pid(job_dir):
    """The pid of a live `sweepkit job run` for the job in `job_dir`, or None."""
    try:
        pid = int((job_dir / "engine.lock").read_text().strip() or 0)
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            arguments = f.read().split(b"\0")
    except (OSError, ValueError):
        return None
    return pid if b"run" in arguments and job_dir.name.encode() in arguments else None


def _stop_job(workspace, job_dir):
    """Cancels a job whose engine still runs and ends whatever of it is left; True if anything was."""
    name = job_dir.name
    left = False
    try:
        if _engine.job_show(workspace, name)["status"] == _engine.JobStatus.running:
            left = True
            _engine.job_cancel(workspace, name)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and _engine.job_show(workspace, name)["status"] == _engine.JobStatus.running:
                time.sleep(0.1)
    except Exception:  # a damaged or half-written job: fall through to killing its processes
        pass
    pids = trial_processes(name) + [p for p in [_engine_pid(job_dir)] if p]
    for pid in pids:
        left = True
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    return left


@pytest.fixture(autouse=True)
def no_job_outlives_its_test(tmp_path):
    """After each test, no sweep it started is still running: engines are canceled (their trials
    stopped), leftovers killed, and the engines this process started reaped, so a failed test never
    leaves a sweep behind for the next one, nor an engine for `_wait_for_engines` to wait on at exit."""
    started = len(_engine_process._started)
    yield
    leftovers = []
    workspaces = {ws for ws, _, _ in _engine_process._started[started:]}
    for journal in tmp_path.rglob("journal.jsonl"):
        if journal.parent.parent.name == "jobs":
            workspaces.add(str(journal.parent.parent.parent))
    for workspace in sorted(workspaces):
        for job_dir in sorted(Path(workspace, "jobs").glob("*")):
            if job_dir.is_dir() and _stop_job(workspace, job_dir):
                leftovers.append(job_dir.name)
    for _, _, process in _engine_process._started[started:]:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
    del _engine_process._started[started:]
    if leftovers:
        warnings.warn(f"sweeps still running after the test were stopped: {', '.join(leftovers)}")


@pytest.fixture(scope="session")
def sweepkit_command():
    """The installed `sweepkit` command (the Swift CLI), as a list for subprocess."""
    binary = binary_path()
    assert binary.exists(), f"{binary} is missing: install the package with pip install ./python"
    return [str(binary)]


def run_cli(command, *args, check=True):
    result = subprocess.run([*command, *args], capture_output=True, text=True, timeout=120)
    if check and result.returncode != 0:
        raise AssertionError(f"sweepkit {' '.join(args)} failed ({result.returncode}): {result.stderr}")
    return result


@pytest.fixture(scope="session")
def mlflow_db(tmp_path_factory):
    """One MLflow SQLite store for the whole session (its first use initialises the schema)."""
    return f"sqlite:///{tmp_path_factory.mktemp('mlflow')}/mlflow.db"
