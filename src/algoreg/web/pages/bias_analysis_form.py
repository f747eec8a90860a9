"""The web tool's analysis form: its fields as typed, turned into an analysis request, and back.

:func:`request_from_form` turns the text of the form into the mapping that
:func:`algoreg.bias.requests.request_of` validates; numbers that are not numbers are reported here,
under the form field. :func:`form_field_of` tells under which form field a problem of the request,
or of the data, belongs.
"""

import math
from collections.abc import Mapping
from typing import Any

from algoreg.errors import FieldProblem, InvalidInput

MODES = ("decisions", "monitoring", "aggregate")

#: Every text field of the form, with the value a new form starts with.
DEFAULTS: dict[str, str] = {
    "mode": "decisions",
    "protected": "",
    "outcome": "",
    "score": "",
    "label": "",
    "threshold": "",
    "reference": "",
    "tolerance_scale": "ratio",
    "tolerance_lower": "0.8",
    "tolerance_upper": "1.25",
    "min_group_size": "30",
    "q": "0.05",
    "origin": "1",
    "period_column": "",
    "period": "month",
    "group": "",
    "layout": "wide",
    "stages": "",
    "stage_column": "stage",
    "count_column": "count",
}

#: Where the form shows problems of the request's fields, by the field's path (longest match wins).
_FIELD_OF_PATH: tuple[tuple[str, str], ...] = (
    ("settings.roles.protected", "protected"),
    ("settings.roles.outcome", "outcome"),
    ("settings.roles.score", "score"),
    ("settings.roles.label", "label"),
    ("settings.roles.threshold", "threshold"),
    ("settings.roles", "protected"),
    ("settings.groupings", "reference"),
    ("settings.tolerance", "tolerance_lower"),
    ("judgement.tolerance", "tolerance_lower"),
    ("settings.min_group_size", "min_group_size"),
    ("judgement.min_group_size", "min_group_size"),
    ("settings.q", "q"),
    ("judgement.q", "q"),
    ("protected", "protected"),
    ("outcome", "outcome"),
    ("score", "score"),
    ("label", "label"),
    ("threshold", "threshold"),
    ("period_column", "period_column"),
    ("period", "period"),
    ("mode", "mode"),
)

_AGGREGATE_FIELDS = ("group", "stages", "stage_column", "count_column", "layout")


def form_field_of(problem_field: str, mode: str) -> str:
    """The form field under which a problem of ``problem_field`` is shown; the data file by default.

    In the aggregate mode the data's problems name the column (whatever it is called), so only the
    request's own fields are placed elsewhere. A problem already named by a form field stays there.
    """
    if problem_field in DEFAULTS:
        return problem_field
    if mode == "aggregate":
        for name in (*_AGGREGATE_FIELDS, "judgement.tolerance", "judgement.q", "judgement.min_group_size"):
            if problem_field == name or problem_field.startswith(name + "."):
                return dict(_FIELD_OF_PATH).get(name, name)
        return "data"
    for path, name in _FIELD_OF_PATH:
        if problem_field == path or problem_field.startswith(path + "."):
            return name
    return "data"


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _number(
    values: Mapping[str, str], name: str, problems: list[FieldProblem], *, whole: bool = False
) -> Any:
    text = values.get(name, "").strip().replace(",", ".")
    try:
        number = int(text) if whole else float(text)
    except ValueError:
        kind = "a whole number" if whole else "a number"
        problems.append(FieldProblem(name, f"give {kind}; got '{values.get(name, '')}'"))
        return None
    if isinstance(number, float) and not math.isfinite(number):
        problems.append(FieldProblem(name, "give a finite number"))
        return None
    return number


def _groupings(protected: list[str], text: str, problems: list[FieldProblem]) -> list[dict[str, Any]] | None:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return None
    chosen: dict[str, str] = {}
    for line in lines:
        column, sep, value = line.partition("=")
        if not sep:
            if len(protected) != 1:
                problems.append(
                    FieldProblem(
                        "reference", f"with several protected columns, write COLUMN=VALUE; got '{line}'"
                    )
                )
                continue
            column, value = protected[0], line
        column, value = column.strip(), value.strip()
        if column not in protected:
            problems.append(
                FieldProblem(
                    "reference", f"'{column}' is not one of the protected columns ({', '.join(protected)})"
                )
            )
            continue
        chosen[column] = value
    groupings: list[dict[str, Any]] = [
        {"attributes": [name], **({"reference": [chosen[name]]} if name in chosen else {})}
        for name in protected
    ]
    if len(protected) > 1:
        together: dict[str, Any] = {"attributes": protected}
        if all(name in chosen for name in protected):
            together["reference"] = [chosen[name] for name in protected]
        groupings.append(together)
    return groupings


def request_from_form(values: Mapping[str, str]) -> dict[str, Any]:
    """The analysis request that the form's values ask for, as a mapping for ``request_of``.

    Text that should be a number but is not raises :class:`InvalidInput` naming the form field; the
    rest is left to the request's own validation.
    """
    problems: list[FieldProblem] = []
    mode = values.get("mode", "decisions")
    tolerance = {
        "scale": values.get("tolerance_scale", "ratio"),
        "lower": _number(values, "tolerance_lower", problems),
        "upper": _number(values, "tolerance_upper", problems),
    }
    judged = {
        "tolerance": tolerance,
        "q": _number(values, "q", problems),
        "min_group_size": _number(values, "min_group_size", problems, whole=True),
    }
    request: dict[str, Any] = {"mode": mode}
    if mode == "aggregate":
        stages = _names(values.get("stages", ""))
        request |= {
            "group": values.get("group", "").strip(),
            "layout": values.get("layout", "wide"),
            "stages": stages or None,
            "stage_column": values.get("stage_column", "").strip(),
            "count_column": values.get("count_column", "").strip(),
            "judgement": judged,
        }
    else:
        protected = _names(values.get("protected", ""))
        roles: dict[str, Any] = {"protected": protected}
        for role in ("outcome", "score", "label"):
            if values.get(role, "").strip():
                roles[role] = values[role].strip()
        if values.get("threshold", "").strip():
            roles["threshold"] = _number(values, "threshold", problems)
        settings: dict[str, Any] = {"roles": roles, **judged}
        groupings = _groupings(protected, values.get("reference", ""), problems)
        if groupings is not None:
            settings["groupings"] = groupings
        settings["origin"] = {"check": values.get("origin") == "1" and mode == "decisions"}
        request["settings"] = settings
        if mode == "monitoring":
            request |= {
                "period_column": values.get("period_column", "").strip(),
                "period": values.get("period"),
            }
    if problems:
        raise InvalidInput(problems=problems, summary="The analysis was not run.")
    return request
