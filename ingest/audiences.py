"""Documents meant for some groups only: the `.audiences.toml` file of an ingested folder.

Each line names a pattern (as in `.ingestignore`: a glob on the path relative to the folder or on
the file name, `dir/` for a whole folder) and the groups, from the identity provider's groups
claim, that may see what it matches:

    "managers-guide.pdf" = ["managers"]
    "uk/" = ["uk-employees", "hr"]

A document no pattern matches is for everyone. A file that cannot be read as such stops the run
before anything is written: read wrongly, it could show a managers' guide to everyone.
"""
from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass
from pathlib import Path

from core.errors import BenefitsQAError

AUDIENCES_FILE = ".audiences.toml"


def pattern_matches(relative: str, pattern: str) -> bool:
    """`dir/` matches everything under a folder of that name; any other pattern is a glob on the
    path relative to the folder or on the file name (the rules of `.ingestignore` too)."""
    if pattern.endswith("/"):
        return relative.startswith(pattern) or f"/{pattern}" in f"/{relative}"
    return fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(Path(relative).name, pattern)


class AudiencesError(BenefitsQAError):
    """The audiences file is malformed, or names one document twice with different groups."""


@dataclass(frozen=True)
class AudienceRule:
    pattern: str
    groups: tuple[str, ...]

    def matches(self, relative: str) -> bool:
        return pattern_matches(relative, self.pattern)


@dataclass(frozen=True)
class Audiences:
    """The rules of one folder's audiences file (none: every document is for everyone)."""

    rules: tuple[AudienceRule, ...] = ()
    file: str = ""

    def of(self, relative: str) -> tuple[str, ...]:
        """The groups a document may be shown to; () for everyone."""
        matched = [r for r in self.rules if r.matches(relative)]
        if len({r.groups for r in matched}) > 1:
            named = " and ".join(f"'{r.pattern}'" for r in matched)
            raise AudiencesError(
                f"Nothing was ingested: {relative} matches both {named} in {self.file}, which name different "
                "groups. List it under one pattern with every group it is for.")
        return matched[0].groups if matched else ()


def read_audiences(root: Path) -> Audiences:
    path = Path(root) / AUDIENCES_FILE
    if not path.is_file():
        return Audiences()
    fix = 'Write one line per pattern, such as  "managers-guide.pdf" = ["managers"]'
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise AudiencesError(f"Nothing was ingested: {path} is not valid TOML ({e}). {fix}.") from None
    rules = []
    for pattern, groups in data.items():
        if isinstance(groups, str):
            groups = [groups]
        if (not isinstance(groups, list) or not groups
                or not all(isinstance(g, str) and g.strip() for g in groups)):
            raise AudiencesError(f"Nothing was ingested: in {path}, '{pattern}' must name a list of one or more "
                                 f"group names. {fix}.")
        rules.append(AudienceRule(pattern.strip(), tuple(sorted({g.strip() for g in groups}))))
    return Audiences(tuple(rules), str(path))
