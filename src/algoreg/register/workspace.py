"""What a signed-in person may see and do in the organisations where they hold a role.

Read-only helpers for the management pages; every write still goes through
:mod:`algoreg.register.algorithms`, which authorises it again. They promise: nobody sees an
organisation without a role in it (instance administrators see all), an algorithm of an
organisation where one has no role is reported as not found, and the actions offered are only
those the workflow allows now *and* the person's role permits.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from algoreg.db.models import AuditEvent, Organisation
from algoreg.register import algorithms
from algoreg.register.algorithms import AlgorithmView
from algoreg.register.audit import events_for_algorithm
from algoreg.register.organisations import get_organisation
from algoreg.register.roles import Principal, Role
from algoreg.register.workflow import RULES, Action, State


@dataclass(frozen=True)
class OrganisationOverview:
    """One organisation on the dashboard: the person's role, its algorithms, counts per state."""

    code: str
    name: str
    role: Role
    algorithms: list[AlgorithmView]
    counts: dict[State, int]

    @property
    def may_edit(self) -> bool:
        """Whether the person may register and edit algorithms here."""
        return self.role.rank >= Role.EDITOR.rank

    @property
    def may_import(self) -> bool:
        """Whether the person may import algorithms here (editors may; publishing needs more)."""
        return self.may_edit


def organisations_of(session: Session, principal: Principal) -> list[Organisation]:
    """Return the organisations where ``principal`` holds a role (all for superusers), by name."""
    query = select(Organisation).order_by(Organisation.name, Organisation.code)
    if not principal.is_superuser:
        if not principal.roles:
            return []
        query = query.where(Organisation.id.in_(list(principal.roles)))
    return list(session.scalars(query))


def state_counts(views: Iterable[AlgorithmView]) -> dict[State, int]:
    """Return how many algorithms are in each workflow state, every state listed, in workflow order."""
    counted = Counter(view.state for view in views)
    return {state: counted.get(state, 0) for state in State}


def overview(session: Session, principal: Principal) -> list[OrganisationOverview]:
    """Return the dashboard: each of the person's organisations with its algorithms and counts."""
    result: list[OrganisationOverview] = []
    for organisation in organisations_of(session, principal):
        role = principal.role_in(organisation.id)
        assert role is not None
        views = algorithms.list_for_organisation(session, principal, organisation.code)
        result.append(
            OrganisationOverview(organisation.code, organisation.name, role, views, state_counts(views))
        )
    return result


def role_in(session: Session, principal: Principal, organisation_code: str) -> Role | None:
    """Return the person's role in the organisation (``None`` without one); unknown codes raise NotFound."""
    return principal.role_in(get_organisation(session, organisation_code).id)


def permitted_actions(session: Session, principal: Principal, view: AlgorithmView) -> list[Action]:
    """Return the workflow actions possible now that the person's role permits, in workflow order.

    Retracting is only offered while something of the algorithm is public.
    """
    organisation = get_organisation(session, view.organisation_code)
    return [
        action
        for action in view.allowed_actions
        if principal.can(organisation.id, RULES[action].role)
        and (action is not Action.RETRACT or view.is_public)
    ]


def require_role(session: Session, principal: Principal, view: AlgorithmView, role: Role, doing: str) -> None:
    """Raise :class:`~algoreg.errors.Forbidden` unless the person holds ``role`` in the organisation."""
    principal.require(get_organisation(session, view.organisation_code).id, role, doing)


def audit_events(session: Session, principal: Principal, public_id: str) -> list[AuditEvent]:
    """Return the audit log of an algorithm, oldest first, for people with a role in its organisation.

    Raises :class:`~algoreg.errors.NotFound` for others, as for an unknown id.
    """
    algorithms.view(session, principal, public_id)
    return events_for_algorithm(session, algorithms.find_algorithm(session, public_id).id)
