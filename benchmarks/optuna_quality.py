#!/usr/bin/env python3
"""The Optuna side of benchmarks/quality.py; runs in the Optuna virtualenv
(benchmarks/bbob/make_venv.sh optuna), never in the project's.

For each (sampler, problem, seed): `--budget` sequential trials, define-by-run, in-memory storage,
and one JSON line appended to --out: {"engine": "optuna-<version>", "problem", "sampler", "seed",
"values" (every trial's objective, in order), "wall_s"}. Rows already in --out are skipped.
Samplers, Optuna's defaults otherwise: random, sobol (QMCSampler sobol, scrambled), tpe (5.x
default: multivariate), tpe_indep (multivariate=False), gp (GPSampler, needs torch).
"""
import argparse
import json
import os
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from problems import PROBLEMS  # noqa: E402


def sampler_for(name, seed):
    import optuna

    samplers = {
        "random": lambda: optuna.samplers.RandomSampler(seed=seed),
        "sobol": lambda: optuna.samplers.QMCSampler(qmc_type="sobol", scramble=True, seed=seed),
        "tpe": lambda: optuna.samplers.TPESampler(seed=seed),
        "tpe_indep": lambda: optuna.samplers.TPESampler(seed=seed, multivariate=False),
        "gp": lambda: optuna.samplers.GPSampler(seed=seed),
    }
    return samplers[name]()


def run(problem, sampler, seed, budget):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.filterwarnings("ignore")
    spec = PROBLEMS[problem]

    def objective(trial):
        return spec["fn"]([trial.suggest_float(name, low, high, log=log) for name, low, high, log in spec["space"]])

    study = optuna.create_study(sampler=sampler_for(sampler, seed))
    started = time.perf_counter()
    study.optimize(objective, n_trials=budget)
    return {"engine": f"optuna-{optuna.__version__}", "problem": problem, "sampler": sampler, "seed": seed,
            "values": [t.value for t in study.trials], "wall_s": round(time.perf_counter() - started, 3)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--problems", default=",".join(PROBLEMS))
    parser.add_argument("--samplers", default="random,sobol,tpe_indep,tpe,gp")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--budget", type=int, default=100)
    args = parser.parse_args()
    done = set()
    if os.path.exists(args.out):
        with open(args.out) as lines:
            done = {(r["problem"], r["sampler"], r["seed"]) for r in map(json.loads, lines) if r}
    for sampler in args.samplers.split(","):
        for problem in args.problems.split(","):
            for seed in range(args.seeds):
                if (problem, sampler, seed) in done:
                    continue
                row = run(problem, sampler, seed, args.budget)
                with open(args.out, "a") as out:
                    out.write(json.dumps(row) + "\n")
                print(f"{problem:12s} {sampler:10s} seed={seed} best={min(row['values']):.6g} wall={row['wall_s']:.1f}s",
                      flush=True)


if __name__ == "__main__":
    main()
