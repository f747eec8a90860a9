"""Audit frameworks (ADR, Algemene Rekenkamer) and how ready an algorithm is for them.

Audit items
    ``maatregelen-adr-ark.csv`` of the Algoritmekader lists the items of two audit frameworks: the
    Auditdienst Rijk's "Onderzoekskader algoritmes" (``SV.1`` … ``IB.30``) and the Algemene
    Rekenkamer's "Toetsingskader algoritmes" (``1.01`` … ``4.09``). It is semicolon-separated with
    the columns ``nummer``, ``maatregel`` (the item's text) and ``source`` (the framework's name);
    texts may hold quoted line breaks. :func:`load_audit_items` reads it.

Which measures serve which item
    That file holds no link to the Algoritmekader's measures: those links are kept in the measure
    pages of the Algoritmekader (a ``sources`` block per measure: ``{ADR: [...], ARK: [...]}``),
    which the task-registry files do not carry. :func:`load_audit_mapping` reads the same shape
    from a YAML file of its own — ``measures: {<measure id or URN>: {ADR: [SV.4], ARK: ["1.03"]}}``
    — and checks every measure and item against the framework and the items. The same file may list
    items that no measure serves, each with a reason: ``unmapped: {ARK: {"2.11": "<reason>"}}``.

The proposed mapping we ship
    ``data/audit_mapping.yaml`` beside this module is Algoreg's own proposal for that link, a
    judgement by its authors that an organisation may replace with its own file;
    :func:`proposed_audit_mapping` loads it.

Readiness
    Per audit item, from the statuses of the measures behind it for one algorithm
    (:class:`MeasureStatus`: ``todo``, ``in_progress``, ``done``, or ``not_applicable`` with a
    reason; a measure without a status counts as ``unrecorded``):

    * ``covered`` — every measure behind the item is ``done`` or ``not_applicable``;
    * ``partly`` — not covered, but at least one is ``done``, ``in_progress`` or ``not_applicable``;
    * ``not`` — every measure behind it is ``todo`` or unrecorded;
    * ``unmapped`` — no measure is linked to the item, so the framework cannot tell.

    For an organisation (several algorithms) an item is ``covered`` when it is covered for every
    algorithm, ``not`` when it is not covered at all for every algorithm, ``unmapped`` when unmapped,
    and ``partly`` otherwise; the count of algorithms per coverage is given beside it.
"""

import csv
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from algoreg.errors import FieldProblem, InvalidInput
from algoreg.instruments.framework._files import file_field, raise_if, read_yaml
from algoreg.instruments.framework.model import Framework

__all__ = [
    "COLUMNS",
    "FRAMEWORK_ABBREVIATIONS",
    "PROPOSED_MAPPING_PATH",
    "AlgorithmReadiness",
    "AuditItem",
    "AuditMapping",
    "Coverage",
    "ItemReadiness",
    "MeasureState",
    "MeasureStatus",
    "MeasureStatusOf",
    "OrganisationItemReadiness",
    "OrganisationReadiness",
    "audit_mapping_from_data",
    "audit_readiness",
    "load_audit_items",
    "load_audit_mapping",
    "organisation_readiness",
    "parse_statuses",
    "proposed_audit_mapping",
]

#: The columns the audit items file must have.
COLUMNS = ("nummer", "maatregel", "source")

#: The short names of the known audit frameworks, by the name in the ``source`` column. Any other
#: name is kept as the framework's id as it stands.
FRAMEWORK_ABBREVIATIONS: Mapping[str, str] = {
    "Onderzoekskader Auditdienst Rijk": "ADR",
    "Toetsingskader Algemene Rekenkamer": "ARK",
}

#: Algoreg's proposed measure → audit item mapping (a judgement by its authors; see the file's header).
PROPOSED_MAPPING_PATH = Path(__file__).parent / "data" / "audit_mapping.yaml"

MeasureState = Literal["todo", "in_progress", "done", "not_applicable"]
Coverage = Literal["covered", "partly", "not", "unmapped"]
_SETTLED = frozenset({"done", "not_applicable"})
_STARTED = frozenset({"done", "in_progress", "not_applicable"})


def _config() -> ConfigDict:
    return ConfigDict(extra="forbid", frozen=True)


class AuditItem(BaseModel):
    """One item of an audit framework: ``framework`` ``"ADR"`` or ``"ARK"``, its ``number`` as written."""

    model_config = _config()

    framework: str
    number: str
    text: str
    source: str

    @property
    def key(self) -> str:
        """The item's stable key: ``"ADR:SV.4"``, ``"ARK:1.03"``."""
        return f"{self.framework}:{self.number}"


def load_audit_items(path: Path) -> tuple[AuditItem, ...]:
    """The audit items in the CSV file at ``path``, in file order.

    Raises :class:`InvalidInput` naming the file, the row (1 is the first data row) and the column
    for a missing column, an empty number, text or source, or a number listed twice in one framework.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as failure:
        raise InvalidInput(
            problems=[
                FieldProblem(field=file_field(path), reason=f"cannot be read as UTF-8 text: {failure}")
            ],
            summary=f"The audit items file {path} cannot be read.",
        ) from None
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=";")
    columns = [name.strip() for name in reader.fieldnames or []]
    missing = [column for column in COLUMNS if column not in columns]
    if missing:
        raise InvalidInput(
            problems=[
                FieldProblem(
                    field=file_field(path, "header"),
                    reason=f"lacks the column(s) {', '.join(missing)}; the file must be semicolon-separated "
                    f"with the columns {', '.join(COLUMNS)} (found: {', '.join(columns) or 'none'})",
                )
            ],
            summary=f"The audit items file {path} has the wrong columns.",
        )
    problems: list[FieldProblem] = []
    items: list[AuditItem] = []
    seen: dict[str, int] = {}
    for row_number, raw in enumerate(reader, start=1):
        row = {(key or "").strip(): (value or "").strip() for key, value in raw.items() if key is not None}
        if not any(row.values()):
            continue
        for column in COLUMNS:
            if not row.get(column):
                problems.append(
                    FieldProblem(field=file_field(path, column), reason="is empty", record=row_number)
                )
        if not all(row.get(column) for column in COLUMNS):
            continue
        item = AuditItem(
            framework=FRAMEWORK_ABBREVIATIONS.get(row["source"], row["source"]),
            number=row["nummer"],
            text=row["maatregel"],
            source=row["source"],
        )
        if item.key in seen:
            problems.append(
                FieldProblem(
                    field=file_field(path, "nummer"),
                    reason=f"{item.number!r} of {item.framework} is already on row {seen[item.key]}",
                    record=row_number,
                )
            )
            continue
        seen[item.key] = row_number
        items.append(item)
    raise_if(problems, f"The audit items file {path} has problems; nothing was loaded.")
    return tuple(items)


class AuditMapping(BaseModel):
    """Which audit items each measure serves: measure id → item keys (``"ADR:SV.4"``).

    ``unmapped`` holds the items the mapping's author judged and found no measure for, by item key,
    each with the author's reason; an item is never both linked and in ``unmapped``.
    """

    model_config = _config()

    links: dict[str, tuple[str, ...]]
    unmapped: dict[str, str] = Field(default_factory=dict)

    def measures_for(self, item_key: str) -> tuple[str, ...]:
        """The ids of the measures that serve the item with this key, sorted."""
        return tuple(sorted(measure for measure, keys in self.links.items() if item_key in keys))

    def unmapped_reason(self, item_key: str) -> str | None:
        """Why no measure serves this item, when the mapping says so on purpose; ``None`` otherwise."""
        return self.unmapped.get(item_key)

    def unjudged(self, items: Sequence[AuditItem]) -> tuple[str, ...]:
        """The keys of ``items`` that are neither linked to a measure nor listed as unmapped, in order."""
        mapped = {key for keys in self.links.values() for key in keys}
        return tuple(item.key for item in items if item.key not in mapped and item.key not in self.unmapped)


def audit_mapping_from_data(
    data: Any, framework: Framework, items: Sequence[AuditItem], where: str = "mapping"
) -> AuditMapping:
    """The mapping held by already-parsed data (``{"measures": {measure: {framework: [numbers]}}}``).

    Measures may be named by id, or by URN or code where that names one measure only. Item numbers
    must be strings as the audit file writes them (quote ``"2.10"`` in YAML: unquoted it is the
    number 2.1). An optional ``unmapped: {framework: {number: reason}}`` lists the items no measure
    serves on purpose; each must exist, have a non-empty reason and not be linked to a measure.
    Raises :class:`InvalidInput` naming the place (``where`` first) of every unknown or ambiguous
    measure, unknown framework or item, malformed entry, and item both mapped and unmapped.
    """
    problems: list[FieldProblem] = []
    known = {item.key for item in items}
    frameworks = sorted({item.framework for item in items})
    measures = data.get("measures") if isinstance(data, Mapping) else None
    if not isinstance(measures, Mapping):
        raise InvalidInput(
            problems=[
                FieldProblem(field=file_field(where, "measures"), reason="must be a mapping of measures")
            ],
            summary=f"The audit mapping {where} is not valid.",
        )
    links: dict[str, list[str]] = {}
    for ref, by_framework in measures.items():
        place = f"measures.{ref}"
        found = framework.find_measures(str(ref))
        if len(found) != 1:
            reason = (
                "names no measure of the framework"
                if not found
                else f"names several measures ({', '.join(m.id for m in found)}); use an id"
            )
            problems.append(FieldProblem(field=file_field(where, place), reason=reason))
            continue
        if not isinstance(by_framework, Mapping):
            problems.append(
                FieldProblem(field=file_field(where, place), reason="must map frameworks to lists of items")
            )
            continue
        keys = links.setdefault(found[0].id, [])
        for name, numbers in by_framework.items():
            if name not in frameworks:
                problems.append(
                    FieldProblem(
                        field=file_field(where, f"{place}.{name}"),
                        reason=f"is not an audit framework; known are {', '.join(frameworks)}",
                    )
                )
                continue
            if numbers is not None and not isinstance(numbers, str | list):
                problems.append(
                    FieldProblem(
                        field=file_field(where, f"{place}.{name}"), reason="must be a list of item numbers"
                    )
                )
                continue
            for index, number in enumerate([numbers] if isinstance(numbers, str) else numbers or []):
                spot = file_field(where, f"{place}.{name}[{index}]")
                if not isinstance(number, str):
                    problems.append(
                        FieldProblem(field=spot, reason=f'{number!r} must be a quoted string, e.g. "2.10"')
                    )
                elif f"{name}:{number}" not in known:
                    problems.append(FieldProblem(field=spot, reason=f"{number!r} is not an item of {name}"))
                elif f"{name}:{number}" not in keys:
                    keys.append(f"{name}:{number}")
    mapped = {key for keys in links.values() for key in keys}
    unmapped = _unmapped_items(data.get("unmapped"), frameworks, known, mapped, where, problems)
    raise_if(problems, f"The audit mapping {where} is not valid.")
    return AuditMapping(
        links={measure: tuple(keys) for measure, keys in sorted(links.items())}, unmapped=unmapped
    )


def _unmapped_items(
    raw: Any,
    frameworks: Sequence[str],
    known: set[str],
    mapped: set[str],
    where: str,
    problems: list[FieldProblem],
) -> dict[str, str]:
    """The ``unmapped`` block as item key → reason; problems with it are added to ``problems``."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        problems.append(
            FieldProblem(
                field=file_field(where, "unmapped"),
                reason='must map frameworks to items with a reason, e.g. {ADR: {"IB.22": "why"}}',
            )
        )
        return {}
    result: dict[str, str] = {}
    for name, by_number in raw.items():
        place = f"unmapped.{name}"
        if name not in frameworks:
            problems.append(
                FieldProblem(
                    field=file_field(where, place),
                    reason=f"is not an audit framework; known are {', '.join(frameworks)}",
                )
            )
            continue
        if not isinstance(by_number, Mapping):
            problems.append(
                FieldProblem(
                    field=file_field(where, place),
                    reason="must map item numbers to the reason they are unmapped",
                )
            )
            continue
        for number, reason in by_number.items():
            spot = file_field(where, f"{place}.{number}")
            key = f"{name}:{number}"
            if not isinstance(number, str):
                problems.append(
                    FieldProblem(field=spot, reason=f'{number!r} must be a quoted string, e.g. "2.10"')
                )
            elif key not in known:
                problems.append(FieldProblem(field=spot, reason=f"{number!r} is not an item of {name}"))
            elif key in mapped:
                problems.append(
                    FieldProblem(
                        field=spot,
                        reason=f"{number!r} is also linked to a measure under measures; "
                        "an item is either mapped or unmapped",
                    )
                )
            elif not isinstance(reason, str) or not reason.strip():
                problems.append(
                    FieldProblem(field=spot, reason="needs a reason: why no measure serves this item")
                )
            else:
                result[key] = " ".join(reason.split())
    return result


def load_audit_mapping(path: Path, framework: Framework, items: Sequence[AuditItem]) -> AuditMapping:
    """The measure → audit item mapping in the YAML file at ``path`` (see :func:`audit_mapping_from_data`)."""
    data, problems = read_yaml(path)
    raise_if(problems, f"The audit mapping {path} cannot be read.")
    return audit_mapping_from_data(data, framework, items, where=str(path))


def proposed_audit_mapping(framework: Framework, items: Sequence[AuditItem]) -> AuditMapping:
    """Algoreg's proposed mapping (:data:`PROPOSED_MAPPING_PATH`), checked against the framework and items.

    It is a judgement by Algoreg's authors, made against the official task registry and items file;
    an organisation replaces it by importing its own mapping file. Raises :class:`InvalidInput` when
    ``framework`` or ``items`` lack a measure or item it names.
    """
    return load_audit_mapping(PROPOSED_MAPPING_PATH, framework, items)


class MeasureStatus(BaseModel):
    """Where an algorithm stands on one measure; ``not_applicable`` needs a ``reason``."""

    model_config = _config()

    state: MeasureState
    reason: str | None = None

    @model_validator(mode="after")
    def _reason_when_not_applicable(self) -> "MeasureStatus":
        if self.state == "not_applicable" and not (self.reason or "").strip():
            raise ValueError("a measure marked not_applicable needs a reason")
        return self


def parse_statuses(framework: Framework, raw: Mapping[str, Any]) -> dict[str, MeasureStatus]:
    """Statuses per measure id from input such as ``{"5-ver-03-biasanalyse": "done"}`` or
    ``{"urn:nl:ak:mtr:dat-01": {"state": "not_applicable", "reason": "..."}}``.

    Measures may be named by id, or by URN or code where unambiguous. Raises :class:`InvalidInput`
    naming every unknown or ambiguous measure and every invalid status.
    """
    problems: list[FieldProblem] = []
    result: dict[str, MeasureStatus] = {}
    for ref, value in raw.items():
        found = framework.find_measures(ref)
        if len(found) != 1:
            reason = (
                "names no measure of the framework"
                if not found
                else f"names several measures ({', '.join(m.id for m in found)}); use an id"
            )
            problems.append(FieldProblem(field=f"statuses.{ref}", reason=reason))
            continue
        try:
            status = MeasureStatus.model_validate({"state": value} if isinstance(value, str) else value)
        except ValidationError as error:
            problems.extend(
                FieldProblem(field=f"statuses.{ref}", reason=item["msg"].removeprefix("Value error, "))
                for item in error.errors()
            )
            continue
        result[found[0].id] = status
    raise_if(problems, "The measure statuses are not valid.")
    return result


class MeasureStatusOf(BaseModel):
    """A measure behind an audit item with its state for the algorithm (``unrecorded``: no status)."""

    model_config = _config()

    measure_id: str
    state: MeasureState | Literal["unrecorded"]
    reason: str | None = None


class ItemReadiness(BaseModel):
    """One audit item for one algorithm: its coverage and the measures behind it."""

    model_config = _config()

    framework: str
    number: str
    coverage: Coverage
    measures: tuple[MeasureStatusOf, ...]
    settled: int
    total: int


class AlgorithmReadiness(BaseModel):
    """The readiness of one algorithm per audit item, with the number of items per coverage per framework."""

    model_config = _config()

    items: tuple[ItemReadiness, ...]
    summary: dict[str, dict[Coverage, int]]


def _coverage(states: Sequence[str]) -> Coverage:
    if not states:
        return "unmapped"
    if all(state in _SETTLED for state in states):
        return "covered"
    if any(state in _STARTED for state in states):
        return "partly"
    return "not"


def _summary(rows: Sequence[tuple[str, Coverage]]) -> dict[str, dict[Coverage, int]]:
    summary: dict[str, dict[Coverage, int]] = {}
    for framework, coverage in rows:
        counts = summary.setdefault(framework, {"covered": 0, "partly": 0, "not": 0, "unmapped": 0})
        counts[coverage] += 1
    return summary


def audit_readiness(
    items: Sequence[AuditItem], mapping: AuditMapping, statuses: Mapping[str, MeasureStatus]
) -> AlgorithmReadiness:
    """How far one algorithm is with every audit item, from its measure statuses (keyed by measure id).

    Coverage per item follows the rule in this module's docstring; items keep the order of ``items``.
    """
    rows = []
    for item in items:
        behind = []
        for measure_id in mapping.measures_for(item.key):
            status = statuses.get(measure_id)
            behind.append(
                MeasureStatusOf(measure_id=measure_id, state=status.state, reason=status.reason)
                if status
                else MeasureStatusOf(measure_id=measure_id, state="unrecorded")
            )
        states = [measure.state for measure in behind]
        rows.append(
            ItemReadiness(
                framework=item.framework,
                number=item.number,
                coverage=_coverage(states),
                measures=tuple(behind),
                settled=sum(state in _SETTLED for state in states),
                total=len(states),
            )
        )
    return AlgorithmReadiness(
        items=tuple(rows), summary=_summary([(row.framework, row.coverage) for row in rows])
    )


class OrganisationItemReadiness(BaseModel):
    """One audit item across an organisation's algorithms: overall coverage, counts and per algorithm."""

    model_config = _config()

    framework: str
    number: str
    coverage: Coverage
    counts: dict[Coverage, int]
    by_algorithm: dict[str, Coverage]
    measures: tuple[str, ...]


class OrganisationReadiness(BaseModel):
    """An organisation's readiness per audit item, with each algorithm's own readiness beside it."""

    model_config = _config()

    items: tuple[OrganisationItemReadiness, ...]
    summary: dict[str, dict[Coverage, int]]
    algorithms: dict[str, AlgorithmReadiness]


def organisation_readiness(
    items: Sequence[AuditItem],
    mapping: AuditMapping,
    statuses_by_algorithm: Mapping[str, Mapping[str, MeasureStatus]],
) -> OrganisationReadiness:
    """An organisation's readiness: per audit item over all its algorithms (rule in the module docstring).

    ``statuses_by_algorithm`` maps an algorithm's id to its measure statuses; at least one algorithm
    is needed (:class:`InvalidInput` otherwise).
    """
    if not statuses_by_algorithm:
        raise InvalidInput(
            problems=[FieldProblem(field="algorithms", reason="must hold at least one algorithm")],
            summary="There are no algorithms to aggregate.",
        )
    per_algorithm = {
        algorithm: audit_readiness(items, mapping, statuses)
        for algorithm, statuses in statuses_by_algorithm.items()
    }
    rows = []
    for index, item in enumerate(items):
        by_algorithm = {
            algorithm: result.items[index].coverage for algorithm, result in per_algorithm.items()
        }
        values = set(by_algorithm.values())
        overall: Coverage = values.pop() if len(values) == 1 else "partly"
        counts: dict[Coverage, int] = {"covered": 0, "partly": 0, "not": 0, "unmapped": 0}
        for coverage in by_algorithm.values():
            counts[coverage] += 1
        rows.append(
            OrganisationItemReadiness(
                framework=item.framework,
                number=item.number,
                coverage=overall,
                counts=counts,
                by_algorithm=by_algorithm,
                measures=mapping.measures_for(item.key),
            )
        )
    return OrganisationReadiness(
        items=tuple(rows),
        summary=_summary([(row.framework, row.coverage) for row in rows]),
        algorithms=per_algorithm,
    )
