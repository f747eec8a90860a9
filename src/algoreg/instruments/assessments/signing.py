"""Signing off an assessment, entering it in the register, and reopening it.

A sign-off is refused while a required question that applies is unanswered (or an answer has a
problem), and when the answers reached a stop (such as the stop on prohibited AI): each with the
reason. A signed-off assessment of an instrument with a ``register_assessment_title`` (IAMA, DPIA)
is entered in the algorithm's ``impacttoetsen_grouping`` as ``{title, link}``, the link pointing at
the assessment's output: the register's normal edit stores a new concept version (the workflow and
audit log apply; published versions stay as they are). An entry with the same link is not added
twice. When the register cannot take the entry (an archived algorithm), nothing is signed off.

Reopening starts a new round; the answers and their history stay, and the earlier sign-off keeps
the answers it signed.
"""

from typing import Any

from sqlalchemy.orm import Session

from algoreg.config import get_settings
from algoreg.db.models import Algorithm, Assessment, AssessmentSignOff, utcnow
from algoreg.errors import Conflict, FieldProblem, InvalidInput
from algoreg.instruments.assessments.access import (
    AssessmentState,
    current_answers,
    definition_of,
    loaded,
    signing_capacity,
)
from algoreg.instruments.assessments.overview import sign_offs_of
from algoreg.instruments.questionnaire.engine import answer_problems, evaluate
from algoreg.register.algorithms import SYSTEM_FIELDS, update_algorithm, versions
from algoreg.register.audit import record_event
from algoreg.register.roles import Principal

MAX_NOTE_CHARS = 2000


def assessment_link(base_url: str, public_id: str, assessment_id: int) -> str:
    """The address of an assessment's output (HTML), as the register entry links to it."""
    return (
        f"{base_url.rstrip('/')}/api/v1/algorithms/{public_id}/assessments/{assessment_id}/output?format=html"
    )


def _note(text: str, field: str, required: bool) -> str:
    cleaned = text.strip()
    if required and not cleaned:
        raise InvalidInput(
            problems=[FieldProblem(field, "is required; say in a few words why")],
            summary="Nothing was changed.",
        )
    if len(cleaned) > MAX_NOTE_CHARS:
        raise InvalidInput(
            problems=[
                FieldProblem(field, f"is {len(cleaned)} characters; at most {MAX_NOTE_CHARS} are allowed")
            ],
            summary="Nothing was changed.",
        )
    return cleaned


def _refuse_unfinished(assessment: Assessment, answers: dict[str, Any]) -> None:
    instrument = definition_of(assessment)
    state = evaluate(instrument, answers)
    if state.stop is not None:
        raise Conflict(
            f"This assessment cannot be signed off: the answers reached the stop '{state.stop.stop_id}' "
            f"in part '{state.stop.part_id}': {state.stop.reason}"
        )
    problems = answer_problems(instrument, answers, require_complete=True)
    if problems:
        raise InvalidInput(
            problems=list(problems),
            summary=(
                f"This assessment cannot be signed off yet: {len(problems)} required question(s) that apply "
                "are not answered, or have answers with a problem."
            ),
        )


def _enter_in_register(
    session: Session, principal: Principal, algorithm: Algorithm, assessment: Assessment, link: str
) -> int | None:
    """Add ``{title, link}`` to the newest version's impact assessments (new concept version); its number.

    None when an entry with this link is there already.
    """
    title = assessment.register_assessment_title
    assert title is not None
    latest = versions(session, principal, algorithm.public_id)[-1].record
    entries = list(latest.get("impacttoetsen_grouping") or [])
    if any(isinstance(entry, dict) and entry.get("link") == link for entry in entries):
        return None
    record = {key: value for key, value in latest.items() if key not in SYSTEM_FIELDS}
    record["impacttoetsen_grouping"] = [*entries, {"title": title, "link": link}]
    try:
        update_algorithm(session, principal, algorithm.public_id, record, None)
    except Conflict as refused:
        raise Conflict(
            "This assessment was not signed off: its link cannot be put in the algorithm's register entry. "
            + refused.message
        ) from None
    except InvalidInput as invalid:
        raise InvalidInput(
            problems=[FieldProblem(f"register.{p.field}", p.reason) for p in invalid.problems],
            summary="This assessment was not signed off: the register entry with its link is not valid.",
        ) from None
    return algorithm.latest_version_number


def sign_off(
    session: Session,
    principal: Principal,
    public_id: str,
    assessment_id: int,
    *,
    note: str = "",
    base_url: str | None = None,
) -> AssessmentSignOff:
    """Sign off the current round of an assessment (who may: see :func:`access.signing_capacity`).

    Refused while it is unfinished or stopped (see the module), and when it is signed off already
    (:class:`Conflict`). Keeps the answers signed; enters the assessment in the register when its
    instrument says so, with a link under ``base_url`` (default: the configured public address).
    Audited as ``assessment.sign_off``.
    """
    algorithm, assessment = loaded(session, public_id, assessment_id, for_update=True)
    signed_as = signing_capacity(session, principal, algorithm, assessment, "sign off this assessment")
    if assessment.state == AssessmentState.SIGNED_OFF:
        raise Conflict("This assessment is signed off already; reopen it to change and sign it again.")
    cleaned = _note(note, "note", required=False)
    answers = current_answers(session, assessment)
    _refuse_unfinished(assessment, answers)
    link: str | None = None
    version: int | None = None
    if assessment.register_assessment_title:
        link = assessment_link(base_url or get_settings().public_base_url, algorithm.public_id, assessment.id)
        version = _enter_in_register(session, principal, algorithm, assessment, link)
    now = utcnow()
    row = AssessmentSignOff(
        assessment_id=assessment.id,
        round=assessment.round,
        signed_by=principal.name,
        signed_as=signed_as,
        signed_at=now,
        note=cleaned,
        answers=answers,
        register_link=link,
        register_version=version,
    )
    session.add(row)
    assessment.state = AssessmentState.SIGNED_OFF.value
    assessment.updated_at = now
    session.flush()
    record_event(
        session,
        principal,
        "assessment.sign_off",
        organisation_id=algorithm.organisation_id,
        algorithm_id=algorithm.id,
        version_number=version,
        summary=f"Signed off round {assessment.round} of assessment {assessment.id} '{assessment.title}'",
        detail={
            "assessment_id": assessment.id,
            "round": assessment.round,
            "signed_as": signed_as,
            "register_link": link,
            "register_version": version,
        },
    )
    session.flush()
    return row


def reopen(
    session: Session, principal: Principal, public_id: str, assessment_id: int, reason: str
) -> Assessment:
    """Reopen a signed-off assessment for a new round (same people as may sign it off); ``reason`` needed.

    The answers, their history and the earlier sign-off stay. Audited as ``assessment.reopen``.
    """
    algorithm, assessment = loaded(session, public_id, assessment_id, for_update=True)
    signing_capacity(session, principal, algorithm, assessment, "reopen this assessment")
    if assessment.state != AssessmentState.SIGNED_OFF:
        raise Conflict("This assessment is not signed off, so it is open already.")
    cleaned = _note(reason, "reason", required=True)
    now = utcnow()
    last = sign_offs_of(session, assessment)[-1]
    last.reopened_at, last.reopened_by, last.reopen_reason = now, principal.name, cleaned
    assessment.round += 1
    assessment.state = AssessmentState.REOPENED.value
    assessment.updated_at = now
    session.flush()
    record_event(
        session,
        principal,
        "assessment.reopen",
        organisation_id=algorithm.organisation_id,
        algorithm_id=algorithm.id,
        summary=f"Reopened assessment {assessment.id} '{assessment.title}' for round {assessment.round}",
        detail={"assessment_id": assessment.id, "round": assessment.round, "reason": cleaned},
    )
    session.flush()
    return assessment
