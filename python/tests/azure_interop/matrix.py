"""Sweep jobs described as plain data, built with either SDK, and reduced to a comparable form.

Imported both by the SweepKit tests and by `azure_side.py`, which runs in the Azure ML SDK's own
virtualenv: nothing here imports either SDK at module level. `build` takes the SDK's modules
(`azure.ai.ml` or `sweepkit`) and uses only the API the two share, which is the point: the same
code builds the same job with either import.
"""
import os
import re
from typing import Any, Callable, Dict, List, Optional

# --- the matrix ---------------------------------------------------------------------------------

ALGORITHMS: List[Any] = [
    "random", "grid", "bayesian",
    ["RandomSamplingAlgorithm", {}],
    ["RandomSamplingAlgorithm", {"seed": 7}],
    ["RandomSamplingAlgorithm", {"rule": "sobol", "seed": 3}],
    ["RandomSamplingAlgorithm", {"rule": "random", "seed": 1, "logbase": 10}],
    ["RandomSamplingAlgorithm", {"logbase": "e"}],
    ["GridSamplingAlgorithm", {}],
    ["BayesianSamplingAlgorithm", {}],
]

POLICIES: List[Any] = [
    None,
    ["BanditPolicy", {"slack_factor": 0.1}],
    ["BanditPolicy", {"slack_amount": 0.2, "delay_evaluation": 5, "evaluation_interval": 2}],
    ["MedianStoppingPolicy", {}],
    ["MedianStoppingPolicy", {"delay_evaluation": 5, "evaluation_interval": 2}],
    ["TruncationSelectionPolicy", {"truncation_percentage": 20}],
    ["TruncationSelectionPolicy", {"truncation_percentage": 10, "evaluation_interval": 1, "delay_evaluation": 3}],
]

# Search spaces: every expression, nested (conditional) choices, ranges. Grid takes choices only.
CHOICE_SPACES: List[Dict[str, Any]] = [
    {"lr": ["Choice", [[0.01, 0.1, 1]]]},
    {"optimizer": ["Choice", [["adam", "sgd"]]], "layers": ["Choice", [[1, 2, 3]]]},
    {"model": ["Choice", [[{"kernel": "linear"}, {"kernel": "rbf", "gamma": ["Choice", [[0.1, 1]]]}]]]},
    {"batch": ["Choice", [["range", 16, 20]]]},
]
SPACES: List[Dict[str, Any]] = CHOICE_SPACES + [
    {"lr": ["Uniform", [0.01, 0.9]], "boosting": ["Choice", [["gbdt", "dart"]]]},
    {"lr": ["LogUniform", [-6, -1]], "n": ["Randint", [10]]},
    {"q": ["QUniform", [1, 10, 2]], "ql": ["QLogUniform", [0, 4, 1]]},
    {"mu": ["Normal", [0, 1]], "ln": ["LogNormal", [0, 0.5]]},
    {"qn": ["QNormal", [10, 3, 2]], "qln": ["QLogNormal", [1, 0.5, 1]]},
    {"model": ["Choice", [[{"kernel": "linear"},
                           {"kernel": "rbf", "gamma": ["Uniform", [0.1, 1.0]], "degree": ["Randint", [4]]}]]],
     "dropout": ["Uniform", [0.1, 0.5]]},
    {"lr": ["LogUniform", [-11.5, -2.3]], "momentum": ["QUniform", [0.5, 0.99, 0.01]], "seed": ["Randint", [1000]]},
]

INPUTS: List[Dict[str, Any]] = [
    {},
    {"epochs": 5, "note": "hello"},
    {"epochs": ["Input", {"type": "integer", "default": 3}]},
    {"data": ["Input", {"type": "uri_file", "path": "data/iris.csv"}], "epochs": 2},
    {"ratio": 0.25, "shuffle": True},
    {"data": ["Input", {"type": "uri_folder", "path": "./data"}]},
    {"label": "species", "folds": 5, "tolerance": 1e-4},
    {"iris": ["Input", {"type": "uri_file", "path": "https://azuremlexamples.blob.core.windows.net/datasets/iris.csv"}],
     "ratio": 0.25},
]
ENVIRONMENTS = ["AzureML-sklearn-1.0-ubuntu20.04-py38-cpu@latest", "azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu@latest",
                "azureml:sklearn-env:3"]
CODES = ["src", "./src", "src/train.py", None]
COMPUTES = [None, "cpu-cluster", "azureml:gpu-cluster", "local"]
LIMITS = [
    {"max_total_trials": 6, "max_concurrent_trials": 2},
    {"max_total_trials": 20, "max_concurrent_trials": 4, "timeout": 7200},
    {"max_total_trials": 8, "timeout": 3600, "trial_timeout": 600},
    {"max_total_trials": 4, "timeout": 30},  # at most 60 s: the Azure SDK rounds it up, SweepKit does not
    {"max_total_trials": 50, "trial_timeout": 45},
]
GOALS = [("accuracy", "maximize"), ("loss", "Minimize"), ("test-multi_logloss", "minimize")]


# The README's example (examples/sweep_example.py), as its users write it.
README_EXAMPLE: Dict[str, Any] = {
    "id": "readme", "builder": "command", "command": "python train.py --regularization ${{inputs.reg_rate}}",
    "code": "./src", "environment": "AzureML-sklearn-0.24-ubuntu18.04-py37-cpu@latest", "environment_variables": None,
    "inputs": {"reg_rate": 0.01}, "search_space": {"reg_rate": ["Choice", [[0.01, 0.1, 1]]]}, "algorithm": "grid",
    "policy": None, "objective": ("Accuracy", "Maximize"),
    "limits": {"max_total_trials": 4, "max_concurrent_trials": 2, "timeout": 7200}, "compute": "aml-cluster",
    "experiment_name": "sweep-example", "display_name": None, "description": None, "tags": None,
}


def recipes(count: int = 60) -> List[Dict[str, Any]]:
    """The README's example and `count` generated sweep jobs; dimension d of job i takes option
    (i * stride_d) mod n_d, with strides prime to the sizes, so every option of every dimension
    appears and they combine variously."""
    jobs = [README_EXAMPLE]
    for i in range(count):
        algorithm = ALGORITHMS[i % len(ALGORITHMS)]
        grid = algorithm == "grid" or (isinstance(algorithm, list) and algorithm[0] == "GridSamplingAlgorithm")
        spaces = CHOICE_SPACES if grid else SPACES
        space = spaces[(i * 3) % len(spaces)]
        inputs = INPUTS[(i * 5) % len(INPUTS)]
        names = list(space) + list(inputs)
        single = i % 4 == 3  # the deprecated {search_space.x} form, which the Azure SDK upgrades
        arguments = " ".join(f"--{name} " + ("{%s.%s}" if single else "${{%s.%s}}") % (
            "inputs" if (name in inputs or (i % 2 == 0)) else "search_space", name) for name in names)
        code = CODES[(i * 7) % len(CODES)]
        jobs.append({
            "id": f"job{i:02d}",
            "builder": "command" if i % 2 == 0 else "sweep_job",
            "command": f"python train.py {arguments}".strip(),
            "code": code,
            "environment": ENVIRONMENTS[i % len(ENVIRONMENTS)],
            "environment_variables": {"LOG_LEVEL": "debug"} if i % 5 == 0 else None,
            "inputs": inputs,
            "search_space": space,
            "algorithm": algorithm,
            "policy": POLICIES[(i * 3) % len(POLICIES)],
            "objective": GOALS[i % len(GOALS)],
            "limits": LIMITS[(i * 2) % len(LIMITS)],
            "compute": COMPUTES[(i * 3) % len(COMPUTES)],
            "experiment_name": f"matrix-{i % 3}" if i % 3 else None,
            "display_name": f"job {i}" if i % 4 == 1 else None,
            "description": "A generated sweep job." if i % 6 == 2 else None,
            "tags": {"team": "sweeps"} if i % 7 == 3 else None,
        })
    return jobs


# --- building with an SDK -----------------------------------------------------------------------

class SDK:
    """The modules of one SDK: `azure.ai.ml` or `sweepkit` (same names, same signatures)."""

    def __init__(self, root: Any, sweep: Any, entities: Any) -> None:
        self.root, self.sweep, self.entities = root, sweep, entities


def _value(sdk: SDK, value: Any) -> Any:
    if isinstance(value, list) and len(value) == 2 and isinstance(value[0], str) and value[0][:1].isupper():
        name, arguments = value
        if name == "Input":
            return sdk.root.Input(**arguments)
        cls = getattr(sdk.sweep, name)
        if isinstance(arguments, dict):
            return cls(**{k: _value(sdk, v) for k, v in arguments.items()})
        return cls(*[_value(sdk, a) for a in arguments])
    if isinstance(value, list) and value[:1] == ["range"]:
        return range(*value[1:])
    if isinstance(value, list):
        return [_value(sdk, v) for v in value]
    if isinstance(value, dict):
        return {k: _value(sdk, v) for k, v in value.items()}
    return value


def build(recipe: Dict[str, Any], sdk: SDK) -> Any:
    """The recipe's sweep job, built the way the Azure documentation builds one: `command(...)`,
    called with search-space expressions, then `.sweep(...)`; or `SweepJob(trial=CommandJob(...))`."""
    space = {name: _value(sdk, expression) for name, expression in recipe["search_space"].items()}
    inputs = {name: _value(sdk, value) for name, value in recipe["inputs"].items()}
    algorithm = _value(sdk, recipe["algorithm"])
    policy = _value(sdk, recipe["policy"])
    metric, goal = recipe["objective"]
    if recipe["builder"] == "command":
        # Every swept name is a command input first, as in the documentation's examples.
        defaults = {name: 0.5 for name in space}
        job = sdk.root.command(code=recipe["code"], command=recipe["command"], environment=recipe["environment"],
                               environment_variables=recipe["environment_variables"], inputs={**defaults, **inputs},
                               compute=recipe["compute"])
        sweep_job = job(**space).sweep(primary_metric=metric, goal=goal, sampling_algorithm=algorithm,
                                       early_termination_policy=policy)
        sweep_job.set_limits(**recipe["limits"])
    else:
        trial = sdk.entities.CommandJob(code=recipe["code"], command=recipe["command"], environment=recipe["environment"],
                                        environment_variables=recipe["environment_variables"])
        sweep_job = sdk.sweep.SweepJob(trial=trial, search_space=space, inputs=inputs, compute=recipe["compute"],
                                       sampling_algorithm=algorithm, early_termination=policy,
                                       objective=sdk.sweep.Objective(goal=goal, primary_metric=metric),
                                       limits=sdk.sweep.SweepJobLimits(**recipe["limits"]))
    for key in ("experiment_name", "display_name", "description"):
        if recipe[key]:
            setattr(sweep_job, key, recipe[key])
    if recipe["tags"]:
        sweep_job.tags = dict(recipe["tags"])
    return sweep_job


# --- the comparable form ------------------------------------------------------------------------

def canonical(job: Any, base: Optional[str], upgrade: Callable[[str], str]) -> Dict[str, Any]:
    """What a sweep job means, in plain data, read through the attributes both SDKs have.
    `base` is the folder relative paths are taken from (a loaded file's folder); `upgrade` turns
    deprecated single-brace placeholders into `${{...}}` as that SDK does before it submits."""
    def path(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if "://" in value or value.startswith("azureml:") or os.path.isabs(value):
            return os.path.normpath(value) if os.path.isabs(value) else value
        return os.path.normpath(os.path.join(base or os.getcwd(), value))

    trial = job.trial
    environment = getattr(trial, "environment", None)
    if isinstance(environment, str):
        environment = environment[len("azureml:"):] if environment.startswith("azureml:") else environment
    elif environment is not None:
        environment = "inline:" + str(getattr(environment, "image", None) or (environment.get("image") if isinstance(environment, dict) else ""))
    inputs: Dict[str, Any] = {}
    for name, value in (job.inputs or {}).items():
        if hasattr(value, "type") and hasattr(value, "path"):
            if getattr(value, "path", None) is None and hasattr(value, "default"):
                inputs[name] = value.default
            else:
                inputs[name] = {"type": value.type, "path": path(value.path)}
        elif isinstance(value, dict) and "path" in value:
            inputs[name] = {"type": value.get("type"), "path": path(value["path"])}
        else:
            inputs[name] = value
    algorithm = job.sampling_algorithm
    if algorithm is None or isinstance(algorithm, str):
        algorithm = {"type": (algorithm or "random").lower()}
    else:
        algorithm = {key: getattr(algorithm, key, None) for key in ("type", "rule", "seed", "logbase")}
        algorithm = {k: (str(v).lower() if k == "rule" else v) for k, v in algorithm.items() if v is not None}
    policy = job.early_termination
    if policy is not None:
        fields = {"bandit": ("slack_factor", "slack_amount"), "truncation_selection": ("truncation_percentage",)}.get(policy.type, ())
        policy = {key: getattr(policy, key, None) for key in ("type", "delay_evaluation", "evaluation_interval") + fields}
        for key in ("slack_factor", "slack_amount"):
            if key in policy and policy[key] is None:
                policy[key] = 0
    limits = job.limits
    compute = job.compute[len("azureml:"):] if isinstance(job.compute, str) and job.compute.startswith("azureml:") else job.compute
    return {
        # A list: the order of the parameters is part of a sweep's meaning in SweepKit (grid order).
        "search_space": [[name, expression._to_rest_object()] for name, expression in (job.search_space or {}).items()],
        "sampling_algorithm": algorithm,
        "objective": {"goal": job.objective.goal.lower(), "primary_metric": job.objective.primary_metric},
        "limits": {"max_total_trials": (limits and limits.max_total_trials) or 1000,
                   "max_concurrent_trials": limits and limits.max_concurrent_trials,
                   "timeout": (limits and limits.timeout) or None, "trial_timeout": (limits and limits.trial_timeout) or None},
        "early_termination": policy,
        "command": upgrade(re.sub(r"\s+", " ", trial.command.strip())),
        "code": path(getattr(trial, "code", None)),
        "environment": environment,
        "environment_variables": dict(getattr(trial, "environment_variables", None) or {}) or None,
        "inputs": inputs,
        "compute": compute,
        "names": {key: getattr(job, key, None) for key in ("experiment_name", "display_name", "description")},
        "tags": dict(job.tags or {}) or None,
    }


def differences(a: Any, b: Any, where: str = "") -> List[str]:
    """Where two canonical forms differ, as `path: a != b` lines (numbers compared by value)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out: List[str] = []
        for key in list(a) + [k for k in b if k not in a]:
            out += differences(a.get(key), b.get(key), f"{where}.{key}" if where else str(key))
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [line for i, (x, y) in enumerate(zip(a, b)) for line in differences(x, y, f"{where}[{i}]")]
    same = a == b and (type(a) is type(b) or (isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) and not isinstance(b, bool)))
    return [] if same else [f"{where}: {a!r} != {b!r}"]
