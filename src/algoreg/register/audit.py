"""The audit log: every change to the register is recorded with who, what and when."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from algoreg.db.models import AuditEvent
from algoreg.register.roles import Principal


def record_event(
    session: Session,
    principal: Principal,
    action: str,
    *,
    organisation_id: int | None = None,
    algorithm_id: int | None = None,
    version_number: int | None = None,
    summary: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the session's transaction, so it is stored if and only if the change is."""
    event = AuditEvent(
        actor=principal.name,
        action=action,
        organisation_id=organisation_id,
        algorithm_id=algorithm_id,
        version_number=version_number,
        summary=summary,
        detail=detail or {},
    )
    session.add(event)
    return event


def events_for_algorithm(session: Session, algorithm_id: int) -> list[AuditEvent]:
    """Return the algorithm's audit events, oldest first."""
    query = select(AuditEvent).where(AuditEvent.algorithm_id == algorithm_id).order_by(AuditEvent.id)
    return list(session.scalars(query))


def events_for_organisation(session: Session, organisation_id: int, limit: int = 500) -> list[AuditEvent]:
    """Return the organisation's most recent audit events, newest first."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.organisation_id == organisation_id)
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))
