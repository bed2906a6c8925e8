"""Compute targets from Python, as `MLClient().compute` and `azure.ai.ml.entities` name them, and a
job's per-trial resources. The clusters themselves are in test_clusters.py."""
import pytest

import sweepkit
from sweepkit import MLClient, command, load_compute
from sweepkit.entities import LocalCompute, RayCompute, SlurmCompute
from sweepkit.sweep import Choice

from jobs_helpers import wait_for, write_code


def test_computes_are_registered_listed_fetched_and_deleted(tmp_path):
    client = MLClient(workspace_dir=str(tmp_path / "ws"))
    (tmp_path / "shared").mkdir()
    created = client.compute.begin_create_or_update(
        SlurmCompute(name="aml-cluster", shared_dir=str(tmp_path / "shared"), partition="gpu", sbatch_options=["--qos=high"])).result()
    assert isinstance(created, SlurmCompute) and created.partition == "gpu"
    client.begin_create_or_update(RayCompute(name="ray", address="http://127.0.0.1:8265", token="secret")).result()
    client.compute.begin_create_or_update({"name": "gpus", "type": "local", "gpus": [0, 1]}).result()
    assert [c.name for c in client.compute.list()] == ["aml-cluster", "gpus", "ray"]
    ray = client.compute.get("ray")
    assert (ray.type, ray.address, ray.token) == ("ray", "http://127.0.0.1:8265", "***"), "a token is never shown"
    assert client.compute.get("gpus").gpus == [0, 1]
    assert client.compute.begin_delete("ray").done()
    assert [c.name for c in client.compute.list()] == ["aml-cluster", "gpus"]
    with pytest.raises(sweepkit.ValidationException, match="no compute named 'ray'"):
        client.compute.get("ray")


def test_a_bad_compute_is_refused_naming_the_field(tmp_path):
    client = MLClient(workspace_dir=str(tmp_path / "ws"))
    with pytest.raises(sweepkit.ValidationException, match="address: expected the Ray dashboard's http://"):
        client.compute.begin_create_or_update(RayCompute(name="ray", address="head:8265"))
    with pytest.raises(sweepkit.ValidationException, match="shared_dir: no such folder"):
        client.compute.begin_create_or_update(SlurmCompute(name="hpc", shared_dir=str(tmp_path / "missing")))
    with pytest.raises(sweepkit.ValidationException, match="not a compute type SweepKit runs trials on"):
        client.compute.begin_create_or_update({"name": "x", "type": "amlcompute"})


def test_load_compute_reads_a_compute_file_relative_to_it(tmp_path):
    (tmp_path / "shared").mkdir()
    (tmp_path / "compute.yml").write_text("$schema: https://azuremlschemas.azureedge.net/latest/amlCompute.schema.json\n"
                                         "name: aml-cluster\ntype: slurm\nshared_dir: shared\naccount: ml\n")
    compute = load_compute(tmp_path / "compute.yml")
    assert isinstance(compute, SlurmCompute)
    assert (compute.shared_dir, compute.account) == (str(tmp_path / "shared"), "ml")
    assert isinstance(LocalCompute(gpus=2), LocalCompute) and LocalCompute().name == "local"


def test_resources_reach_the_job_and_a_trial_gets_its_own_gpus(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "none")
    client = MLClient(workspace_dir=str(tmp_path / "ws"))
    client.compute.begin_create_or_update(LocalCompute(name="box", gpus=["a", "b"])).result()
    code = write_code(tmp_path / "src", **{"trial.py": """
        import os, sys
        open(os.path.join("outputs", "gpus"), "w").write(os.environ["CUDA_VISIBLE_DEVICES"])
    """})
    job = command(code=str(code), command="python trial.py ${{inputs.x}}", inputs={"x": 1}, compute="box")
    sweep_job = job(x=Choice([1, 2])).sweep(primary_metric="loss", goal="minimize", sampling_algorithm="grid")
    sweep_job.set_resources(gpus=1, cpus=0.5, memory="1G", instance_count=1)
    returned = client.create_or_update(sweep_job)
    assert returned.resources == {"instance_count": 1, "cpus": 0.5, "gpus": 1, "memory": "1G"}
    report = wait_for(client, returned.name)
    assert [t["status"] for t in report["trials"]] == ["Completed", "Completed"]
    assert sorted(open(f"{t['directory']}/outputs/gpus").read() for t in report["trials"]) in (["a", "a"], ["a", "b"], ["b", "b"])
    too_many = job(x=Choice([1])).sweep(primary_metric="loss", goal="minimize", compute="box")
    too_many.set_resources(gpus=3)
    with pytest.raises(sweepkit.ValidationException, match="resources.gpus: each trial needs 3 GPU"):
        client.create_or_update(too_many)
