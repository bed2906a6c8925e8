"""The Azure ML SDK's side of the interoperability test, run by the interpreter of `.venv-azure`
(scripts/azure-venv), never in the project's virtualenv.

    python azure_side.py manifest.json results.json

The manifest lists: recipes to build with `azure.ai.ml` and dump (each into its own folder,
then loaded back with `azure.ai.ml.load_job`), and YAML files to load (SweepKit's dumps and the
documentation-style files). For each, the results hold the canonical form (matrix.canonical) of
what `load_job` gave, or the error it raised.
"""
import json
import logging
import os
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

started = time.monotonic()
logging.disable(logging.WARNING)  # the SDK's log warnings (single braces, experimental classes)

import azure.ai.ml as ml  # noqa: E402
import azure.ai.ml.entities as entities  # noqa: E402
import azure.ai.ml.sweep as sweep  # noqa: E402
from azure.ai.ml._utils.utils import map_single_brackets_and_warn  # noqa: E402

from azure_interop.matrix import SDK, build, canonical  # noqa: E402

imported = time.monotonic()
SDK_MODULES = SDK(ml, sweep, entities)


def loaded(path: str) -> dict:
    try:
        job = ml.load_job(path)
        base = str(getattr(job, "base_path", None) or getattr(job, "_base_path", None) or os.path.dirname(path))
        return {"canonical": canonical(job, base, map_single_brackets_and_warn),
                "properties": dict(getattr(job, "properties", None) or {}),
                "resources": dict(job.resources._to_dict() if hasattr(job.resources, "_to_dict") else job.resources or {})}
    except Exception as error:  # noqa: BLE001 - the error is the result
        return {"error": f"{type(error).__name__}: {error}"}


def main() -> None:
    manifest_path, results_path = sys.argv[1:3]
    with open(manifest_path) as f:
        manifest = json.load(f)
    results = {"built": {}, "loaded": {}}
    os.chdir(manifest["project"])  # relative code and data paths of the recipes are relative to it
    for recipe in manifest["recipes"]:
        folder = os.path.join(manifest["azure_dumps"], recipe["id"])
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, "sweep.yml")
        try:
            job = build(recipe, SDK_MODULES)
            job = job._to_job() if hasattr(job, "_to_job") else job  # a Sweep node becomes the SweepJob it submits
            original = canonical(job, os.getcwd(), map_single_brackets_and_warn)
            job.dump(path)
            results["built"][recipe["id"]] = {"file": path, "original": original, **loaded(path)}
        except Exception:  # noqa: BLE001
            results["built"][recipe["id"]] = {"error": traceback.format_exc(limit=3)}
    for path in manifest["files"]:
        results["loaded"][path] = loaded(path)
    results["seconds"] = {"import": imported - started, "total": time.monotonic() - started}
    with open(results_path, "w") as f:
        json.dump(results, f, indent=1, default=str)


if __name__ == "__main__":
    main()
