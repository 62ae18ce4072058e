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
        prefix = f"{self.field}: " if self.field else ""
        return f"{where}: {prefix}{self.message}"


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
