"""An organisation's own measures, beside the framework's: each becomes a task for its algorithms.

An own measure has a code unique within the organisation (lower-case letters, digits and hyphens),
a name, a description and the lifecycle phases it belongs to (phase ids of the current framework).
Adding one gives every algorithm of the organisation that already has framework tasks a task for it
at once; the others get one at their next refresh (:func:`~.tasks.refresh_tasks`). Own measures
are never deleted: a task for one that does not apply is marked not applicable with a reason.

Editors (and higher) of the organisation add own measures and change their name, description and
phases (the code stays: it names the measure in tasks and reports); viewers read them and their
history; anyone else is refused. Audited as ``own_measure.add`` and ``own_measure.change``, and the
audit events are the measure's history: each change records every changed field as [before, after].
A change of phases moves the measure's tasks to the new phases, noted in each task's history.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from algoreg.db.models import Algorithm, AuditEvent, FrameworkTask, OwnMeasure, utcnow
from algoreg.errors import Conflict, FieldProblem, InvalidInput, NotFound
from algoreg.instruments.framework.definitions import current_framework
from algoreg.instruments.framework.tasks import TaskStatus, add_event
from algoreg.register.audit import record_event
from algoreg.register.organisations import get_organisation
from algoreg.register.roles import Principal, Role

__all__ = [
    "OwnMeasureChange",
    "OwnMeasureEvent",
    "OwnMeasureIn",
    "OwnMeasureView",
    "add_own_measure",
    "change_own_measure",
    "get_own_measure",
    "list_own_measures",
    "own_measure_history",
]

MAX_NAME_CHARS = 200
MAX_DESCRIPTION_CHARS = 10_000
_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


@dataclass(frozen=True)
class OwnMeasureIn:
    """A new own measure as given."""

    code: str
    name: str
    description: str = ""
    phases: tuple[str, ...] = ()


@dataclass(frozen=True)
class OwnMeasureChange:
    """Changes to an own measure; a field left ``None`` stays as it is."""

    name: str | None = None
    description: str | None = None
    phases: tuple[str, ...] | None = None


@dataclass(frozen=True)
class OwnMeasureEvent:
    """One entry of an own measure's history: who, when, what (``add`` or ``change``), changed fields."""

    id: int
    at: datetime
    actor: str
    action: str
    changes: dict[str, Any]


@dataclass(frozen=True)
class OwnMeasureView:
    """A stored own measure."""

    id: int
    organisation_code: str
    code: str
    name: str
    description: str
    phases: tuple[str, ...]
    created_at: datetime
    created_by: str


def _clean_name(given: str, problems: list[FieldProblem]) -> str:
    name = " ".join(given.split())
    if not name or len(name) > MAX_NAME_CHARS:
        problems.append(FieldProblem("name", f"must be a text of 1 to {MAX_NAME_CHARS} characters"))
    return name


def _clean_description(given: str, problems: list[FieldProblem]) -> str:
    description = given.strip()
    if len(description) > MAX_DESCRIPTION_CHARS:
        problems.append(
            FieldProblem(
                "description", f"is {len(description)} characters long; at most {MAX_DESCRIPTION_CHARS}"
            )
        )
    return description


def _clean_phases(session: Session, given: tuple[str, ...], problems: list[FieldProblem]) -> tuple[str, ...]:
    phases = tuple(dict.fromkeys(phase.strip() for phase in given))
    if phases:
        known = current_framework(session).framework.phase_ids()
        for index, phase in enumerate(phases):
            if phase not in known:
                problems.append(
                    FieldProblem(f"phases[{index}]", f"{phase!r} is not one of {', '.join(known)}")
                )
    return phases


def _checked(session: Session, organisation_id: int, given: OwnMeasureIn) -> OwnMeasureIn:
    problems: list[FieldProblem] = []
    code = given.code.strip().lower()
    if not _CODE.match(code):
        problems.append(
            FieldProblem(
                "code",
                f"{given.code!r} must be 1 to 64 lower-case letters, digits and hyphens, not starting "
                "with a hyphen",
            )
        )
    elif session.scalar(
        select(OwnMeasure.id).where(OwnMeasure.organisation_id == organisation_id, OwnMeasure.code == code)
    ):
        problems.append(
            FieldProblem("code", f"{code!r} is already the code of an own measure of the organisation")
        )
    name = _clean_name(given.name, problems)
    description = _clean_description(given.description, problems)
    phases = _clean_phases(session, given.phases, problems)
    if problems:
        raise InvalidInput(problems=problems, summary="The own measure was not added.")
    return OwnMeasureIn(code=code, name=name, description=description, phases=phases)


def add_own_measure(
    session: Session, principal: Principal, organisation_code: str, given: OwnMeasureIn
) -> OwnMeasureView:
    """Add an own measure to the organisation and a task for it to each of its algorithms with tasks.

    Needs the editor role there. Problems raise :class:`InvalidInput` naming the field; phases are
    checked against the current framework (:class:`~.definitions.NotImported` without one).
    """
    organisation = get_organisation(session, organisation_code)
    principal.require(organisation.id, Role.EDITOR, "add an own measure")
    checked = _checked(session, organisation.id, given)
    now = utcnow()
    measure = OwnMeasure(
        organisation_id=organisation.id,
        code=checked.code,
        name=checked.name,
        description=checked.description,
        phases=list(checked.phases),
        created_at=now,
        created_by=principal.name,
    )
    session.add(measure)
    try:
        session.flush()
    except IntegrityError:  # another request took the code between the check and this write
        raise Conflict(
            f"An own measure with the code '{checked.code}' was added at the same moment; "
            "nothing was stored, try again."
        ) from None
    with_tasks = session.scalars(
        select(Algorithm)
        .where(
            Algorithm.organisation_id == organisation.id,
            Algorithm.id.in_(select(FrameworkTask.algorithm_id).distinct()),
        )
        .order_by(Algorithm.id)
    )
    for algorithm in with_tasks:
        task = FrameworkTask(
            algorithm_id=algorithm.id,
            own_measure_id=measure.id,
            phases=list(checked.phases),
            requirement_ids=[],
            in_scope=True,
            status=TaskStatus.TODO.value,
            created_at=now,
            updated_at=now,
        )
        session.add(task)
        session.flush()
        add_event(session, task, principal, "create", {"own_measure_id": measure.id})
    record_event(
        session,
        principal,
        "own_measure.add",
        organisation_id=organisation.id,
        summary=f"Added own measure {measure.code} '{measure.name}'",
        detail={"own_measure_id": measure.id, "code": measure.code},
    )
    session.flush()
    return _view(organisation.code, measure)


def list_own_measures(session: Session, principal: Principal, organisation_code: str) -> list[OwnMeasureView]:
    """The organisation's own measures by code; needs the viewer role there."""
    organisation = get_organisation(session, organisation_code)
    principal.require(organisation.id, Role.VIEWER, "see the own measures")
    rows = session.scalars(
        select(OwnMeasure).where(OwnMeasure.organisation_id == organisation.id).order_by(OwnMeasure.code)
    )
    return [_view(organisation.code, row) for row in rows]


def _row(
    session: Session, principal: Principal, organisation_code: str, measure_id: int, needed: Role, doing: str
) -> tuple[str, OwnMeasure]:
    organisation = get_organisation(session, organisation_code)
    principal.require(organisation.id, needed, doing)
    row = session.get(OwnMeasure, measure_id)
    if row is None or row.organisation_id != organisation.id:
        raise NotFound(f"Organisation '{organisation.code}' has no own measure {measure_id}.")
    return organisation.code, row


def get_own_measure(
    session: Session, principal: Principal, organisation_code: str, measure_id: int
) -> OwnMeasureView:
    """One own measure of the organisation; viewer role; :class:`NotFound` for another's or none."""
    code, row = _row(session, principal, organisation_code, measure_id, Role.VIEWER, "see the own measures")
    return _view(code, row)


def change_own_measure(
    session: Session, principal: Principal, organisation_code: str, measure_id: int, change: OwnMeasureChange
) -> OwnMeasureView:
    """Change an own measure's name, description or phases; needs the editor role there.

    Checked as when adding (:class:`InvalidInput` naming the field). Only a real change is stored
    and audited, with every changed field as [before, after]; new phases are given to the measure's
    tasks as well, each noting it in its history. Nothing changes when nothing differs.
    """
    code, row = _row(session, principal, organisation_code, measure_id, Role.EDITOR, "change an own measure")
    problems: list[FieldProblem] = []
    name = _clean_name(change.name, problems) if change.name is not None else row.name
    description = (
        _clean_description(change.description, problems)
        if change.description is not None
        else row.description
    )
    phases = (
        _clean_phases(session, change.phases, problems) if change.phases is not None else tuple(row.phases)
    )
    if problems:
        raise InvalidInput(problems=problems, summary="The own measure was not changed.")
    changes: dict[str, list[Any]] = {}
    if name != row.name:
        changes["name"] = [row.name, name]
    if description != row.description:
        changes["description"] = [row.description, description]
    if list(phases) != list(row.phases):
        changes["phases"] = [list(row.phases), list(phases)]
    if not changes:
        return _view(code, row)
    row.name, row.description, row.phases = name, description, list(phases)
    if "phases" in changes:
        now = utcnow()
        for task in session.scalars(
            select(FrameworkTask).where(FrameworkTask.own_measure_id == row.id).order_by(FrameworkTask.id)
        ):
            if list(task.phases) != list(phases):
                add_event(session, task, principal, "refresh", {"phases": [list(task.phases), list(phases)]})
                task.phases = list(phases)
                task.updated_at = now
    record_event(
        session,
        principal,
        "own_measure.change",
        organisation_id=row.organisation_id,
        summary=f"Changed own measure {row.code}: {', '.join(changes)}",
        detail={"own_measure_id": row.id, "code": row.code, "changes": changes},
    )
    session.flush()
    return _view(code, row)


def own_measure_history(
    session: Session, principal: Principal, organisation_code: str, measure_id: int
) -> list[OwnMeasureEvent]:
    """The own measure's additions and changes from the audit log, oldest first; viewer role."""
    _code, row = _row(session, principal, organisation_code, measure_id, Role.VIEWER, "see the own measures")
    events = session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.organisation_id == row.organisation_id,
            AuditEvent.action.in_(("own_measure.add", "own_measure.change")),
        )
        .order_by(AuditEvent.id)
    )
    return [
        OwnMeasureEvent(
            id=event.id,
            at=event.at,
            actor=event.actor,
            action=event.action.removeprefix("own_measure."),
            changes=dict(event.detail.get("changes", {})),
        )
        for event in events
        if event.detail.get("own_measure_id") == row.id
    ]


def _view(organisation_code: str, row: OwnMeasure) -> OwnMeasureView:
    return OwnMeasureView(
        id=row.id,
        organisation_code=organisation_code,
        code=row.code,
        name=row.name,
        description=row.description,
        phases=tuple(row.phases),
        created_at=row.created_at,
        created_by=row.created_by,
    )
