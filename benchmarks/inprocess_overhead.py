#!/usr/bin/env python3
"""Benchmark: in-process ask + tell per trial from Python, random sampler, the 5-D mixed space
(x0, x1, x2 ~ U[-5, 5], lr ~ logU[1e-5, 1e-1], cat in {a, b, c}).

Method: one sequential sweep grows from 0 trials; every trial's ask + tell is timed
(the trivial objective is not); the figure "at N" is the median over trials N-20 .. N-1; each
cell is the median of 3 repeats (seeds 10, 11, 12). Optuna 5's RandomSampler (in-memory) runs in
the same invocation through benchmarks/optuna_overhead.py, in the Optuna virtualenv (made by
benchmarks/bbob/make_venv.sh optuna), interleaved with SweepKit per repeat so both see the same
background load.

Usage: python benchmarks/inprocess_overhead.py [--optuna-python .venv-bbob-optuna/bin/python] [--n 1000]
Not a test: it prints a table and writes benchmarks/results/inprocess_overhead.json.
"""
import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import sweepkit
from sweepkit.sweep import Choice, LogUniform, RandomSamplingAlgorithm, Uniform

ROOT = Path(__file__).resolve().parent.parent
OPTUNA_BENCH = ROOT / "benchmarks" / "optuna_overhead.py"
POINTS = (100, 1000)


def objective_value(x0, x1, x2, lr, cat):
    return x0 * x0 + x1 * x1 + x2 * x2 + (math.log10(lr) + 3.0) ** 2 + {"a": 0.0, "b": 0.5, "c": 1.0}[cat]


def window_median(xs, n, w=20):
    return statistics.median(xs[max(1, n - w):min(len(xs), n)])


def run_sweepkit(seed, n):
    sweep = sweepkit.Sweep(
        search_space={"x0": Uniform(-5, 5), "x1": Uniform(-5, 5), "x2": Uniform(-5, 5),
                      "lr": LogUniform(math.log(1e-5), math.log(1e-1)), "cat": Choice(["a", "b", "c"])},
        sampling_algorithm=RandomSamplingAlgorithm(seed=seed), goal="minimize")
    per_trial, cpu_per_trial = [], []
    clock, cpu = time.perf_counter, time.process_time
    start = clock()
    for _ in range(n):
        c0, t0 = cpu(), clock()
        trial = sweep.ask()
        p = trial.params
        c1, t1 = cpu(), clock()
        value = objective_value(p["x0"], p["x1"], p["x2"], p["lr"], p["cat"])
        c2, t2 = cpu(), clock()
        sweep.tell(trial, value)
        c3, t3 = cpu(), clock()
        per_trial.append((t1 - t0) + (t3 - t2))
        cpu_per_trial.append((c1 - c0) + (c3 - c2))
    elapsed = clock() - start
    return {"total_us": {str(k): window_median(per_trial, k) * 1e6 for k in POINTS if k <= n},
            "mean_us": elapsed / n * 1e6, "best": sweep.best_trial.value}


def run_optuna(python, seed, n):
    out = subprocess.run([python, str(OPTUNA_BENCH), "--n", str(n), "--seed", str(seed), "--at", ",".join(map(str, POINTS))],
                         capture_output=True, text=True, check=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--optuna-python", default=str(ROOT / ".venv-bbob-optuna" / "bin" / "python"))
    parser.add_argument("--n", type=int, default=1000)
    args = parser.parse_args()
    have_optuna = Path(args.optuna_python).exists() and OPTUNA_BENCH.exists()
    if not have_optuna:
        print(f"(Optuna side skipped: {args.optuna_python} or {OPTUNA_BENCH} missing; "
              "create it with: benchmarks/bbob/make_venv.sh optuna)")
    runs = {"sweepkit": [], "optuna": []}
    for seed in (10, 11, 12):
        runs["sweepkit"].append(run_sweepkit(seed, args.n))
        if have_optuna:
            runs["optuna"].append(run_optuna(args.optuna_python, seed, args.n))
    rows = []
    for engine, results in runs.items():
        if not results:
            continue
        cells = {}
        for k in POINTS:
            values = [r["total_us"][str(k)] for r in results if str(k) in r["total_us"]]
            cells[k] = (statistics.median(values), min(values), max(values)) if values else None
        rows.append((engine, cells))
    print(f"ask + tell per trial (us), median of 3 repeats [min-max]; {platform.node()}, Python {platform.python_version()}")
    print(f"{'engine':<22}" + "".join(f"{'@' + str(k):>24}" for k in POINTS))
    for engine, cells in rows:
        label = engine if engine == "sweepkit" else f"optuna {runs['optuna'][0]['optuna']} random"
        print(f"{label:<22}" + "".join(f"{c[0]:>10.1f} [{c[1]:.1f}-{c[2]:.1f}]".rjust(24) if c else " " * 24 for c in cells.values()))
    mean = statistics.median(r["mean_us"] for r in runs["sweepkit"])
    print(f"sweepkit wall time per trial over the whole run, loop included: {mean:.1f} us")
    results_dir = ROOT / "benchmarks" / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / "inprocess_overhead.json").write_text(json.dumps(runs, indent=1))


if __name__ == "__main__":
    main()
