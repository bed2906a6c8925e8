#!/usr/bin/env python3
"""Mutation testing by hand-picked mutants: plants one small bug at a time in the engine's rules
(policies, samplers' value mapping, limits, journal replay, substitution) or in the Python facade,
runs the fast tests against it, restores the source, and prints the mutants no test caught.

A tool, not part of CI (README: tools/README.md). The mutants are listed in
`tools/mutate_catalogue.py`; each is a unique piece of source text and its replacement, so a
mutant whose text is no longer in the source is reported as stale instead of silently skipped.

    .venv/bin/python tools/mutate.py                     # every mutant
    .venv/bin/python tools/mutate.py --kind python       # only the Python facade's
    .venv/bin/python tools/mutate.py --only bandit-whole-curve,median-upper-middle
    .venv/bin/python tools/mutate.py --list              # the catalogue, nothing run

Swift mutants: `swift build --product SweepKitPackageTests` (incremental), then `swift test --skip-build --filter`
the fast suites (or the mutant's own). Python mutants: the mutated module is written both in
python/src and in the installed package (the venv must hold the package built from this tree,
as the test session checks), then the mutant's pytest selection runs. A mutant is killed when the
tests fail or time out; one that does not build is reported apart and not scored. The source is
restored after each mutant, also on Ctrl-C.

Exit status: 0 when the score reaches --target (default 90 %), 1 when it does not, 2 when the
tool cannot run (stale mutants, tests failing before any mutation).
"""
import argparse
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def load_catalogue():
    spec = importlib.util.spec_from_file_location("mutate_catalogue", REPO / "tools" / "mutate_catalogue.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Interrupted(Exception):
    pass


def on_signal(signum, frame):
    raise Interrupted(f"signal {signum}")


def run(command, timeout, env=None, cwd=REPO):
    """(status, seconds, output tail); status is 'ok', 'failed', 'timeout' or, for pytest's exit
    status 5, 'no tests' (nothing selected: nothing can catch the mutant)."""
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    try:
        output, _ = process.communicate(timeout=timeout)
        status = {0: "ok", 5: "no tests"}.get(process.returncode, "failed") if "pytest" in command else (
            "ok" if process.returncode == 0 else "failed")
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate(timeout=60)
        status = "timeout"
    except BaseException:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate(timeout=60)
        raise
    return status, time.monotonic() - started, (output or "")[-3000:]


class Swift:
    def __init__(self, args):
        include = sysconfig.get_paths()["include"]
        # Only the test bundle (the engine and the test targets), not the CLI or the extension.
        self.build = ["swift", "build", "--product", "SweepKitPackageTests", "-Xcc", f"-I{include}"]
        self.test = ["swift", "test", "--skip-build", "-Xcc", f"-I{include}"]
        self.args = args

    def prepare(self):
        return run(self.build, self.args.build_timeout)

    def tests(self, filters):
        return run(self.test + ["--filter", "|".join(filters)], self.args.timeout)


class Python:
    def __init__(self, args):
        self.python = os.path.abspath(args.python)
        self.args = args
        probe = subprocess.run([self.python, "-c", "import sweepkit, os; print(os.path.dirname(sweepkit.__file__))"],
                               capture_output=True, text=True, cwd="/", timeout=60)
        if probe.returncode != 0:
            raise SystemExit(f"mutate: {self.python} cannot import sweepkit: {probe.stderr.strip()}")
        self.installed = Path(probe.stdout.strip())

    def installed_copy(self, source):
        relative = Path(source).relative_to("python/src/sweepkit")
        return self.installed / relative

    def tests(self, selection):
        command = [self.python, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *selection]
        # No .pyc of a mutant is ever written, so none can outlive it.
        return run(command, self.args.timeout, cwd=REPO / "python", env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="comma-separated mutant ids")
    parser.add_argument("--kind", choices=["swift", "python"], help="only this kind of mutant")
    parser.add_argument("--list", action="store_true", help="print the catalogue and exit")
    parser.add_argument("--python", default=str(REPO / ".venv" / "bin" / "python"),
                        help="the venv holding the package built from this tree (default: .venv)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds for one mutant's tests (default 300)")
    parser.add_argument("--build-timeout", type=float, default=1800, help="seconds for one Swift build (default 1800)")
    parser.add_argument("--target", type=float, default=90.0, help="score (percent) for exit status 0")
    parser.add_argument("--no-baseline", action="store_true", help="skip running the tests on the unmutated source")
    args = parser.parse_args()

    catalogue = load_catalogue()
    mutants = catalogue.MUTANTS
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - {m.id for m in mutants}
        if unknown:
            raise SystemExit(f"mutate: no mutant named {', '.join(sorted(unknown))}")
        mutants = [m for m in mutants if m.id in wanted]
    if args.kind:
        mutants = [m for m in mutants if m.kind == args.kind]
    if args.list:
        for m in mutants:
            print(f"{m.id:32} {m.kind:6} {m.file}: {m.description}")
        return 0

    ids = [m.id for m in catalogue.MUTANTS]
    duplicates = {i for i in ids if ids.count(i) > 1}
    stale = []
    for m in mutants:
        count = (REPO / m.file).read_text().count(m.find)
        if count != 1:
            stale.append(f"{m.id}: its text occurs {count} times in {m.file}")
    if duplicates or stale:
        for line in stale + [f"duplicate id {d}" for d in sorted(duplicates)]:
            print(f"mutate: stale catalogue: {line}", file=sys.stderr)
        return 2

    signal.signal(signal.SIGTERM, on_signal)
    swift = Swift(args) if any(m.kind == "swift" for m in mutants) else None
    python = Python(args) if any(m.kind == "python" for m in mutants) else None
    if python:
        for m in mutants:
            if m.kind == "python":
                installed = python.installed_copy(m.file)
                if installed.read_bytes() != (REPO / m.file).read_bytes():
                    print(f"mutate: {installed} differs from {m.file}: reinstall the package from this tree "
                          f"(.venv/bin/pip install --no-build-isolation ./python)", file=sys.stderr)
                    return 2

    if not args.no_baseline:
        print("baseline: the selected tests on the unmutated source", flush=True)
        if swift:
            status, seconds, output = swift.prepare()
            if status != "ok":
                print(output, file=sys.stderr)
                print("mutate: the unmutated tree does not build", file=sys.stderr)
                return 2
            filters = sorted({f for m in mutants if m.kind == "swift" for f in m.tests})
            status, seconds, output = swift.tests(filters)
            print(f"  swift: {status} in {seconds:.0f} s", flush=True)
            if status != "ok":
                print(output, file=sys.stderr)
                return 2
        if python:
            for selection in dict.fromkeys(tuple(m.tests) for m in mutants if m.kind == "python"):
                status, seconds, output = python.tests(list(selection))
                print(f"  python {' '.join(selection)}: {status} in {seconds:.0f} s", flush=True)
                if status not in ("ok", "no tests"):
                    print(output, file=sys.stderr)
                    return 2

    results = []
    try:
        for index, m in enumerate(mutants, 1):
            path = REPO / m.file
            original = path.read_bytes()
            copies = [(path, original)]
            if m.kind == "python":
                installed = python.installed_copy(m.file)
                copies.append((installed, installed.read_bytes()))
            stats = [target.stat() for target, _ in copies]
            mutated = original.decode().replace(m.find, m.replace, 1).encode()
            try:
                for target, _ in copies:
                    target.write_bytes(mutated)
                if m.kind == "swift":
                    status, seconds, output = swift.prepare()
                    if status != "ok":
                        outcome = "did not build"
                    else:
                        status, test_seconds, output = swift.tests(m.tests)
                        seconds += test_seconds
                        outcome = "survived" if status == "ok" else ("killed (timeout)" if status == "timeout" else "killed")
                else:
                    status, seconds, output = python.tests(m.tests)
                    outcome = "survived" if status in ("ok", "no tests") else ("killed (timeout)" if status == "timeout" else "killed")
            finally:
                for (target, content), stat in zip(copies, stats):
                    target.write_bytes(content)
                    if m.kind == "python":  # the byte-compiled original stays valid
                        os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
            results.append((m, outcome, seconds))
            print(f"[{index}/{len(mutants)}] {m.id}: {outcome} ({seconds:.0f} s)", flush=True)
            if outcome == "did not build":
                print("    " + output.strip().splitlines()[-1] if output.strip() else "", flush=True)
    except (KeyboardInterrupt, Interrupted) as error:
        print(f"mutate: interrupted ({error or 'Ctrl-C'}); the source is restored", file=sys.stderr)
        return 2
    finally:
        if swift:
            swift.prepare()  # leave the build matching the restored source

    scored = [r for r in results if r[1] != "did not build"]
    killed = [r for r in scored if r[1].startswith("killed")]
    survivors = [r for r in scored if r[1] == "survived"]
    unbuilt = [r for r in results if r[1] == "did not build"]
    print()
    if survivors:
        print("Survivors (no test caught these):")
        for m, _, _ in survivors:
            print(f"  {m.id:32} {m.file}: {m.description}")
    if unbuilt:
        print("Did not build (fix the catalogue; not scored):")
        for m, _, _ in unbuilt:
            print(f"  {m.id:32} {m.file}")
    score = 100.0 * len(killed) / len(scored) if scored else 0.0
    print(f"Score: {len(killed)}/{len(scored)} killed = {score:.1f} % "
          f"(swift {sum(1 for r in killed if r[0].kind == 'swift')}/{sum(1 for r in scored if r[0].kind == 'swift')}, "
          f"python {sum(1 for r in killed if r[0].kind == 'python')}/{sum(1 for r in scored if r[0].kind == 'python')}); "
          f"{sum(r[2] for r in results):.0f} s")
    return 0 if score >= args.target else 1


if __name__ == "__main__":
    sys.exit(main())
