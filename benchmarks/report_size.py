"""The sweep report's size and time for 100 and 10,000 trials (a benchmark, not a test).

For each size it writes a job journal of that many trials (random search over a 6-parameter space
with a log-scale parameter and a conditional choice; about 85% completed with 15-interval learning
curves, 8% stopped early by a bandit policy, 5% failed), then measures:

- generation: `sweepkit job report` (the installed release binary), best of 3 runs, wall-clock
  and CPU time, journal replay and parameter importance included;
- size of the HTML file (and gzipped, as a browser would fetch it from a server);
- rendering in headless Chromium (when installed): time to the load event (HTML and data parsed,
  every section drawn) and the report script's own drawing time, best of 3 loads.

    .venv/bin/python benchmarks/report_size.py                 # 100 and 10000 trials
    .venv/bin/python benchmarks/report_size.py --trials 1000 --keep /tmp/reports
"""
import argparse
import gzip
import json
import math
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "python" / "tests"))

SWEEP_YAML = """
type: sweep
name: {name}
experiment_name: report-benchmark
trial:
  command: python train.py --lr ${{{{search_space.lr}}}}
  code: {code}
search_space:
  lr: {{type: loguniform, min_value: -11.5, max_value: -2.3}}
  momentum: {{type: uniform, min_value: 0.5, max_value: 0.99}}
  batch: {{type: choice, values: [16, 32, 64, 128]}}
  layers: {{type: randint, upper: 6}}
  model:
    type: choice
    values:
      - {{kind: mlp, dropout: {{type: uniform, min_value: 0, max_value: 0.5}}}}
      - {{kind: cnn, kernel: {{type: choice, values: [3, 5, 7]}}}}
sampling_algorithm: {{type: random, seed: 7}}
objective: {{goal: maximize, primary_metric: accuracy}}
limits: {{max_total_trials: {trials}, max_concurrent_trials: 8}}
early_termination: {{type: bandit, slack_factor: 0.1, evaluation_interval: 1, delay_evaluation: 3}}
tracking_uri: none
"""


def sweepkit_binary() -> str:
    try:
        from sweepkit._cli import binary_path
        return str(binary_path())
    except ImportError:
        return str(REPO / ".build" / "release" / "sweepkit")


def journal_line(event: str, time_ms: int, **payload) -> str:
    """A journal line as the engine writes it: the event, its payload, its time, then a CRC-32 of the rest."""
    text = json.dumps({"event": event, **payload, "time": time_ms}, separators=(",", ":"))
    return text[:-1] + ',"crc32":"%08x"}' % (zlib.crc32(text.encode()) & 0xFFFFFFFF)


def synthesize(workspace: Path, name: str, trials: int, binary: str, seed: int = 1) -> None:
    """A finished job of `trials` trials, written as its engine would have journaled it."""
    code = workspace / "code"
    code.mkdir(parents=True, exist_ok=True)
    sweep_file = workspace / f"{name}.yml"
    sweep_file.write_text(SWEEP_YAML.format(name=name, code=code, trials=trials))
    spec = json.loads(subprocess.run([binary, "validate", "--file", str(sweep_file)], check=True,
                                     capture_output=True, text=True).stdout)
    job = workspace / "jobs" / name
    job.mkdir(parents=True)
    (job / "job.json").write_text(json.dumps(spec) + "\n")
    rng = random.Random(seed)
    t0 = 1_750_000_000_000
    events = [(t0, 0, journal_line("created", t0, spec=spec)),
              (t0 + 5, 1, journal_line("engine_started", t0 + 5, pid=4242, resumed=False))]
    slots = [t0 + 50] * 8
    best_at = {}  # interval -> best value seen there so far (the bandit's B)
    for n in range(trials):
        model = ({"kind": "mlp", "dropout": rng.uniform(0, 0.5)} if rng.random() < 0.5
                 else {"kind": "cnn", "kernel": rng.choice([3, 5, 7])})
        params = {"lr": math.exp(rng.uniform(-11.5, -2.3)), "momentum": rng.uniform(0.5, 0.99),
                  "batch": rng.choice([16, 32, 64, 128]), "layers": rng.randrange(6), "model": model}
        flat = {k: v for k, v in params.items() if k != "model"}
        flat.update({f"model.{k}": v for k, v in model.items()})
        quality = (0.93 - 0.012 * (math.log10(params["lr"]) + 3) ** 2 - 0.1 * abs(params["momentum"] - 0.9)
                   - 0.005 * abs(params["layers"] - 3) - 0.05 * model.get("dropout", 0.05)
                   + (0.02 if model.get("kernel") == 5 else 0) + rng.gauss(0, 0.01))
        curve = [max(0.0, quality * (1 - math.exp(-(k + 1) / 4)) + rng.gauss(0, 0.005)) for k in range(15)]
        slot = min(range(8), key=lambda s: slots[s])
        start = slots[slot]
        name_n = f"{name}_{n}"
        events.append((start, 2, journal_line(
            "trial_started", start, number=n, name=name_n, attempt=1, params=params, flat_params=flat, run_id="",
            directory=str(job / "trials" / name_n), log_directory=str(job / "logs" / name_n))))
        events.append((start + 20, 3, journal_line("trial_launched", start + 20, number=n,
                                                   process={"pid": 10000 + n, "start_ticks": 1000 + n})))
        stop = None
        for k in range(3, len(curve) + 1):
            seen = max(curve[:k])
            bar = best_at.get(k, seen)
            if seen < bar / 1.1:
                stop = {"trial": n, "interval": k, "policy": "bandit", "value": seen, "threshold": bar / 1.1,
                        "reason": f"bandit at interval {k}: best so far {seen:.6g} < {bar / 1.1:.6g} = {bar:.6g} / (1 + 0.1)"}
                break
        for k in range(1, len(curve) + 1):
            best_at[k] = max(best_at.get(k, 0.0), max(curve[:k]))
        failed = stop is None and rng.random() < 0.05
        if stop:
            history = curve[:stop["interval"]]
            end = start + 2000 * stop["interval"] + rng.randrange(500)
            events.append((end - 100, 4, journal_line("trial_stop", end - 100, number=n, decision=stop)))
            ended = dict(state="Canceled", value=stop["value"], message=stop["reason"], exit="killed by SIGTERM")
        elif failed:
            history = curve[:rng.randrange(1, 6)]
            end = start + 2000 * len(history) + rng.randrange(500)
            ended = dict(state="Failed", value=None, exit="exited with code 1",
                         message="exited with code 1: Traceback (most recent call last):\n  File \"train.py\", line 40\nFloatingPointError: loss diverged")
        else:
            history = curve
            end = start + 2000 * len(curve) + rng.randrange(500)
            ended = dict(state="Completed", value=max(curve), exit="exited with code 0")
        slots[slot] = end + 30
        metrics = {"accuracy": history[-1], "accuracy.points": len(history)}
        events.append((end, 5, journal_line("trial_ended", end, number=n, metrics=metrics, history=history, **ended)))
    last = max(slots)
    events.append((last, 6, journal_line("sweep_ended", last, status="Completed", reason="max_total_trials reached",
                                         engine_cpu_seconds=0.004 * trials)))
    events.sort(key=lambda e: (e[0], e[1]))
    (job / "journal.jsonl").write_text("".join(line + "\n" for _, _, line in events))


def best_of(runs: int, measure):
    return min(measure() for _ in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, nargs="+", default=[100, 10000])
    parser.add_argument("--sweepkit", default=sweepkit_binary(), help="the sweepkit command to time")
    parser.add_argument("--keep", help="write the reports (and screenshots) into this folder")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium rendering")
    args = parser.parse_args()
    root = Path(args.keep or tempfile.mkdtemp(prefix="sweepkit-report-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    browser = None
    if not args.no_browser:
        from report_browser import Browser, find_chromium
        if find_chromium():
            browser = Browser()
        else:
            print("(no Chromium: rendering not measured; apt-get install chromium)")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (times are wall-clock; 'cpu' is the generator's CPU time)")
    print(f"{'trials':>7} {'journal':>9} {'generate':>9} {'cpu':>7} {'html':>9} {'gzipped':>9} {'load':>8} {'script':>8}")
    try:
        for trials in args.trials:
            workspace = root / f"ws-{trials}"
            name = f"bench_{trials}"
            if not (workspace / "jobs" / name).exists():
                synthesize(workspace, name, trials, args.sweepkit)
            out = root / f"report-{trials}.html"
            command = [args.sweepkit, "job", "report", name, "--workspace", str(workspace), "--output", str(out)]

            def generate() -> tuple:
                start, cpu = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
                subprocess.run(command, check=True, capture_output=True)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                return time.perf_counter() - start, after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime

            seconds, cpu_seconds = best_of(3, generate)
            html = out.read_bytes()
            journal = (workspace / "jobs" / name / "journal.jsonl").stat().st_size
            load = script = float("nan")
            if browser is not None:
                loads = []
                for _ in range(3):
                    timing = browser.open(out)
                    report = browser.evaluate("window.sweepkitReport")
                    problems = browser.problems()
                    assert report and not report["failures"] and not problems, (report, problems)
                    loads.append((timing["load"], report["renderMs"]))
                load, script = min(loads)
                browser.screenshot(root / f"report-{trials}.png")
            print(f"{trials:>7} {journal / 1e6:>7.2f}MB {seconds:>8.2f}s {cpu_seconds:>6.2f}s {len(html) / 1e6:>7.2f}MB "
                  f"{len(gzip.compress(html)) / 1e6:>7.2f}MB {load:>6.0f}ms {script:>6.0f}ms")
    finally:
        if browser is not None:
            browser.close()
    print(f"reports in {root}")


if __name__ == "__main__":
    main()
