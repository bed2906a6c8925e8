"""Builds `sweepkit._core` by running SwiftPM on the repository's Package.swift.

The extension is one self-contained shared library: the engine, its C API and the CPython glue,
with the Swift runtime linked statically (`-Xswiftc -static-stdlib`) and without libpython, on the
stable ABI (abi3, CPython 3.10+). Build output is kept in `<repo>/.build-python` so reinstalling is
incremental.
"""
import importlib.util
import json
import os
import shutil
import subprocess
import sysconfig
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

try:
    from wheel.bdist_wheel import bdist_wheel
except ImportError:  # pragma: no cover - wheel is a build requirement
    bdist_wheel = None

REPO = Path(__file__).resolve().parent.parent


def load_build_stamp():
    """python/build_stamp.py (not a package module: the test session loads it from the tree too)."""
    spec = importlib.util.spec_from_file_location("build_stamp", Path(__file__).resolve().parent / "build_stamp.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def find_swift() -> str:
    swift = shutil.which("swift")
    if swift:
        return swift
    for candidate in ("/opt/swift/usr/bin/swift", "/usr/bin/swift"):
        if os.path.exists(candidate):
            return candidate
    raise RuntimeError("sweepkit needs the Swift toolchain (`swift` on PATH) to build its engine")


class SwiftBuildExt(build_ext):
    def build_extension(self, ext):
        if not (REPO / "Package.swift").exists():
            raise RuntimeError(f"Package.swift not found at {REPO}: install from a checkout of the repository")
        # The sources as they are when the build starts: the test session checks the package it
        # imports was built from the tree under test (python/build_stamp.py).
        build_stamp = load_build_stamp()
        stamp = {"sources": build_stamp.source_digest(REPO), "repo": str(REPO)}
        scratch = Path(os.environ.get("SWEEPKIT_SWIFT_SCRATCH", REPO / ".build-python"))
        common = [
            find_swift(), "build", "-c", "release",
            "--package-path", str(REPO), "--scratch-path", str(scratch),
            "-Xswiftc", "-static-stdlib",
            "-Xcc", "-I" + sysconfig.get_paths()["include"],
        ]
        for product in ("SweepKitPython", "sweepkit"):
            command = common + ["--product", product]
            self.announce(" ".join(command), level=2)
            subprocess.run(command, check=True)
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(scratch / "release" / "libSweepKitPython.so", target)
        # The `sweepkit` command ships inside the package; the console script execs it.
        binary = target.parent / "_bin" / "sweepkit"
        binary.parent.mkdir(exist_ok=True)
        shutil.copyfile(scratch / "release" / "sweepkit", binary)
        binary.chmod(0o755)
        (target.parent / build_stamp.STAMP_FILE).write_text(json.dumps(stamp))

    def get_ext_filename(self, fullname):
        # One binary for every CPython >= 3.10: the stable-ABI suffix.
        return os.path.join(*fullname.split(".")) + ".abi3.so"


commands = {"build_ext": SwiftBuildExt}
if bdist_wheel is not None:
    class AbiThreeWheel(bdist_wheel):
        def get_tag(self):
            _, _, platform = super().get_tag()
            return "cp310", "abi3", platform

    commands["bdist_wheel"] = AbiThreeWheel

setup(
    ext_modules=[Extension("sweepkit._core", sources=[], py_limited_api=True)],
    cmdclass=commands,
)
