#!/usr/bin/env bash
# Creates the virtualenv one engine of the BBOB benchmark runs in, at <repo>/.venv-bbob-<engine>,
# unless it exists already (then it is reused as it is). Engines: sweepkit, optuna, botorch.
#   benchmarks/bbob/make_venv.sh optuna
# Versions are pinned where the published comparison depends on them. torch is the CPU build:
# pip takes it from a local wheel folder when pip is configured with one (find-links), otherwise
# PyPI's manylinux wheel, which also runs on CPU.
set -euo pipefail
cd "$(dirname "$0")/../.."
engine=${1:?usage: make_venv.sh sweepkit|optuna|botorch}
venv=".venv-bbob-$engine"
PYTHON=${PYTHON:-python3}
if [ -x "$venv/bin/python" ] && [ -f "$venv/.complete" ]; then
  echo "$venv exists"
  exit 0
fi
"$PYTHON" -m venv "$venv"
pip=("$venv/bin/python" -m pip install --quiet)
"${pip[@]}" --upgrade pip setuptools wheel
# The CPU build when pip can find it (a local wheel folder), else PyPI's default wheel.
torch="torch==2.13.0+cpu"
"$venv/bin/python" -m pip download --quiet --no-deps -d "$venv/.probe" "$torch" >/dev/null 2>&1 || torch="torch==2.13.0"
rm -rf "$venv/.probe"
case "$engine" in
  sweepkit)
    # The package from this checkout (an incremental build, shared with scripts/setup), plus ioh.
    "${pip[@]}" "./python" "ioh==0.3.22" numpy ;;
  optuna)
    "${pip[@]}" "$torch" && "${pip[@]}" "optuna==5.0.0" "ioh==0.3.22" numpy scipy ;;
  botorch)
    "${pip[@]}" "$torch" && "${pip[@]}" "botorch==0.18.1" "ioh==0.3.22" numpy scipy ;;
  *) echo "unknown engine: $engine" >&2; exit 2 ;;
esac
touch "$venv/.complete"
echo "$venv ready"
