"""Several jobs at once on one workspace and one fresh MLflow SQLite store: one engine initialises
the store (under a lock), the others wait for it, and every sweep completes."""
import json
import os
import sqlite3
import subprocess
import sys
import textwrap

from jobs_helpers import binary_path, cli, write_code


def test_four_jobs_started_together_on_a_fresh_store_all_complete(tmp_path):
    write_code(tmp_path / "src", **{"trial.py": """
        import sys, mlflow
        mlflow.log_metric("score", float(sys.argv[1]))
    """})
    (tmp_path / "sweep.yml").write_text(textwrap.dedent("""
        type: sweep
        experiment_name: together
        trial: {code: src, command: "python trial.py ${{search_space.x}}"}
        sampling_algorithm: grid
        search_space: {x: {type: choice, values: [1, 2]}}
        objective: {goal: maximize, primary_metric: score}
        limits: {max_total_trials: 2, max_concurrent_trials: 2}
    """))
    store = tmp_path / "fresh" / "mlflow.db"
    env = {"MLFLOW_TRACKING_URI": f"sqlite:///{store}", "SWEEPKIT_PYTHON": sys.executable}
    creates = [subprocess.Popen([str(binary_path()), "job", "create", "--file", "sweep.yml", "--name", f"together_{i}", "--stream"],
                                cwd=tmp_path, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for i in range(4)]
    outputs = [process.communicate(timeout=300) for process in creates]
    for process, (out, err) in zip(creates, outputs):
        assert process.returncode == 0, out + err
    for i in range(4):
        report = json.loads(cli("job", "show", f"together_{i}", cwd=tmp_path).stdout)
        assert report["status"] == "Completed", report.get("reason")
        assert [t["value"] for t in report["trials"]] == [1.0, 2.0]
    # MLflow itself still opens the store: every run is there, finished.
    check = subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
        import mlflow
        runs = mlflow.search_runs(experiment_names=["together"], output_format="list")
        print(len(runs), sorted({{r.info.status for r in runs}}))
    """)], capture_output=True, text=True, env={**os.environ, **env}, timeout=120)
    assert check.returncode == 0, check.stderr
    assert check.stdout.split() == ["12", "['FINISHED']"]  # 4 parents + 8 trials
    with sqlite3.connect(store) as db:
        assert db.execute("SELECT count(*) FROM sqlite_master WHERE name LIKE '_alembic_tmp%'").fetchone() == (0,)
