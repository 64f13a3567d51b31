"""The few exceptions reportgen raises on purpose, each mapped to an exit code by the CLI."""
from __future__ import annotations

from dataclasses import dataclass


class ReportgenError(Exception):
    """Anything the user can fix: the CLI prints the message and exits 1."""

    exit_code = 1


class ConfigError(ReportgenError):
    """barometer.toml or a template setting is wrong."""


@dataclass(frozen=True)
class Issue:
    """One located problem in the input: ``measurements.csv:14: value: "6,2,1" er ikke et tal: skriv …``.

    ``row`` is the row as a spreadsheet shows it (header = 1); ``None`` for file-level problems.
    ``column`` is ``None`` when the problem concerns a whole row or file.
    """

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file}:{self.row}"
        return f"{where}: {self.column}: {self.message}" if self.column else f"{where}: {self.message}"


class DataValidationError(ReportgenError):
    """The barometer folder has one or more problems; all of them are listed."""

    def __init__(self, issues: list[Issue] | tuple[Issue, ...]):
        self.issues = tuple(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


class RenderError(ReportgenError):
    """A document, chart or template could not be produced."""


class TemplateError(RenderError):
    """A user-edited template (letters/, templates/) is wrong; the message names file and line."""


class BuildLockedError(ReportgenError):
    """Another build is writing to the same output folder."""


# Problems listed at most, in the workbench, the API and ``reportgen check``; the rest are counted.
MAX_LISTED = 1000


def more_problems(n: int) -> str:
    """``… og 59.000 flere problemer``: the line that stands for the problems not listed."""
    return f"… og {n:,} {'flere problemer' if n != 1 else 'problem mere'}".replace(",", ".")
