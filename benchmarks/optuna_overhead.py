#!/usr/bin/env python3
"""The Optuna side of benchmarks/inprocess_overhead.py; runs in the Optuna virtualenv
(benchmarks/bbob/make_venv.sh optuna).

One sequential in-memory study with RandomSampler(seed) grows from 0 to --n trials on the 5-D mixed
space (x0, x1, x2 ~ U[-5, 5], lr ~ logU[1e-5, 1e-1], cat in {a, b, c}); each trial's
study.ask() + the five suggest calls + study.tell() is timed (the objective is not). Prints one JSON
line: {"optuna": version, "total_us": {"N": median over trials N-20 .. N-1}}.
"""
import argparse
import json
import math
import statistics
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--at", default="100,1000")
    args = parser.parse_args()
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=args.seed))
    clock = time.perf_counter
    spent = []
    for _ in range(args.n):
        t0 = clock()
        trial = study.ask()
        x0 = trial.suggest_float("x0", -5, 5)
        x1 = trial.suggest_float("x1", -5, 5)
        x2 = trial.suggest_float("x2", -5, 5)
        lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
        cat = trial.suggest_categorical("cat", ["a", "b", "c"])
        t1 = clock()
        value = x0 * x0 + x1 * x1 + x2 * x2 + (math.log10(lr) + 3.0) ** 2 + {"a": 0.0, "b": 0.5, "c": 1.0}[cat]
        t2 = clock()
        study.tell(trial, value)
        spent.append((t1 - t0) + (clock() - t2))
    at = [int(k) for k in args.at.split(",") if int(k) <= args.n]
    print(json.dumps({"optuna": optuna.__version__,
                      "total_us": {str(k): statistics.median(spent[max(1, k - 20):k]) * 1e6 for k in at}}))


if __name__ == "__main__":
    main()
