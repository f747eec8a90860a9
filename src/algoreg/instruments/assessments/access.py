"""Finding an assessment, and who may do what with it.

People of the algorithm's organisation read its assessments in any role; editors, publishers and
admins answer them and add participants. Signing off (and reopening) is for the participants in a
role the instrument marks as signing, or — when it marks none — for the organisation's publishers
and admins. Anyone else finds no assessment (:class:`NotFound`) when reading, and is refused
(:class:`Forbidden`) when writing.
"""

from enum import StrEnum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from algoreg.db.models import Algorithm, Assessment, AssessmentAnswer, AssessmentParticipant, User
from algoreg.errors import Forbidden, NotFound
from algoreg.instruments.assessments.library import instrument_definition
from algoreg.instruments.questionnaire.model import Instrument
from algoreg.register.algorithms import find_algorithm
from algoreg.register.roles import Principal, Role


class AssessmentState(StrEnum):
    """Where an assessment stands: being answered, signed off, or answered again after a reopening."""

    OPEN = "open"
    SIGNED_OFF = "signed_off"
    REOPENED = "reopened"


def _missing(public_id: str, assessment_id: int) -> NotFound:
    return NotFound(f"Algorithm '{public_id}' has no assessment {assessment_id}.")


def _load(
    session: Session, public_id: str, assessment_id: int, *, for_update: bool = False
) -> tuple[Algorithm, Assessment]:
    try:
        algorithm = find_algorithm(session, public_id)
    except NotFound:
        raise _missing(public_id, assessment_id) from None
    if for_update:
        # Writers take the row's write lock before reading anything of the assessment, so that two
        # people answering or signing off at once are checked one after the other, never on stale
        # answers. An UPDATE rather than SELECT … FOR UPDATE: SQLite has no row locks, and only its
        # first write starts the transaction that makes the reads after it consistent.
        session.execute(
            update(Assessment)
            .where(Assessment.id == assessment_id)
            .values(round=Assessment.round)
            .execution_options(synchronize_session=False)
        )
    assessment = session.get(Assessment, assessment_id, populate_existing=for_update)
    if assessment is None or assessment.algorithm_id != algorithm.id:
        raise _missing(public_id, assessment_id)
    return algorithm, assessment


def readable(
    session: Session, principal: Principal | None, public_id: str, assessment_id: int
) -> tuple[Algorithm, Assessment]:
    """The algorithm and its assessment for a person of its organisation (any role), else NotFound."""
    algorithm, assessment = _load(session, public_id, assessment_id)
    if principal is None or not principal.can(algorithm.organisation_id, Role.VIEWER):
        raise _missing(public_id, assessment_id)
    return algorithm, assessment


def loaded(
    session: Session, public_id: str, assessment_id: int, *, for_update: bool = False
) -> tuple[Algorithm, Assessment]:
    """The algorithm and its assessment without any check of who asks (callers decide); else NotFound.

    ``for_update`` locks the assessment until the transaction ends (for writers).
    """
    return _load(session, public_id, assessment_id, for_update=for_update)


def writable(
    session: Session, principal: Principal, public_id: str, assessment_id: int, needed: Role, doing: str
) -> tuple[Algorithm, Assessment]:
    """The algorithm and its assessment when ``principal`` holds ``needed`` in its organisation.

    Unknown ids raise :class:`NotFound`; a principal without the role :class:`Forbidden`. The
    assessment stays locked until the transaction ends.
    """
    algorithm, assessment = _load(session, public_id, assessment_id, for_update=True)
    principal.require(algorithm.organisation_id, needed, doing)
    return algorithm, assessment


def participants_of(session: Session, assessment: Assessment) -> list[AssessmentParticipant]:
    """The assessment's participants in the order they were added."""
    return list(
        session.scalars(
            select(AssessmentParticipant)
            .where(AssessmentParticipant.assessment_id == assessment.id)
            .order_by(AssessmentParticipant.id)
        )
    )


def signing_capacity(
    session: Session, principal: Principal, algorithm: Algorithm, assessment: Assessment, doing: str
) -> str:
    """The capacity in which ``principal`` may sign off (or reopen) ``assessment``, else :class:`Forbidden`.

    With signing roles: a participant role among them, and the editor role in the organisation
    (signing off writes to the register). Without: the organisation role, publisher or admin.
    """
    if not assessment.signing_roles:
        principal.require(algorithm.organisation_id, Role.PUBLISHER, doing)
        organisation_role = principal.role_in(algorithm.organisation_id)
        return organisation_role.value if organisation_role is not None else Role.PUBLISHER.value
    principal.require(algorithm.organisation_id, Role.EDITOR, doing)
    signing = set(assessment.signing_roles)
    own = [
        participant.role
        for participant in participants_of(session, assessment)
        if not principal.name.startswith("token:") and participant.user.username == principal.name
    ]
    for role in own:
        if role in signing:
            return role
    allowed = ", ".join(f"'{role}'" for role in assessment.signing_roles)
    held = (
        "you take part in " + ", ".join(f"'{role}'" for role in own)
        if own
        else "you do not take part in this assessment"
    )
    raise Forbidden(f"To {doing} you must take part in it in the role {allowed}; {held}.")


def definition_of(assessment: Assessment) -> Instrument:
    """The instrument definition the assessment was started with."""
    return instrument_definition(assessment.definition, assessment.instrument_digest)


def answer_rows(session: Session, assessment: Assessment) -> list[AssessmentAnswer]:
    """Every answer ever given to the assessment, oldest first."""
    return list(
        session.scalars(
            select(AssessmentAnswer)
            .where(AssessmentAnswer.assessment_id == assessment.id)
            .order_by(AssessmentAnswer.id)
        )
    )


def current_rows(rows: list[AssessmentAnswer]) -> dict[str, AssessmentAnswer]:
    """The newest answer row per question id (cleared answers included), in the order first answered."""
    newest: dict[str, AssessmentAnswer] = {}
    for row in rows:
        newest[row.question_id] = row
    return newest


def current_answers(session: Session, assessment: Assessment) -> dict[str, Any]:
    """The current answers, keyed by question id (cleared answers left out), as the engine reads them."""
    return {
        key: row.value
        for key, row in current_rows(answer_rows(session, assessment)).items()
        if row.value is not None
    }


def user_names(session: Session, usernames: set[str]) -> dict[str, str]:
    """Display names of the users among ``usernames`` (tokens and unknown names are left out)."""
    if not usernames:
        return {}
    rows = session.execute(select(User.username, User.display_name).where(User.username.in_(usernames)))
    return {str(username): str(display) for username, display in rows}
