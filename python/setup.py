"""Builds `sweepkit._core` by running SwiftPM on the repository's Package.swift.

The extension is one self-contained shared library: the engine, its C API and the CPython glue,
with the Swift runtime linked statically (`-Xswiftc -static-stdlib`) and without libpython, on the
stable ABI (abi3, CPython 3.10+). Build output is kept in `<repo>/.build-python` so reinstalling is
incremental; the copies that go into the package (the extension and the `sweepkit` command) are
stripped of symbols and debug information.

Where the engine's sources are: in a checkout, the repository around this directory; in an sdist,
this directory itself (the sdist carries Package.swift and Sources/, see `SdistWithEngine`). The
version is the engine's (Sources/SweepKit/Support/SweepKitVersion.swift), the one number the
CLI, the C API, the extension and the wheel report.
"""
import hashlib
import importlib.util
import json
import os
import platform
import re
import shutil
import subprocess
import sysconfig
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.sdist import sdist

try:
    from wheel.bdist_wheel import bdist_wheel
except ImportError:  # pragma: no cover - wheel is a build requirement
    bdist_wheel = None

HERE = Path(__file__).resolve().parent
#: Where Package.swift and Sources/ are: this directory in an sdist, its parent in a checkout.
REPO = HERE if (HERE / "Package.swift").exists() else HERE.parent
VERSION_FILE = Path("Sources") / "SweepKit" / "Support" / "SweepKitVersion.swift"
#: What an sdist carries besides python/: all the engine build reads.
ENGINE_FILES = ["Package.swift", "Sources", "Tests", "examples/swift-quickstart"]
#: The oldest Swift that builds the engine (Package.swift: swift-tools-version:6.0).
SWIFT_MAJOR = 6


def engine_version() -> str:
    """The one version number: `SweepKitVersion.string` in the engine's sources."""
    path = REPO / VERSION_FILE
    if not path.exists():
        raise RuntimeError(f"{path} not found: build sweepkit from a checkout of the repository or from its sdist")
    match = re.search(r'static let string = "([^"]+)"', path.read_text())
    if not match:
        raise RuntimeError(f"{path} has no `static let string = \"...\"` version line")
    return match.group(1)


def load_build_stamp():
    """python/build_stamp.py (not a package module: the test session loads it from the tree too)."""
    spec = importlib.util.spec_from_file_location("build_stamp", Path(__file__).resolve().parent / "build_stamp.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MISSING_SWIFT = (
    "building sweepkit from source needs the Swift {major} toolchain (the `swift` command, version "
    "{major}.0 or newer), and {problem}. Install Swift {major} (https://www.swift.org/install/) and "
    "put its usr/bin on PATH, or install a binary wheel, which needs no Swift: "
    "pip install --only-binary sweepkit sweepkit")


def find_swift() -> str:
    """The `swift` driver to build with, checked to be Swift 6 or newer; a clear error if there is none."""
    swift = shutil.which("swift")
    if not swift:
        for candidate in ("/opt/swift/usr/bin/swift", "/usr/bin/swift"):
            if os.path.exists(candidate):
                swift = candidate
                break
    if not swift:
        raise RuntimeError(MISSING_SWIFT.format(major=SWIFT_MAJOR, problem="no `swift` is on PATH"))
    try:
        banner = subprocess.run([swift, "--version"], capture_output=True, text=True, timeout=120).stdout
    except (OSError, subprocess.SubprocessError) as error:
        raise RuntimeError(MISSING_SWIFT.format(major=SWIFT_MAJOR, problem=f"{swift} does not run ({error})"))
    match = re.search(r"Swift version (\d+)\.(\d+)", banner)
    if not match:
        raise RuntimeError(MISSING_SWIFT.format(
            major=SWIFT_MAJOR, problem=f"{swift} --version does not say which Swift it is: {banner.strip()!r}"))
    if int(match.group(1)) < SWIFT_MAJOR:
        raise RuntimeError(MISSING_SWIFT.format(
            major=SWIFT_MAJOR, problem=f"{swift} is Swift {match.group(1)}.{match.group(2)}"))
    return swift


#: The link shim that lets binaries built on a newer glibc run on glibc 2.28 (manylinux_2_28).
GLIBC_SHIM = HERE / "manylinux" / "glibc_2_28.c"


def glibc_shim_flags(swift: str, scratch: Path) -> list:
    """`swift build` flags that link against glibc 2.28's symbol versions (python/manylinux/glibc_2_28.c:
    its object, and `--wrap=NAME` for each `__wrap_NAME` it defines), with lld, whose --wrap leaves
    the shim's own versioned references alone (gold's does not). Empty off x86_64 Linux."""
    if platform.system() != "Linux" or platform.machine() != "x86_64":
        return []
    bindir = Path(swift).resolve().parent
    for tool in ("clang", "ld.lld"):
        if not (bindir / tool).exists():
            raise RuntimeError(f"the Swift toolchain at {bindir} has no {tool}, which the build of the "
                               f"glibc 2.28 link shim ({GLIBC_SHIM.name}) needs")
    source = GLIBC_SHIM.read_bytes()
    # The object's name carries its source's digest: a changed shim is a changed link flag, so relinks.
    shim = scratch / "glibc-shim" / f"glibc_2_28-{hashlib.sha256(source).hexdigest()[:16]}.o"
    if not shim.exists():
        shim.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([str(bindir / "clang"), "-O2", "-fPIC", "-c", str(GLIBC_SHIM), "-o", str(shim)], check=True)
    names = sorted(set(re.findall(r"__wrap_([A-Za-z0-9_]+)", source.decode())) - {"NAME", "name"}
                   | set(re.findall(r"^OLD_VERSION\(([A-Za-z0-9_]+),", source.decode(), flags=re.M)))
    flags = ["-Xswiftc", "-use-ld=lld", "-Xlinker", str(shim)]
    for name in names:
        flags += ["-Xlinker", f"--wrap={name}"]
    # On glibc < 2.34 the pthread and dl functions' old versions live in these two libraries.
    return flags + ["-Xlinker", "--no-as-needed", "-Xlinker", "-l:libpthread.so.0", "-Xlinker", "-l:libdl.so.2"]


def strip_copy(swift: str, source: Path, target: Path) -> None:
    """Copies a built binary without its symbol table and debug information (the toolchain's
    llvm-objcopy, else binutils' strip; unstripped if neither exists)."""
    tools = [Path(swift).resolve().parent / "llvm-objcopy", shutil.which("llvm-objcopy"), shutil.which("strip")]
    for tool in tools:
        if tool and os.access(tool, os.X_OK):
            if target.exists():
                target.unlink()
            subprocess.run([str(tool), "--strip-all", str(source), str(target)], check=True)
            return
    shutil.copyfile(source, target)


class SwiftBuildExt(build_ext):
    def build_extension(self, ext):
        if not (REPO / "Package.swift").exists():
            raise RuntimeError(f"Package.swift not found at {REPO}: install from a checkout of the repository, "
                               f"or from sweepkit's sdist")
        swift = find_swift()
        # The sources as they are when the build starts: the test session checks the package it
        # imports was built from the tree under test (python/build_stamp.py).
        build_stamp = load_build_stamp()
        stamp = {"sources": build_stamp.source_digest(REPO), "repo": str(REPO)}
        scratch = Path(os.environ.get("SWEEPKIT_SWIFT_SCRATCH", REPO / ".build-python"))
        common = [
            swift, "build", "-c", "release",
            "--package-path", str(REPO), "--scratch-path", str(scratch),
            "-Xswiftc", "-static-stdlib",
            "-Xcc", "-I" + sysconfig.get_paths()["include"],
        ] + glibc_shim_flags(swift, scratch)
        for product in ("SweepKitPython", "sweepkit"):
            command = common + ["--product", product]
            self.announce(" ".join(command), level=2)
            subprocess.run(command, check=True)
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        strip_copy(swift, scratch / "release" / "libSweepKitPython.so", target)
        # The `sweepkit` command ships inside the package; the console script execs it.
        binary = target.parent / "_bin" / "sweepkit"
        binary.parent.mkdir(exist_ok=True)
        strip_copy(swift, scratch / "release" / "sweepkit", binary)
        binary.chmod(0o755)
        (target.parent / build_stamp.STAMP_FILE).write_text(json.dumps(stamp))

    def get_ext_filename(self, fullname):
        # One binary for every CPython >= 3.10: the stable-ABI suffix.
        return os.path.join(*fullname.split(".")) + ".abi3.so"


class SdistWithEngine(sdist):
    """An sdist that builds on its own: python/ plus what Package.swift names (the engine's
    Sources/, and Tests/ and the Swift example, which SwiftPM wants present to load the package),
    so `pip install sweepkit-<v>.tar.gz` runs SwiftPM on them where Swift 6 is installed."""

    def make_release_tree(self, base_dir, files):
        super().make_release_tree(base_dir, files)
        if REPO == HERE:
            return  # building an sdist from an sdist: the engine is already among the files
        for name in ENGINE_FILES:
            source, target = REPO / name, Path(base_dir) / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", ".DS_Store"))
            else:
                shutil.copyfile(source, target)


commands = {"build_ext": SwiftBuildExt, "sdist": SdistWithEngine}
if bdist_wheel is not None:
    class AbiThreeWheel(bdist_wheel):
        def get_tag(self):
            _, _, platform = super().get_tag()
            return "cp310", "abi3", platform

    commands["bdist_wheel"] = AbiThreeWheel

setup(
    version=engine_version(),
    ext_modules=[Extension("sweepkit._core", sources=[], py_limited_api=True)],
    cmdclass=commands,
)
