"""Bulk import and export of records in the standard's field names.

An import is all-or-nothing by default: every row is checked first, and when any row has a
problem nothing is stored and every problem is reported by row, field and reason. Rows whose
``lars`` names an algorithm of the organisation update it; other rows create new algorithms.
"""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from algoreg.db.models import Algorithm, Organisation
from algoreg.errors import FieldProblem, InvalidInput
from algoreg.register.algorithms import (
    create_algorithm,
    find_algorithm,
    list_published,
    perform,
    perform_steps,
    update_algorithm,
    validate_record,
)
from algoreg.register.organisations import get_organisation
from algoreg.register.roles import Principal, Role
from algoreg.register.workflow import Action, State, steps_to_publish


@dataclass
class ImportReport:
    """What an import did: ids created and updated, and the problems of rows not stored."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    published: list[str] = field(default_factory=list)
    problems: list[FieldProblem] = field(default_factory=list)

    @property
    def stored(self) -> int:
        """How many rows were stored as new or changed algorithms."""
        return len(self.created) + len(self.updated)


def _row_problems(session: Session, organisation_id: int, row_number: int, row: Any) -> list[FieldProblem]:
    """Return every problem of one row, without storing anything."""
    organisation = session.get(Organisation, organisation_id)
    assert organisation is not None
    try:
        validate_record(row, organisation)
    except InvalidInput as invalid:
        return [FieldProblem(p.field, p.reason, row_number) for p in invalid.problems]
    lars = row.get("lars") if isinstance(row, dict) else None
    if lars:
        existing = session.scalar(select(Algorithm).where(Algorithm.public_id == str(lars)))
        if existing is not None and existing.organisation_id != organisation_id:
            return [FieldProblem("lars", f"'{lars}' belongs to another organisation's algorithm", row_number)]
    return []


def import_records(
    session: Session,
    principal: Principal,
    organisation_code: str,
    rows: list[Any],
    *,
    all_or_nothing: bool = True,
    publish: bool = False,
) -> ImportReport:
    """Import ``rows`` into the organisation; needs editor (and publisher when ``publish``).

    With ``all_or_nothing`` any problem raises :class:`InvalidInput` listing every problem and
    nothing is stored; otherwise valid rows are stored and the others reported. ``publish``
    takes each stored algorithm through review to publication, recorded as such in the audit log.
    """
    organisation = get_organisation(session, organisation_code)
    principal.require(organisation.id, Role.PUBLISHER if publish else Role.EDITOR, "import algorithms")
    report = ImportReport()
    problems_by_row: dict[int, list[FieldProblem]] = {}
    seen_lars: dict[str, int] = {}
    for number, row in enumerate(rows, start=1):
        row_problems = _row_problems(session, organisation.id, number, row)
        lars = row.get("lars") if isinstance(row, dict) else None
        if lars:
            if str(lars) in seen_lars:
                row_problems.append(
                    FieldProblem("lars", f"'{lars}' also occurs in row {seen_lars[str(lars)]}", number)
                )
            seen_lars.setdefault(str(lars), number)
        if row_problems:
            problems_by_row[number] = row_problems
    report.problems = [p for ps in problems_by_row.values() for p in ps]
    if report.problems and all_or_nothing:
        raise InvalidInput(
            report.problems,
            f"{len(problems_by_row)} of {len(rows)} rows have problems; nothing was imported.",
        )
    for number, row in enumerate(rows, start=1):
        if number in problems_by_row:
            continue
        _import_row(session, principal, organisation_code, row, publish, report)
    return report


def _import_row(
    session: Session,
    principal: Principal,
    organisation_code: str,
    row: dict[str, Any],
    publish: bool,
    report: ImportReport,
) -> None:
    lars = str(row["lars"]) if row.get("lars") else None
    existing = session.scalar(select(Algorithm).where(Algorithm.public_id == lars)) if lars else None
    if existing is None:
        algorithm = create_algorithm(session, principal, organisation_code, row, public_id=lars)
        report.created.append(algorithm.public_id)
    else:
        version_before = existing.latest_version_number
        if existing.state == State.ARCHIVED:
            perform(session, principal, existing.public_id, Action.UNARCHIVE)
        algorithm = update_algorithm(session, principal, existing.public_id, row, None)
        changed = algorithm.latest_version_number != version_before
        (report.updated if changed else report.unchanged).append(algorithm.public_id)
    if publish:
        _publish(session, principal, algorithm.public_id, report)


def _publish(session: Session, principal: Principal, public_id: str, report: ImportReport) -> None:
    algorithm = find_algorithm(session, public_id)
    steps = steps_to_publish(State(algorithm.state))
    if steps:
        perform_steps(session, principal, public_id, steps, note="bulk import")
        report.published.append(public_id)


def published_rows(session: Session, organisation_code: str | None = None) -> list[dict[str, Any]]:
    """Return the records of all public algorithms (of one organisation, if given), by name."""
    rows: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = list_published(session, organisation_code=organisation_code, offset=offset, limit=500)
        rows.extend(item.record for item in page.items)
        offset += page.limit
        if offset >= page.total:
            return rows
