#!/usr/bin/env python3
"""Prints the quality tables from JSON-lines runs of benchmarks/quality.py (SweepKit) and
benchmarks/optuna_quality.py (Optuna): per problem and (engine, sampler), the best value after
20/50/100 trials (median over seeds, with the 25th-75th percentiles) and the simple regret
best - f*. svc_bc has no known optimum: its reference is the best value seen in any input run.

Usage: python benchmarks/summarize_quality.py FILE.jsonl [FILE.jsonl ...]
"""
import json
import statistics
import sys
from collections import defaultdict

import numpy as np

from problems import PROBLEMS

CHECKPOINTS = (20, 50, 100)
SAMPLER_ORDER = ("random", "sobol", "tpe_indep", "tpe", "gp", "bayesian")


def number(x):
    if x == 0:
        return "0"
    return f"{x:.3g}" if 1e-3 <= abs(x) < 1e4 else f"{x:.2e}"


def main(paths):
    groups = defaultdict(list)
    for path in paths:
        with open(path) as lines:
            for line in lines:
                if line.strip():
                    run = json.loads(line)
                    groups[(run["problem"], run.get("engine", "?"), run["sampler"])].append(run)
    optimum = {name: spec["f_star"] for name, spec in PROBLEMS.items()}
    seen = [min(v for v in run["values"] if v is not None)
            for (problem, _, _), runs in groups.items() if problem == "svc_bc" for run in runs]
    if seen:
        optimum["svc_bc"] = min(seen)
    for problem in PROBLEMS:
        keys = [k for k in groups if k[0] == problem]
        if not keys:
            continue
        keys.sort(key=lambda k: (k[1], SAMPLER_ORDER.index(k[2]) if k[2] in SAMPLER_ORDER else len(SAMPLER_ORDER), k[2]))
        f_star = optimum[problem]
        print(f"\n#### {problem}  (f* = {f_star if f_star is not None else 'n/a'})\n")
        print("| engine | sampler | seeds | " + " | ".join(f"best@{n} median [IQR]" for n in CHECKPOINTS)
              + " | " + " | ".join(f"regret@{n}" for n in CHECKPOINTS) + " | wall/run s |")
        print("|---|---|---|" + "---|" * (2 * len(CHECKPOINTS)) + "---|")
        for key in keys:
            runs = groups[key]
            bests_cells, regret_cells = [], []
            for n in CHECKPOINTS:
                bests = [min(v for v in run["values"][:n] if v is not None) for run in runs if len(run["values"]) >= n]
                if not bests:
                    bests_cells.append("—")
                    regret_cells.append("—")
                    continue
                q1, median, q3 = np.percentile(bests, [25, 50, 75])
                bests_cells.append(f"{number(median)} [{number(q1)}, {number(q3)}]")
                regret_cells.append(number(float(median) - f_star) if f_star is not None else "—")
            wall = statistics.median(run.get("wall_s", float("nan")) for run in runs)
            print(f"| {key[1]} | {key[2]} | {len(runs)} | " + " | ".join(bests_cells) + " | "
                  + " | ".join(regret_cells) + f" | {wall:.1f} |")


if __name__ == "__main__":
    main([a for a in sys.argv[1:] if not a.startswith("--")])
