"""Reading definition files: YAML parsed safely, and every error named by file and location."""

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from algoreg.errors import FieldProblem, InvalidInput


def read_yaml(path: Path) -> Any:
    """Return the data of the YAML file at ``path`` (safe loading: plain data only).

    A file that cannot be read or parsed raises :class:`InvalidInput` naming the file, and the
    line and column where parsing failed.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInput(
            problems=[FieldProblem(str(path), f"cannot be read: {error}")], summary=f"Cannot read {path}."
        ) from error
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        where = str(path)
        mark = getattr(error, "problem_mark", None)
        if mark is not None:
            where = f"{path}: line {mark.line + 1}, column {mark.column + 1}"
        reason = getattr(error, "problem", None) or str(error)
        raise InvalidInput(
            problems=[FieldProblem(where, f"is not valid YAML: {reason}")],
            summary=f"{path} is not valid YAML.",
        ) from error


def data_location(data: Any, loc: Sequence[int | str]) -> str:
    """Return where ``loc`` (a pydantic error location) points in ``data``, with the nearest id.

    Steps that do not index into the data (names of union members that pydantic adds) are left
    out, so the result is a path in the file as written: ``parts[1].items[0].options[2] ('q1')``;
    the last step stays even when absent (a missing field).
    """
    text = ""
    current = data
    nearest_id: str | None = None
    for position, step in enumerate(loc):
        if isinstance(step, int) and isinstance(current, list) and 0 <= step < len(current):
            text += f"[{step}]"
            current = current[step]
        elif isinstance(step, str) and isinstance(current, dict) and step in current:
            text += f".{step}" if text else step
            current = current[step]
        elif isinstance(step, str) and isinstance(current, dict) and position == len(loc) - 1:
            text += f".{step}" if text else step  # a missing field
            current = None
        else:
            continue  # the name of a union member, not a place in the data
        if isinstance(current, dict) and isinstance(current.get("id", current.get("urn")), str):
            nearest_id = current.get("id", current.get("urn"))
    text = text or "(top)"
    return f"{text} ('{nearest_id}')" if nearest_id else text


def validation_problems(error: ValidationError, data: Any, source: str) -> list[FieldProblem]:
    """Return every error of a pydantic validation of ``data`` as a problem naming ``source`` and where.

    Errors at one place (a value that fits none of several types) are joined into one problem; a
    list reported too short only because its items failed is left out.
    """
    details = error.errors(include_url=False)
    failed_inside = [tuple(detail["loc"]) for detail in details if detail["type"] != "too_short"]
    reasons: dict[str, list[str]] = {}
    for detail in details:
        loc = tuple(detail["loc"])
        if detail["type"] == "too_short" and any(other[: len(loc)] == loc for other in failed_inside):
            continue
        where = reasons.setdefault(data_location(data, loc), [])
        if detail["msg"] not in where:
            where.append(detail["msg"])
    return [FieldProblem(f"{source}: {where}", "; or ".join(messages)) for where, messages in reasons.items()]


def with_source(error: InvalidInput, source: str, summary: str) -> InvalidInput:
    """Return ``error`` with every problem's field prefixed by ``source`` and a new ``summary``."""
    return InvalidInput(
        problems=[FieldProblem(f"{source}: {problem.field}", problem.reason) for problem in error.problems],
        summary=summary,
    )
