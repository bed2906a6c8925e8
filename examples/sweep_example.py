"""The seed's sweep, exactly as an Azure ML SDK v2 user writes it, with only the imports changed.

Run from the repository root: scripts/example  (or .venv/bin/python examples/sweep_example.py)
It runs 3 trials of src/train.py as local processes, logging to MLflow in ./mlflow.db; browse them
with `.venv/bin/mlflow ui --backend-store-uri sqlite:///$PWD/mlflow.db`.
"""
import os
import runpy

from sweepkit import MLClient, command
from sweepkit.sweep import Choice

here = os.path.dirname(os.path.abspath(__file__))
runpy.run_path(os.path.join(here, "src", "prepare_data.py"))  # breast_cancer.csv, from scikit-learn's bundled data

job = command(
    code=os.path.join(here, "src"),
    command="python train.py --regularization ${{inputs.reg_rate}}",
    inputs={"reg_rate": 0.01},
    environment="AzureML-sklearn-0.24-ubuntu18.04-py37-cpu@latest",
    compute="aml-cluster",
)
command_job_for_sweep = job(reg_rate=Choice(values=[0.01, 0.1, 1]))
sweep_job = command_job_for_sweep.sweep(
    compute="aml-cluster",
    sampling_algorithm="grid",
    primary_metric="Accuracy",
    goal="Maximize",
)
sweep_job.experiment_name = "sweep-example"
sweep_job.set_limits(max_total_trials=4, max_concurrent_trials=2, timeout=7200)

ml_client = MLClient()
returned_sweep_job = ml_client.create_or_update(sweep_job)
print(f"submitted {returned_sweep_job.name}: {returned_sweep_job.status}")
ml_client.jobs.stream(returned_sweep_job.name)

finished = ml_client.jobs.get(returned_sweep_job.name)
print(f"best_child_run_id: {finished.properties['best_child_run_id']}")
for trial in ml_client.jobs.list(parent_job_name=finished.name):
    print(f"  {trial.name}: {trial.status} Accuracy={trial.value} params={trial.params}")
