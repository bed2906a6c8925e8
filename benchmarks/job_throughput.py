#!/usr/bin/env python3
"""Benchmark: the engine's throughput on 1000 no-op command trials (`true`) at concurrency 2,
without MLflow (`tracking_uri: none`), so the figure is the engine's own cost: durable journal
(fdatasync per event), trial folder, process launch in its own group, reaping.

Reports sustained trials per second (first launch to last end) and the engine's own CPU time per
trial (its getrusage(RUSAGE_SELF), journaled when the sweep ends), over 3 repeats.
Usage: python benchmarks/job_throughput.py [--trials 1000] [--concurrency 2]
"""
import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time

from sweepkit import _engine
from sweepkit._cli import binary_path


def run_once(trials, concurrency):
    with tempfile.TemporaryDirectory() as workspace:
        job = {"type": "sweep", "experiment_name": "throughput",
               "trial": {"command": "true ${{search_space.x}}"},
               "search_space": {"x": ["uniform", [0, 1]]}, "sampling_algorithm": {"type": "random", "seed": 1},
               "objective": {"goal": "minimize", "primary_metric": "none"},
               "limits": {"max_total_trials": trials, "max_concurrent_trials": concurrency},
               "tracking_uri": "none"}
        name = _engine.job_submit(workspace, job)["name"]
        started = time.perf_counter()
        subprocess.run([str(binary_path()), "job", "run", name, "--workspace", workspace], check=True)
        wall = time.perf_counter() - started
        report = _engine.job_show(workspace, name)
        launches = [t["started"] for t in report["trials"]]
        ends = [t["ended"] for t in report["trials"]]
        completed = report["trial_counts"]["Completed"]
        span = (max(ends) - min(launches)) / 1000
        with open(os.path.join(workspace, "jobs", name, "journal.jsonl")) as journal:
            lines = sum(1 for _ in journal)
        return {"trials_per_second": trials / span, "engine_cpu_ms_per_trial": report["engine_cpu_seconds"] / trials * 1000,
                "wall_seconds": wall, "completed": completed, "journal_events": lines}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    runs = [run_once(args.trials, args.concurrency) for _ in range(args.repeats)]
    for key in ("trials_per_second", "engine_cpu_ms_per_trial", "wall_seconds"):
        values = [r[key] for r in runs]
        print(f"{key:>26}: median {statistics.median(values):8.2f}  [{min(values):.2f} - {max(values):.2f}]")
    print(f"{'completed':>26}: {[r['completed'] for r in runs]} of {args.trials}; journal events per run {runs[0]['journal_events']}")


if __name__ == "__main__":
    main()
