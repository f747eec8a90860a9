"""Who may do what in a campaign.

The central organisation runs it: its publishers and admins prepare, open and close it and decide
on support requests; anyone with a role there reads every answer. An asked organisation answers for
itself: its editors and up put algorithms in scope, report and ask for support; anyone with a role
there reads its own part — and only once the campaign is open. Anyone else finds nothing (404).
"""

from algoreg.db.models import Campaign, CampaignTarget
from algoreg.errors import NotFound
from algoreg.register.roles import Principal, Role

DRAFT = "draft"
OPEN = "open"
CLOSED = "closed"


def runs(principal: Principal, campaign: Campaign) -> bool:
    """Whether the principal has any role in the organisation that runs the campaign."""
    return principal.can(campaign.organisation_id, Role.VIEWER)


def require_runner(principal: Principal, campaign: Campaign, doing: str) -> None:
    """Raise Forbidden unless the principal is a publisher (or admin) of the running organisation."""
    principal.require(campaign.organisation_id, Role.PUBLISHER, doing)


def may_see_target(principal: Principal, campaign: Campaign, target: CampaignTarget) -> bool:
    """Whether the principal may read this asked organisation's part of the campaign."""
    if runs(principal, campaign):
        return True
    return campaign.state != DRAFT and principal.can(target.organisation_id, Role.VIEWER)


def require_visible(principal: Principal | None, campaign: Campaign, targets: list[CampaignTarget]) -> None:
    """Raise NotFound unless the principal runs the campaign or is asked by it (and it is open or closed)."""
    if principal is not None and (
        runs(principal, campaign) or any(may_see_target(principal, campaign, t) for t in targets)
    ):
        return
    raise NotFound(f"There is no campaign with id {campaign.id}.")


def require_answerer(principal: Principal, target: CampaignTarget, doing: str) -> None:
    """Raise Forbidden unless the principal is an editor (or more) of the asked organisation."""
    principal.require(target.organisation_id, Role.EDITOR, doing)
