"""Helpers for the sweep-job tests: tiny trial scripts, waiting for a sweep, reading MLflow."""
import json
import os
import subprocess
import textwrap
import time
from pathlib import Path

import sweepkit
from sweepkit import MLClient, command
from sweepkit._cli import binary_path

TERMINAL = ("Completed", "Failed", "Canceled", "NotResponding")


def write_code(folder: Path, **scripts: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in scripts.items():
        (folder / name).write_text(textwrap.dedent(text))
    return folder


def wait_for(client: MLClient, name: str, timeout: float = 120.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        report = json.loads(sweepkit._core.job_show(client.workspace_dir, name))
        if report["status"] in TERMINAL:
            return report
        time.sleep(0.1)
    raise AssertionError(f"sweep {name} did not end within {timeout} s")


def report(client: MLClient, name: str) -> dict:
    return json.loads(sweepkit._core.job_show(client.workspace_dir, name))


def cli(*args: str, cwd=None, env=None, timeout: float = 180.0) -> subprocess.CompletedProcess:
    return subprocess.run([str(binary_path()), *args], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, **(env or {})}, timeout=timeout)


def trial_processes(job: str) -> list:
    """Pids of live processes that belong to a job's trials (they carry SWEEPKIT_JOB=<job>)."""
    marker = f"SWEEPKIT_JOB={job}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                if marker in f.read().split(b"\0"):
                    with open(f"/proc/{entry}/stat") as s:
                        if s.read().split(")")[-1].split()[0] != "Z":
                            found.append(int(entry))
        except OSError:
            continue
    return found
