"""Durability: a sweep survives its engine being killed (kill -9) and `resume` finishes it; Ctrl-C
in a script that submitted a sweep cancels it cleanly."""
import json
import os
import queue
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from sweepkit import MLClient, command
from sweepkit.sweep import Choice

from jobs_helpers import cli, report, trial_processes, wait_for, write_code


def show(name, cwd):
    return json.loads(cli("job", "show", name, cwd=cwd).stdout)


def lines_of(stream):
    """A queue of `stream`'s lines, read by a thread, so each wait for a line has a timeout."""
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in stream], daemon=True).start()
    return lines


def test_resume_after_kill_9_finishes_the_sweep_without_rerunning_finished_trials(tmp_path, mlflow_db):
    ledger = tmp_path / "ledger.txt"
    write_code(tmp_path / "src", **{"trial.py": f"""
        import sys, time, mlflow
        x = float(sys.argv[1])
        time.sleep(1.5)
        mlflow.log_metric("score", 2 * x)
        with open({str(ledger)!r}, "a") as f:
            f.write(f"done {{x}}\\n")
    """})
    (tmp_path / "sweep.yml").write_text(textwrap.dedent("""
        type: sweep
        experiment_name: durability
        trial: {code: src, command: "python trial.py ${{search_space.x}}", environment: local}
        sampling_algorithm: grid
        search_space: {x: {type: choice, values: [1, 2, 3, 4, 5, 6]}}
        objective: {goal: maximize, primary_metric: score}
        limits: {max_total_trials: 6, max_concurrent_trials: 2}
    """))
    env = {"MLFLOW_TRACKING_URI": mlflow_db, "SWEEPKIT_PYTHON": sys.executable}
    created = cli("job", "create", "--file", "sweep.yml", "--name", "durable", cwd=tmp_path, env=env)
    assert created.returncode == 0, created.stderr
    engine = int((tmp_path / ".sweepkit" / "jobs" / "durable" / "engine.lock").read_text())
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        report = show("durable", tmp_path)
        if sum(t["status"] == "Completed" for t in report["trials"]) >= 2 and any(t["status"] == "Running" for t in report["trials"]):
            break
        time.sleep(0.05)
    os.kill(engine, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while (before := show("durable", tmp_path))["status"] == "Running" and time.monotonic() < deadline:
        time.sleep(0.05)  # the kernel releases the engine's lock once the process is gone
    assert before["status"] == "NotResponding"
    finished_before = {t["params"]["x"] for t in before["trials"] if t["status"] == "Completed"}
    assert len(finished_before) >= 2

    resumed = cli("job", "resume", "durable", "--stream", cwd=tmp_path, env=env)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    after = show("durable", tmp_path)
    assert after["status"] == "Completed"
    assert [t["status"] for t in after["trials"]] == ["Completed"] * 6
    # What an uninterrupted sweep reports: every value, and the best trial.
    assert [t["value"] for t in after["trials"]] == [2.0, 4.0, 6.0, 8.0, 10.0, 12.0]
    assert after["best_trial"]["params"] == {"x": 6}
    done = [float(line.split()[1]) for line in ledger.read_text().splitlines()]
    for x in finished_before:
        assert done.count(float(x)) == 1, f"trial x={x} finished before the crash and ran again"
    assert trial_processes("durable") == []


def test_ctrl_c_in_a_script_that_ends_cancels_its_sweep(tmp_path):
    write_code(tmp_path / "src", **{"slow.py": "import time\ntime.sleep(120)\n"})
    script = tmp_path / "submit.py"
    script.write_text(textwrap.dedent(f"""
        from sweepkit import MLClient, command
        from sweepkit.sweep import Uniform
        job = command(code={str(tmp_path / 'src')!r}, command="python slow.py ${{{{search_space.x}}}}")
        sweep_job = job.sweep(primary_metric="none", goal="minimize", search_space={{"x": Uniform(0, 1)}})
        sweep_job.set_limits(max_total_trials=4, max_concurrent_trials=2)
        returned = MLClient().create_or_update(sweep_job)
        print(returned.name, flush=True)
    """))
    process = subprocess.Popen([sys.executable, str(script)], cwd=tmp_path, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env={**os.environ, "MLFLOW_TRACKING_URI": "none"})
    try:
        stdout, stderr = lines_of(process.stdout), lines_of(process.stderr)
        name = stdout.get(timeout=60).strip()
        lines = []
        while not any("waiting for sweep" in line for line in lines):
            lines.append(stderr.get(timeout=60))
    except queue.Empty:
        process.kill()
        raise AssertionError(f"the script said nothing for 60 s: {process.communicate(timeout=30)}")
    deadline = time.monotonic() + 30
    while len(trial_processes(name)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=60)
    report = show(name, tmp_path)
    assert report["status"] == "Canceled" and report["reason"] == "canceled by the user"
    assert {t["status"] for t in report["trials"]} == {"Canceled"}
    assert trial_processes(name) == []


# A trial that says it started (a file named after its x), then waits for the file `go`.
WAITING_TRIAL = """
    import os, sys, time
    x, folder = sys.argv[1], sys.argv[2]
    open(os.path.join(folder, f"started-{x}"), "w").write(str(os.getpid()))
    deadline = time.monotonic() + 120
    while not os.path.exists(os.path.join(folder, "go")) and time.monotonic() < deadline:
        time.sleep(0.02)
"""


def wait_until(condition, what, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(0.02)


@pytest.fixture
def orphaned(tmp_path, monkeypatch):
    """Submits a sweep of two waiting trials (x = 1, 2) through MLClient, waits until both run, then
    kills its engine with SIGKILL: the job is NotResponding with both trials still running."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "none")
    client = MLClient(workspace_dir=str(tmp_path / "ws"))
    code = write_code(tmp_path / "src", **{"wait.py": WAITING_TRIAL})

    def submit(folder):
        folder.mkdir()
        sweep_job = command(code=str(code), command=f"python wait.py ${{{{search_space.x}}}} {folder}").sweep(
            primary_metric="none", goal="minimize", sampling_algorithm="grid", search_space={"x": Choice([1, 2])})
        sweep_job.set_limits(max_total_trials=2, max_concurrent_trials=2)
        name = client.create_or_update(sweep_job).name
        wait_until(lambda: (folder / "started-1").exists() and (folder / "started-2").exists(), "both trials starting")
        engine = int((tmp_path / "ws" / "jobs" / name / "engine.lock").read_text())
        os.kill(engine, signal.SIGKILL)
        wait_until(lambda: report(client, name)["status"] == "NotResponding", "the job showing NotResponding")
        return name

    return client, submit


def vanish(job, trial):
    """Kills trial `trial`'s process group with SIGKILL, its shell included: it leaves no exit status."""
    marker = f"SWEEPKIT_TRIAL={job}_{trial}".encode()
    groups = set()
    for pid in trial_processes(job):
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if marker in f.read().split(b"\0"):
                    groups.add(os.getpgid(pid))
        except OSError:
            continue
    assert groups, f"no process of trial {trial}"
    for group in groups:
        os.killpg(group, signal.SIGKILL)

    def group_of(pid):
        try:
            return os.getpgid(pid)
        except OSError:
            return None

    wait_until(lambda: not any(group_of(p) in groups for p in trial_processes(job)), f"trial {trial}'s processes ending")


def test_mlclient_resume(orphaned, tmp_path):
    """`MLClient().jobs.resume`: a trial still running is watched again (here it finishes after its
    engine died and is collected, not rerun); one that vanished is relaunched as a second attempt,
    or Failed with fail_interrupted=True."""
    client, submit = orphaned
    for fail_interrupted in (False, True):
        folder = tmp_path / f"run-{fail_interrupted}"
        name = submit(folder)
        vanish(name, 0)  # x = 1
        (folder / "started-1").unlink()
        (folder / "go").write_text("")  # x = 2 ends while no engine watches it
        returned = client.jobs.resume(name, fail_interrupted=fail_interrupted) if fail_interrupted else client.jobs.resume(name)
        assert returned.name == name and returned.status in ("Running", "Completed")
        final = wait_for(client, name)
        first, second = final["trials"]
        assert second["status"] == "Completed" and second["attempts"] == 1, "collected from what it left"
        assert final["status"] == "Completed"
        if fail_interrupted:
            assert first["status"] == "Failed" and first["attempts"] == 1
            assert "left no exit status" in first["message"]
            assert not (folder / "started-1").exists(), "not relaunched"
        else:
            assert first["status"] == "Completed" and first["attempts"] == 2
            assert (folder / "started-1").exists(), "relaunched"
        assert trial_processes(name) == []
    assert client.jobs.resume(name).status == "Completed", "resuming a finished job changes nothing"


def test_mlclient_begin_cancel_of_a_job_whose_engine_died(orphaned, tmp_path):
    client, submit = orphaned
    name = submit(tmp_path / "run")
    assert trial_processes(name), "the trials outlive their engine"
    client.jobs.begin_cancel(name).result(timeout=60)
    final = report(client, name)
    assert final["status"] == "Canceled" and final["reason"] == "canceled by the user"
    assert [t["status"] for t in final["trials"]] == ["Canceled", "Canceled"]
    assert trial_processes(name) == []


def test_damaged_journals_do_not_hide_the_workspace(tmp_path, monkeypatch):
    """A journal whose last line was torn (power loss) and one with a damaged line in the middle:
    `MLClient().jobs.list()` and `sweepkit job list` still list every job, each job still shows its
    trials, and the damage is reported."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "none")
    client = MLClient(workspace_dir=str(tmp_path / "ws"))
    code = write_code(tmp_path / "src", **{"quick.py": "import sys\nprint(sys.argv[1])\n"})
    names = []
    for _ in range(3):
        job = command(code=str(code), command="python quick.py ${{search_space.x}}").sweep(
            primary_metric="none", goal="minimize", sampling_algorithm="grid", search_space={"x": Choice([1, 2])})
        names.append(client.create_or_update(job).name)
    for name in names:
        assert wait_for(client, name)["status"] == "Completed"
    torn, damaged, intact = names
    journal = lambda name: tmp_path / "ws" / "jobs" / name / "journal.jsonl"  # noqa: E731
    with open(journal(torn), "ab") as f:
        f.write(b'{"event":"trial_ended","trial":1,"sta')  # no newline: the write never finished
    lines = journal(damaged).read_bytes().splitlines(keepends=True)
    journal(damaged).write_bytes(b"".join(lines[:2] + [b"\x00\xffnot json at all\n"] + lines[2:]))

    assert sorted(j.name for j in client.jobs.list()) == sorted(names)
    listed = cli("job", "list", "--workspace", str(tmp_path / "ws"))
    assert listed.returncode == 0, listed.stderr
    assert all(name in listed.stdout for name in names), listed.stdout
    for name in names:
        shown = report(client, name)
        assert shown["status"] == "Completed" and [t["status"] for t in shown["trials"]] == ["Completed", "Completed"], shown
    assert report(client, damaged)["journal_problems"], "the damaged line is reported"
    assert "journal_problems" not in report(client, intact)
    # Readers never write: only the next engine of the job cuts the torn tail (JobRecoveryTests).
    assert journal(torn).read_bytes().endswith(b'"sta')
    assert client.jobs.resume(torn).status == "Completed", "resuming a finished job changes nothing"
