"""The `sweepkit` console script: runs the Swift `sweepkit` command shipped inside the package."""
import os
import sys
from pathlib import Path


def binary_path() -> Path:
    return Path(__file__).resolve().parent / "_bin" / "sweepkit"


def main() -> None:
    binary = binary_path()
    if not binary.exists():
        sys.exit(f"sweepkit: the command binary is missing at {binary}; reinstall the package (pip install ./python)")
    # Trials that run `python` use the interpreter this command was installed for.
    os.environ.setdefault("SWEEPKIT_PYTHON", sys.executable)
    os.execv(str(binary), [str(binary), *sys.argv[1:]])
