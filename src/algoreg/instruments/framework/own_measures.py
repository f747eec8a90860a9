"""An organisation's own measures, beside the framework's: each becomes a task for its algorithms.

An own measure has a code unique within the organisation (lower-case letters, digits and hyphens),
a name, a description and the lifecycle phases it belongs to (phase ids of the current framework).
Adding one gives every algorithm of the organisation that already has framework tasks a task for it
at once; the others get one at their next refresh (:func:`~.tasks.refresh_tasks`). Own measures
are never deleted: a task for one that does not apply is marked not applicable with a reason.

Editors (and higher) of the organisation add own measures; viewers read them; anyone else is
refused. Audited as ``own_measure.add``.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from algoreg.db.models import Algorithm, FrameworkTask, OwnMeasure, utcnow
from algoreg.errors import FieldProblem, InvalidInput
from algoreg.instruments.framework.definitions import current_framework
from algoreg.instruments.framework.tasks import TaskStatus, add_event
from algoreg.register.audit import record_event
from algoreg.register.organisations import get_organisation
from algoreg.register.roles import Principal, Role

__all__ = ["OwnMeasureIn", "OwnMeasureView", "add_own_measure", "list_own_measures"]

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


def _checked(session: Session, organisation_id: int, given: OwnMeasureIn) -> OwnMeasureIn:
    problems = []
    code = given.code.strip().lower()
    name = " ".join(given.name.split())
    description = given.description.strip()
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
    if not name or len(name) > MAX_NAME_CHARS:
        problems.append(FieldProblem("name", f"must be a text of 1 to {MAX_NAME_CHARS} characters"))
    if len(description) > MAX_DESCRIPTION_CHARS:
        problems.append(
            FieldProblem(
                "description", f"is {len(description)} characters long; at most {MAX_DESCRIPTION_CHARS}"
            )
        )
    phases = tuple(dict.fromkeys(phase.strip() for phase in given.phases))
    if phases:
        known = current_framework(session).framework.phase_ids()
        for index, phase in enumerate(phases):
            if phase not in known:
                problems.append(
                    FieldProblem(f"phases[{index}]", f"{phase!r} is not one of {', '.join(known)}")
                )
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
    session.flush()
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
