#!/usr/bin/env python3
"""Benchmark harness: optimisation quality at a fixed budget, SweepKit's samplers and Optuna 5's
side by side in one run.

Problems (benchmarks/problems.py, so both engines see the same functions): branin2, hartmann6,
rosenbrock5, levy5, svc_bc. Each run is 100 sequential trials; 10 seeds. Output: one JSON line per
run in benchmarks/results/quality/<engine>.jsonl ({"engine", "problem", "sampler", "seed", "values",
"wall_s"}), then the table of benchmarks/summarize_quality.py (regret at 20/50/100 trials, median
over seeds).

SweepKit samplers: random, sobol (scrambled, seeded), bayesian (when available), tpe (the plugin in
plugins/tpe, built if missing). Optuna: benchmarks/optuna_quality.py, in the Optuna virtualenv
(.venv-bbob-optuna, made by benchmarks/bbob/make_venv.sh optuna if missing).
Usage: python benchmarks/quality.py [--problems branin2,hartmann6] [--samplers tpe,random] [--seeds 10] [--no-optuna]
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
sys.path.insert(0, str(BENCH))

import sweepkit  # noqa: E402
from problems import PROBLEMS  # noqa: E402
from sweepkit.sweep import LogUniform, RandomSamplingAlgorithm, Uniform  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "quality"


def space_of(problem):
    return {name: LogUniform(math.log(low), math.log(high)) if log else Uniform(low, high)
            for name, low, high, log in PROBLEMS[problem]["space"]}


def algorithm(sampler, seed):
    if sampler == "random":
        return RandomSamplingAlgorithm(rule="random", seed=seed)
    if sampler == "sobol":
        return RandomSamplingAlgorithm(rule="sobol", seed=seed)
    return {"type": sampler, "seed": seed}


def run_sweepkit(problem, sampler, seed, budget):
    fn = PROBLEMS[problem]["fn"]
    names = [name for name, *_ in PROBLEMS[problem]["space"]]
    sweep = sweepkit.Sweep(search_space=space_of(problem), sampling_algorithm=algorithm(sampler, seed),
                           goal="minimize", max_total_trials=budget)
    values = []
    started = time.perf_counter()

    def objective(trial):
        value = fn([trial.params[n] for n in names])
        values.append(value)
        return value

    sweep.optimize(objective)
    return {"engine": f"sweepkit-{sweepkit.__version__}", "problem": problem, "sampler": sampler, "seed": seed,
            "values": values, "wall_s": time.perf_counter() - started}


def ensure_tpe():
    library = ROOT / "plugins" / "tpe" / ".build" / "release" / "libSweepKitTPE.so"
    if not library.exists():
        subprocess.run(["swift", "build", "-c", "release", "-Xswiftc", "-static-stdlib", "--package-path",
                        str(ROOT / "plugins" / "tpe")], check=True)
    sweepkit.load_plugin(str(library))


def run_optuna(problems, samplers, seeds, budget):
    subprocess.run(["bash", str(BENCH / "bbob" / "make_venv.sh"), "optuna"], check=True)
    python = ROOT / ".venv-bbob-optuna" / "bin" / "python"
    if "svc_bc" in problems:
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "scikit-learn"], check=True)
    out = RESULTS / "optuna.jsonl"
    out.unlink(missing_ok=True)
    subprocess.run([str(python), str(BENCH / "optuna_quality.py"), "--out", str(out), "--problems", ",".join(problems),
                    "--samplers", ",".join(samplers), "--seeds", str(seeds), "--budget", str(budget)],
                   check=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--problems", default=",".join(PROBLEMS))
    parser.add_argument("--samplers", default="random,sobol,tpe,bayesian")
    parser.add_argument("--optuna-samplers", default="random,tpe", help="add gp for Optuna's GPSampler")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--budget", type=int, default=100)
    parser.add_argument("--no-optuna", action="store_true")
    args = parser.parse_args()
    problems = args.problems.split(",")
    RESULTS.mkdir(parents=True, exist_ok=True)
    ours = RESULTS / "sweepkit.jsonl"
    with open(ours, "w") as out:
        for sampler in args.samplers.split(","):
            if sampler == "tpe":
                ensure_tpe()
            for problem in problems:
                for seed in range(args.seeds):
                    try:
                        out.write(json.dumps(run_sweepkit(problem, sampler, seed, args.budget)) + "\n")
                    except sweepkit.UnavailableError as error:
                        print(f"skipped {sampler}: {error}")
                        break
                out.flush()
    files = [str(ours)]
    if not args.no_optuna:
        files.append(str(run_optuna(problems, args.optuna_samplers.split(","), args.seeds, args.budget)))
    subprocess.run([sys.executable, str(BENCH / "summarize_quality.py"), *files], check=True)


if __name__ == "__main__":
    main()
