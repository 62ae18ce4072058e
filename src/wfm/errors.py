"""Errors a person can act on: every problem names its file, line and field."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as precisely as the input allows."""

    file: str
    message: str
    line: int | None = None
    column: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        field = self.field
        if field is not None and (not field.strip() or field != field.strip()):
            field = repr(field)  # a key of blanks must still be visible
        prefix = f"{field}: " if field else ""
        return _one_line(f"{where}: {prefix}{self.message}")


def _one_line(text: str) -> str:
    """A problem is one line: line breaks quoted from input (U+0085, U+2028…) are escaped."""
    if len(text.splitlines()) <= 1 and not text.endswith(("\n", "\r")):
        return text
    return "".join(
        ch.encode("unicode_escape").decode("ascii") if ch.splitlines() != [ch] else ch
        for ch in text
    )


class WfmInputError(Exception):
    """Raised by the library when inputs are invalid; carries every problem found."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class WfmSolveError(Exception):
    """Raised when a stage cannot produce a result from valid inputs (e.g. infeasible rules)."""

    def __init__(self, message: str, details: Iterable[str] = ()) -> None:
        self.details = list(details)
        super().__init__(message)
