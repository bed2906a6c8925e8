#!/usr/bin/env python3
"""Crash test for sweep jobs: the engine is killed with SIGKILL at random moments, several times in
a row, and `sweepkit job resume` must still finish the sweep exactly as an uninterrupted run does.

For each sampler (grid, random, sobol, bayesian, and the TPE plugin when it is built), in a fresh
temporary folder:

1. a small trial script (parameters on its command line, `mlflow.log_metric` for a few steps,
   values a deterministic function of the parameters, some parameter regions exit 3) and a sweep
   YAML are written;
2. the reference: the sweep runs uninterrupted (`job create --stream`);
3. the crashed run: the same YAML is submitted again, and its engine (pid in `engine.lock`) is
   killed with SIGKILL N times at seeded random moments spread over the sweep: at a random delay,
   or right after a trial signals that it is ending; after each kill the job must show
   `NotResponding`, and `job resume` starts a new engine; after the last kill
   `job resume --stream` runs it to the end;
4. checks: the final status, the trial set against the reference, that no trial finished twice
   (a ledger the trial script appends to), MLflow's SQLite store against the report, and that no
   process of the job is left.

Usage: python tools/crash_test.py [--sweepkit PATH] [--python PATH] [--kills N] [--seed S]
           [--samplers grid,random,sobol,bayesian,tpe] [--keep DIR] [--require-all] [--jobs J]
Exit status: 0 when every check passes, 1 when one fails, 2 when the test cannot run.
The samplers run side by side (--jobs); nothing asserted depends on timing.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
# Where scripts/test builds the TPE plugin: in the engine's release scratch folder, with its flags.
TPE_PLUGIN = REPOSITORY / ".build-python" / "release" / "libSweepKitTPE.so"
PRIMARY_METRIC = "loss"
EXPERIMENT = "crash-test"
FINISHED_STATES = ("Completed", "Failed", "Canceled")
# The MLflow run status the engine must leave for each trial status.
RUN_STATUS_FOR_TRIAL = {"Completed": "FINISHED", "Failed": "FAILED", "Canceled": "KILLED"}
RELATIVE_TOLERANCE = 1e-12
COMMAND_TIMEOUT = 300       # seconds, for the short CLI commands (create waits for MLflow to be ready)
SWEEP_TIMEOUT = 1800        # seconds, for a sweep streamed to its end (a safety net only)
STATUS_TIMEOUT = 20         # seconds for a killed engine's job to show NotResponding
LOG_TAIL_LINES = 40


@dataclass(frozen=True)
class SamplerSetup:
    """How one sampler kind is swept."""
    kind: str
    sampling_algorithm: str          # the YAML value of `sampling_algorithm`
    max_concurrent_trials: int       # 1 for adaptive samplers, so results cannot depend on timing
    max_total_trials: int = 6
    grid: bool = False               # grid takes choices only
    plugin: Path | None = None       # a plugin library the sweep loads


SETUPS = {
    "grid": SamplerSetup("grid", "grid", max_concurrent_trials=2, grid=True),
    "random": SamplerSetup("random", "{type: random, seed: 11}", max_concurrent_trials=2),
    "sobol": SamplerSetup("sobol", "{type: random, rule: sobol, seed: 5}", max_concurrent_trials=2),
    # The first max(d + 1, 10) Bayesian trials are its seeded Sobol design; the GP needs more trials
    # than this test's time budget allows.
    "bayesian": SamplerSetup("bayesian", "{type: bayesian, seed: 7}", max_concurrent_trials=1),
    # n_startup_trials 3: the last trials come from the TPE model, not its random start; seed 2's
    # random start includes a Failed trial.
    "tpe": SamplerSetup("tpe", "{type: tpe, seed: 2, n_startup_trials: 3}", max_concurrent_trials=1, plugin=TPE_PLUGIN),
}

# The trial script. Its value is a deterministic function of its parameters; sgd with a learning
# rate above 0.01 "diverges" (exit 3) so Failed trials are covered. When it finishes it appends one
# line to the job's ledger, then creates an `ending-*` marker the crash test watches for, so the
# engine can be killed while a trial is ending.
TRIAL_SCRIPT = r'''
"""Crash-test trial: logs a deterministic loss curve with MLflow; sgd with lr > 0.01 exits 3."""
import argparse
import json
import math
import os
import sys
import time

import mlflow

parser = argparse.ArgumentParser()
parser.add_argument("--optimizer", required=True)
parser.add_argument("--lr", type=float, required=True)
parser.add_argument("--momentum", type=float, default=0.5)
args = parser.parse_args()

diverges = args.optimizer == "sgd" and args.lr > 0.01
loss = (math.log10(args.lr) + 2.7) ** 2 + (0.25 if args.optimizer == "sgd" else 0.0) + (args.momentum - 0.7) ** 2
for step in range(2 if diverges else 4):
    mlflow.log_metric("loss", loss * (1 + 1 / (step + 1)), step=step)
    time.sleep(0.15)

job, trial = os.environ["SWEEPKIT_JOB"], os.environ["SWEEPKIT_TRIAL"]
state = os.environ["CRASH_TEST_STATE"]
record = {"trial": trial, "number": int(os.environ["SWEEPKIT_TRIAL_NUMBER"]), "pid": os.getpid(),
          "outcome": "exit 3" if diverges else "exit 0", "params": vars(args)}
ledger = os.open(os.path.join(state, f"ledger-{job}.jsonl"), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
os.write(ledger, (json.dumps(record) + "\n").encode())
os.close(ledger)
markers = os.path.join(state, f"markers-{job}")
os.makedirs(markers, exist_ok=True)
open(os.path.join(markers, f"ending-{trial}-{os.getpid()}"), "x").close()
sys.exit(3 if diverges else 0)
'''


# ---------------------------------------------------------------------------------------------
# Output


class Console:
    """Progress lines from the sampler threads, prefixed with the sampler and the elapsed time."""

    def __init__(self):
        self.start = time.monotonic()
        self.lock = threading.Lock()

    def line(self, kind: str, text: str):
        with self.lock:
            print(f"[{time.monotonic() - self.start:6.1f}s] {kind:<8} {text}", flush=True)

    def block(self, text: str):
        with self.lock:
            print(text, flush=True)


@dataclass
class Check:
    name: str
    passed: bool
    details: list[str] = field(default_factory=list)


@dataclass
class SamplerResult:
    kind: str
    verdict: str = "FAIL"                 # PASS, FAIL or SKIP
    checks: list[Check] = field(default_factory=list)
    kills_planned: int = 0
    kills_survived: int = 0
    trials: list[dict] = field(default_factory=list)
    folder: Path | None = None
    seconds: float = 0.0
    note: str = ""


# ---------------------------------------------------------------------------------------------
# Files of one sampler's test


def write_trial_code(folder: Path) -> Path:
    code = folder / "code"
    code.mkdir(parents=True)
    (code / "trial.py").write_text(TRIAL_SCRIPT.lstrip())
    return code


def search_space_yaml(setup: SamplerSetup) -> str:
    if setup.grid:  # 2 x 3 = 6 combinations: the whole grid
        return ("  optimizer: {type: choice, values: [adam, sgd]}\n"
                "  lr: {type: choice, values: [0.001, 0.01, 0.1]}\n")
    return ("  optimizer: {type: choice, values: [adam, sgd]}\n"
            "  lr: {type: loguniform, min_value: -9.2, max_value: 0}\n"
            "  momentum: {type: uniform, min_value: 0, max_value: 1}\n")


def trial_command(setup: SamplerSetup) -> str:
    command = "python trial.py --optimizer ${{search_space.optimizer}} --lr ${{search_space.lr}}"
    return command if setup.grid else command + " --momentum ${{search_space.momentum}}"


def write_sweep_yaml(folder: Path, setup: SamplerSetup, state: Path) -> Path:
    """The sweep in the Azure CLI v2 schema; the tracking URI comes from the environment."""
    plugins = f"plugins: [{json.dumps(str(setup.plugin))}]\n" if setup.plugin else ""
    text = (
        "$schema: https://azuremlschemas.azureedge.net/latest/sweepJob.schema.json\n"
        "type: sweep\n"
        f"experiment_name: {EXPERIMENT}\n"
        "compute: local\n"
        f"{plugins}"
        "trial:\n"
        "  code: code\n"
        f"  command: {trial_command(setup)}\n"
        f"  environment_variables: {{CRASH_TEST_STATE: {json.dumps(str(state))}}}\n"
        f"sampling_algorithm: {setup.sampling_algorithm}\n"
        "search_space:\n"
        f"{search_space_yaml(setup)}"
        "objective:\n"
        "  goal: minimize\n"
        f"  primary_metric: {PRIMARY_METRIC}\n"
        "limits:\n"
        f"  max_total_trials: {setup.max_total_trials}\n"
        f"  max_concurrent_trials: {setup.max_concurrent_trials}\n"
    )
    path = folder / "sweep.yml"
    path.write_text(text)
    return path


def sweep_environment(folder: Path, python: str) -> dict:
    """This process's environment without SweepKit/MLflow settings, plus the test's own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SWEEPKIT_", "MLFLOW_", "AZUREML_"))}
    env["MLFLOW_TRACKING_URI"] = f"sqlite:///{folder}/mlflow.db"
    env["SWEEPKIT_PYTHON"] = python
    return env


# ---------------------------------------------------------------------------------------------
# The sweepkit command


@dataclass
class Job:
    """One sweep job of the test: its name, workspace, and how to run `sweepkit` for it."""
    sweepkit: str
    env: dict
    name: str
    workspace: Path

    @property
    def directory(self) -> Path:
        return self.workspace / "jobs" / self.name

    def run(self, *args: str, timeout: float = COMMAND_TIMEOUT) -> subprocess.CompletedProcess:
        return subprocess.run([self.sweepkit, *args, "--workspace", str(self.workspace)], env=self.env,
                              capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)

    def create(self, sweep_file: Path, stream: bool) -> subprocess.CompletedProcess:
        args = ["job", "create", "--file", str(sweep_file), "--name", self.name] + (["--stream"] if stream else [])
        return self.run(*args, timeout=SWEEP_TIMEOUT if stream else COMMAND_TIMEOUT)

    def resume(self, stream: bool) -> subprocess.CompletedProcess:
        args = ["job", "resume", self.name] + (["--stream"] if stream else [])
        return self.run(*args, timeout=SWEEP_TIMEOUT if stream else COMMAND_TIMEOUT)

    def show(self) -> dict:
        result = self.run("job", "show", self.name)
        if result.returncode != 0:
            raise RuntimeError(f"job show {self.name} exited {result.returncode}: {result.stderr.strip()}")
        return json.loads(result.stdout)

    def status(self) -> str:
        return self.show()["status"]

    def log_tail(self, file: str = "sweep.log", lines: int = LOG_TAIL_LINES) -> str:
        path = self.directory / file
        if not path.exists():
            return f"({path} does not exist)"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def describe_failure(result: subprocess.CompletedProcess) -> str:
    output = (result.stderr.strip() or result.stdout.strip()).splitlines()
    return f"exit {result.returncode}" + (f": {output[-1]}" if output else "")


# ---------------------------------------------------------------------------------------------
# The engine process


def is_our_engine(pid: int, job: Job) -> bool:
    """True while `pid` is this job's engine (`sweepkit job run <name> --workspace <ours>`): only
    that process is ever killed, never one that happens to reuse its pid."""
    try:
        words = [w.decode(errors="replace") for w in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")]
    except OSError:
        return False
    runs_job = any(words[i:i + 3] == ["job", "run", job.name] for i in range(len(words)))
    return runs_job and str(job.workspace) in words


def kill_engine(pid: int) -> bool:
    """SIGKILL; False when the process was already gone."""
    try:
        os.kill(pid, signal.SIGKILL)
        return True
    except ProcessLookupError:
        return False


def engine_pid(job: Job, timeout: float = 10) -> int | None:
    """The running engine's pid from `engine.lock`, once the engine has written it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            pid = int((job.directory / "engine.lock").read_text().strip())
        except (OSError, ValueError):
            pid = None
        if pid and is_our_engine(pid, job):
            return pid
        time.sleep(0.02)
    return None


# ---------------------------------------------------------------------------------------------
# The kill schedule
#
# Kills are placed by progress through the sweep, not by wall-clock time, so the schedule fits
# however fast the machine runs: kill k waits until `after_ended` distinct trials have reached
# their end (their `ending-*` markers), then either kills at the next trial end ("ending") or
# after a random part of a reference trial's duration ("delay"). `after_ended` stays low enough
# that at least one trial has not even started yet, and a delay is cut short once only the last
# `max_concurrent_trials` trials are left, so every kill lands while the sweep still runs.


@dataclass(frozen=True)
class Kill:
    after_ended: int   # wait until this many distinct trials have ended
    mode: str          # "ending": at the next trial end; "delay": `fraction` of a trial's duration later
    fraction: float

    def describe(self, trial_seconds: float) -> str:
        moment = "at the next trial end" if self.mode == "ending" else f"{self.fraction * trial_seconds:.1f} s later"
        return f"once {self.after_ended} trials ended, {moment}"


def last_safe_progress(setup: SamplerSetup) -> int:
    """Ended trials after which at least one trial has not started yet."""
    return max(0, setup.max_total_trials - 1 - setup.max_concurrent_trials)


def kill_plan(rng: random.Random, kills: int, setup: SamplerSetup) -> list[Kill]:
    """Random kill moments: at least one while a trial is ending, and at least one at a delay."""
    latest = last_safe_progress(setup)
    thresholds = sorted(rng.randint(0, latest) for _ in range(kills))
    modes = [rng.choice(["delay", "ending"]) for _ in range(kills)]
    if "ending" not in modes:
        modes[rng.randrange(kills)] = "ending"
    if kills >= 2 and "delay" not in modes:
        modes[rng.randrange(kills)] = "delay"  # all were "ending": one still is
    return [Kill(t, m, rng.uniform(0.05, 0.9)) for t, m in zip(thresholds, modes)]


def reference_trial_seconds(job: Job) -> float:
    """The mean duration of the reference's trials, from its report (`started`/`ended`, epoch ms)."""
    durations = [(t["ended"] - t["started"]) / 1000 for t in job.show()["trials"] if "ended" in t]
    return sum(durations) / len(durations) if durations else 5.0


def ended_markers(markers: Path) -> set[str]:
    return set(os.listdir(markers)) if markers.exists() else set()


def ended_trials(markers: Path) -> int:
    """Distinct trials that reached their end at least once (markers are `ending-<trial>-<pid>`)."""
    return len({name.rsplit("-", 1)[0] for name in ended_markers(markers)})


def wait_for_moment(kill: Kill, trial_seconds: float, job: Job, pid: int, markers: Path, last_call: int) -> bool:
    """Waits for the kill's moment; False when the engine ended first (the sweep is over).

    A delay ends early once `last_call` trials have ended: only the last running ones are left.
    """
    give_up = time.monotonic() + SWEEP_TIMEOUT
    while is_our_engine(pid, job) and ended_trials(markers) < kill.after_ended:
        if time.monotonic() > give_up:
            raise TimeoutError(f"no trial ended for {SWEEP_TIMEOUT} s (engine {pid})")
        time.sleep(0.01)
    seen = ended_markers(markers)
    deadline = time.monotonic() + kill.fraction * trial_seconds
    while is_our_engine(pid, job):
        if kill.mode == "delay" and (time.monotonic() >= deadline or ended_trials(markers) >= last_call):
            return True
        if kill.mode == "ending" and ended_markers(markers) - seen:
            return True
        if time.monotonic() > give_up:
            raise TimeoutError(f"no trial ended for {SWEEP_TIMEOUT} s (engine {pid})")
        time.sleep(0.01)
    return False


def wait_for_status(job: Job, wanted: tuple[str, ...], timeout: float = STATUS_TIMEOUT) -> str:
    """Polls `job show` until its status is one of `wanted`; returns the last status seen."""
    deadline = time.monotonic() + timeout
    status = job.status()
    while status not in wanted and time.monotonic() < deadline:
        time.sleep(0.1)
        status = job.status()
    return status


@dataclass
class CrashRun:
    kills_survived: int = 0
    problems: list[str] = field(default_factory=list)   # what went wrong around the kills
    report: dict | None = None


def crash_run(job: Job, sweep_file: Path, plan: list[Kill], trial_seconds: float, markers: Path, last_call: int,
              say) -> CrashRun:
    """Submits the sweep, kills its engine per `plan` (resuming after each kill), then streams the rest."""
    run = CrashRun()
    created = job.create(sweep_file, stream=False)
    if created.returncode != 0:
        run.problems.append(f"job create: {describe_failure(created)}")
        return run
    for number, kill in enumerate(plan, 1):
        pid = engine_pid(job)
        if pid is None:
            status = job.status()
            run.problems.append(f"kill {number}: no engine running before the kill (job {status})")
            break
        if not wait_for_moment(kill, trial_seconds, job, pid, markers, last_call):
            run.problems.append(f"kill {number} ({kill.describe(trial_seconds)}): the sweep ended "
                                f"{job.status()} before it could land")
            break
        if not kill_engine(pid):
            run.problems.append(f"kill {number} ({kill.describe(trial_seconds)}): the engine exited "
                                f"({job.status()}) before it could land")
            break
        status = wait_for_status(job, ("NotResponding",) + FINISHED_STATES)
        say(f"kill {number}/{len(plan)} {kill.describe(trial_seconds)}: engine {pid} killed, job {status}")
        if status != "NotResponding":
            run.problems.append(f"kill {number}: after SIGKILL the job shows {status}, not NotResponding")
            break
        resumed = job.resume(stream=False)
        if resumed.returncode != 0:
            run.problems.append(f"kill {number}: job resume {describe_failure(resumed)}")
            break
        run.kills_survived += 1
    finished = job.resume(stream=True)
    say(f"final resume --stream: {describe_failure(finished) if finished.returncode else 'exit 0'}")
    run.report = job.show()
    return run


# ---------------------------------------------------------------------------------------------
# Checks


def same_number(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a == b or abs(a - b) <= RELATIVE_TOLERANCE * max(abs(a), abs(b))


def same_value(a, b) -> bool:
    """Equality of JSON values, numbers to RELATIVE_TOLERANCE."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    numbers = (int, float)
    if isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool) and not isinstance(b, bool):
        return same_number(float(a), float(b))
    return a == b


def check_reference(reference: dict) -> Check:
    details = [] if reference["status"] == "Completed" else [
        f"the uninterrupted sweep ended {reference['status']}: {reference.get('reason', '')}"]
    return Check("reference completes", not details, details)


def check_final_status(reference: dict, crashed: dict) -> Check:
    ok = crashed["status"] == reference["status"]
    details = [] if ok else [f"crashed run ended {crashed['status']} ({crashed.get('reason', '')}); "
                             f"the reference ended {reference['status']}"]
    return Check("final status", ok, details)


def trial_differences(reference: dict, crashed: dict) -> list[str]:
    """Field-by-field differences between the two trial sets, by trial number."""
    ref = {t["number"]: t for t in reference["trials"]}
    got = {t["number"]: t for t in crashed["trials"]}
    lines = []
    if len(ref) != len(got):
        lines.append(f"number of trials: reference {len(ref)}, crashed run {len(got)}")
    for number in sorted(ref.keys() | got.keys()):
        if number not in got:
            lines.append(f"trial {number}: missing from the crashed run (reference: {ref[number]['status']} "
                         f"{json.dumps(ref[number]['params'])})")
            continue
        if number not in ref:
            lines.append(f"trial {number}: not in the reference (crashed run: {got[number]['status']} "
                         f"{json.dumps(got[number]['params'])})")
            continue
        for key in ("params", "status", "value"):
            if not same_value(ref[number].get(key), got[number].get(key)):
                lines.append(f"trial {number}: {key}: reference {json.dumps(ref[number].get(key))}, "
                             f"crashed run {json.dumps(got[number].get(key))}"
                             + (f" ({got[number]['message']})" if key == "status" and got[number].get("message") else ""))
    return lines


def check_trials(reference: dict, crashed: dict) -> Check:
    details = trial_differences(reference, crashed)
    return Check("trials equal the reference", not details, details)


def read_ledger(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def check_finished_once(crashed: dict, ledger: list[dict]) -> Check:
    """Every trial the report shows finished ran to its end exactly once; no other trial did.

    A trial killed mid-run may be relaunched (it never reached the ledger), so only completions count.
    """
    counts: dict[int, int] = {}
    for record in ledger:
        counts[record["number"]] = counts.get(record["number"], 0) + 1
    details = []
    for trial in crashed["trials"]:
        expected = 1 if trial["status"] in ("Completed", "Failed") else 0
        seen = counts.pop(trial["number"], 0)
        if seen != expected:
            pids = [r["pid"] for r in ledger if r["number"] == trial["number"]]
            details.append(f"trial {trial['number']} ({trial['status']}): ran to its end {seen} times "
                           f"(processes {pids}), expected {expected}")
    for number, seen in sorted(counts.items()):
        details.append(f"trial {number}: ran to its end {seen} times but is not in the report")
    return Check("no trial finished twice", not details, details)


def open_mlflow(folder: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{folder / 'mlflow.db'}?mode=ro", uri=True)


def mlflow_trial_problems(db: sqlite3.Connection, report: dict) -> list[str]:
    """Each trial's run exists, has the status its trial state implies and, when Completed, the value."""
    problems = []
    for trial in report["trials"]:
        run_id, wanted = trial.get("run_id"), RUN_STATUS_FOR_TRIAL.get(trial["status"])
        row = db.execute("SELECT status, lifecycle_stage FROM runs WHERE run_uuid = ?", (run_id or "",)).fetchone()
        if row is None:
            problems.append(f"trial {trial['number']} ({trial['status']}): its run {run_id} is not in MLflow")
            continue
        if row[0] != wanted:
            problems.append(f"trial {trial['number']} ({trial['status']}): run {run_id} is {row[0]}, expected {wanted}")
        if trial["status"] == "Completed":
            best = db.execute("SELECT min(value) FROM metrics WHERE run_uuid = ? AND key = ? AND is_nan = 0",
                              (run_id, PRIMARY_METRIC)).fetchone()[0]
            if not same_number(best, trial["value"]):
                problems.append(f"trial {trial['number']}: report value {trial['value']}, best {PRIMARY_METRIC} in MLflow {best}")
    return problems


def mlflow_parent_problems(db: sqlite3.Connection, report: dict) -> list[str]:
    """The sweep's parent run (tags sweepkit.type=sweep, sweepkit.job=<job>) is the report's, and FINISHED."""
    rows = db.execute(
        "SELECT r.run_uuid, r.status FROM runs r"
        " JOIN tags t1 ON t1.run_uuid = r.run_uuid AND t1.key = 'sweepkit.type' AND t1.value = 'sweep'"
        " JOIN tags t2 ON t2.run_uuid = r.run_uuid AND t2.key = 'sweepkit.job' AND t2.value = ?"
        " WHERE r.lifecycle_stage != 'deleted'", (report["name"],)).fetchall()
    problems = []
    if [run for run, _ in rows] != [report.get("parent_run_id")]:
        problems.append(f"parent runs tagged for job {report['name']}: {rows}; the report's is {report.get('parent_run_id')}")
    problems += [f"parent run {run} is {status}, expected FINISHED" for run, status in rows if status != "FINISHED"]
    return problems


def mlflow_running_problems(db: sqlite3.Connection, report: dict) -> list[str]:
    """No run of the experiment is left RUNNING (deleted runs aside)."""
    rows = db.execute(
        "SELECT r.run_uuid, coalesce((SELECT value FROM tags WHERE run_uuid = r.run_uuid AND key = 'mlflow.runName'), '')"
        " FROM runs r WHERE r.experiment_id = ? AND r.status = 'RUNNING' AND r.lifecycle_stage != 'deleted'",
        (int(report.get("experiment_id") or -1),)).fetchall()
    return [f"run {run} ({name}) is still RUNNING" for run, name in rows]


def check_mlflow(folder: Path, report: dict) -> Check:
    with open_mlflow(folder) as db:
        details = mlflow_trial_problems(db, report) + mlflow_parent_problems(db, report) + mlflow_running_problems(db, report)
    return Check("MLflow equals the report", not details, details)


def job_processes(job_name: str) -> list[str]:
    """Processes whose environment has SWEEPKIT_JOB=<job_name> (a job's trials and their children)."""
    marker = f"SWEEPKIT_JOB={job_name}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if marker in Path(f"/proc/{entry}/environ").read_bytes().split(b"\0"):
                command = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                found.append(f"pid {entry}: {command.strip()}")
        except OSError:
            continue  # gone, or not ours to read
    return found


def check_no_orphans(*jobs: Job) -> Check:
    details = [f"{job.name}: {process}" for job in jobs for process in job_processes(job.name)]
    return Check("no orphan processes", not details, details)


def check_kills(crash: CrashRun, planned: int) -> Check:
    details = list(crash.problems)
    if crash.kills_survived != planned and not details:
        details.append(f"{crash.kills_survived} of {planned} kills landed")
    return Check(f"{planned} kills, each followed by NotResponding and a resume", not details, details)


# ---------------------------------------------------------------------------------------------
# One sampler


@dataclass
class Options:
    sweepkit: str
    python: str
    kills: int
    seed: int
    root: Path
    require_all: bool


def skip_reason(setup: SamplerSetup) -> str | None:
    if setup.plugin and not setup.plugin.exists():
        return (f"{setup.plugin.relative_to(REPOSITORY)} is not built (scripts/test builds it: swift build -c release "
                f"--package-path plugins/{setup.kind} --scratch-path .build-python -Xswiftc -static-stdlib -Xcc -I<python include> -Xswiftc -use-ld=lld)")
    return None


def trial_summary(trials: list[dict]) -> str:
    counts: dict[str, int] = {}
    for trial in trials:
        counts[trial["status"]] = counts.get(trial["status"], 0) + 1
    return f"{len(trials)} (" + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) + ")"


def print_failure_details(console: Console, result: SamplerResult, crashed_job: Job):
    lines = [f"---- {result.kind}: FAILED checks ----"]
    for check in result.checks:
        if not check.passed:
            lines.append(f"  {check.name}:")
            lines += [f"    {line}" for line in check.details]
    lines.append(f"---- {result.kind}: sweep.log of {crashed_job.name} (last {LOG_TAIL_LINES} lines) ----")
    lines.append(crashed_job.log_tail())
    engine_log = crashed_job.directory / "engine.log"
    if engine_log.exists() and engine_log.stat().st_size:
        lines.append(f"---- {result.kind}: engine.log of {crashed_job.name} (last 15 lines) ----")
        lines.append(crashed_job.log_tail("engine.log", 15))
    lines.append(f"---- {result.kind}: files kept in {result.folder} ----")
    console.block("\n".join(lines))


def stop_leftover_engine(job: Job):
    """When the test itself failed midway, cancels a job whose engine still runs."""
    try:
        if job.directory.exists() and job.status() == "Running":
            job.run("job", "cancel", job.name)
    except Exception:
        pass


@dataclass
class SamplerFolder:
    """One sampler's folder: the trial code, the sweep file, MLflow's store and both jobs."""
    folder: Path
    sweep_file: Path
    state: Path            # the trials' ledgers and ending markers
    reference: Job
    crashed: Job

    def markers(self, job: Job) -> Path:
        return self.state / f"markers-{job.name}"

    def ledger(self, job: Job) -> Path:
        return self.state / f"ledger-{job.name}.jsonl"


def prepare_folder(setup: SamplerSetup, options: Options) -> SamplerFolder:
    folder = options.root / setup.kind
    state = folder / "state"
    state.mkdir(parents=True)
    write_trial_code(folder)
    sweep_file = write_sweep_yaml(folder, setup, state)
    env = sweep_environment(folder, options.python)
    return SamplerFolder(folder, sweep_file, state,
                     reference=Job(options.sweepkit, env, f"{setup.kind}-ref", folder / "ws-ref"),
                     crashed=Job(options.sweepkit, env, f"{setup.kind}-crash", folder / "ws-crash"))


def reference_run(files: SamplerFolder, say) -> dict:
    """Runs the sweep uninterrupted; returns its report."""
    say("reference run")
    started = time.monotonic()
    run = files.reference.create(files.sweep_file, stream=True)
    report = files.reference.show()
    say(f"reference {report['status']} in {time.monotonic() - started:.0f} s: {trial_summary(report['trials'])}"
        + (f" ({describe_failure(run)})" if run.returncode else ""))
    return report


def outcome_checks(files: SamplerFolder, reference: dict, crashed: dict) -> list[Check]:
    """The checks of the crashed run's outcome against the reference, MLflow and the ledger."""
    return [
        check_final_status(reference, crashed),
        check_trials(reference, crashed),
        check_finished_once(crashed, read_ledger(files.ledger(files.crashed))),
        check_mlflow(files.folder, crashed),
    ]


def run_sampler(setup: SamplerSetup, options: Options, console: Console) -> SamplerResult:
    """The whole test of one sampler: reference, crashed run, checks."""
    result = SamplerResult(setup.kind, kills_planned=options.kills)
    started = time.monotonic()
    say = lambda text: console.line(setup.kind, text)  # noqa: E731
    reason = skip_reason(setup)
    if reason:
        result.verdict = "FAIL" if options.require_all else "SKIP"
        result.note = reason
        result.checks.append(Check("plugin built", False, [reason]))
        say(f"{result.verdict}: {reason}")
        return result

    files = prepare_folder(setup, options)
    result.folder = files.folder
    try:
        reference = reference_run(files, say)
        result.checks.append(check_reference(reference))
        plan = kill_plan(random.Random(f"{options.seed}/{setup.kind}"), options.kills, setup)
        trial_seconds = reference_trial_seconds(files.reference)
        say("crashed run: kills " + "; ".join(k.describe(trial_seconds) for k in plan))
        crash = crash_run(files.crashed, files.sweep_file, plan, trial_seconds, files.markers(files.crashed),
                          last_safe_progress(setup) + 1, say)
        result.kills_survived = crash.kills_survived
        result.checks.append(check_kills(crash, options.kills))
        if crash.report is not None:
            result.trials = crash.report["trials"]
            result.checks += outcome_checks(files, reference, crash.report)
        result.checks.append(check_no_orphans(files.reference, files.crashed))
    except Exception as error:  # the test could not run to its end: a failure, reported as such
        result.checks.append(Check("test ran to its end", False, [f"{type(error).__name__}: {error}"]))
    finally:
        stop_leftover_engine(files.crashed)
        stop_leftover_engine(files.reference)
    result.seconds = time.monotonic() - started
    result.verdict = "PASS" if all(c.passed for c in result.checks) else "FAIL"
    say(f"{result.verdict} in {result.seconds:.0f} s")
    if result.verdict == "FAIL":
        print_failure_details(console, result, files.crashed)
    return result


# ---------------------------------------------------------------------------------------------
# The whole test


def print_summary(console: Console, results: list[SamplerResult], seconds: float):
    lines = ["", "Crash test summary", "=================="]
    for r in results:
        if r.verdict == "SKIP":
            lines.append(f"{r.kind:<9} SKIP  {r.note}")
            continue
        lines.append(f"{r.kind:<9} {r.verdict}  kills survived {r.kills_survived}/{r.kills_planned}  "
                     f"trials {trial_summary(r.trials) if r.trials else '-'}  {r.seconds:.0f} s")
        for check in r.checks:
            lines.append(f"    {'ok  ' if check.passed else 'FAIL'} {check.name}")
            if not check.passed:
                lines += [f"           {d}" for d in check.details]
    lines.append(f"Total kills survived: {sum(r.kills_survived for r in results)}")
    lines.append(f"Total time: {seconds:.0f} s")
    console.block("\n".join(lines))


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sweepkit", default=str(Path(sys.executable).parent / "sweepkit"),
                        help="the sweepkit command (default: the one next to this Python)")
    parser.add_argument("--python", default=sys.executable, help="the trials' interpreter, with MLflow (default: this Python)")
    parser.add_argument("--kills", type=int, default=4, help="SIGKILLs per sampler (default 4)")
    parser.add_argument("--seed", type=int, default=1, help="seeds the kill moments (default 1)")
    parser.add_argument("--samplers", default=",".join(SETUPS), help="comma-separated, from: " + ", ".join(SETUPS))
    parser.add_argument("--keep", metavar="DIR", help="work in DIR (created, must be empty) and keep it")
    parser.add_argument("--require-all", action="store_true", help="fail instead of skipping a sampler whose plugin is not built")
    parser.add_argument("--jobs", type=int, default=0, help="samplers tested side by side (default: all)")
    args = parser.parse_args(argv)
    args.samplers = [s.strip() for s in args.samplers.split(",") if s.strip()]
    unknown = [s for s in args.samplers if s not in SETUPS]
    if unknown or not args.samplers:
        parser.error(f"unknown sampler(s) {unknown}; choose from {', '.join(SETUPS)}")
    if args.kills < 1:
        parser.error("--kills must be at least 1")
    return args


def preflight(args: argparse.Namespace) -> str | None:
    """Why the test cannot run at all, or None."""
    if not os.access(args.sweepkit, os.X_OK):
        return f"no sweepkit command at {args.sweepkit} (--sweepkit PATH)"
    probe = subprocess.run([args.python, "-c", "import importlib.metadata as m; print(m.version('mlflow'))"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        return f"{args.python} has no MLflow: {args.python} -m pip install 'mlflow>=3.17,<3.19'"
    if not Path("/proc/self/environ").exists():
        return "this test needs Linux's /proc"
    return None


def work_folder(keep: str | None) -> Path | None:
    """A fresh temporary folder, or --keep's folder (created; None when it is not empty)."""
    if keep is None:
        return Path(tempfile.mkdtemp(prefix="sweepkit-crash-test-"))
    folder = Path(keep).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return None if any(folder.iterdir()) else folder


def main(argv: list[str]) -> int:
    args = parse_arguments(argv)
    problem = preflight(args)
    if problem:
        print(f"crash_test: {problem}", file=sys.stderr)
        return 2
    root = work_folder(args.keep)
    if root is None:
        print(f"crash_test: --keep {args.keep} is not empty", file=sys.stderr)
        return 2
    options = Options(args.sweepkit, args.python, args.kills, args.seed, root, args.require_all)
    console = Console()
    console.block(f"crash test: samplers {', '.join(args.samplers)}; {args.kills} kills each; seed {args.seed}; folder {root}")
    with ThreadPoolExecutor(max_workers=args.jobs or len(args.samplers)) as pool:
        futures = [pool.submit(run_sampler, SETUPS[kind], options, console) for kind in args.samplers]
        results = [f.result() for f in futures]
    print_summary(console, results, time.monotonic() - console.start)
    failed = any(r.verdict == "FAIL" for r in results)
    if failed or args.keep:
        console.block(f"files kept in {root}")
    else:
        shutil.rmtree(root, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
