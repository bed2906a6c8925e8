"""`sweepkit.sweep` offers the twenty public names of `azure.ai.ml.sweep` with the same constructor
signatures, defaults and `.type` strings (as azure.ai.ml.sweep declares them in azure-ai-ml 1.35)."""
import inspect
import re

import pytest

import sweepkit
import sweepkit.sweep as sweep
from sweepkit import _engine

P, K, VK = inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.VAR_KEYWORD

# (name, [(parameter, kind, default)], .type of a default instance) from the Azure SDK 1.35.2.
AZURE = {
    "Choice": ([("values", P, None), ("kwargs", VK, None)], "choice"),
    "Randint": ([("upper", P, None), ("kwargs", VK, None)], "randint"),
    "Uniform": ([("min_value", P, None), ("max_value", P, None), ("kwargs", VK, None)], "uniform"),
    "LogUniform": ([("min_value", P, None), ("max_value", P, None), ("kwargs", VK, None)], "loguniform"),
    "QUniform": ([("min_value", P, None), ("max_value", P, None), ("q", P, None), ("kwargs", VK, None)], "quniform"),
    "QLogUniform": ([("min_value", P, None), ("max_value", P, None), ("q", P, None), ("kwargs", VK, None)], "qloguniform"),
    "Normal": ([("mu", P, None), ("sigma", P, None), ("kwargs", VK, None)], "normal"),
    "LogNormal": ([("mu", P, None), ("sigma", P, None), ("kwargs", VK, None)], "lognormal"),
    "QNormal": ([("mu", P, None), ("sigma", P, None), ("q", P, None), ("kwargs", VK, None)], "qnormal"),
    "QLogNormal": ([("mu", P, None), ("sigma", P, None), ("q", P, None), ("kwargs", VK, None)], "qlognormal"),
    "SamplingAlgorithm": ([], None),
    "RandomSamplingAlgorithm": ([("rule", K, None), ("seed", K, None), ("logbase", K, None)], "random"),
    "GridSamplingAlgorithm": ([], "grid"),
    "BayesianSamplingAlgorithm": ([], "bayesian"),
    "BanditPolicy": ([("delay_evaluation", K, 0), ("evaluation_interval", K, 0), ("slack_amount", K, 0),
                      ("slack_factor", K, 0)], "bandit"),
    "MedianStoppingPolicy": ([("delay_evaluation", K, 0), ("evaluation_interval", K, 1)], "median_stopping"),
    # exclude_finished_jobs: documented by Azure (not in its SDK); accepted here, see the README.
    "TruncationSelectionPolicy": ([("delay_evaluation", K, 0), ("evaluation_interval", K, 0),
                                   ("truncation_percentage", K, 0), ("exclude_finished_jobs", K, False)],
                                  "truncation_selection"),
    "SweepJobLimits": ([("max_concurrent_trials", K, None), ("max_total_trials", K, None), ("timeout", K, None),
                        ("trial_timeout", K, None)], "sweep"),
    "SweepJob": ([(n, K, None) for n in ("name", "description", "tags", "display_name", "experiment_name", "identity",
                                         "inputs", "outputs", "compute", "limits", "sampling_algorithm",
                                         "search_space", "objective", "trial", "early_termination",
                                         "queue_settings", "resources")] + [("kwargs", VK, None)], "sweep"),
}


def test_the_twenty_public_names_are_exported_in_azures_order():
    assert sweep.__all__ == [
        "SweepJob", "SweepJobLimits", "Choice", "Normal", "LogNormal", "QNormal", "QLogNormal", "Randint", "Uniform",
        "QUniform", "LogUniform", "QLogUniform", "BanditPolicy", "MedianStoppingPolicy", "TruncationSelectionPolicy",
        "SamplingAlgorithm", "RandomSamplingAlgorithm", "GridSamplingAlgorithm", "BayesianSamplingAlgorithm", "Objective"]


@pytest.mark.parametrize("name", sorted(AZURE))
def test_constructor_signature_defaults_and_type_match_azure(name):
    cls = getattr(sweep, name)
    expected, type_string = AZURE[name]
    parameters = [(p.name, p.kind, None if p.default is inspect.Parameter.empty else p.default)
                  for p in inspect.signature(cls.__init__).parameters.values() if p.name != "self"]
    assert parameters == expected
    assert cls().type == type_string


def test_objective_takes_goal_positionally_and_lowercases_it():
    assert inspect.signature(sweep.Objective.__init__).parameters["goal"].default is inspect.Parameter.empty
    assert sweep.Objective("Maximize", "acc").goal == "maximize"
    with pytest.raises(TypeError):
        sweep.Objective(primary_metric="acc")


def test_wire_forms_are_azures():
    assert sweep.Choice(values=range(1, 5))._to_rest_object() == ["choice", [[1, 2, 3, 4]]]
    assert sweep.Choice(values=(1, "a"))._to_rest_object() == ["choice", [[1, "a"]]]
    assert sweep.QUniform(1, 10, 2)._to_rest_object() == ["quniform", [1, 10, 2]]
    conditional = sweep.Choice([{"kernel": "linear"}, {"kernel": "rbf", "gamma": sweep.Uniform(0.1, 1)}])
    assert conditional._to_rest_object() == ["choice", [[{"kernel": "linear"}, {"kernel": "rbf", "gamma": ["uniform", [0.1, 1]]}]]]
    with pytest.raises(TypeError, match="unexpected keyword argument 'foo'"):
        sweep.Uniform(0, 1, foo=2)


def test_search_spaces_round_trip_between_wire_yaml_and_objects():
    space = {"lr": sweep.LogUniform(-6, -1), "n": sweep.Randint(10), "q": sweep.QNormal(0, 1, 0.5),
             "cond": sweep.Choice([{"kernel": "linear"}, {"kernel": "rbf", "gamma": sweep.Uniform(0.1, 1)}])}
    wire = {k: v._to_rest_object() for k, v in space.items()}
    yaml_form = _engine.normalize_space(wire, "yaml")
    assert yaml_form["lr"] == {"type": "loguniform", "min_value": -6, "max_value": -1}
    assert yaml_form == {k: v._to_dict() for k, v in space.items()}
    assert _engine.normalize_space(yaml_form, "wire") == wire
    rebuilt = {k: sweep.SweepDistribution._from_rest_object(v) for k, v in wire.items()}
    assert rebuilt == space
    assert {k: sweep.SweepDistribution._from_rest_object(v) for k, v in yaml_form.items()} == space


def test_validation_exception_is_a_value_error():
    assert issubclass(sweepkit.ValidationException, ValueError)
    assert issubclass(sweepkit.ValidationException, sweepkit.MlException)


def test_sweep_job_keeps_its_attributes_and_builds_a_valid_spec():
    job = sweep.SweepJob(search_space={"x": sweep.Uniform(0, 1)}, objective=sweep.Objective("Maximize", "acc"),
                         sampling_algorithm="random", experiment_name="exp")
    job.set_limits(max_total_trials=5, timeout=30)
    job.set_limits(max_concurrent_trials=2)
    job.early_termination = sweep.BanditPolicy(slack_factor=0.2)
    assert job.limits == sweep.SweepJobLimits(max_total_trials=5, max_concurrent_trials=2, timeout=30)
    spec = _engine.normalize_spec(job._to_spec())
    assert spec["limits"] == {"max_total_trials": 5, "max_concurrent_trials": 2, "timeout": 30}  # no 60-s flooring
    assert spec["early_termination"]["slack_factor"] == 0.2
    assert job.experiment_name == "exp"
    with pytest.raises(sweepkit.ValidationException, match="limits must be SweepJobLimits"):
        job.limits = {"max_total_trials": 3}


def _public_objects():
    """(qualified name, object) for every public name of sweepkit, sweepkit.sweep and
    sweepkit.entities, and every public method and property of the public classes."""
    import sweepkit.entities as entities
    seen = set()
    for module in (sweepkit, sweep, entities):
        for name in module.__all__:
            value = getattr(module, name)
            if inspect.ismodule(value) or id(value) in seen:
                continue
            seen.add(id(value))
            yield f"{module.__name__}.{name}", value
            if not inspect.isclass(value) or issubclass(value, BaseException):
                continue
            for member_name, member in vars(value).items():
                if member_name.startswith("_") and member_name not in ("__init__", "__call__", "__getitem__"):
                    continue
                if isinstance(member, (staticmethod, classmethod)):
                    member = member.__func__
                if inspect.isfunction(member) or isinstance(member, property):
                    yield f"{module.__name__}.{name}.{member_name}", member


def _missing_annotations(function) -> list:
    signature = inspect.signature(function)
    missing = [p.name for p in signature.parameters.values()
               if p.name not in ("self", "cls") and p.annotation is inspect.Parameter.empty]
    if signature.return_annotation is inspect.Signature.empty:
        missing.append("return")
    return missing


def test_every_public_name_is_documented_and_annotated():
    undocumented, unannotated = [], []
    for qualified, value in _public_objects():
        name = qualified.rsplit(".", 1)[-1]
        if name != "__init__" and not inspect.getdoc(value):
            undocumented.append(qualified)
        function = value.fget if isinstance(value, property) else value
        if inspect.isfunction(function):
            missing = _missing_annotations(function)
            if missing:
                unannotated.append(f"{qualified}: {', '.join(missing)}")
    assert not undocumented, "no docstring: " + ", ".join(undocumented)
    assert not unannotated, "not annotated: " + "; ".join(unannotated)


def test_the_package_is_typed_and_ships_the_extension_stub():
    from pathlib import Path
    package = Path(sweepkit.__file__).parent
    assert (package / "py.typed").exists()
    stub = (package / "_core.pyi").read_text()
    for function in ("job_vocabulary", "sweep_ask", "job_stream", "params_flatten", "register_sampler"):
        assert f"def {function}(" in stub
    import sweepkit._core as core
    exported = {name for name in dir(core) if not name.startswith("__")}
    stubbed = set(re.findall(r"^def (\w+)\(", stub, re.M)) | set(re.findall(r"^(\w+): int$", stub, re.M))
    assert exported == stubbed, f"stub out of date: {exported ^ stubbed}"


def test_only_the_engine_module_calls_the_extension_and_no_status_is_spelled():
    from pathlib import Path
    package = Path(sweepkit.__file__).parent
    names = ("Completed", "Failed", "Canceled", "Running", "NotStarted", "NotResponding")
    for path in package.rglob("*.py"):
        text = path.read_text()
        code = re.sub(r"#.*", "", re.sub(r'"""[\s\S]*?"""', "", text))  # docstrings and comments may name them
        if path.name != "_engine.py":
            assert not re.search(r"\b_core\b", code.replace("sweepkit._core", "")), f"{path.name} calls _core"
        for name in names:
            assert not re.search(rf"[\"']{name}[\"']", code, re.I), f"{path.name} spells {name!r}"
