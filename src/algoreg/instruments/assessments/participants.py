"""Participants: the people who take part in an assessment, each in a role of the instrument.

A participant is a user account with a role in the algorithm's organisation. The role is one the
instrument suggests (or one of its signing roles); an instrument that suggests none accepts any
role name. Editors add and remove participants; a participant in a signing role needs a publisher
(or admin) to add or remove, because that person may sign off.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from algoreg.db.models import AssessmentParticipant, Membership, utcnow
from algoreg.errors import Conflict, FieldProblem, InvalidInput, NotFound
from algoreg.instruments.assessments.access import definition_of, participants_of, readable, writable
from algoreg.instruments.assessments.library import MAX_ROLE_CHARS, suggested_roles
from algoreg.register.accounts import find_user
from algoreg.register.audit import record_event
from algoreg.register.roles import Principal, Role

_SUMMARY = "The participant was not added."


@dataclass(frozen=True)
class ParticipantView:
    """A participant: the user, their name, their role in the assessment, who added them and when."""

    id: int
    username: str
    display_name: str
    role: str
    signs: bool
    added_at: datetime
    added_by: str


def participant_view(participant: AssessmentParticipant, signing: list[str]) -> ParticipantView:
    return ParticipantView(
        id=participant.id,
        username=participant.user.username,
        display_name=participant.user.display_name,
        role=participant.role,
        signs=participant.role in signing,
        added_at=participant.added_at,
        added_by=participant.added_by,
    )


def list_participants(
    session: Session, principal: Principal | None, public_id: str, assessment_id: int
) -> list[ParticipantView]:
    """The assessment's participants in the order added; for the organisation's people."""
    _algorithm, assessment = readable(session, principal, public_id, assessment_id)
    return [participant_view(item, assessment.signing_roles) for item in participants_of(session, assessment)]


def allowed_roles(suggested: tuple[str, ...], signing: list[str]) -> tuple[str, ...]:
    """The participant roles an assessment accepts (empty: any role name)."""
    return tuple(dict.fromkeys((*suggested, *signing)))


def add_participant(
    session: Session, principal: Principal, public_id: str, assessment_id: int, username: str, role: str
) -> ParticipantView:
    """Add ``username`` to the assessment in ``role``; needs the editor role (publisher for a signing role).

    The user must hold a role in the algorithm's organisation; the role must be one the assessment
    accepts (:func:`allowed_roles`). The same person in the same role twice is :class:`Conflict`.
    Audited as ``assessment.participant_add``.
    """
    algorithm, assessment = writable(
        session, principal, public_id, assessment_id, Role.EDITOR, "add participants to this assessment"
    )
    cleaned = " ".join(role.split())
    problems: list[FieldProblem] = []
    allowed = allowed_roles(suggested_roles(definition_of(assessment)), assessment.signing_roles)
    if not cleaned or len(cleaned) > MAX_ROLE_CHARS:
        problems.append(FieldProblem("role", f"must be 1 to {MAX_ROLE_CHARS} characters of text"))
    elif allowed and cleaned not in allowed:
        listed = ", ".join(f"'{item}'" for item in allowed)
        problems.append(
            FieldProblem("role", f"'{cleaned}' is not a role of this instrument; allowed: {listed}")
        )
    try:
        user = find_user(session, username)
    except NotFound:
        user = None
        problems.append(FieldProblem("username", f"there is no user named '{username.strip()}'"))
    if user is not None and not user.is_superuser:
        member = session.scalar(
            select(Membership.id).where(
                Membership.user_id == user.id, Membership.organisation_id == algorithm.organisation_id
            )
        )
        if member is None:
            problems.append(
                FieldProblem(
                    "username",
                    f"'{user.username}' has no role in {algorithm.organisation.name}; "
                    "give them a role there first",
                )
            )
    if problems:
        raise InvalidInput(problems=problems, summary=_SUMMARY)
    assert user is not None
    if cleaned in assessment.signing_roles:
        principal.require(
            algorithm.organisation_id, Role.PUBLISHER, "add a participant who may sign off this assessment"
        )
    if any(p.user_id == user.id and p.role == cleaned for p in participants_of(session, assessment)):
        raise Conflict(f"'{user.username}' takes part in this assessment as '{cleaned}' already.")
    participant = AssessmentParticipant(
        assessment_id=assessment.id, user_id=user.id, role=cleaned, added_at=utcnow(), added_by=principal.name
    )
    session.add(participant)
    session.flush()
    record_event(
        session,
        principal,
        "assessment.participant_add",
        organisation_id=algorithm.organisation_id,
        algorithm_id=algorithm.id,
        summary=f"Added {user.username} as '{cleaned}' to assessment {assessment.id}",
        detail={"assessment_id": assessment.id, "username": user.username, "role": cleaned},
    )
    session.flush()
    return participant_view(participant, assessment.signing_roles)


def remove_participant(
    session: Session, principal: Principal, public_id: str, assessment_id: int, participant_id: int
) -> None:
    """Remove a participant (the answers they gave stay); editor role, publisher for a signing role.

    Audited as ``assessment.participant_remove``.
    """
    algorithm, assessment = writable(
        session, principal, public_id, assessment_id, Role.EDITOR, "remove participants of this assessment"
    )
    participant = session.get(AssessmentParticipant, participant_id)
    if participant is None or participant.assessment_id != assessment.id:
        raise NotFound(f"Assessment {assessment.id} has no participant {participant_id}.")
    if participant.role in assessment.signing_roles:
        principal.require(
            algorithm.organisation_id, Role.PUBLISHER, "remove a participant who may sign off this assessment"
        )
    username, role = participant.user.username, participant.role
    session.delete(participant)
    record_event(
        session,
        principal,
        "assessment.participant_remove",
        organisation_id=algorithm.organisation_id,
        algorithm_id=algorithm.id,
        summary=f"Removed {username} ('{role}') from assessment {assessment.id}",
        detail={"assessment_id": assessment.id, "username": username, "role": role},
    )
    session.flush()
