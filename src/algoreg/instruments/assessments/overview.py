"""Starting assessments, and what an assessment looks like now: state, progress per part, answers.

An assessment copies the instrument's definition when it starts, so a newer import of the
instrument never changes what was answered. Progress per part is the engine's: the visible
questions, how many are answered, and the required ones among them ("applicable required").
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from algoreg.db.models import Algorithm, Assessment, AssessmentSignOff, utcnow
from algoreg.errors import FieldProblem, InvalidInput, NotFound
from algoreg.instruments.assessments.access import (
    AssessmentState,
    answer_rows,
    current_rows,
    definition_of,
    readable,
)
from algoreg.instruments.assessments.answering import AnswerView, answer_view
from algoreg.instruments.assessments.library import find_instrument
from algoreg.instruments.questionnaire.engine import StopReached, evaluate
from algoreg.register.algorithms import find_algorithm
from algoreg.register.audit import record_event
from algoreg.register.roles import Principal, Role


@dataclass(frozen=True)
class PartView:
    """How far one part is: its title, and the counts of the engine's progress."""

    part_id: str
    number: str | None
    title: str
    visible: bool
    questions: int
    answered: int
    required: int
    required_answered: int
    complete: bool


@dataclass(frozen=True)
class SignOffView:
    """A sign-off of one round, and its reopening if there was one."""

    round: int
    signed_by: str
    signed_as: str
    signed_at: datetime
    note: str
    register_link: str | None
    register_version: int | None
    reopened_at: datetime | None
    reopened_by: str | None
    reopen_reason: str | None


@dataclass(frozen=True)
class AssessmentView:
    """An assessment now: what it assesses with, its state and round, progress and current answers.

    ``status`` is the engine's (``in_progress``, ``complete`` or ``stopped``); ``answers`` holds the
    current answer per key (cleared ones left out), ``open_required`` the required visible questions
    still without a valid answer.
    """

    id: int
    algorithm_public_id: str
    organisation_id: int
    organisation_code: str
    organisation_name: str
    title: str
    instrument_id: int
    instrument_key: str
    instrument_version: str
    instrument_digest: str
    register_assessment_title: str | None
    signing_roles: tuple[str, ...]
    state: AssessmentState
    round: int
    status: str
    stop: StopReached | None
    parts: tuple[PartView, ...]
    answers: dict[str, AnswerView]
    open_required: int
    problems: int
    sign_offs: tuple[SignOffView, ...]
    created_at: datetime
    created_by: str
    updated_at: datetime


def start_assessment(
    session: Session, principal: Principal, public_id: str, instrument_id: int
) -> Assessment:
    """Start an assessment of the algorithm with a stored instrument; needs the editor role.

    The instrument must be instance-wide or the algorithm's organisation's own. Audited as
    ``assessment.start``.
    """
    algorithm = find_algorithm(session, public_id)
    principal.require(algorithm.organisation_id, Role.EDITOR, "start an assessment of this algorithm")
    try:
        stored = find_instrument(session, principal, instrument_id)
    except NotFound:
        stored = None
    if stored is None or stored.organisation_id not in (None, algorithm.organisation_id):
        raise InvalidInput(
            problems=[
                FieldProblem(
                    "instrument",
                    f"there is no instrument {instrument_id} for this organisation; see the instruments list",
                )
            ],
            summary="The assessment was not started.",
        )
    now = utcnow()
    assessment = Assessment(
        algorithm_id=algorithm.id,
        instrument_id=stored.id,
        instrument_key=stored.key,
        instrument_version=stored.version,
        instrument_digest=stored.digest,
        title=stored.title,
        definition=stored.definition,
        register_assessment_title=stored.register_assessment_title,
        signing_roles=list(stored.signing_roles),
        state=AssessmentState.OPEN.value,
        round=1,
        created_at=now,
        created_by=principal.name,
        updated_at=now,
    )
    session.add(assessment)
    session.flush()
    record_event(
        session,
        principal,
        "assessment.start",
        organisation_id=algorithm.organisation_id,
        algorithm_id=algorithm.id,
        summary=f"Started assessment {assessment.id} '{stored.title}' ({stored.key} {stored.version})",
        detail={"assessment_id": assessment.id, "instrument_id": stored.id, "digest": stored.digest},
    )
    session.flush()
    return assessment


def sign_offs_of(session: Session, assessment: Assessment) -> list[AssessmentSignOff]:
    """The assessment's sign-offs, oldest first."""
    return list(
        session.scalars(
            select(AssessmentSignOff)
            .where(AssessmentSignOff.assessment_id == assessment.id)
            .order_by(AssessmentSignOff.id)
        )
    )


def sign_off_view(row: AssessmentSignOff) -> SignOffView:
    """What callers see of a sign-off."""
    return SignOffView(
        round=row.round,
        signed_by=row.signed_by,
        signed_as=row.signed_as,
        signed_at=row.signed_at,
        note=row.note,
        register_link=row.register_link,
        register_version=row.register_version,
        reopened_at=row.reopened_at,
        reopened_by=row.reopened_by,
        reopen_reason=row.reopen_reason,
    )


def build_view(
    session: Session, algorithm: Algorithm, assessment: Assessment, answers: dict[str, Any] | None = None
) -> AssessmentView:
    """The view of an assessment already found and authorised.

    With ``answers`` (such as those of a sign-off), state and progress are of those answers, and the
    view holds no current answers.
    """
    instrument = definition_of(assessment)
    rows = current_rows(answer_rows(session, assessment)) if answers is None else {}
    if answers is None:
        answers = {key: row.value for key, row in rows.items() if row.value is not None}
    state = evaluate(instrument, answers)
    titles = {part.id: (part.number, part.title) for part in instrument.parts}
    parts = tuple(
        PartView(
            part_id=item.part_id,
            number=titles[item.part_id][0],
            title=titles[item.part_id][1],
            visible=item.visible,
            questions=item.questions,
            answered=item.answered,
            required=item.required,
            required_answered=item.required_answered,
            complete=item.complete,
        )
        for item in state.progress
    )
    return AssessmentView(
        id=assessment.id,
        algorithm_public_id=algorithm.public_id,
        organisation_id=algorithm.organisation_id,
        organisation_code=algorithm.organisation.code,
        organisation_name=algorithm.organisation.name,
        title=assessment.title,
        instrument_id=assessment.instrument_id,
        instrument_key=assessment.instrument_key,
        instrument_version=assessment.instrument_version,
        instrument_digest=assessment.instrument_digest,
        register_assessment_title=assessment.register_assessment_title,
        signing_roles=tuple(assessment.signing_roles),
        state=AssessmentState(assessment.state),
        round=assessment.round,
        status=state.status,
        stop=state.stop,
        parts=parts,
        answers={key: answer_view(row) for key, row in rows.items() if row.value is not None},
        open_required=sum(1 for item in state.fields if item.required and not item.answered),
        problems=len(state.problems),
        sign_offs=tuple(sign_off_view(row) for row in sign_offs_of(session, assessment)),
        created_at=assessment.created_at,
        created_by=assessment.created_by,
        updated_at=assessment.updated_at,
    )


def get_assessment(
    session: Session, principal: Principal | None, public_id: str, assessment_id: int
) -> AssessmentView:
    """One assessment of an algorithm, for the people of its organisation (else :class:`NotFound`)."""
    algorithm, assessment = readable(session, principal, public_id, assessment_id)
    return build_view(session, algorithm, assessment)


def assessments_of_algorithm(
    session: Session, principal: Principal | None, public_id: str
) -> list[AssessmentView]:
    """The algorithm's assessments, newest first, for the people of its organisation (else NotFound)."""
    try:
        algorithm = find_algorithm(session, public_id)
    except NotFound:
        algorithm = None
    if algorithm is None or principal is None or not principal.can(algorithm.organisation_id, Role.VIEWER):
        raise NotFound(f"There is no algorithm with id '{public_id}'.")
    rows = session.scalars(
        select(Assessment).where(Assessment.algorithm_id == algorithm.id).order_by(Assessment.id.desc())
    )
    return [build_view(session, algorithm, row) for row in rows]
