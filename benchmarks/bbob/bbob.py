#!/usr/bin/env python3
"""BBOB benchmark of the Bayesian samplers: SweepKit's (bayesian, random, the TPE plugin) against
Optuna 5 (GPSampler, TPE) and BoTorch (SingleTaskGP + qLogNoisyExpectedImprovement) on the 24
noiseless BBOB functions of COCO, as implemented (with their known optima) by ioh (IOHprofiler).

A cell is (engine, function, dimension, instance): budget 50 trials for d <= 5, 100 for d = 10, on
[-5, 5]^d, seeded by the instance; regret = best value - the instance's optimum (floored at 1e-8,
COCO's final target). Each engine runs in its own virtualenv (<repo>/.venv-bbob-<sweepkit|optuna|
botorch>, made once by make_venv.sh) through worker.py, one process at a time; each finished cell is
one JSON line in benchmarks/results/bbob/<engine>.jsonl, and cells already there are skipped, so a
run resumes where it stopped. The anchors' files are committed: rerunning SweepKit alone is cheap.

  python3 benchmarks/bbob/bbob.py check                  # ioh: f1, instance 1, 2-D at the origin
  nice -n 19 python3 benchmarks/bbob/bbob.py run --engines sweepkit-bayesian,sweepkit-random \\
      --dims 2,5 --functions 1-24 --instances 1-5
  python3 benchmarks/bbob/bbob.py summary [--engines ...] [--out benchmarks/results/bbob/summary.md]

Concurrent trials: an engine name with `@q<N>` (e.g. sweepkit-bayesian@q4, optuna-gp@q8) keeps N
trials pending at every suggestion, as `max_concurrent_trials` N does: N are asked, then each time
the oldest is told the next is asked (first in, first out), until the budget. SweepKit fantasises
pending trials (constant liar); Optuna's GPSampler scores them with qLogEI. Results go to
<engine>@q<N>.jsonl; compare with `summary --engines sweepkit-bayesian,sweepkit-bayesian@q4,...`.

Summary: per (function, dimension) pair the median regret over instances of every engine; then per
engine the aggregate, the mean over pairs of log10(median regret) (lower is better), and wins / ties
/ losses against each anchor: a tie when the two medians are within a factor of 1.25, or both at the
1e-8 floor. Only the instances every engine in the comparison has finished are compared.
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
HERE = ROOT / "benchmarks" / "bbob"
RESULTS = ROOT / "benchmarks" / "results" / "bbob"
ENGINES = ["sweepkit-bayesian", "sweepkit-tpe", "sweepkit-random", "optuna-gp", "optuna-tpe", "botorch"]
ANCHORS = ["optuna-gp", "botorch"]
TPE_PLUGIN = ROOT / "plugins" / "tpe" / ".build" / "release" / "libSweepKitTPE.so"
FLOOR = 1e-8
TIE = math.log10(1.25)


def base_of(engine):
    """The engine without its concurrency suffix: optuna-gp@q4 -> optuna-gp."""
    return engine.split("@")[0]


def concurrency_of(engine):
    suffix = engine.partition("@")[2]
    if not suffix:
        return 1
    if not (suffix.startswith("q") and suffix[1:].isdigit() and int(suffix[1:]) >= 1):
        sys.exit(f"{engine}: a concurrency suffix is @q<N>, N >= 1 (e.g. @q4)")
    return int(suffix[1:])


def venv_of(engine):
    return base_of(engine).split("-")[0]


def budget_of(dim):
    return 50 if dim <= 5 else 100


def numbers(text):
    out = []
    for part in text.split(","):
        if "-" in part:
            low, high = part.split("-")
            out.extend(range(int(low), int(high) + 1))
        elif part:
            out.append(int(part))
    return out


def python_of(engine):
    venv = venv_of(engine)
    subprocess.run(["bash", str(HERE / "make_venv.sh"), venv], check=True)
    return str(ROOT / f".venv-bbob-{venv}" / "bin" / "python")


def run(args):
    RESULTS.mkdir(parents=True, exist_ok=True)
    dims, functions, instances = numbers(args.dims), numbers(args.functions), numbers(args.instances)
    # Dimension, then instance, then function: a run stopped early still covers every function.
    cells = [[f, d, i, budget_of(d)] for d in dims for i in instances for f in functions]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    for engine in args.engines.split(","):
        if base_of(engine) not in ENGINES:
            sys.exit(f"unknown engine {engine}; engines: {', '.join(ENGINES)} (each optionally @q<N>)")
        command = [python_of(engine), str(HERE / "worker.py"), "--engine", base_of(engine), "--cells", json.dumps(cells),
                   "--out", str(RESULTS / f"{engine}.jsonl"), "--concurrency", str(concurrency_of(engine))]
        if base_of(engine) == "sweepkit-tpe":
            if not TPE_PLUGIN.exists():
                subprocess.run(["swift", "build", "-c", "release", "-Xswiftc", "-static-stdlib", "--package-path",
                                str(ROOT / "plugins" / "tpe")], check=True)
            command += ["--tpe-plugin", str(TPE_PLUGIN)]
        subprocess.run(command, check=True, env=env)


def check(args):
    script = ("import importlib.metadata, ioh\n"
              "p = ioh.get_problem(1, instance=1, dimension=2, problem_class=ioh.ProblemClass.BBOB)\n"
              "print(f\"ioh {importlib.metadata.version('ioh')}: f1, instance 1, 2-D: {p([0.0, 0.0]):.8f} at the origin, \"\n"
              "      f\"optimum {p.optimum.y:.8f} (expected 80.88209408 and 79.48)\")\n")
    subprocess.run([python_of(args.engine), "-c", script], check=True)


def load(engines):
    rows = defaultdict(dict)  # (engine, function, dim) -> {instance: row}
    for engine in engines:
        path = RESULTS / f"{engine}.jsonl"
        if path.exists():
            for line in path.read_text().splitlines():
                if line.strip():
                    row = json.loads(line)
                    rows[(engine, row["function"], row["dim"])][row["instance"]] = row
    return rows


def regret(row):
    return max(min(row["values"]) - row["f_opt"], FLOOR)


def median_regret(rows, engine, pair, instances):
    cells = rows.get((engine, *pair), {})
    return statistics.median(regret(cells[i]) for i in instances)


def common_instances(rows, engines, pair):
    sets = [set(rows.get((e, *pair), {})) for e in engines]
    return sorted(set.intersection(*sets)) if sets else []


def number(x):
    return f"{x:.2e}" if x < 1e-2 or x >= 1e4 else f"{x:.3g}"


def summary(args):
    engines = [e for e in args.engines.split(",") if (RESULTS / f"{e}.jsonl").exists()]
    rows = load(engines)
    pairs = sorted({(f, d) for (_, f, d) in rows}, key=lambda p: (p[1], p[0]))
    lines = []
    say = lines.append
    say("## BBOB: median regret over instances (best value - optimum, floored at 1e-8)\n")
    say("| f | d | instances | " + " | ".join(engines) + " |")
    say("|---|---|---|" + "---|" * len(engines))
    complete = []
    for pair in pairs:
        present = [e for e in engines if rows.get((e, *pair))]
        shared = common_instances(rows, present, pair)
        if not shared:
            continue
        if len(present) == len(engines):
            complete.append(pair)
        cells = [number(median_regret(rows, e, pair, shared)) if e in present else "—" for e in engines]
        best = min(median_regret(rows, e, pair, shared) for e in present)
        cells = [f"**{c}**" if e in present and median_regret(rows, e, pair, shared) == best else c
                 for e, c in zip(engines, cells)]
        say(f"| f{pair[0]} | {pair[1]} | {len(shared)} | " + " | ".join(cells) + " |")
    for dims in ([2], [5], [10], [2, 5, 10]):
        chosen = [p for p in complete if p[1] in dims]
        if not chosen:
            continue
        label = "all dimensions" if len(dims) > 1 else f"d = {dims[0]}"
        say(f"\n### Aggregate, {label}: {len(chosen)} pairs every engine finished\n")
        anchors = [a for a in (args.anchors.split(",") if args.anchors else ANCHORS) if a in engines]
        say("| engine | mean log10 median regret | " + " | ".join(f"vs {a}: W/T/L" for a in anchors) + " | median s/cell, CPU (wall) |")
        say("|---|---|" + "---|" * len(anchors) + "---|")
        for engine in engines:
            logs, records = [], {a: [0, 0, 0] for a in anchors}
            for pair in chosen:
                shared = common_instances(rows, engines, pair)
                mine = median_regret(rows, engine, pair, shared)
                logs.append(math.log10(mine))
                for anchor in anchors:
                    theirs = median_regret(rows, anchor, pair, shared)
                    gap = math.log10(mine) - math.log10(theirs)
                    records[anchor][0 if gap < -TIE else 2 if gap > TIE else 1] += 1
            walls = [r["wall_s"] for pair in chosen for r in rows[(engine, *pair)].values()]
            cpus = [r["cpu_s"] for pair in chosen for r in rows[(engine, *pair)].values() if "cpu_s" in r]
            cpu = f"{statistics.median(cpus):.2f}" if cpus else "—"
            wlt = [("—" if a == engine else "/".join(map(str, records[a]))) for a in anchors]
            say(f"| {engine} | {statistics.mean(logs):.3f} | " + " | ".join(wlt) + f" | {cpu} ({statistics.median(walls):.2f}) |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    runner = commands.add_parser("run")
    runner.add_argument("--engines", default=",".join(ENGINES))
    runner.add_argument("--dims", default="2,5,10")
    runner.add_argument("--functions", default="1-24")
    runner.add_argument("--instances", default="1-5")
    runner.set_defaults(handler=run)
    checker = commands.add_parser("check")
    checker.add_argument("--engine", default="optuna-gp", help="whose virtualenv's ioh to check")
    checker.set_defaults(handler=check)
    summarizer = commands.add_parser("summary")
    summarizer.add_argument("--engines", default=",".join(ENGINES))
    summarizer.add_argument("--out", default=None)
    summarizer.add_argument("--anchors", default=None,
                            help=f"engines to count wins/ties/losses against (default {','.join(ANCHORS)}), e.g. optuna-gp@q4")
    summarizer.set_defaults(handler=summary)
    args = parser.parse_args()
    args.handler(args)


if __name__ == "__main__":
    main()
