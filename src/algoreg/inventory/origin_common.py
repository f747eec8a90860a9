"""What the origin-data inventory's modules share: who may do what, the determinations, the history.

The inventory is sensitive: it says where an organisation (may have) selected people by origin.
Access, by role in the organisation the use belongs to:

* **admins and publishers** read everything and write everything: uses, determinations,
  remediation steps and evidence, and close and reopen remediation cases;
* **editors** read everything and write uses, remediation steps and evidence, but do not determine
  whether a use is lawful (:class:`~algoreg.errors.Forbidden`) nor close or reopen a case;
* **viewers**, people of other organisations and the public see nothing: for them the inventory
  does not exist (:class:`~algoreg.errors.NotFound`, never a hint that a use exists);
* **instance superusers** read all organisations' inventories (and, as everywhere, act as admins).

Every change is written in the use's own history (:class:`~algoreg.db.models.OriginInventoryEvent`)
and in the audit log, in the caller's transaction.
"""

from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from algoreg.db.models import OriginDataUse, OriginInventoryEvent, utcnow
from algoreg.errors import FieldProblem, InvalidInput, NotFound
from algoreg.register.audit import record_event
from algoreg.register.roles import Principal, Role

#: The lowest role that reads the inventory and writes uses and remediation steps.
READ_ROLE = Role.EDITOR
WRITE_ROLE = Role.EDITOR
#: The lowest role that determines uses and closes or reopens remediation cases.
DETERMINE_ROLE = Role.PUBLISHER


class DataKind(StrEnum):
    """Which origin-related personal data a use concerns."""

    NATIONALITY = "nationality"
    COUNTRY_OF_BIRTH = "country_of_birth"
    PARENTS_COUNTRY_OF_BIRTH = "parents_country_of_birth"
    MIGRATION_BACKGROUND = "migration_background"
    INFERRED_ORIGIN = "inferred_origin"
    OTHER = "other"


class Determination(StrEnum):
    """Whether a use is lawful; shown in Dutch as "rechtmatig", "onrechtmatig" and "oneigenlijk"."""

    LAWFUL = "lawful"
    UNLAWFUL = "unlawful"
    IMPROPER = "improper"

    @property
    def needs_remediation(self) -> bool:
        """Whether a use with this determination must be remedied (ended, people informed, data cleaned)."""
        return self is not Determination.LAWFUL


def may_read(principal: Principal | None, organisation_id: int) -> bool:
    """Whether ``principal`` may see the organisation's origin-data inventory."""
    return principal is not None and principal.can(organisation_id, READ_ROLE)


def find_use(session: Session, principal: Principal | None, use_id: int) -> OriginDataUse:
    """The use, when ``principal`` may see it; otherwise :class:`NotFound`, as for an unknown id."""
    use = session.get(OriginDataUse, use_id)
    if use is None or not may_read(principal, use.organisation_id):
        raise NotFound(f"There is no origin-data use {use_id}.")
    return use


def require(principal: Principal, use: OriginDataUse, needed: Role, doing: str) -> None:
    """Raise :class:`~algoreg.errors.Forbidden` unless ``principal`` holds ``needed`` for the use."""
    principal.require(use.organisation_id, needed, doing)


def add_event(
    session: Session,
    principal: Principal,
    use: OriginDataUse,
    action: str,
    changes: dict[str, Any],
    summary: str,
) -> None:
    """Write one change in the use's history and in the audit log (as ``origin_use.<action>``)."""
    session.add(
        OriginInventoryEvent(
            use_id=use.id, at=utcnow(), actor=principal.name, action=action, changes=_json(changes)
        )
    )
    record_event(
        session,
        principal,
        f"origin_use.{action}",
        organisation_id=use.organisation_id,
        algorithm_id=use.algorithm_id,
        summary=summary,
        detail={"use_id": use.id, "fields": sorted(changes)},
    )
    use.updated_at = utcnow()
    session.flush()


def _json(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json(item) for item in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return value.value
    return value


def text_field(
    problems: list[FieldProblem],
    name: str,
    value: str,
    maximum: int,
    *,
    required: bool = False,
    why: str = "",
) -> str:
    """``value`` trimmed; a problem for ``name`` when it is required and empty, or too long."""
    cleaned = value.strip()
    if required and not cleaned:
        problems.append(FieldProblem(name, f"is required{why}; give a text of at least 1 character"))
    elif len(cleaned) > maximum:
        problems.append(
            FieldProblem(name, f"is {len(cleaned)} characters long; at most {maximum} are allowed")
        )
    return cleaned


def raise_problems(problems: list[FieldProblem], summary: str) -> None:
    """Raise :class:`InvalidInput` with ``problems`` when there are any."""
    if problems:
        raise InvalidInput(problems=problems, summary=summary)
