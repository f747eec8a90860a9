"""Progress of a campaign, per asked organisation and in total: what dashboards and exports show.

Everything is computed from the records at the moment of asking (see :mod:`.action_states`), in a
fixed number of queries whatever the number of organisations and algorithms.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from algoreg.db.models import (
    Algorithm,
    AlgorithmVersion,
    Campaign,
    CampaignAction,
    CampaignAlgorithm,
    CampaignTarget,
    Organisation,
    SupportRequest,
)
from algoreg.inventory.campaigns.access import may_see_target
from algoreg.inventory.campaigns.action_states import ActionState, ActionStatus, action_states
from algoreg.inventory.campaigns.campaigns import actions_of, targets_of, visible_campaign
from algoreg.register.roles import Principal, Role


@dataclass(frozen=True)
class ActionView:
    """An asked action: its key, kind, title, and deadline (its own or the campaign's)."""

    key: str
    kind: str
    title: str
    deadline: date


@dataclass(frozen=True)
class ItemView:
    """An algorithm in an organisation's scope, with the status of every asked action (by key)."""

    algorithm: str
    name: str
    human_rights_risks: str
    added_at: datetime
    statuses: dict[str, ActionStatus]

    @property
    def complete(self) -> bool:
        """Whether every asked action is done or does not apply."""
        return all(s.state in (ActionState.DONE, ActionState.NOT_APPLICABLE) for s in self.statuses.values())


@dataclass(frozen=True)
class SupportView:
    """A support request as both sides see it."""

    id: int
    organisation: str
    algorithm: str | None
    expertise: bool
    budget_euros: int | None
    reason: str
    state: str
    decision_reason: str | None
    created_at: datetime
    created_by: str
    decided_at: datetime | None


@dataclass(frozen=True)
class TargetView:
    """An asked organisation's part: its algorithms in scope, counts per action and state, support."""

    code: str
    name: str
    declared_at: datetime | None
    items: list[ItemView]
    counts: dict[str, dict[ActionState, int]]
    support: list[SupportView]

    @property
    def complete(self) -> bool:
        """Whether the list is declared complete and every action of every algorithm is done."""
        return self.declared_at is not None and all(item.complete for item in self.items)


@dataclass(frozen=True)
class CampaignView:
    """A campaign with what the principal may see of its progress."""

    id: int
    organisation: str
    organisation_name: str
    title: str
    description: str
    contact_name: str
    contact_email: str
    deadline: date
    state: str
    opened_at: datetime | None
    closed_at: datetime | None
    actions: list[ActionView]
    targets: list[TargetView]
    runs: bool
    totals: dict[str, dict[ActionState, int]] = field(default_factory=dict)

    @property
    def declared(self) -> int:
        """How many asked organisations (of those shown) declared their list complete."""
        return sum(1 for target in self.targets if target.declared_at is not None)

    @property
    def algorithms(self) -> int:
        """How many algorithms are in scope (of the organisations shown)."""
        return sum(len(target.items) for target in self.targets)


def _names(session: Session, algorithm_ids: list[int]) -> dict[int, tuple[str, str]]:
    """Public id and newest name of each algorithm."""
    query = (
        select(Algorithm.id, Algorithm.public_id, AlgorithmVersion.name)
        .join(AlgorithmVersion, AlgorithmVersion.algorithm_id == Algorithm.id)
        .where(Algorithm.id.in_(algorithm_ids), AlgorithmVersion.number == Algorithm.latest_version_number)
    )
    return {row.id: (row.public_id, row.name) for row in session.execute(query)}


def campaign_view(session: Session, principal: Principal, campaign_id: int) -> CampaignView:
    """The campaign's progress as the principal may see it: all of it for the central organisation,
    only its own part for an asked organisation (NotFound for anyone else)."""
    campaign = visible_campaign(session, principal, campaign_id)
    actions = actions_of(session, campaign)
    targets = [t for t in targets_of(session, campaign) if may_see_target(principal, campaign, t)]
    return progress_of(session, principal, campaign, actions, targets)


def progress_of(
    session: Session,
    principal: Principal,
    campaign: Campaign,
    actions: list[CampaignAction],
    targets: list[CampaignTarget],
) -> CampaignView:
    """The progress of ``targets`` (already checked to be visible) in a campaign with these actions."""
    target_ids = [t.id for t in targets]
    items = list(
        session.scalars(
            select(CampaignAlgorithm)
            .where(CampaignAlgorithm.target_id.in_(target_ids))
            .order_by(CampaignAlgorithm.added_at, CampaignAlgorithm.id)
        )
    )
    states = action_states(session, actions, items)
    names = _names(session, [item.algorithm_id for item in items])
    organisations = {
        o.id: o
        for o in session.scalars(
            select(Organisation).where(
                Organisation.id.in_([t.organisation_id for t in targets] + [campaign.organisation_id])
            )
        )
    }
    requests = list(
        session.scalars(
            select(SupportRequest).where(SupportRequest.target_id.in_(target_ids)).order_by(SupportRequest.id)
        )
    )
    public_of_item = {item.id: names[item.algorithm_id][0] for item in items}
    totals: dict[str, Counter[ActionState]] = {action.key: Counter() for action in actions}
    target_views = []
    for target in targets:
        own = [item for item in items if item.target_id == target.id]
        item_views = [
            ItemView(
                algorithm=names[item.algorithm_id][0],
                name=names[item.algorithm_id][1],
                human_rights_risks=item.human_rights_risks,
                added_at=item.added_at,
                statuses={action.key: states[(item.id, action.id)] for action in actions},
            )
            for item in own
        ]
        counts = {
            action.key: dict(Counter(view.statuses[action.key].state for view in item_views))
            for action in actions
        }
        for key, per_state in counts.items():
            totals[key].update(per_state)
        organisation = organisations[target.organisation_id]
        support = [
            SupportView(
                id=request.id,
                organisation=organisation.code,
                algorithm=public_of_item.get(request.campaign_algorithm_id or -1),
                expertise=request.expertise,
                budget_euros=request.budget_euros,
                reason=request.reason,
                state=request.state,
                decision_reason=request.decision_reason,
                created_at=request.created_at,
                created_by=request.created_by,
                decided_at=request.decided_at,
            )
            for request in requests
            if request.target_id == target.id
        ]
        target_views.append(
            TargetView(organisation.code, organisation.name, target.declared_at, item_views, counts, support)
        )
    running = organisations[campaign.organisation_id]
    return CampaignView(
        id=campaign.id,
        organisation=running.code,
        organisation_name=running.name,
        title=campaign.title,
        description=campaign.description,
        contact_name=campaign.contact_name,
        contact_email=campaign.contact_email,
        deadline=campaign.deadline,
        state=campaign.state,
        opened_at=campaign.opened_at,
        closed_at=campaign.closed_at,
        actions=[ActionView(a.key, a.kind, a.title, a.deadline or campaign.deadline) for a in actions],
        targets=target_views,
        runs=principal.can(campaign.organisation_id, Role.VIEWER),
        totals={key: dict(counter) for key, counter in totals.items()},
    )
