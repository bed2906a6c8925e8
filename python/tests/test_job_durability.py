"""Durability: a sweep survives its engine being killed (kill -9) and `resume` finishes it; Ctrl-C
in a script that submitted a sweep cancels it cleanly."""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

from jobs_helpers import cli, trial_processes, write_code


def show(name, cwd):
    return json.loads(cli("job", "show", name, cwd=cwd).stdout)


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
    name = process.stdout.readline().strip()
    lines = []
    while not any("waiting for sweep" in line for line in lines) and len(lines) < 50:
        lines.append(process.stderr.readline())
    assert any("waiting for sweep" in line for line in lines), lines
    deadline = time.monotonic() + 30
    while len(trial_processes(name)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=60)
    report = show(name, tmp_path)
    assert report["status"] == "Canceled" and report["reason"] == "canceled by the user"
    assert {t["status"] for t in report["trials"]} == {"Canceled"}
    assert trial_processes(name) == []
