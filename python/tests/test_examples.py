"""The README's examples run as written: the Python sweep script and the YAML through the CLI."""
import os
import subprocess
import sys

from conftest import REPO
from jobs_helpers import cli


def test_the_readme_python_example_runs(tmp_path, mlflow_db):
    result = subprocess.run([sys.executable, str(REPO / "examples" / "sweep_example.py")], cwd=tmp_path,
                            capture_output=True, text=True, timeout=300, env={**os.environ, "MLFLOW_TRACKING_URI": mlflow_db})
    assert result.returncode == 0, result.stderr
    assert "Status: Completed" in result.stdout and "best_child_run_id: " in result.stdout
    assert result.stdout.count(": Completed Accuracy=") == 3


def test_the_readme_yaml_example_runs(tmp_path, mlflow_db):
    created = cli("job", "create", "--file", str(REPO / "examples" / "sweep.yml"), "--stream", cwd=tmp_path,
                  env={"MLFLOW_TRACKING_URI": mlflow_db, "SWEEPKIT_PYTHON": sys.executable})
    assert created.returncode == 0, created.stdout + created.stderr
    assert "Status: Completed" in created.stdout


def test_the_inprocess_example_runs():
    result = subprocess.run([sys.executable, str(REPO / "examples" / "inprocess_quickstart.py")], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "200 trials (max_total_trials (200) reached)" in result.stdout
