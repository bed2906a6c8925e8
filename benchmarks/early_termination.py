#!/usr/bin/env python3
"""Benchmark: what early termination saves on a synthetic family of learning curves, and what it
costs in final quality, against running every trial to the end.

50 trials x 100 steps, maximize accuracy-like curves: trial i's curve is
a_i - b_i * exp(-t / tau_i) + noise, with a_i (its final quality), b_i and tau_i drawn per trial
(so curves cross: slow starters can end best), noise sd 0.005. Trials run one at a time in the
engine (in-process sweep, trial.report at every step). Reported per policy: the share of
trial-steps saved, the best final value found (its ceiling is the no-policy best), and whether the
true best trial survived. Median over 10 families (seeds).
Usage: python benchmarks/early_termination.py [--families 10]
"""
import argparse
import math
import random
import statistics
from pathlib import Path

import sweepkit
from sweepkit.sweep import BanditPolicy, MedianStoppingPolicy, TruncationSelectionPolicy, Uniform

TRIALS, STEPS = 50, 100


def family(seed):
    rng = random.Random(seed)
    curves = []
    for _ in range(TRIALS):
        a, b, tau = rng.uniform(0.6, 0.95), rng.uniform(0.2, 0.6), rng.uniform(5, 40)
        noise = random.Random(rng.random())
        curves.append([a - b * math.exp(-t / tau) + noise.gauss(0, 0.005) for t in range(1, STEPS + 1)])
    return curves


def run(curves, policy):
    sweep = sweepkit.Sweep(search_space={"x": Uniform(0, 1)}, goal="maximize", early_termination=policy,
                           max_total_trials=len(curves))
    steps = 0

    def objective(trial):
        nonlocal steps
        curve = curves[trial.number]
        for step, value in enumerate(curve):
            steps += 1
            if trial.report(value, step):
                raise sweepkit.TrialStopped()
        return curve[-1]

    sweep.optimize(objective)
    completed = [t for t in sweep.trials if t.state == "Completed"]
    best = max(completed, key=lambda t: t.value)
    true_best = max(range(len(curves)), key=lambda i: curves[i][-1])
    return {"saved": 1 - steps / (len(curves) * STEPS), "best": best.value, "kept_true_best": best.number == true_best}


POLICIES = {
    "none": None,
    "median_stopping(delay 5)": MedianStoppingPolicy(delay_evaluation=5, evaluation_interval=1),
    "bandit(slack_factor 0.1, delay 5)": BanditPolicy(slack_factor=0.1, delay_evaluation=5, evaluation_interval=1),
    "bandit(slack_amount 0.05, delay 10)": BanditPolicy(slack_amount=0.05, delay_evaluation=10, evaluation_interval=1),
    "truncation(20%, delay 5, every 5)": TruncationSelectionPolicy(truncation_percentage=20, delay_evaluation=5, evaluation_interval=5),
}


ASHA = Path(__file__).resolve().parent.parent / "plugins" / "asha" / ".build" / "release" / "libSweepKitASHA.so"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--families", type=int, default=10)
    args = parser.parse_args()
    if ASHA.exists():  # the plugin (plugins/asha): swift build -c release -Xswiftc -static-stdlib --package-path plugins/asha
        sweepkit.load_plugin(str(ASHA))
        POLICIES["asha plugin(reduction_factor 3)"] = {"type": "asha", "reduction_factor": 3}
        POLICIES["asha plugin(min_resource 5, factor 3)"] = {"type": "asha", "reduction_factor": 3, "min_resource": 5}
    families = [family(seed) for seed in range(args.families)]
    baseline = [run(c, None)["best"] for c in families]
    print(f"{TRIALS} trials x {STEPS} steps, {args.families} families; medians over families")
    print(f"{'policy':<38}{'steps saved':>12}{'best final':>12}{'loss vs none':>14}{'true best kept':>16}")
    for name, policy in POLICIES.items():
        results = [run(c, policy) for c in families]
        saved = statistics.median(r["saved"] for r in results)
        best = statistics.median(r["best"] for r in results)
        loss = statistics.median(b - r["best"] for b, r in zip(baseline, results))
        kept = sum(r["kept_true_best"] for r in results)
        print(f"{name:<38}{saved:>11.1%}{best:>12.4f}{loss:>14.4f}{kept:>12}/{len(results)}")


if __name__ == "__main__":
    main()
