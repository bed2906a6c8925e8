import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sweepkit._cli import binary_path

REPO = Path(__file__).resolve().parents[2]


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
