"""An assessment's output: everything about it gathered once, and its machine-readable JSON document.

:func:`assessment_output` gathers the assessment for the people of its organisation: its state and
progress, participants, current answers with author and time, every answer ever given, the action
points, sign-offs, and the content tree (:mod:`.content`) that Markdown, HTML and PDF draw.

The public may read the output of an assessment whose link the algorithm's *public* register
version holds (a signed-off IAMA or DPIA, once that version is published): then it shows the
answers as they were signed, without the names of the people who gave them and without history.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from algoreg.db.models import Algorithm, AlgorithmVersion, Assessment, AssessmentSignOff, utcnow
from algoreg.errors import NotFound
from algoreg.instruments.assessments.access import (
    AssessmentState,
    answer_rows,
    current_rows,
    definition_of,
    loaded,
    participants_of,
)
from algoreg.instruments.assessments.answering import AnswerView, answer_view
from algoreg.instruments.assessments.content import Answered, Lang, PartContent, build_parts
from algoreg.instruments.assessments.overview import (
    AssessmentView,
    SignOffView,
    build_view,
    sign_off_view,
    sign_offs_of,
)
from algoreg.instruments.assessments.participants import ParticipantView, participant_view
from algoreg.instruments.questionnaire.engine import ActionPoint, action_points
from algoreg.register.algorithms import get_published, is_public
from algoreg.register.roles import Principal, Role

FORMAT = "algoreg-assessment/1"


@dataclass(frozen=True)
class AssessmentOutput:
    """An assessment gathered for output; ``public`` when it is the signed version the public reads."""

    view: AssessmentView
    algorithm_name: str
    participants: tuple[ParticipantView, ...]
    parts: tuple[PartContent, ...]
    answers: dict[str, Any]
    history: tuple[AnswerView, ...]
    action_points: tuple[ActionPoint, ...]
    public: bool
    lang: Lang
    generated_at: datetime


def _algorithm_name(session: Session, algorithm: Algorithm, public: bool) -> str:
    number = algorithm.public_version_number if public else algorithm.latest_version_number
    name = session.scalar(
        select(AlgorithmVersion.name).where(
            AlgorithmVersion.algorithm_id == algorithm.id, AlgorithmVersion.number == number
        )
    )
    return name or algorithm.public_id


def _public_sign_off(
    session: Session, algorithm: Algorithm, assessment: Assessment
) -> AssessmentSignOff | None:
    """The newest sign-off whose register link the algorithm's public version holds, if any."""
    if not is_public(algorithm):
        return None
    record = get_published(session, algorithm.public_id).record
    links = {
        entry.get("link")
        for entry in record.get("impacttoetsen_grouping") or []
        if isinstance(entry, dict) and entry.get("link")
    }
    signed = [row for row in sign_offs_of(session, assessment) if row.register_link in links]
    return signed[-1] if signed else None


def assessment_output(
    session: Session, principal: Principal | None, public_id: str, assessment_id: int, lang: Lang = "nl"
) -> AssessmentOutput:
    """The assessment gathered for output in ``lang``: all of it for its organisation's people, the
    signed public version for anyone else when there is one (see the module), else :class:`NotFound`."""
    algorithm, assessment = loaded(session, public_id, assessment_id)
    own = principal is not None and principal.can(algorithm.organisation_id, Role.VIEWER)
    instrument = definition_of(assessment)
    if own:
        view = build_view(session, algorithm, assessment)
        rows = answer_rows(session, assessment)
        current = {key: row for key, row in current_rows(rows).items() if row.value is not None}
        answers = {key: row.value for key, row in current.items()}
        answered = {key: Answered(row.author, row.answered_at, row.round) for key, row in current.items()}
        history = tuple(answer_view(row) for row in rows)
        participants = tuple(
            participant_view(item, assessment.signing_roles) for item in participants_of(session, assessment)
        )
    else:
        signed = _public_sign_off(session, algorithm, assessment)
        if signed is None:
            raise NotFound(f"Algorithm '{public_id}' has no assessment {assessment_id}.")
        answers, answered, history, participants = dict(signed.answers), {}, (), ()
        view = _public_view(build_view(session, algorithm, assessment, answers), sign_off_view(signed))
    return AssessmentOutput(
        view=view,
        algorithm_name=_algorithm_name(session, algorithm, public=not own),
        participants=participants,
        parts=build_parts(instrument, answers, answered, lang),
        answers=answers,
        history=history,
        action_points=action_points(instrument, answers),
        public=not own,
        lang=lang,
        generated_at=utcnow(),
    )


def _public_view(view: AssessmentView, signed: SignOffView) -> AssessmentView:
    """The view the public gets: the signed round, no names of people, no answers' authors."""
    public_sign_off = replace(signed, signed_by="", reopened_by=None)
    return replace(
        view,
        state=AssessmentState.SIGNED_OFF,
        sign_offs=(public_sign_off,),
        round=signed.round,
        created_by="",
    )


def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def to_document(output: AssessmentOutput) -> dict[str, Any]:
    """The output as a JSON-serialisable document of format ``algoreg-assessment/1``.

    It holds the assessment (state, round, status, stop), the algorithm and organisation, the
    instrument (id, version, digest), the participants, progress per part, the current answers by
    key with author, time and round, every answer given (``history``), the action points and the
    sign-offs. The public version leaves out people's names and the history.
    """
    view = output.view
    answered = view.answers
    return {
        "format": FORMAT,
        "generated_at": output.generated_at.isoformat(),
        "public": output.public,
        "assessment": {
            "id": view.id,
            "title": view.title,
            "state": view.state.value,
            "round": view.round,
            "status": view.status,
            "stop": view.stop.model_dump(mode="json") if view.stop is not None else None,
            "created_at": _moment(view.created_at),
            "created_by": view.created_by or None,
            "updated_at": _moment(view.updated_at),
        },
        "algorithm": {
            "id": view.algorithm_public_id,
            "name": output.algorithm_name,
            "organisation": {"code": view.organisation_code, "name": view.organisation_name},
        },
        "instrument": {
            "id": view.instrument_key,
            "version": view.instrument_version,
            "digest": view.instrument_digest,
            "register_assessment_title": view.register_assessment_title,
            "signing_roles": list(view.signing_roles),
        },
        "participants": [
            {"username": item.username, "name": item.display_name, "role": item.role, "signs": item.signs}
            for item in output.participants
        ],
        "progress": [
            {
                "part": part.part_id,
                "title": part.title,
                "visible": part.visible,
                "questions": part.questions,
                "answered": part.answered,
                "required": part.required,
                "required_answered": part.required_answered,
                "complete": part.complete,
            }
            for part in view.parts
        ],
        "answers": {
            key: {
                "value": value,
                "author": answered[key].author if key in answered else None,
                "answered_at": _moment(answered[key].answered_at) if key in answered else None,
                "round": answered[key].round if key in answered else None,
            }
            for key, value in output.answers.items()
        },
        "history": [
            {
                "question": item.question_id,
                "value": item.value,
                "author": item.author,
                "answered_at": _moment(item.answered_at),
                "round": item.round,
            }
            for item in output.history
        ],
        "action_points": [point.model_dump(mode="json") for point in output.action_points],
        "sign_offs": [
            {
                "round": item.round,
                "signed_by": item.signed_by or None,
                "signed_as": item.signed_as,
                "signed_at": _moment(item.signed_at),
                "note": item.note,
                "register_link": item.register_link,
                "register_version": item.register_version,
                "reopened_at": _moment(item.reopened_at),
                "reopened_by": item.reopened_by,
                "reopen_reason": item.reopen_reason,
            }
            for item in view.sign_offs
        ],
    }
