"""Azure ML behaviours SweepKit users rely on, checked without the Azure ML SDK (test_azure_interop.py
checks the same files against the real SDK): `params_override` and `--set`, single-brace
placeholders, literal inputs, `code` naming a file, paths relative to the file wherever it is
written, SweepKit's extension properties, what needs the Azure ML service, and the log-scale
warning."""
import io
import json
import math
import os
import sys
import warnings

import pytest
import yaml

import sweepkit
from sweepkit import Input, MLClient, command, load_job
from sweepkit.sweep import (BanditPolicy, Choice, LogNormal, LogUniform, QLogUniform, RandomSamplingAlgorithm,
                            SweepJobLimits, TruncationSelectionPolicy, Uniform)

from jobs_helpers import cli, wait_for, write_code

SWEEP = """
type: sweep
trial:
  command: python train.py --lr ${{search_space.lr}}
  code: src
  environment: azureml:AzureML-sklearn-1.0@latest
sampling_algorithm: random
search_space:
  lr: {type: uniform, min_value: 0.1, max_value: 1}
objective: {goal: maximize, primary_metric: acc}
limits: {max_total_trials: 4}
"""


@pytest.fixture
def untracked(tmp_path, monkeypatch):
    """Sweep jobs without MLflow (trials complete on exit 0)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "none")
    return MLClient(workspace_dir=str(tmp_path / "ws"))


@pytest.fixture
def project(tmp_path):
    write_code(tmp_path / "jobs" / "src", **{"train.py": "print(1)\n"})
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "iris.csv").write_text("a,b\n")
    return tmp_path


def write(project, text, name="jobs/sweep.yml"):
    path = project / name
    path.write_text(text)
    return path


def test_params_override_sets_dotted_paths_before_paths_are_resolved(project):
    path = write(project, SWEEP)
    job = load_job(path, params_override=[{"limits.max_total_trials": 10},
                                          {"search_space.lr": {"type": "choice", "values": [1, 2]}},
                                          {"trial.code": "src/train.py", "inputs.n": 3}])
    assert job.limits == SweepJobLimits(max_total_trials=10)
    assert job.search_space == {"lr": Choice([1, 2])}
    assert job.trial.code == str(project / "jobs" / "src" / "train.py")
    assert job.inputs == {"n": 3}
    with pytest.raises(sweepkit.ValidationException, match="trial.code.x: Cannot use '--set' on properties defined by reference strings"):
        load_job(path, params_override=[{"trial.code.x": 1}])
    with pytest.raises(sweepkit.ValidationException, match="params_override"):
        load_job(path, params_override={"limits.max_total_trials": 10})


def test_the_cli_set_option_overrides_the_file(project):
    path = write(project, SWEEP)
    shown = cli("validate", "--file", str(path), "--set", "limits.max_total_trials=7", "compute=azureml:gpu",
                "search_space.lr={type: choice, values: [0.1, 0.2]}", "--set", "description=a: b", cwd=project)
    assert shown.returncode == 0, shown.stderr
    spec = json.loads(shown.stdout)
    assert spec["limits"]["max_total_trials"] == 7 and spec["compute"] == "gpu" and spec["description"] == "a: b"
    assert spec["search_space"] == {"lr": ["choice", [[0.1, 0.2]]]}
    bad = cli("validate", "--file", str(path), "--set", "trial.command.x=1", cwd=project)
    assert bad.returncode == 2 and "trial.command.x: Cannot use '--set'" in bad.stderr
    assert cli("validate", "--file", str(path), "--set", "novalue", cwd=project).returncode == 2


def test_the_cli_runs_a_job_created_with_set(project):
    # The trial fails unless it receives a value of the search space (not the placeholder's text).
    write_code(project / "jobs" / "src", **{"train.py": """
        import sys
        assert 0.1 <= float(sys.argv[2]) <= 1, sys.argv
    """})
    path = write(project, SWEEP.replace("python train.py --lr ${{search_space.lr}}", "python train.py --lr {search_space.lr}"))
    env = {"MLFLOW_TRACKING_URI": "none", "SWEEPKIT_PYTHON": sys.executable}
    created = cli("job", "create", "--file", str(path), "--name", "set_job", "--set", "limits.max_total_trials=2",
                  "--stream", cwd=project, env=env)
    assert created.returncode == 0, created.stderr
    assert "sweepkit: warning: trial.command: Use of {} for parameters is deprecated, instead use ${{}}." in created.stderr
    shown = json.loads(cli("job", "show", "set_job", cwd=project).stdout)
    assert len(shown["trials"]) == 2 and all(t["status"] == "Completed" for t in shown["trials"]), shown["trials"]


def test_single_brace_placeholders_are_upgraded_with_a_warning(project):
    path = write(project, SWEEP.replace("${{search_space.lr}}", "{search_space.lr} --n {inputs.n}") + "inputs: {n: 3}\n")
    with pytest.warns(FutureWarning, match=r"Use of \{\} for parameters is deprecated, instead use \$\{\{\}\}"):
        job = load_job(path)
    assert job.trial.command == "python train.py --lr ${{search_space.lr}} --n ${{inputs.n}}"
    built = command(code=str(project / "jobs" / "src"), command="python train.py --lr {inputs.lr}", inputs={"lr": 0.1})
    sweep_job = built(lr=Uniform(0, 1)).sweep(primary_metric="acc", goal="maximize")
    with pytest.warns(FutureWarning):
        spec = sweep_job._to_job_spec()
    # `.sweep()` points ${{inputs.lr}} at the search space; the upgraded single brace reads the swept value too.
    assert spec["trial"]["command"] == "python train.py --lr ${{inputs.lr}}"


def test_literal_inputs_in_every_form(project, untracked):
    path = write(project, SWEEP.replace("--lr ${{search_space.lr}}", "--lr ${{search_space.lr}} --n ${{inputs.n}} --m ${{inputs.m}}")
                 + "inputs:\n  n: {value: 42}\n  m: 7\n")
    job = load_job(path)
    assert job.inputs == {"n": 42, "m": 7}
    built = command(code=str(project / "jobs" / "src"), command="python train.py --n ${{inputs.n}} --lr ${{inputs.lr}}",
                    inputs={"n": Input(type="integer", default=42), "lr": 0.1})
    spec = built(lr=Uniform(0, 1)).sweep(primary_metric="acc", goal="maximize")._to_job_spec()
    assert spec["inputs"] == {"n": {"type": "integer", "default": 42}}
    with pytest.raises(sweepkit.ValidationException, match="inputs.n: a literal input needs a value of type integer"):
        bad = command(code=str(project / "jobs" / "src"), command="python train.py ${{inputs.n}}",
                      inputs={"n": Input(type="integer", default="x")})
        untracked.create_or_update(bad.sweep(primary_metric="acc", goal="maximize", search_space={"x": Uniform(0, 1)}))


def test_code_naming_a_single_file_runs(project, untracked):
    (project / "jobs" / "src" / "other.py").write_text("raise SystemExit('not copied')\n")
    write_code(project / "jobs" / "src", **{"train.py": """
        import os, sys
        assert sorted(p for p in os.listdir('.') if p.endswith('.py')) == ['train.py'], os.listdir('.')
        print(sys.argv[1:])
    """})
    path = write(project, SWEEP.replace("code: src", "code: src/train.py").replace("max_total_trials: 4", "max_total_trials: 1"))
    job = load_job(path)
    job.objective.primary_metric = "none"
    name = untracked.create_or_update(job).name
    assert wait_for(untracked, name)["status"] == "Completed"


def test_paths_are_relative_to_the_file_wherever_it_is_written(project, monkeypatch):
    monkeypatch.chdir(project)
    built = command(code="jobs/src", command="python train.py --data ${{inputs.data}} --lr ${{inputs.lr}}",
                    inputs={"data": Input(type="uri_file", path="data/iris.csv"), "lr": 0.1},
                    environment="AzureML-sklearn-1.0@latest", compute="cpu-cluster")
    sweep_job = built(lr=Uniform(0, 1)).sweep(primary_metric="acc", goal="maximize")
    for folder in ("elsewhere/deep", "jobs", "."):
        (project / folder).mkdir(parents=True, exist_ok=True)
        sweep_job.dump(project / folder / "dumped.yml")
        document = yaml.safe_load((project / folder / "dumped.yml").read_text())
        assert document["trial"]["code"] == os.path.relpath(project / "jobs" / "src", project / folder)
        assert document["inputs"]["data"]["path"] == os.path.relpath(project / "data" / "iris.csv", project / folder)
        assert document["compute"] == "azureml:cpu-cluster"
        assert document["trial"]["environment"] == "azureml:AzureML-sklearn-1.0@latest"
        assert document["limits"] == {"max_total_trials": 1000}, "Azure requires it; 1000 is the default of both"
        reloaded = load_job(project / folder / "dumped.yml")
        assert reloaded.trial.code == str(project / "jobs" / "src")
        assert reloaded.inputs["data"].path == str(project / "data" / "iris.csv")
    stream = io.StringIO()
    sweep_job.dump(stream)
    assert yaml.safe_load(stream.getvalue())["trial"]["code"] == str(project / "jobs" / "src"), "absolute for a stream"
    stream.seek(0)
    assert load_job(stream).trial.code == str(project / "jobs" / "src")


def test_sweepkit_extensions_are_properties_azure_ml_accepts(project):
    job = command(code=str(project / "jobs" / "src"), command="python train.py ${{search_space.flag}}",
                  environment="azureml:env:1").sweep(
        primary_metric="acc", goal="maximize", sampling_algorithm={"type": "tpe", "seed": 1},
        search_space={"flag": Choice([True, False]), "shape": Choice([[1, 2], [3]]), "lr": LogUniform(-5, -1)},
        early_termination_policy=TruncationSelectionPolicy(truncation_percentage=20, exclude_finished_jobs=True))
    path = project / "extended.yml"
    job.dump(path)
    text = path.read_text()
    document = yaml.safe_load(text)
    assert text.startswith("# Written by SweepKit")
    assert "sampling_algorithm" not in document and json.loads(document["properties"]["sweepkit.sampling_algorithm"]) == {"type": "tpe", "seed": 1}
    assert document["search_space"]["flag"] == {"type": "choice", "values": ["True", "False"]}
    assert document["search_space"]["shape"] == {"type": "choice", "values": ["[1,2]", "[3]"]}
    assert "sweepkit.search_space.lr" not in document["properties"]
    assert document["early_termination"] == {"type": "truncation_selection", "delay_evaluation": 0, "evaluation_interval": 0,
                                             "truncation_percentage": 20}
    job.set_resources(instance_count=2, cpus=2, memory="4G")
    job.dump(path)
    document = yaml.safe_load(path.read_text())
    assert document["resources"] == {"instance_count": 2}
    assert json.loads(document["properties"]["sweepkit.resources"]) == {"instance_count": 2, "cpus": 2, "memory": "4G"}
    reloaded = load_job(path)
    assert reloaded.resources == {"instance_count": 2, "cpus": 2, "memory": "4G"}
    assert reloaded.sampling_algorithm == {"type": "tpe", "seed": 1}
    assert reloaded.search_space == job.search_space and list(reloaded.search_space) == ["flag", "shape", "lr"]
    assert reloaded.early_termination == job.early_termination and reloaded.properties == {}
    # Defaults Azure does not know are not written at all.
    plain = command(code=str(project / "jobs" / "src"), command="python train.py", environment="azureml:env:1").sweep(
        primary_metric="acc", goal="maximize", sampling_algorithm="sobol", search_space={"x": Uniform(0, 1)},
        early_termination_policy=TruncationSelectionPolicy(truncation_percentage=20))
    plain.dump(path)
    assert not path.read_text().startswith("#") and "sweepkit." not in path.read_text()
    assert yaml.safe_load(path.read_text())["sampling_algorithm"] == {"type": "random", "rule": "sobol"}


def test_a_job_azure_cannot_run_says_so(project):
    job = command(code=str(project / "jobs" / "src"), command="python train.py").sweep(
        primary_metric="acc", goal="maximize", search_space={"x": Uniform(0, 1)})
    job.dump(project / "noenv.yml")
    assert "# Azure ML: trial.environment is not set" in (project / "noenv.yml").read_text()
    job.trial.environment = sys.prefix
    job.dump(project / "venv.yml")
    assert "# Azure ML: trial.environment is a local interpreter or virtualenv" in (project / "venv.yml").read_text()
    assert load_job(project / "venv.yml").trial.environment == sys.prefix


def test_what_needs_the_azure_ml_service_is_an_error_naming_the_field(project):
    cases = {
        "trial.code": SWEEP.replace("code: src", "code: azureml:my-code:1"),
        "inputs.d.path": SWEEP + "inputs:\n  d: {type: uri_folder, path: azureml:iris@latest}\n",
        "outputs.m.path": SWEEP + "outputs:\n  m: {type: uri_folder, path: azureml://datastores/blob/paths/m}\n",
    }
    for field, text in cases.items():
        with pytest.raises(sweepkit.ValidationException, match=f"^{field}: .*only the Azure ML service can resolve"):
            load_job(write(project, text))
    with pytest.raises(sweepkit.ValidationException, match="write ./data without azureml:"):
        load_job(write(project, SWEEP + "inputs:\n  d: {type: uri_folder, path: azureml:./data}\n"))
    with pytest.raises(sweepkit.ValidationException, match="^early_terminaton: Unknown field"):
        load_job(write(project, SWEEP + "early_terminaton: {type: bandit}\n"))
    with pytest.raises(sweepkit.ValidationException, match="^trial.foo: Unknown field"):
        load_job(write(project, SWEEP.replace("  code: src", "  code: src\n  foo: 1")))


def test_log_scale_bounds_that_look_like_values_are_warned_about(untracked, project):
    with pytest.warns(UserWarning) as caught:
        sweep = sweepkit.Sweep(search_space={"lr": LogUniform(1e-5, 1e-1)}, goal="minimize", max_total_trials=1)
    message = next(str(w.message) for w in caught if "LogUniform" in str(w.message))
    assert "samples exp(1e-05)..exp(0.1) = 1.00001..1.10517" in message
    assert "LogUniform(math.log(1e-05), math.log(0.1)), i.e. LogUniform(-11.5129, -2.30259)" in message
    assert math.exp(1e-5) <= sweep.ask().params["lr"] <= math.exp(0.1), "Azure's meaning is kept"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sweepkit.Sweep(search_space={"lr": LogUniform(math.log(1e-5), math.log(1e-1)), "n": LogNormal(0, 1)},
                       goal="minimize", max_total_trials=1)
    job = command(code=str(project / "jobs" / "src"), command="python train.py").sweep(
        primary_metric="none", goal="maximize", search_space={"w": QLogUniform(0.01, 10, 1)},
        sampling_algorithm=RandomSamplingAlgorithm(logbase=10))
    job.set_limits(max_total_trials=1)
    with pytest.warns(UserWarning, match=r"QLogUniform\(0.01, 10, 1\) samples 10\^0.01..10\^10"):
        untracked.create_or_update(job)
    path = write(project, SWEEP.replace("{type: uniform, min_value: 0.1, max_value: 1}", "{type: loguniform, min_value: 0.0001, max_value: 0.1}"))
    shown = cli("validate", "--file", str(path), cwd=project)
    assert shown.returncode == 0 and "sweepkit: warning: search_space.lr: LogUniform(0.0001, 0.1) samples" in shown.stderr
