"""YAML loading that remembers where every value came from, for file:line:column errors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from wfm.errors import Problem, WfmInputError


@dataclass(frozen=True)
class LocatedYaml:
    """Parsed YAML data plus the (line, column) of every mapping key and sequence item."""

    path: Path
    data: Any
    positions: dict[tuple[str | int, ...], tuple[int, int]] = field(default_factory=dict)

    def locate(self, loc: Sequence[str | int]) -> tuple[int | None, int | None]:
        """Position of the deepest known prefix of `loc` (1-based line and column)."""
        key = tuple(loc)
        while key:
            if key in self.positions:
                return self.positions[key]
            key = key[:-1]
        if () in self.positions:
            return self.positions[()]
        return None, None

    def problem(self, loc: Sequence[str | int], message: str) -> Problem:
        line, column = self.locate(loc)
        dotted = ".".join(str(part) for part in loc) or None
        return Problem(str(self.path), message, line, column, dotted)


def _walk(node: yaml.Node, loc: tuple[str | int, ...], out: dict) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            out[(*loc, key)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            _walk(value_node, (*loc, key), out)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            out[(*loc, index)] = (item.start_mark.line + 1, item.start_mark.column + 1)
            _walk(item, (*loc, index), out)


def load_yaml(path: Path) -> LocatedYaml:
    """Parse a YAML file; syntax errors become a WfmInputError with the offending line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise WfmInputError([Problem(str(path), "file not found")]) from None
    except UnicodeDecodeError as exc:
        raise WfmInputError([Problem(str(path), f"not UTF-8 text ({exc.reason})")]) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        reason = exc.problem or exc.context or "invalid YAML"
        raise WfmInputError([Problem(str(path), f"invalid YAML: {reason}", line, column)]) from None
    except yaml.YAMLError as exc:
        raise WfmInputError([Problem(str(path), f"invalid YAML: {exc}")]) from None
    positions: dict[tuple[str | int, ...], tuple[int, int]] = {}
    if node is not None:
        positions[()] = (node.start_mark.line + 1, node.start_mark.column + 1)
        _walk(node, (), positions)
    return LocatedYaml(path, data, positions)


def problems_from_validation(
    source: LocatedYaml, exc: ValidationError, prefix: Sequence[str | int] = ()
) -> list[Problem]:
    """Turn pydantic's errors into located problems ('field: what is wrong')."""
    problems = []
    for error in exc.errors():
        loc = [*prefix, *(part for part in error["loc"] if not _is_pydantic_tag(part))]
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = "unknown key"
        problems.append(source.problem(loc, message))
    return problems


def _is_pydantic_tag(part: str | int) -> bool:
    # Union and function validators insert their own names into `loc`; they are not YAML keys.
    return isinstance(part, str) and (
        part.startswith("function-") or part in {"str", "int", "list[str]", "dict[str,list[str]]"}
    )
