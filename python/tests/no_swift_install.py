"""Installs a sweepkit wheel where no Swift exists, and runs sweeps with it.

Run by test_wheel.py as root inside a mount namespace of its own (`unshare --mount`), so what it
mounts is seen by this process and its children only:

    unshare --mount -- python no_swift_install.py --wheel W --hide DIR [--hide DIR...]
        --runtime-libs DIR [--runtime-libs DIR...] --work DIR --seed-python P [--python P...] --examples DIR
        [--sdist S] [--trial-packages DIR]

It mounts an empty directory over each --hide directory (the Swift toolchain), takes every Swift
directory off PATH and LD_LIBRARY_PATH, checks that neither the shell nor the library loader can
find Swift any more (not even pointed at --runtime-libs, where it found libswiftCore.so before), and then, for each interpreter, makes a fresh virtualenv, `pip install`s the
wheel and runs `sweepkit --version` and the in-process example (checking no libswift is mapped into
the process). With --seed-python it also installs `sweepkit[mlflow]` and scikit-learn into that
interpreter's virtualenv (or, with --trial-packages, the wheel alone and then a .pth to a directory
that has them) and runs the seed example (examples/sweep_example.py: trials as processes,
metrics into MLflow's SQLite store), timing `pip install` to the first finished trial. With --sdist
it checks that installing the sdist fails, naming the missing Swift toolchain.

Prints one JSON object on its last line of output; exits non-zero, naming the problem, on failure.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

#: The marker of the in-process check's output line (see INPROCESS_CHECK).
MAPS_MARKER = "mapped libswift: "

#: Runs the in-process example, then lists any Swift runtime library mapped into the process.
INPROCESS_CHECK = f"""
import runpy, sys
runpy.run_path(sys.argv[1], run_name="__main__")
mapped = sorted({{line.split()[-1] for line in open("/proc/self/maps") if "libswift" in line}})
print({MAPS_MARKER!r} + repr(mapped))
"""


#: The Swift runtime's shared libraries: what a program built without `-static-stdlib` would need.
SWIFT_LIBRARIES = ["libswiftCore.so", "libswift_Concurrency.so", "libswiftDispatch.so", "libFoundation.so",
                   "libFoundationEssentials.so", "libdispatch.so", "libBlocksRuntime.so"]

#: Prints which of the libraries named in argv dlopen finds.
LOADER_CHECK = """
import ctypes, sys
for name in sys.argv[1:]:
    try:
        ctypes.CDLL(name)
    except OSError:
        continue
    print(name)
"""


def fail(message: str) -> None:
    sys.exit(f"no_swift_install: {message}")


def run(command, *, env, cwd=None, timeout=900) -> subprocess.CompletedProcess:
    result = subprocess.run([str(c) for c in command], env=env, cwd=cwd, capture_output=True, text=True,
                            timeout=timeout)
    if result.returncode != 0:
        fail(f"{' '.join(map(str, command))} exited with {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


def hide_swift(directories) -> dict:
    """Mounts an empty directory over each of `directories`; returns an environment without Swift."""
    empty = Path(tempfile.mkdtemp(prefix="no-swift-"))
    for directory in directories:
        subprocess.run(["mount", "--bind", str(empty), str(directory)], check=True)
    hidden = [str(Path(d).resolve()) for d in directories]

    def keep(entry: str) -> bool:
        resolved = str(Path(entry).resolve()) if entry else entry
        return bool(entry) and not any(resolved == h or resolved.startswith(h + os.sep) for h in hidden) \
            and not (Path(entry) / "swift").exists()

    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SWEEPKIT_", "VIRTUAL_ENV", "PYTHON", "MLFLOW_"))}
    env["PATH"] = os.pathsep.join(e for e in os.environ.get("PATH", "").split(os.pathsep) if keep(e))
    library_path = [e for e in os.environ.get("LD_LIBRARY_PATH", "").split(os.pathsep) if keep(e)]
    env.pop("LD_LIBRARY_PATH", None)
    if library_path:
        env["LD_LIBRARY_PATH"] = os.pathsep.join(library_path)
    return env


def loader_finds(env, runtime_libs) -> list:
    """The Swift libraries dlopen finds from a process with `env`, even pointed (LD_LIBRARY_PATH) at
    the directories that held the Swift runtime (the loader reads it when a process starts)."""
    pointed = {**env, "LD_LIBRARY_PATH": os.pathsep.join([*runtime_libs, env.get("LD_LIBRARY_PATH", "")]).strip(os.pathsep)}
    return run([sys.executable, "-c", LOADER_CHECK, *SWIFT_LIBRARIES], env=pointed).stdout.split()


def check_swift_is_gone(env, directories, runtime_libs) -> dict:
    """What the shell and the loader see of Swift now: fails if they still see any of it."""
    for directory in directories:
        if any(Path(directory).iterdir()):
            fail(f"{directory} still has files after the empty directory was mounted over it")
    swift = shutil.which("swift", path=env["PATH"])
    if swift:
        fail(f"`swift` is still on PATH: {swift}")
    cache = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True).stdout if shutil.which("ldconfig") else ""
    if "libswift" in cache:
        fail("the loader's cache (ldconfig -p) lists Swift libraries:\n"
             + "\n".join(line for line in cache.splitlines() if "libswift" in line))
    found = loader_finds(env, runtime_libs)
    if found:
        fail(f"the library loader still finds {', '.join(found)}")
    return {"hidden": [str(d) for d in directories], "swift_on_path": None, "loader_finds": found}


def check_interpreter(python: str, wheel: str, examples: Path, work: Path, env: dict, seed: bool,
                      trial_packages=None) -> dict:
    version = run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"], env=env).stdout.strip()
    venv = work / f"venv-{version}"
    run([python, "-m", "venv", venv], env=env)
    venv_env = {**env, "PATH": f"{venv / 'bin'}{os.pathsep}{env['PATH']}", "VIRTUAL_ENV": str(venv)}
    # What a user installs for the seed example: the wheel with MLflow, and scikit-learn for the trials.
    # With trial_packages, the wheel alone, then the trials' packages from that directory (a .pth).
    requirements = [f"{wheel}[mlflow]", "scikit-learn"] if seed and not trial_packages else [wheel]
    started = time.time()  # wall-clock: the trials' completion times are
    run([venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--timeout", "60", "--retries", "3", *requirements], env=venv_env)
    installed = time.time()
    result = {"python": version, "pip_install_seconds": round(installed - started, 1),
              "installed": " ".join(Path(r).name for r in requirements)}
    if seed and trial_packages:
        # Added after the install, so pip saw none of it; appended to sys.path, so the wheel's sweepkit
        # (in the venv's own site-packages) comes first.
        purelib = run([venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                      env=venv_env).stdout.strip()
        (Path(purelib) / "trial-packages.pth").write_text(f"{trial_packages}\n")
        result["trial_packages"] = trial_packages
        where = run([venv / "bin" / "python", "-c", "import sweepkit; print(sweepkit.__file__)"], env=venv_env).stdout.strip()
        if not where.startswith(purelib):
            fail(f"sweepkit is imported from {where}, not from the wheel installed in {purelib}")

    cli = run([venv / "bin" / "sweepkit", "--version"], env=venv_env).stdout.strip()
    module = run([venv / "bin" / "python", "-c", "import sweepkit; print(sweepkit.__version__)"], env=venv_env).stdout.strip()
    if cli != module:
        fail(f"python {version}: `sweepkit --version` says {cli!r}, sweepkit.__version__ {module!r}")
    result["version"] = cli

    if seed:
        result.update(seed_example(venv, venv_env, examples, work, started))

    inprocess = run([venv / "bin" / "python", "-c", INPROCESS_CHECK, examples / "inprocess_quickstart.py"],
                    env=venv_env, cwd=work)
    if "200 trials (max_total_trials (200) reached)" not in inprocess.stdout:
        fail(f"python {version}: the in-process example did not finish its 200 trials:\n{inprocess.stdout}")
    mapped = next(line for line in inprocess.stdout.splitlines() if line.startswith(MAPS_MARKER))
    if mapped != MAPS_MARKER + "[]":
        fail(f"python {version}: Swift libraries were mapped into the process: {mapped}")
    result["inprocess"] = inprocess.stdout.splitlines()[0]
    shutil.rmtree(venv)  # the unpacked command alone is 76 MB
    return result


def seed_example(venv: Path, env: dict, examples: Path, work: Path, started: float) -> dict:
    """The seed example, run from a directory of its own. Its first trial finished at the earliest
    `datetime_complete` of the job's trial table (`sweepkit job trials NAME --format json`)."""
    run_dir = work / "seed"
    run_dir.mkdir()
    result = run([venv / "bin" / "python", examples / "sweep_example.py"], cwd=run_dir, timeout=600,
                 env={**env, "MLFLOW_TRACKING_URI": f"sqlite:///{run_dir / 'mlflow.db'}"})
    if "Status: Completed" not in result.stdout or result.stdout.count(": Completed Accuracy=") != 3:
        fail(f"the seed example did not complete its 3 trials:\n{result.stdout}\n{result.stderr}")
    name = next(line.split()[1].rstrip(":") for line in result.stdout.splitlines() if line.startswith("submitted "))
    trials = json.loads(run([venv / "bin" / "sweepkit", "job", "trials", name, "--format", "json"], cwd=run_dir,
                            env=env).stdout)  # the console script: the trials' interpreter is the venv's
    finished = min(datetime.fromisoformat(t["datetime_complete"].replace("Z", "+00:00")).timestamp()
                   for t in trials if t["status"] == "Completed")
    return {"seed_example": "3 trials completed", "job": name,
            "install_to_first_trial_seconds": round(finished - started, 1)}


def sdist_without_swift(python: str, sdist: str, work: Path, env: dict) -> dict:
    """Installing the sdist here must fail at once, naming the missing toolchain."""
    venv = work / "venv-sdist"
    run([python, "-m", "venv", venv], env=env)
    result = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check",
                             "--no-deps", sdist], env=env, capture_output=True, text=True, timeout=900)
    output = result.stdout + result.stderr
    if result.returncode == 0:
        fail(f"the sdist installed where no Swift exists (it cannot have built the engine):\n{output}")
    expected = "building sweepkit from source needs the Swift 6 toolchain"
    if expected not in output:
        fail(f"installing the sdist without Swift failed without saying {expected!r}:\n{output}")
    shutil.rmtree(venv)
    return {"sdist_without_swift": next(line.strip() for line in output.splitlines() if expected in line)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--wheel", required=True)
    parser.add_argument("--hide", action="append", required=True, help="a Swift directory to hide (repeatable)")
    parser.add_argument("--runtime-libs", action="append", required=True,
                        help="a directory of the Swift runtime's shared libraries (repeatable)")
    parser.add_argument("--work", required=True, help="an empty directory for the virtualenvs and runs")
    parser.add_argument("--seed-python", required=True, help="the interpreter that also runs the seed example")
    parser.add_argument("--python", action="append", default=[], help="another interpreter to install into")
    parser.add_argument("--examples", required=True, help="the repository's examples/ directory")
    parser.add_argument("--sdist", help="an sdist, whose install must fail naming the Swift toolchain")
    parser.add_argument("--trial-packages", help="a site-packages directory with MLflow and scikit-learn for the "
                        "seed example's trials, instead of installing them into its virtualenv")
    args = parser.parse_args()
    if os.geteuid() != 0:
        fail("must run as root, inside `unshare --mount` (it mounts over the Swift toolchain)")

    # The control: before hiding, the same question finds the Swift runtime (so the check can fail).
    before = loader_finds(dict(os.environ), args.runtime_libs)
    if "libswiftCore.so" not in before:
        fail(f"the loader finds no libswiftCore.so in {args.runtime_libs} even before Swift is hidden")
    env = hide_swift(args.hide)
    report = {"swift": {"loader_found_before": before, **check_swift_is_gone(env, args.hide, args.runtime_libs)},
              "interpreters": []}
    work = Path(args.work)
    report["interpreters"].append(check_interpreter(args.seed_python, args.wheel, Path(args.examples), work, env, True,
                                                    args.trial_packages))
    for python in args.python:
        report["interpreters"].append(check_interpreter(python, args.wheel, Path(args.examples), work, env, False))
    if args.sdist:
        report.update(sdist_without_swift(args.seed_python, args.sdist, work, env))
    print(json.dumps(report))


if __name__ == "__main__":
    main()
