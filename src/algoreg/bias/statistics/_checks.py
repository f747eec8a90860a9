"""Checks of the inputs shared by the statistics modules; problems are raised as one ``InvalidInput``."""

import math
from collections.abc import Sequence
from typing import Any, TypeGuard

import numpy as np

from algoreg.errors import FieldProblem, InvalidInput


def _is_integer(value: object) -> TypeGuard[int | np.integer[Any]]:
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)


def _is_real(value: object) -> TypeGuard[float | np.integer[Any] | np.floating[Any]]:
    return (
        isinstance(value, int | float | np.integer | np.floating)
        and not isinstance(value, bool | np.bool_)
        and math.isfinite(float(value))
    )


def _count_problem(field: str, value: object) -> FieldProblem | None:
    if not _is_integer(value):
        return FieldProblem(field, f"must be a whole number of cases, not {value!r}")
    if int(value) < 0:
        return FieldProblem(field, f"must not be negative; got {value}")
    return None


def _open_unit_problem(field: str, value: object, upper: float = 1.0) -> FieldProblem | None:
    if not _is_real(value) or not 0.0 < float(value) < upper:
        return FieldProblem(field, f"must be a number strictly between 0 and {upper:g}; got {value!r}")
    return None


def _raise_if(problems: Sequence[FieldProblem | None], summary: str) -> None:
    found = [problem for problem in problems if problem is not None]
    if found:
        raise InvalidInput(problems=found, summary=summary)


def _check_proportion(successes: object, trials: object, prefix: str = "") -> list[FieldProblem | None]:
    problems = [
        _count_problem(f"{prefix}successes", successes),
        _count_problem(f"{prefix}trials", trials),
    ]
    if _is_integer(successes) and _is_integer(trials) and 0 <= trials < successes:
        problems.append(
            FieldProblem(
                f"{prefix}successes",
                f"must not exceed {prefix}trials; got {successes} successes in {trials} trials",
            )
        )
    return problems


def _check_two_proportions(
    successes: object, trials: object, reference_successes: object, reference_trials: object
) -> list[FieldProblem | None]:
    problems = _check_proportion(successes, trials) + _check_proportion(
        reference_successes, reference_trials, "reference_"
    )
    for name, value in (("trials", trials), ("reference_trials", reference_trials)):
        if _is_integer(value) and int(value) == 0:
            problems.append(FieldProblem(name, "must be at least 1 to compare two rates"))
    return problems


def _rate_problem(field: str, value: object, *, open_interval: bool = False) -> FieldProblem | None:
    if not _is_real(value):
        return FieldProblem(field, f"must be a rate between 0 and 1; got {value!r}")
    rate = float(value)
    if open_interval and not 0.0 < rate < 1.0:
        return FieldProblem(field, f"must be strictly between 0 and 1; got {value!r}")
    if not 0.0 <= rate <= 1.0:
        return FieldProblem(field, f"must be between 0 and 1; got {value!r}")
    return None
