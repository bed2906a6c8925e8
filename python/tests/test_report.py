"""The sweep report for a real sweep: command trials logging to MLflow's SQLite store, a log-scale
parameter, a conditional choice, a trial stopped early by the bandit policy and one that fails.
The HTML page is checked for its data and then opened in headless Chromium (no console errors,
every chart drawn, brushing and sorting work, a screenshot kept as a test artefact); the trial
table through `sweepkit job trials` and `trials_dataframe`. The engine side (importance, scales,
the progress line, escaping) is tested in Tests/SweepKitJobsTests/ReportTests.swift."""
import csv
import io
import json
import math
import os
import re
import shutil
from pathlib import Path

import pytest

from sweepkit import MLClient, command
from sweepkit.sweep import BanditPolicy, Choice, LogUniform, Randint, RandomSamplingAlgorithm, Uniform

from jobs_helpers import cli, wait_for, write_code
from report_browser import Browser, find_chromium

REPO = Path(__file__).resolve().parents[2]

# Trial 2 fails before logging anything; trial 3 logs a poor curve slowly, so the others have
# reached its intervals and the bandit policy stops it; the rest log a curve set by lr and the model.
TRIAL = """
    import math, os, sys, time
    n = int(os.environ["SWEEPKIT_TRIAL_NUMBER"])
    lr, kind = float(sys.argv[1]), sys.argv[2]
    if n == 2:
        print("Traceback (most recent call last):\\nFloatingPointError: loss diverged", file=sys.stderr)
        sys.exit(3)
    import mlflow
    quality = 0.2 if n == 3 else 0.9 - 0.05 * abs(math.log10(lr) + 2.5) - (0.03 if kind == "tree" else 0)
    for step in range(6):
        mlflow.log_metric("acc", quality * (1 - math.exp(-(step + 1) / 2)), step=step)
        time.sleep(0.8 if n == 3 else 0.1)
"""


@pytest.fixture(scope="module")
def sweep(tmp_path_factory, mlflow_db):
    """A finished sweep of six trials: completed, stopped early and failed ones."""
    root = tmp_path_factory.mktemp("report")
    previous = os.environ.get("MLFLOW_TRACKING_URI"), os.environ.get("SWEEPKIT_METRIC_POLL_SECONDS")
    os.environ["MLFLOW_TRACKING_URI"], os.environ["SWEEPKIT_METRIC_POLL_SECONDS"] = mlflow_db, "0.05"
    try:
        code = write_code(root / "src", **{"trial.py": TRIAL})
        job = command(code=str(code), command="python trial.py ${{search_space.lr}} ${{search_space.model.kind}}").sweep(
            primary_metric="acc", goal="maximize", sampling_algorithm=RandomSamplingAlgorithm(seed=1),
            search_space={"lr": LogUniform(math.log(1e-4), math.log(1e-1)), "batch": Choice([16, 32, 64]),
                          "model": Choice([{"kind": "linear", "l2": Uniform(0, 1)}, {"kind": "tree", "depth": Randint(8)}])},
            early_termination_policy=BanditPolicy(slack_factor=0.1, evaluation_interval=1, delay_evaluation=2))
        job.set_limits(max_total_trials=6, max_concurrent_trials=3)
        client = MLClient(workspace_dir=str(root / "ws"))
        name = client.create_or_update(job).name
        report = wait_for(client, name, timeout=240)
    finally:
        for key, value in zip(("MLFLOW_TRACKING_URI", "SWEEPKIT_METRIC_POLL_SECONDS"), previous):
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    assert report["status"] == "Completed", report.get("reason")
    statuses = [t["status"] for t in report["trials"]]
    assert statuses[2] == "Failed" and statuses[3] == "Canceled", statuses
    assert report["trials"][3]["stop_decision"]["interval"] >= 2
    kinds = {t["params"]["model"]["kind"] for t in report["trials"]}
    assert kinds == {"linear", "tree"}, "both options of the conditional choice (seed 1)"
    return client, name, report, root


def page_data(path: Path) -> dict:
    text = path.read_text()
    data = re.search(r'<script type="application/json" id="sweep-data">\n?(.*?)</script>', text, re.S).group(1)
    return json.loads(data)


def test_the_report_is_one_self_contained_file_with_the_sweeps_data(sweep):
    client, name, report, root = sweep
    path = Path(client.jobs.report(name, str(root / "report.html")))
    assert path == root / "report.html"
    html = path.read_text()
    assert not re.search(r'(src|href)="(https?:)?//', html), "nothing is fetched when the page is viewed"
    assert "<link" not in html
    data = page_data(path)
    trials = data["trials"]
    assert trials["n"] == [0, 1, 2, 3, 4, 5]
    assert [data["statuses"][s] for s in trials["s"]] == [t["status"] for t in report["trials"]]
    assert trials["v"] == [t["value"] for t in report["trials"]]
    assert "3" in trials["stop"] and trials["stop"]["3"][3] == "bandit"
    assert "loss diverged" in trials["msg"]["2"]
    assert all(len(trials["h"][i]) == 6 for i in (0, 1, 4, 5) if report["trials"][i]["status"] == "Completed")
    scales = {p["name"]: p["scale"] for p in data["params"]}
    assert scales == {"lr": "log", "batch": "category", "model.kind": "category", "model.l2": "linear",
                      "model.depth": "integer"}
    assert data["importance"]["method"].startswith("fANOVA")
    # The default path is the job's folder.
    default = Path(client.jobs.report(name))
    assert default.name == "report.html" and default.parent.name == name


def test_the_cli_writes_the_report_and_prints_the_trials(sweep):
    client, name, report, root = sweep
    out = root / "cli-report.html"
    result = cli("job", "report", name, "--output", str(out), "--workspace", client.workspace_dir)
    assert result.returncode == 0, result.stderr
    assert str(out) in result.stdout and out.stat().st_size > 10_000
    assert cli("job", "report", "nope", "--workspace", client.workspace_dir).returncode == 3

    rows = list(csv.DictReader(io.StringIO(cli("job", "trials", name, "--format", "csv", "--workspace", client.workspace_dir).stdout)))
    assert [r["status"] for r in rows] == [t["status"] for t in report["trials"]]
    assert {"params_lr", "params_model.kind", "params_batch", "metrics_acc", "duration", "stop_interval"} <= set(rows[0])
    assert rows[3]["stop_interval"] == str(report["trials"][3]["stop_decision"]["interval"])
    assert rows[2]["value"] == "" and rows[2]["exit"] == "exited with code 3"

    records = json.loads(cli("job", "trials", name, "--format", "json", "--workspace", client.workspace_dir).stdout)
    assert [r["params_lr"] for r in records] == [t["flat_params"]["lr"] for t in report["trials"]]
    assert list(records[0]) == list(rows[0])

    table = cli("job", "trials", name, "--workspace", client.workspace_dir).stdout.splitlines()
    assert table[0].split()[:3] == ["number", "status", "value"] and len(table) == 7


def test_trials_dataframe_has_optunas_columns(sweep):
    pd = pytest.importorskip("pandas")
    client, name, report, _ = sweep
    frame = client.jobs.trials_dataframe(name)
    assert list(frame["number"]) == [0, 1, 2, 3, 4, 5]
    assert list(frame["status"]) == [t["status"] for t in report["trials"]]
    assert pd.api.types.is_timedelta64_dtype(frame["duration"])
    assert pd.api.types.is_datetime64_any_dtype(frame["datetime_start"])
    assert (frame["duration"].dt.total_seconds() > 0).all()
    assert frame.loc[0, "params_lr"] == report["trials"][0]["flat_params"]["lr"]
    assert {"params_model.kind", "params_model.l2", "params_model.depth", "metrics_acc", "value"} <= set(frame.columns)
    assert math.isnan(frame.loc[2, "value"])


def artifacts_dir() -> Path:
    folder = Path(os.environ.get("SWEEPKIT_TEST_ARTIFACTS", REPO / ".build" / "test-artifacts"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_the_report_renders_in_a_browser(sweep):
    if find_chromium() is None:
        if os.environ.get("CI") or os.environ.get("SWEEPKIT_REQUIRE_BROWSER"):
            pytest.fail("Chromium is needed for this test: apt-get install chromium")
        pytest.skip("no Chromium (apt-get install chromium)")
    client, name, report, root = sweep
    path = Path(client.jobs.report(name, str(root / "browser.html")))
    with Browser(width=1280, height=1000) as browser:
        browser.open(path)
        drawn = browser.evaluate("window.sweepkitReport")
        assert drawn["failures"] == [] and browser.problems() == []
        counts = drawn["drawn"]
        assert counts["history"] == 6 and counts["history_time"] == 6, "a mark per trial (× for the failed one)"
        assert counts["parallel"] == 6 and counts["parallel_axes"] == 6, "5 parameters and the value"
        assert counts["slices"] == 5 and counts["curves"] == 5 and counts["stops"] == len(report["stop_decisions"])
        assert counts["table_rows"] == 6
        dom = browser.evaluate("""({
            canvases: [...document.querySelectorAll('#history canvas, #parallel canvas, #slices canvas, #curves canvas')].length,
            axes: [...document.querySelectorAll('#parallel rect[data-axis]')].map(r => r.dataset.axis),
            rows: document.querySelectorAll('#trial-table tbody tr').length,
            logs: document.querySelector('#trial-table tbody a').href,
            importance: document.querySelector('#importance .body').textContent,
            spec: JSON.parse(document.querySelector('#spec pre').textContent).name,
            badge: document.querySelector('#job-status .badge').textContent })""")
        assert dom["canvases"] == 2 + 1 + 5 + 1
        assert dom["axes"] == ["lr", "batch", "model.kind", "model.l2", "model.depth", "acc"]
        assert dom["rows"] == 6 and dom["spec"] == name and dom["badge"] == "Completed"
        assert dom["logs"].startswith("file://") and dom["logs"].endswith("/stdout.txt")
        assert "fANOVA" in dom["importance"]

        # Sorting by value puts the best trial first (maximize: descending).
        browser.evaluate("[...document.querySelectorAll('#trial-table th')][2].click()")
        first = browser.evaluate("document.querySelector('#trial-table tbody tr td').textContent")
        assert first == report["best_trial"]["name"].rsplit("_", 1)[1]

        # Brushing the value axis's top half keeps only the better trials, in the table too.
        box = browser.evaluate("""(() => { const r = document.querySelector('#parallel rect[data-axis="acc"]');
            r.scrollIntoView({block: 'center'}); const b = r.getBoundingClientRect();
            return [b.left + b.width / 2, b.top + 6, b.top + b.height / 2]; })()""")
        for kind, y in (("mousePressed", box[1]), ("mouseMoved", box[2]), ("mouseReleased", box[2])):
            browser.call("Input.dispatchMouseEvent", type=kind, x=box[0], y=y, button="left", buttons=1 if kind != "mouseReleased" else 0,
                         clickCount=1)
        selected = int(browser.evaluate("document.querySelector('#parallel .chart').dataset.selected"))
        with_value = sum(1 for t in report["trials"] if t["value"] is not None)
        assert 1 <= selected < with_value
        assert browser.evaluate("document.querySelectorAll('#trial-table tbody tr').length") == selected
        assert browser.problems() == []

        shot = artifacts_dir() / "report.png"
        browser.screenshot(shot)
        assert shot.stat().st_size > 50_000
        shutil.copy(path, artifacts_dir() / "report.html")
