"""Reading definition files: YAML parsed safely, and problems named by file and place inside it."""

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from algoreg.errors import FieldProblem, InvalidInput

# The C parser when PyYAML was built with libyaml: the same safe subset of YAML, several times faster.
_SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def file_field(path: Path | str, location: str = "") -> str:
    """How a problem names its place: the file, then the location inside it (``"x.yaml: links[2]"``)."""
    return f"{path}: {location}" if location else str(path)


def location(loc: Sequence[int | str]) -> str:
    """A pydantic location as a path: ``("ai_act_profile", 0, "type")`` → ``"ai_act_profile[0].type"``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def read_yaml(path: Path) -> tuple[Any, list[FieldProblem]]:
    """The parsed content of a YAML file, or ``None`` with the problems that stopped it from being read."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [FieldProblem(field=file_field(path), reason="the file does not exist")]
    except (OSError, UnicodeDecodeError) as failure:
        return None, [FieldProblem(field=file_field(path), reason=f"cannot be read as UTF-8 text: {failure}")]
    try:
        return yaml.load(text, Loader=_SAFE_LOADER), []  # noqa: S506 - a safe loader
    except yaml.YAMLError as failure:
        mark = getattr(failure, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(failure, "problem", None) or str(failure)
        return None, [FieldProblem(field=file_field(path, where), reason=f"is not valid YAML: {problem}")]


def validation_problems(path: Path | str, error: ValidationError, prefix: str = "") -> list[FieldProblem]:
    """One problem per pydantic error, each naming the file and the location inside it."""
    problems = []
    for item in error.errors():
        where = location((*([prefix] if prefix else []), *item["loc"]))
        reason = item["msg"].removeprefix("Value error, ")
        if item["type"] == "missing":
            reason = "is required but missing"
        problems.append(FieldProblem(field=file_field(path, where), reason=reason))
    return problems


def raise_if(problems: list[FieldProblem], summary: str) -> None:
    """Raise :class:`InvalidInput` listing ``problems`` when there are any."""
    if problems:
        raise InvalidInput(problems=problems, summary=summary)
