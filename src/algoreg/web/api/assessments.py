"""The JSON API of assessments: instruments to choose from, assessments of an algorithm, answers,
participants, sign-off, reopening, and the output as JSON, Markdown, HTML or PDF.

Everything needs an API token of the algorithm's organisation: any role reads, the editor role
starts assessments, answers and adds participants, and signing off and reopening follow the
instrument's signing roles (see :mod:`algoreg.instruments.assessments.access`). The one exception is
the output of a signed-off assessment whose link the algorithm's published register version
holds: anyone may read that, as signed.
"""

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from algoreg.instruments import assessments
from algoreg.instruments.assessments import AnswerView, AssessmentView, InstrumentView, ParticipantView
from algoreg.instruments.assessments.document import assessment_output, to_document
from algoreg.instruments.assessments.markdown import to_markdown
from algoreg.instruments.questionnaire.engine import StopReached
from algoreg.web.api.params import PathNumber
from algoreg.web.api.schemas import OrganisationRef
from algoreg.web.deps import Actor, MaybeActor, UoW
from algoreg.web.reports.assessment import render_html, render_pdf

router = APIRouter(prefix="/api/v1", tags=["assessments"])


class InstrumentOut(BaseModel):
    """An instrument an assessment can be started with."""

    id: int
    key: str = Field(description="The definition's own id, such as 'urn:nl:iama'.")
    version: str
    title: str
    organisation: str | None = Field(description="Code of the organisation it belongs to; null: everyone's.")
    source_format: str
    digest: str
    register_assessment_title: str | None = Field(
        description="The title a signed-off assessment gets in the algorithm's impacttoetsen_grouping."
    )
    signing_roles: list[str] = Field(description="Roles whose participants sign off; empty: publishers.")
    roles: list[str] = Field(description="The roles the instrument suggests for participants.")

    @classmethod
    def of(cls, view: InstrumentView) -> "InstrumentOut":
        """The body of an instrument."""
        return cls(
            id=view.id,
            key=view.key,
            version=view.version,
            title=view.title,
            organisation=view.organisation_code,
            source_format=view.source_format,
            digest=view.digest,
            register_assessment_title=view.register_assessment_title,
            signing_roles=list(view.signing_roles),
            roles=list(view.roles),
        )


class AnswerOut(BaseModel):
    """An answer as given: to which question (or repeatable group), its value, who, when, which round."""

    question: str
    value: Any = Field(description="The answer; null when it was cleared.")
    author: str
    answered_at: datetime
    round: int

    @classmethod
    def of(cls, view: AnswerView) -> "AnswerOut":
        """The body of an answer."""
        return cls(
            question=view.question_id,
            value=view.value,
            author=view.author,
            answered_at=view.answered_at,
            round=view.round,
        )


class PartOut(BaseModel):
    """Progress of one part: questions that apply now, answered, and the required ones among them."""

    part: str
    number: str | None
    title: str
    visible: bool
    questions: int
    answered: int
    required: int
    required_answered: int
    complete: bool


class SignOffOut(BaseModel):
    """The sign-off of one round, and its reopening if any."""

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


class AssessmentLinks(BaseModel):
    """Where the assessment and its output are."""

    self: str
    output: str


class AssessmentOut(BaseModel):
    """An assessment now: instrument, state and round, progress per part, current answers, sign-offs."""

    id: int
    algorithm: str
    organisation: OrganisationRef
    title: str
    instrument: int
    instrument_key: str
    instrument_version: str
    instrument_digest: str
    register_assessment_title: str | None
    signing_roles: list[str]
    state: str = Field(description="open, signed_off or reopened.")
    round: int
    status: str = Field(description="The engine's: in_progress, complete or stopped.")
    stop: StopReached | None
    open_required: int = Field(description="Required questions that apply and have no valid answer.")
    progress: list[PartOut]
    answers: dict[str, AnswerOut] = Field(description="The current answer per question id.")
    sign_offs: list[SignOffOut]
    created_at: datetime
    created_by: str
    updated_at: datetime
    links: AssessmentLinks

    @classmethod
    def of(cls, view: AssessmentView) -> "AssessmentOut":
        """The body of an assessment."""
        base = f"/api/v1/algorithms/{view.algorithm_public_id}/assessments/{view.id}"
        return cls(
            id=view.id,
            algorithm=view.algorithm_public_id,
            organisation=OrganisationRef(code=view.organisation_code, name=view.organisation_name),
            title=view.title,
            instrument=view.instrument_id,
            instrument_key=view.instrument_key,
            instrument_version=view.instrument_version,
            instrument_digest=view.instrument_digest,
            register_assessment_title=view.register_assessment_title,
            signing_roles=list(view.signing_roles),
            state=view.state.value,
            round=view.round,
            status=view.status,
            stop=view.stop,
            open_required=view.open_required,
            progress=[PartOut(part=part.part_id, **_part(part)) for part in view.parts],
            answers={key: AnswerOut.of(answer) for key, answer in view.answers.items()},
            sign_offs=[SignOffOut(**vars(item)) for item in view.sign_offs],
            created_at=view.created_at,
            created_by=view.created_by,
            updated_at=view.updated_at,
            links=AssessmentLinks(self=base, output=f"{base}/output"),
        )


def _part(part: assessments.PartView) -> dict[str, Any]:
    return {key: value for key, value in vars(part).items() if key != "part_id"}


class ParticipantOut(BaseModel):
    """A participant: the user, their role in the assessment, whether that role signs off."""

    id: int
    username: str
    name: str
    role: str
    signs: bool
    added_at: datetime
    added_by: str

    @classmethod
    def of(cls, view: ParticipantView) -> "ParticipantOut":
        """The body of a participant."""
        return cls(
            id=view.id,
            username=view.username,
            name=view.display_name,
            role=view.role,
            signs=view.signs,
            added_at=view.added_at,
            added_by=view.added_by,
        )


class AssessmentIn(BaseModel):
    """The instrument to start an assessment with (its id in the list of instruments)."""

    instrument: int


class AnswersIn(BaseModel):
    """Answers by question id (a repeatable group's id takes its list of entries); null clears one."""

    answers: dict[str, Any] = Field(description="All are checked together and stored together, or none is.")


class AnswersStoredOut(BaseModel):
    """The answers stored (an answer equal to the current one is not stored again), and the assessment."""

    stored: list[AnswerOut]
    assessment: AssessmentOut


class ParticipantIn(BaseModel):
    """A user of the organisation and the role they take part in."""

    username: str = Field(max_length=200)
    role: str = Field(max_length=1000)


class SignOffIn(BaseModel):
    """An optional note with the sign-off."""

    note: str = Field(default="", max_length=10_000)


class ReopenIn(BaseModel):
    """Why the assessment is reopened."""

    reason: str = Field(max_length=10_000)


def _one(uow: UoW, actor: Actor, public_id: str, assessment_id: PathNumber) -> AssessmentOut:
    with uow() as session:
        return AssessmentOut.of(assessments.get_assessment(session, actor, public_id, assessment_id))


@router.get("/instruments")
def list_instruments(
    uow: UoW,
    actor: Actor,
    organisation: Annotated[str | None, Query(max_length=64, description="Organisation code.")] = None,
) -> list[InstrumentOut]:
    """The instruments the token may start assessments with: everyone's and its organisation's."""
    with uow() as session:
        views = assessments.list_instruments(session, actor, organisation)
    return [InstrumentOut.of(view) for view in views]


@router.get("/algorithms/{public_id}/assessments")
def list_assessments(public_id: str, uow: UoW, actor: Actor) -> list[AssessmentOut]:
    """The algorithm's assessments, newest first."""
    with uow() as session:
        views = assessments.assessments_of_algorithm(session, actor, public_id)
    return [AssessmentOut.of(view) for view in views]


@router.post("/algorithms/{public_id}/assessments", status_code=201, response_model=AssessmentOut)
def start(public_id: str, body: AssessmentIn, uow: UoW, actor: Actor, response: Response) -> Any:
    """Start an assessment of the algorithm with an instrument (editor role)."""
    with uow() as session:
        assessment_id = assessments.start_assessment(session, actor, public_id, body.instrument).id
    response.headers["Location"] = f"/api/v1/algorithms/{public_id}/assessments/{assessment_id}"
    return _one(uow, actor, public_id, assessment_id)


@router.get("/algorithms/{public_id}/assessments/{assessment_id}")
def get_assessment(public_id: str, assessment_id: PathNumber, uow: UoW, actor: Actor) -> AssessmentOut:
    """One assessment: state, progress per part, current answers, sign-offs."""
    return _one(uow, actor, public_id, assessment_id)


@router.post("/algorithms/{public_id}/assessments/{assessment_id}/answers")
def answer(
    public_id: str, assessment_id: PathNumber, body: AnswersIn, uow: UoW, actor: Actor
) -> AnswersStoredOut:
    """Give answers (editor role); every bad answer is named (422) and then none is stored."""
    with uow() as session:
        stored = assessments.record_answers(session, actor, public_id, assessment_id, body.answers)
    return AnswersStoredOut(
        stored=[AnswerOut.of(item) for item in stored], assessment=_one(uow, actor, public_id, assessment_id)
    )


@router.get("/algorithms/{public_id}/assessments/{assessment_id}/history")
def history(
    public_id: str,
    assessment_id: PathNumber,
    uow: UoW,
    actor: Actor,
    question: Annotated[str, Query(max_length=200, description="The question (or repeatable group) id.")],
) -> list[AnswerOut]:
    """Every answer given to one question, oldest first; the last is the current one."""
    with uow() as session:
        views = assessments.answer_history(session, actor, public_id, assessment_id, question)
    return [AnswerOut.of(view) for view in views]


@router.get("/algorithms/{public_id}/assessments/{assessment_id}/participants")
def participants(public_id: str, assessment_id: PathNumber, uow: UoW, actor: Actor) -> list[ParticipantOut]:
    """The people taking part, in the order added."""
    with uow() as session:
        views = assessments.list_participants(session, actor, public_id, assessment_id)
    return [ParticipantOut.of(view) for view in views]


@router.post(
    "/algorithms/{public_id}/assessments/{assessment_id}/participants",
    status_code=201,
    response_model=ParticipantOut,
)
def add_participant(
    public_id: str, assessment_id: PathNumber, body: ParticipantIn, uow: UoW, actor: Actor
) -> Any:
    """Add a user of the organisation in a role of the instrument (editor; publisher for a signing role)."""
    with uow() as session:
        view = assessments.add_participant(session, actor, public_id, assessment_id, body.username, body.role)
    return ParticipantOut.of(view)


@router.delete(
    "/algorithms/{public_id}/assessments/{assessment_id}/participants/{participant_id}", status_code=204
)
def remove_participant(
    public_id: str, assessment_id: PathNumber, participant_id: PathNumber, uow: UoW, actor: Actor
) -> Response:
    """Remove a participant; the answers they gave stay."""
    with uow() as session:
        assessments.remove_participant(session, actor, public_id, assessment_id, participant_id)
    return Response(status_code=204)


@router.post("/algorithms/{public_id}/assessments/{assessment_id}/sign-off")
def sign_off(
    public_id: str, assessment_id: PathNumber, body: SignOffIn, request: Request, uow: UoW, actor: Actor
) -> AssessmentOut:
    """Sign off the current round: refused while required questions that apply are open (422) or
    a stop was reached (409); an IAMA or DPIA is entered in the register in a new concept version."""
    with uow() as session:
        assessments.sign_off(
            session,
            actor,
            public_id,
            assessment_id,
            note=body.note,
            base_url=request.app.state.settings.public_base_url,
        )
    return _one(uow, actor, public_id, assessment_id)


@router.post("/algorithms/{public_id}/assessments/{assessment_id}/reopen")
def reopen(
    public_id: str, assessment_id: PathNumber, body: ReopenIn, uow: UoW, actor: Actor
) -> AssessmentOut:
    """Reopen a signed-off assessment for a new round; the answers and their history stay."""
    with uow() as session:
        assessments.reopen(session, actor, public_id, assessment_id, body.reason)
    return _one(uow, actor, public_id, assessment_id)


_MEDIA = {
    "json": "application/json",
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}


@router.get(
    "/algorithms/{public_id}/assessments/{assessment_id}/output",
    response_class=Response,
    responses={200: {"content": {media.split(";")[0]: {} for media in _MEDIA.values()}}},
)
def output(
    public_id: str,
    assessment_id: PathNumber,
    uow: UoW,
    actor: MaybeActor,
    format: Annotated[Literal["json", "md", "html", "pdf"], Query()] = "json",
    lang: Annotated[Literal["nl", "en"], Query()] = "nl",
) -> Response:
    """The assessment as a JSON document (answers with authors and times, history, sign-offs), Markdown,
    HTML or PDF. Without a token only a signed-off assessment linked from the published register entry."""
    with uow() as session:
        gathered = assessment_output(session, actor, public_id, assessment_id, lang)
    name = f"assessment-{assessment_id}.{format}"
    headers = {"Content-Disposition": f'inline; filename="{name}"'}
    if format == "json":
        body = json.dumps(to_document(gathered), ensure_ascii=False, indent=2).encode("utf-8")
    elif format == "md":
        body = to_markdown(gathered).encode("utf-8")
    else:
        body = render_pdf(gathered) if format == "pdf" else render_html(gathered).encode("utf-8")
    return Response(body, media_type=_MEDIA[format], headers=headers)
