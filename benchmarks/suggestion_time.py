#!/usr/bin/env python3
"""Benchmark: time per suggestion (ask) of the Bayesian sampler on the 5-D mixed space
(x0, x1, x2 ~ U[-5, 5], lr ~ logU[1e-5, 1e-1], cat in {a, b, c}), after 100 and 1000 completed trials (median and mean of the 10 asks
after N completed trials, in one growing sweep; each ask is told before the next). The mean matters
too: the model is refitted only every n/30 observations past 60, so a few asks cost more.
Usage: python benchmarks/suggestion_time.py [--at 100,1000] [--sampler bayesian]
"""
import argparse
import math
import statistics
import time

import sweepkit
from sweepkit.sweep import Choice, LogUniform, Uniform


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--at", default="100,1000")
    parser.add_argument("--sampler", default="bayesian")
    args = parser.parse_args()
    points = sorted(int(n) for n in args.at.split(","))
    sweep = sweepkit.Sweep(
        search_space={"x0": Uniform(-5, 5), "x1": Uniform(-5, 5), "x2": Uniform(-5, 5),
                      "lr": LogUniform(math.log(1e-5), math.log(1e-1)), "cat": Choice(["a", "b", "c"])},
        sampling_algorithm={"type": args.sampler, "seed": 1}, goal="minimize")
    times = []
    for _ in range(points[-1] + 10):
        started = time.perf_counter()
        trial = sweep.ask()
        times.append(time.perf_counter() - started)
        p = trial.params
        sweep.tell(trial, p["x0"] ** 2 + p["x1"] ** 2 + p["x2"] ** 2 + (math.log10(p["lr"]) + 3) ** 2
                   + {"a": 0.0, "b": 0.5, "c": 1.0}[p["cat"]])
    for n in points:
        window = times[n:n + 10]
        print(f"{args.sampler} after {n} trials: median {statistics.median(window) * 1000:.1f} ms per suggestion, "
              f"mean {statistics.fmean(window) * 1000:.1f} [{min(window) * 1000:.1f}-{max(window) * 1000:.1f}]")


if __name__ == "__main__":
    main()
