"""The JSON API of the implementation framework per algorithm: its AI Act profile, tasks, evidence,
own measures, progress per phase and audit readiness.

Everything here is the organisation's own working data: every call needs an API token of the
algorithm's organisation. Viewers read; editors (and higher) record profiles, refresh and change
tasks, add evidence, and add and change own measures. A token of another organisation is refused (403).
"""

from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from algoreg.errors import FieldProblem, InvalidInput
from algoreg.instruments.framework import evidence, own_measures, profile_store, progress, tasks
from algoreg.instruments.framework.audit import AlgorithmReadiness, OrganisationReadiness
from algoreg.instruments.framework.evidence import EvidenceTooLarge, EvidenceView
from algoreg.instruments.framework.own_measures import OwnMeasureChange, OwnMeasureIn, OwnMeasureView
from algoreg.instruments.framework.profile_store import ProfileView
from algoreg.instruments.framework.tasks import PersonRef, TaskChange, TaskStatus, TaskView
from algoreg.standard.enums import PublicationCategory
from algoreg.web.api.evidence import EvidenceIn, file_content
from algoreg.web.api.params import PathNumber
from algoreg.web.deps import Actor, UoW
from algoreg.web.errors import problems_body

router = APIRouter(prefix="/api/v1", tags=["framework tasks"])


# --- AI Act profile -----------------------------------------------------------------------------


class AnswerIn(BaseModel):
    """One answer of the decision aid: the question's id and the text of the chosen answer."""

    question: str = Field(min_length=1, max_length=64, examples=["1.1"])
    answer: str = Field(min_length=1, max_length=2000, examples=["Ja"])


class ProfileIn(BaseModel):
    """The answers given in the AI Act decision aid, in the order the tree asks them."""

    answers: list[AnswerIn] = Field(min_length=1, max_length=profile_store.MAX_ANSWERS)


class TreeRef(BaseModel):
    """The decision tree a profile was made with."""

    name: str
    version: str
    digest: str


class RefreshOut(BaseModel):
    """What a refresh did to the algorithm's tasks."""

    created: int
    back_in_scope: int
    out_of_scope: int
    in_scope_total: int
    framework_version: str


class ProfileOut(BaseModel):
    """An AI Act profile with the publication category it proposes (spelled as the standard does)."""

    id: int
    algorithm: str
    answers: list[AnswerIn]
    conclusion_id: str
    conclusion: str | None
    obligation: str | None
    profile: dict[str, Any] = Field(
        description="The outcome by label family: system_type, role, risk_group, transparency_obligations, "
        "systemic_risk, open_source, conformity_assessment_body, operational_status; ai_act_applies."
    )
    proposed_category: PublicationCategory
    organisation_decides: bool = Field(
        description="False when the category follows from the AI Act; true when the organisation confirms it."
    )
    reasons: list[str]
    tree: TreeRef
    created_at: datetime
    created_by: str
    is_current: bool
    refresh: RefreshOut | None = None

    @classmethod
    def of(cls, view: ProfileView) -> "ProfileOut":
        """Build the body of a stored profile."""
        return cls(
            id=view.id,
            algorithm=view.algorithm_public_id,
            answers=[AnswerIn(question=question, answer=answer) for question, answer in view.answers],
            conclusion_id=view.conclusion_id,
            conclusion=view.conclusion,
            obligation=view.obligation,
            profile=view.profile.model_dump(mode="json"),
            proposed_category=view.proposal.category,
            organisation_decides=view.proposal.organisation_decides,
            reasons=[reason.value for reason in view.proposal.reasons],
            tree=TreeRef(name=view.tree_name, version=view.tree_version, digest=view.tree_digest),
            created_at=view.created_at,
            created_by=view.created_by,
            is_current=view.is_current,
            refresh=RefreshOut(**vars(view.refresh)) if view.refresh is not None else None,
        )


@router.put("/algorithms/{public_id}/ai-act-profile", response_model=ProfileOut)
def put_profile(public_id: str, body: ProfileIn, uow: UoW, actor: Actor) -> Any:
    """Run the AI Act decision aid on the answers and store the outcome as the current profile (editor).

    The tasks are refreshed at once when a framework has been imported.
    """
    with uow() as session:
        view = profile_store.record_profile(
            session, actor, public_id, [(item.question, item.answer) for item in body.answers]
        )
    return ProfileOut.of(view)


@router.get("/algorithms/{public_id}/ai-act-profile", response_model=ProfileOut)
def get_profile(public_id: str, uow: UoW, actor: Actor) -> Any:
    """The algorithm's current AI Act profile with its proposed publication category (viewer)."""
    with uow() as session:
        return ProfileOut.of(profile_store.current_profile(session, actor, public_id))


@router.get("/algorithms/{public_id}/ai-act-profile/history", response_model=list[ProfileOut])
def profile_history(public_id: str, uow: UoW, actor: Actor) -> Any:
    """Every recorded AI Act profile of the algorithm, newest first (viewer)."""
    with uow() as session:
        return [ProfileOut.of(view) for view in profile_store.profile_history(session, actor, public_id)]


# --- tasks --------------------------------------------------------------------------------------


class PersonOut(BaseModel):
    """A person on a task."""

    id: int
    username: str
    display_name: str


def _person(ref: PersonRef | None) -> PersonOut | None:
    return PersonOut(id=ref.id, username=ref.username, display_name=ref.display_name) if ref else None


class TaskOut(BaseModel):
    """A framework task of an algorithm."""

    id: int
    algorithm: str
    source: Literal["framework", "own"]
    measure_id: str | None
    own_measure_id: int | None
    code: str
    name: str
    url: str | None
    phases: list[str]
    requirement_ids: list[str]
    in_scope: bool = Field(description="Whether the measure follows from the current AI Act profile.")
    status: TaskStatus
    reason: str | None = Field(description="Why the measure does not apply (status not_applicable only).")
    responsible: PersonOut | None
    reviewer: PersonOut | None
    accountable: PersonOut | None
    evidence_count: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, view: TaskView) -> "TaskOut":
        """Build the body of a task."""
        return cls(
            id=view.id,
            algorithm=view.algorithm_public_id,
            source="framework" if view.source == "framework" else "own",
            measure_id=view.measure_id,
            own_measure_id=view.own_measure_id,
            code=view.code,
            name=view.name,
            url=view.url,
            phases=list(view.phases),
            requirement_ids=list(view.requirement_ids),
            in_scope=view.in_scope,
            status=view.status,
            reason=view.reason,
            responsible=_person(view.responsible),
            reviewer=_person(view.reviewer),
            accountable=_person(view.accountable),
            evidence_count=view.evidence_count,
            created_at=view.created_at,
            updated_at=view.updated_at,
        )


class TaskPatch(BaseModel):
    """Changes to a task; fields left out stay. People are user ids (null clears)."""

    status: TaskStatus | None = None
    reason: str | None = Field(default=None, max_length=20_000)
    responsible: int | None = None
    reviewer: int | None = None
    accountable: int | None = None


class TaskEventOut(BaseModel):
    """One change of a task: who, when, and each changed field as [before, after]."""

    id: int
    at: datetime
    actor: str
    action: str
    changes: dict[str, Any]


@router.get("/algorithms/{public_id}/framework-tasks", response_model=list[TaskOut])
def list_tasks(
    public_id: str,
    uow: UoW,
    actor: Actor,
    include_out_of_scope: Annotated[
        bool, Query(description="Also the tasks whose measure no longer follows from the profile.")
    ] = True,
) -> Any:
    """The algorithm's framework tasks in lifecycle order (viewer)."""
    with uow() as session:
        views = tasks.list_tasks(session, actor, public_id, include_out_of_scope=include_out_of_scope)
    return [TaskOut.of(view) for view in views]


@router.post("/algorithms/{public_id}/framework-tasks/refresh", response_model=RefreshOut)
def refresh(public_id: str, uow: UoW, actor: Actor) -> Any:
    """Bring the tasks in line with the current profile, framework and own measures (editor)."""
    with uow() as session:
        return RefreshOut(**vars(tasks.refresh_tasks(session, actor, public_id)))


@router.get("/algorithms/{public_id}/framework-tasks/{task_id}", response_model=TaskOut)
def get_task(public_id: str, task_id: PathNumber, uow: UoW, actor: Actor) -> Any:
    """One framework task (viewer)."""
    with uow() as session:
        return TaskOut.of(tasks.get_task(session, actor, public_id, task_id))


@router.patch("/algorithms/{public_id}/framework-tasks/{task_id}", response_model=TaskOut)
def patch_task(public_id: str, task_id: PathNumber, body: TaskPatch, uow: UoW, actor: Actor) -> Any:
    """Change a task's status, reason or people (editor); not_applicable needs a reason."""
    fields: dict[str, Any] = {name: getattr(body, name) for name in body.model_fields_set}
    if "status" in fields:
        if fields["status"] is None:
            raise InvalidInput(
                problems=[FieldProblem("status", f"may not be null; use one of {', '.join(TaskStatus)}")],
                summary="The framework task was not changed.",
            )
        fields["status"] = fields["status"].value
    change = TaskChange(**fields)
    with uow() as session:
        return TaskOut.of(tasks.update_task(session, actor, public_id, task_id, change))


@router.get("/algorithms/{public_id}/framework-tasks/{task_id}/history", response_model=list[TaskEventOut])
def task_history(public_id: str, task_id: PathNumber, uow: UoW, actor: Actor) -> Any:
    """Every change of the task, oldest first (viewer)."""
    with uow() as session:
        events = tasks.task_history(session, actor, public_id, task_id)
    return [
        TaskEventOut(id=e.id, at=e.at, actor=e.actor, action=e.action, changes=dict(e.changes))
        for e in events
    ]


# --- evidence -----------------------------------------------------------------------------------


class EvidenceOut(BaseModel):
    """A piece of evidence; a file's bytes are at ``links.file``."""

    id: int
    task_id: PathNumber
    kind: str
    url: str | None
    file_name: str | None
    media_type: str | None
    size: int | None
    sha256: str | None
    description: str
    created_at: datetime
    created_by: str
    file: str | None = None

    @classmethod
    def of(cls, public_id: str, view: EvidenceView) -> "EvidenceOut":
        """Build the body of a piece of evidence."""
        base = f"/api/v1/algorithms/{public_id}/framework-tasks/{view.task_id}/evidence/{view.id}/file"
        return cls(**vars(view), file=base if view.kind == "file" else None)


@router.post(
    "/algorithms/{public_id}/framework-tasks/{task_id}/evidence", status_code=201, response_model=EvidenceOut
)
def add_evidence(public_id: str, task_id: PathNumber, body: EvidenceIn, uow: UoW, actor: Actor) -> Any:
    """Add a link or a small file as evidence to a task (editor); 413 for a file over the limit."""
    try:
        with uow() as session:
            if body.kind == "link":
                if body.url is None:
                    raise InvalidInput(
                        problems=[FieldProblem("url", "is required for a link")],
                        summary="The evidence was not added.",
                    )
                view = evidence.add_link(session, actor, public_id, task_id, body.url, body.description)
            else:
                content = file_content(body)
                assert body.file_name is not None and body.media_type is not None
                view = evidence.add_file(
                    session,
                    actor,
                    public_id,
                    task_id,
                    body.file_name,
                    body.media_type,
                    content,
                    body.description,
                )
    except EvidenceTooLarge as too_large:
        return JSONResponse(problems_body(too_large.problems, too_large.message), status_code=413)
    return EvidenceOut.of(public_id, view)


@router.get("/algorithms/{public_id}/framework-tasks/{task_id}/evidence", response_model=list[EvidenceOut])
def list_evidence(public_id: str, task_id: PathNumber, uow: UoW, actor: Actor) -> Any:
    """The task's evidence, oldest first (viewer)."""
    with uow() as session:
        return [
            EvidenceOut.of(public_id, view)
            for view in evidence.list_evidence(session, actor, public_id, task_id)
        ]


@router.get(
    "/algorithms/{public_id}/framework-tasks/{task_id}/evidence/{evidence_id}/file",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "The file as uploaded."}},
)
def evidence_file(
    public_id: str, task_id: PathNumber, evidence_id: PathNumber, uow: UoW, actor: Actor
) -> Response:
    """A file stored as evidence, as an attachment, with its SHA-256 as the ETag (viewer)."""
    with uow() as session:
        stored = evidence.evidence_file(session, actor, public_id, task_id, evidence_id)
    return Response(
        stored.content,
        media_type=stored.media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(stored.file_name, safe='')}",
            "ETag": f'"{stored.sha256}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


# --- own measures -------------------------------------------------------------------------------


class OwnMeasureBody(BaseModel):
    """A new own measure of the organisation."""

    code: str = Field(max_length=200, description="1–64 lower-case letters, digits and hyphens; unique.")
    name: str = Field(max_length=1000)
    description: str = Field(default="", max_length=50_000)
    phases: list[str] = Field(default_factory=list, max_length=20, description="Phase ids of the framework.")


class OwnMeasureOut(BaseModel):
    """An own measure of an organisation."""

    id: int
    organisation: str
    code: str
    name: str
    description: str
    phases: list[str]
    created_at: datetime
    created_by: str

    @classmethod
    def of(cls, view: OwnMeasureView) -> "OwnMeasureOut":
        """Build the body of an own measure."""
        return cls(
            id=view.id,
            organisation=view.organisation_code,
            code=view.code,
            name=view.name,
            description=view.description,
            phases=list(view.phases),
            created_at=view.created_at,
            created_by=view.created_by,
        )


@router.get("/organisations/{code}/own-measures", response_model=list[OwnMeasureOut])
def list_own_measures(code: str, uow: UoW, actor: Actor) -> Any:
    """The organisation's own measures (viewer)."""
    with uow() as session:
        return [OwnMeasureOut.of(view) for view in own_measures.list_own_measures(session, actor, code)]


@router.post("/organisations/{code}/own-measures", status_code=201, response_model=OwnMeasureOut)
def add_own_measure(code: str, body: OwnMeasureBody, uow: UoW, actor: Actor) -> Any:
    """Add an own measure; every algorithm of the organisation with tasks gets a task for it (editor)."""
    given = OwnMeasureIn(
        code=body.code, name=body.name, description=body.description, phases=tuple(body.phases)
    )
    with uow() as session:
        return OwnMeasureOut.of(own_measures.add_own_measure(session, actor, code, given))


class OwnMeasurePatch(BaseModel):
    """Changes to an own measure; fields left out stay. The code cannot be changed."""

    name: str | None = Field(default=None, max_length=1000)
    description: str | None = Field(default=None, max_length=50_000)
    phases: list[str] | None = Field(default=None, max_length=20, description="Phase ids of the framework.")


class OwnMeasureEventOut(BaseModel):
    """One entry of an own measure's history: ``add`` or ``change``, each changed field as [before, after]."""

    id: int
    at: datetime
    actor: str
    action: str
    changes: dict[str, Any]


@router.patch("/organisations/{code}/own-measures/{measure_id}", response_model=OwnMeasureOut)
def change_own_measure(
    code: str, measure_id: PathNumber, body: OwnMeasurePatch, uow: UoW, actor: Actor
) -> Any:
    """Change an own measure's name, description or phases (editor); new phases move its tasks too."""
    for name in ("name", "description", "phases"):
        if name in body.model_fields_set and getattr(body, name) is None:
            raise InvalidInput(
                problems=[FieldProblem(name, "may not be null; leave the field out to keep it")],
                summary="The own measure was not changed.",
            )
    change = OwnMeasureChange(
        name=body.name,
        description=body.description,
        phases=tuple(body.phases) if body.phases is not None else None,
    )
    with uow() as session:
        return OwnMeasureOut.of(own_measures.change_own_measure(session, actor, code, measure_id, change))


@router.get(
    "/organisations/{code}/own-measures/{measure_id}/history", response_model=list[OwnMeasureEventOut]
)
def own_measure_history(code: str, measure_id: PathNumber, uow: UoW, actor: Actor) -> Any:
    """The own measure's addition and changes, oldest first (viewer)."""
    with uow() as session:
        events = own_measures.own_measure_history(session, actor, code, measure_id)
    return [OwnMeasureEventOut(**vars(event)) for event in events]


# --- progress and audit readiness ---------------------------------------------------------------


class PhaseProgressOut(BaseModel):
    """The tasks in scope of one lifecycle phase by status (phase null: tasks without a phase)."""

    phase: str | None
    name: str | None
    total: int
    todo: int
    in_progress: int
    done: int
    not_applicable: int
    settled: int
    share_settled: float


@router.get("/algorithms/{public_id}/framework-progress", response_model=list[PhaseProgressOut])
def phase_progress(public_id: str, uow: UoW, actor: Actor) -> Any:
    """Progress of the algorithm's tasks per lifecycle phase, in lifecycle order (viewer)."""
    with uow() as session:
        items = progress.phase_progress(session, actor, public_id)
    return [
        PhaseProgressOut(**vars(item), settled=item.settled, share_settled=item.share_settled)
        for item in items
    ]


class AlgorithmReadinessOut(BaseModel):
    """Audit readiness of one algorithm per ADR and Rekenkamer item."""

    mapped: bool = Field(description="False when no measure mapping was imported: every item is unmapped.")
    audit_version: str
    readiness: AlgorithmReadiness


class OrganisationReadinessOut(BaseModel):
    """Audit readiness of an organisation per item over its algorithms with tasks."""

    mapped: bool
    audit_version: str
    readiness: OrganisationReadiness


@router.get("/algorithms/{public_id}/audit-readiness", response_model=AlgorithmReadinessOut)
def algorithm_readiness(public_id: str, uow: UoW, actor: Actor) -> Any:
    """How ready the algorithm is for the ADR and Rekenkamer audit items (viewer)."""
    with uow() as session:
        found = progress.algorithm_audit_readiness(session, actor, public_id)
    assert isinstance(found.result, AlgorithmReadiness)
    return AlgorithmReadinessOut(
        mapped=found.mapped, audit_version=found.audit_version, readiness=found.result
    )


@router.get("/organisations/{code}/audit-readiness", response_model=OrganisationReadinessOut)
def organisation_readiness(code: str, uow: UoW, actor: Actor) -> Any:
    """How ready the organisation's algorithms are for the audit items, per item and algorithm (viewer)."""
    with uow() as session:
        found = progress.organisation_audit_readiness(session, actor, code)
    assert isinstance(found.result, OrganisationReadiness)
    return OrganisationReadinessOut(
        mapped=found.mapped, audit_version=found.audit_version, readiness=found.result
    )
