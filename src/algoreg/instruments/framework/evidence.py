"""Evidence for framework tasks: links to documents elsewhere, or small files kept in the database.

A link is an ``http`` or ``https`` address of at most :data:`MAX_URL_CHARS` characters. A file has
a name (no folders), a media type and at most :data:`MAX_FILE_BYTES` bytes; its SHA-256 is kept so
that a download can be checked. Both carry a description of what they show. Evidence is added, never
changed; every addition is written in the task's history and the audit log.

Editors (and higher) of the algorithm's organisation add evidence; viewers read and download it;
anyone else is refused.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from algoreg.db.models import Algorithm, FrameworkTask, FrameworkTaskEvidence, utcnow
from algoreg.errors import FieldProblem, InvalidInput, NotFound
from algoreg.evidence import (
    MAX_FILE_BYTES,
    EvidenceFile,
    EvidenceTooLarge,
    check_size,
    file_problems,
    link_problems,
)
from algoreg.instruments.framework.tasks import add_event, algorithm_for
from algoreg.register.audit import record_event
from algoreg.register.roles import Principal, Role

__all__ = [
    "MAX_FILE_BYTES",
    "EvidenceFile",
    "EvidenceTooLarge",
    "EvidenceView",
    "add_file",
    "add_link",
    "evidence_file",
    "list_evidence",
]

MAX_DESCRIPTION_CHARS = 2000
_SUMMARY = "The evidence was not added."


@dataclass(frozen=True)
class EvidenceView:
    """One piece of evidence, without a file's content."""

    id: int
    task_id: int
    kind: str  # "link" or "file"
    url: str | None
    file_name: str | None
    media_type: str | None
    size: int | None
    sha256: str | None
    description: str
    created_at: datetime
    created_by: str


def _task(
    session: Session, principal: Principal, public_id: str, task_id: int, needed: Role
) -> tuple[Algorithm, FrameworkTask]:
    doing = "add evidence to framework tasks" if needed is Role.EDITOR else "see the framework tasks"
    algorithm = algorithm_for(session, principal, public_id, needed, doing)
    task = session.get(FrameworkTask, task_id)
    if task is None or task.algorithm_id != algorithm.id:
        raise NotFound(f"Algorithm '{public_id}' has no framework task {task_id}.")
    return algorithm, task


def _description(text: str, problems: list[FieldProblem]) -> str:
    cleaned = text.strip()
    if not cleaned:
        problems.append(FieldProblem("description", "is required: say what the evidence shows"))
    elif len(cleaned) > MAX_DESCRIPTION_CHARS:
        problems.append(
            FieldProblem("description", f"is {len(cleaned)} characters long; at most {MAX_DESCRIPTION_CHARS}")
        )
    return cleaned


def _store(
    session: Session,
    principal: Principal,
    algorithm: Algorithm,
    task: FrameworkTask,
    evidence: FrameworkTaskEvidence,
) -> EvidenceView:
    session.add(evidence)
    session.flush()
    what = evidence.url if evidence.kind == "link" else evidence.file_name
    add_event(
        session,
        task,
        principal,
        "evidence",
        {"evidence_id": evidence.id, "kind": evidence.kind, "what": what},
    )
    task.updated_at = evidence.created_at
    record_event(
        session,
        principal,
        "framework_task.evidence",
        organisation_id=algorithm.organisation_id,
        algorithm_id=task.algorithm_id,
        summary=f"Added evidence ({evidence.kind}) to framework task {task.id}: {what}",
        detail={"task_id": task.id, "evidence_id": evidence.id, "sha256": evidence.sha256},
    )
    session.flush()
    return _view(evidence)


def add_link(
    session: Session, principal: Principal, public_id: str, task_id: int, url: str, description: str
) -> EvidenceView:
    """Add a link as evidence to a task; editor role. Problems raise :class:`InvalidInput` by field."""
    algorithm, task = _task(session, principal, public_id, task_id, Role.EDITOR)
    address, problems = link_problems(url)
    text = _description(description, problems)
    if problems:
        raise InvalidInput(problems=problems, summary=_SUMMARY)
    evidence = FrameworkTaskEvidence(
        task_id=task.id,
        kind="link",
        url=address,
        description=text,
        created_at=utcnow(),
        created_by=principal.name,
    )
    return _store(session, principal, algorithm, task, evidence)


def add_file(
    session: Session,
    principal: Principal,
    public_id: str,
    task_id: int,
    file_name: str,
    media_type: str,
    content: bytes,
    description: str,
) -> EvidenceView:
    """Add a file as evidence to a task; editor role.

    :class:`EvidenceTooLarge` above :data:`MAX_FILE_BYTES`; :class:`InvalidInput` for an empty file,
    a name with a folder or control characters, a malformed media type or a missing description.
    """
    algorithm, task = _task(session, principal, public_id, task_id, Role.EDITOR)
    check_size(content, _SUMMARY)
    checked, problems = file_problems(file_name, media_type, content)
    text = _description(description, problems)
    if problems:
        raise InvalidInput(problems=problems, summary=_SUMMARY)
    evidence = FrameworkTaskEvidence(
        task_id=task.id,
        kind="file",
        file_name=checked.file_name,
        media_type=checked.media_type,
        content=content,
        size=checked.size,
        sha256=checked.sha256,
        description=text,
        created_at=utcnow(),
        created_by=principal.name,
    )
    return _store(session, principal, algorithm, task, evidence)


def list_evidence(session: Session, principal: Principal, public_id: str, task_id: int) -> list[EvidenceView]:
    """The task's evidence, oldest first; viewer role."""
    task = _task(session, principal, public_id, task_id, Role.VIEWER)[1]
    rows = session.scalars(
        select(FrameworkTaskEvidence)
        .where(FrameworkTaskEvidence.task_id == task.id)
        .order_by(FrameworkTaskEvidence.id)
    )
    return [_view(row) for row in rows]


def evidence_file(
    session: Session, principal: Principal, public_id: str, task_id: int, evidence_id: int
) -> EvidenceFile:
    """A file stored as evidence; viewer role; :class:`NotFound` for a link or another task's evidence."""
    task = _task(session, principal, public_id, task_id, Role.VIEWER)[1]
    row = session.get(FrameworkTaskEvidence, evidence_id)
    if row is None or row.task_id != task.id or row.kind != "file" or row.content is None:
        raise NotFound(f"Framework task {task_id} has no evidence file {evidence_id}.")
    return EvidenceFile(
        file_name=row.file_name or "evidence",
        media_type=row.media_type or "application/octet-stream",
        content=row.content,
        sha256=row.sha256 or hashlib.sha256(row.content).hexdigest(),
    )


def _view(row: FrameworkTaskEvidence) -> EvidenceView:
    return EvidenceView(
        id=row.id,
        task_id=row.task_id,
        kind=row.kind,
        url=row.url,
        file_name=row.file_name,
        media_type=row.media_type,
        size=row.size,
        sha256=row.sha256,
        description=row.description,
        created_at=row.created_at,
        created_by=row.created_by,
    )
