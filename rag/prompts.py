"""Read the editable text files in prompts/ and fill their {placeholders} from settings."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from core.config import Settings
from core.errors import ConfigError


@lru_cache(maxsize=64)
def _read(path: Path) -> str:
    if not path.exists():
        raise ConfigError(f"Missing prompt file {path}; restore it or point BENEFITS_QA_PROMPTS at a folder that has it.")
    return path.read_text(encoding="utf-8").strip()


def render(settings: Settings, name: str, **values: str) -> str:
    values = {"hr_contact": settings.hr_contact, "eap_line": settings.eap_line, **values}
    return _read(Path(settings.prompts_dir) / name).format_map(values)


def read_raw(settings: Settings, name: str) -> str:
    return _read(Path(settings.prompts_dir) / name)


def parse_table(text: str) -> list[tuple[str, str]]:
    """Rows of a two-column TSV prompt file (key<TAB>value); blank and '#' lines are skipped."""
    rows = []
    for line in text.splitlines():
        if "\t" in line and not line.lstrip().startswith("#"):
            key, value = (part.strip() for part in line.split("\t", 1))
            if key and value:
                rows.append((key, value))
    return rows


def read_table(settings: Settings, name: str) -> list[tuple[str, str]]:
    return parse_table(read_raw(settings, name))


def parse_lines(text: str) -> list[str]:
    """The entries of a one-per-line prompt file; blank and '#' lines are skipped."""
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def read_lines(settings: Settings, name: str) -> list[str]:
    return parse_lines(read_raw(settings, name))
