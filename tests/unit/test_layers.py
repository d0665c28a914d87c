"""The folders are the data flow: core ← ingest, core ← rag ← ui / cli / api. An import that points
uphill (core importing rag, ingest importing rag, rag importing ingest or ui, anything importing
the CLI) fails here, with the file and line, including imports inside functions."""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import ROOT

# What each package may import of ours. app.py is the Streamlit edge: everything but the CLI.
ALLOWED = {
    "core": {"core"},
    "ingest": {"core", "ingest"},
    "rag": {"core", "rag"},
    "ui": {"core", "ingest", "rag", "ui"},
    "cli": {"core", "ingest", "rag", "cli", "api"},
    "api": {"core", "ingest", "rag", "api"},
    "app": {"core", "ingest", "rag", "ui"},
}
OURS = set(ALLOWED) - {"app"}


@dataclass(frozen=True)
class UphillImport:
    file: str
    line: int
    imported: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line} imports {self.imported}"


def _package_of(path: Path, root: Path) -> str:
    relative = path.relative_to(root)
    return "app" if relative == Path("app.py") else relative.parts[0]


def uphill_imports(root: Path) -> list[UphillImport]:
    files = [root / "app.py", *(p for package in sorted(OURS) for p in sorted((root / package).rglob("*.py")))]
    found = []
    for path in files:
        if not path.exists():
            continue
        allowed = ALLOWED[_package_of(path, root)]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in OURS and top not in allowed:
                    found.append(UphillImport(str(path.relative_to(root)), node.lineno, name))
    return found


def test_no_module_imports_uphill():
    assert uphill_imports(ROOT) == [], "\n".join(map(str, uphill_imports(ROOT)))


def test_the_check_finds_an_uphill_import_even_inside_a_function(tmp_path):
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "store.py").write_text("def later():\n    from rag.answer import Assistant\n")
    (tmp_path / "ingest").mkdir()
    (tmp_path / "ingest" / "run.py").write_text("import core.config\nimport cli.main\n")
    (tmp_path / "app.py").write_text("from ui import shared\n")
    assert sorted(uphill_imports(tmp_path), key=str) == [UphillImport("core/store.py", 2, "rag.answer"),
                                        UphillImport("ingest/run.py", 2, "cli.main")]
