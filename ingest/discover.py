"""Find the documents under the given paths and hash them; nothing is parsed here.

A folder may hold a `.ingestignore` file: one glob pattern per line (relative to that folder,
`dir/` for a whole folder, `#` for comments) naming what is not a document, such as sources; and
an `.audiences.toml` naming documents meant for some groups only (ingest/audiences.py).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ingest.audiences import pattern_matches, read_audiences

IGNORE_FILE = ".ingestignore"


@dataclass(frozen=True)
class SourceFile:
    path: Path
    source: str  # name shown in citations: the path relative to the folder it was found in
    origin: str  # the folder or file given on the command line, resolved
    sha256: str
    size: int
    note: str = ""  # e.g. where a fetched URL was redirected
    audience: tuple[str, ...] = ()  # the groups it is shown to (.audiences.toml); empty: everyone


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _ignore_patterns(root: Path) -> list[str]:
    ignore = root / IGNORE_FILE
    if not ignore.exists():
        return []
    lines = ignore.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def _ignored(relative: str, patterns: list[str]) -> bool:
    return any(pattern_matches(relative, pattern) for pattern in patterns)


def discover(paths: list[Path]) -> list[SourceFile]:
    """Every file under the given folders (hidden files and ignored ones skipped), and given files."""
    found: dict[str, SourceFile] = {}
    for given in paths:
        root = Path(given).resolve()
        if not root.exists():
            raise FileNotFoundError(f"{given} does not exist")
        if root.is_file():
            candidates = [(root, root.name)]
            audiences = read_audiences(root.parent)  # the rules of its folder, by its name there
        else:
            patterns = _ignore_patterns(root)
            audiences = read_audiences(root)
            candidates = []
            for path in sorted(root.rglob("*")):
                relative = path.relative_to(root).as_posix()
                if not path.is_file() or any(part.startswith(".") for part in Path(relative).parts):
                    continue
                if not _ignored(relative, patterns):
                    candidates.append((path, relative))
        for path, source in candidates:
            found[source] = SourceFile(path=path, source=source, origin=str(root), sha256=file_hash(path),
                                       size=path.stat().st_size, audience=audiences.of(source))
    return list(found.values())
