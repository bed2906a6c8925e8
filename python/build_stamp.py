"""The build stamp: which engine sources an installed `sweepkit._core` was built from.

`setup.py` writes `sweepkit/_build_stamp.json` next to the extension ({"sources": digest, "repo":
path}); the test session (python/tests/conftest.py) recomputes the digest of the tree under test
and refuses to run against a package built from other sources. The digest covers every file that
goes into the extension and the `sweepkit` command: Package.swift and Sources/ (contents and
relative paths, not times), so a rebuild is asked for exactly when the engine changed.
"""
import hashlib
from pathlib import Path

STAMP_FILE = "_build_stamp.json"


def source_digest(repo) -> str:
    repo = Path(repo)
    digest = hashlib.sha256()
    files = [repo / "Package.swift"] + sorted(p for p in (repo / "Sources").rglob("*") if p.is_file())
    for path in files:
        relative = path.relative_to(repo).as_posix().encode()
        content = path.read_bytes()
        digest.update(len(relative).to_bytes(8, "little") + relative + len(content).to_bytes(8, "little") + content)
    return digest.hexdigest()
