"""Requests for support with an asked action — expertise, budget or both — and the decisions on them."""

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from algoreg.db.models import SupportRequest, utcnow
from algoreg.errors import Conflict, NotFound
from algoreg.inventory.campaigns.access import require_runner
from algoreg.inventory.campaigns.answers import answering_target, scope_item
from algoreg.inventory.campaigns.campaigns import find_campaign, targets_of
from algoreg.inventory.campaigns.inputs import DecisionIn, SupportIn, parse
from algoreg.register.audit import record_event
from algoreg.register.roles import Principal

REQUESTED = "requested"
GRANTED = "granted"
DECLINED = "declined"

_SUMMARY = "The support request was not saved."


def request_support(
    session: Session,
    principal: Principal,
    campaign_id: int,
    organisation_code: str,
    data: SupportIn | Mapping[str, Any],
) -> SupportRequest:
    """Ask the central organisation for expertise and/or budget (editor role of the asked organisation).

    ``algorithm``, when given, must be in the organisation's scope. Audited ``campaign.support_request``.
    """
    checked = parse(SupportIn, data, _SUMMARY)
    campaign, target = answering_target(session, principal, campaign_id, organisation_code, "ask for support")
    item = scope_item(session, target, checked.algorithm) if checked.algorithm else None
    request = SupportRequest(
        target_id=target.id,
        campaign_algorithm_id=item.id if item else None,
        expertise=checked.expertise,
        budget_euros=checked.budget_euros,
        reason=checked.reason,
        state=REQUESTED,
        created_by=principal.name,
    )
    session.add(request)
    session.flush()
    asked = " and ".join(
        part
        for part in (
            "expertise" if checked.expertise else "",
            f"€ {checked.budget_euros}" if checked.budget_euros else "",
        )
        if part
    )
    record_event(
        session,
        principal,
        "campaign.support_request",
        organisation_id=target.organisation_id,
        algorithm_id=item.algorithm_id if item else None,
        summary=f"Campaign {campaign.id}: asked for {asked}",
        detail={"campaign_id": campaign.id, "support_request_id": request.id},
    )
    session.flush()
    return request


def decide_support(
    session: Session,
    principal: Principal,
    campaign_id: int,
    request_id: int,
    data: DecisionIn | Mapping[str, Any],
) -> SupportRequest:
    """Grant or decline a support request, always with a reason (publisher role of the central organisation).

    A request that was already decided raises Conflict; the decision is audited ``campaign.support_decide``.
    """
    checked = parse(DecisionIn, data, "The decision was not saved.")
    campaign = find_campaign(session, campaign_id)
    require_runner(principal, campaign, "decide on support requests of this campaign")
    target_ids = [target.id for target in targets_of(session, campaign)]
    request = session.scalar(
        select(SupportRequest).where(
            SupportRequest.id == request_id, SupportRequest.target_id.in_(target_ids)
        )
    )
    if request is None:
        raise NotFound(f"The campaign has no support request {request_id}.")
    if request.state != REQUESTED:
        raise Conflict(f"Support request {request_id} was already {request.state}.")
    request.state = GRANTED if checked.grant else DECLINED
    request.decision_reason = checked.reason
    request.decided_at = utcnow()
    request.decided_by = principal.name
    record_event(
        session,
        principal,
        "campaign.support_decide",
        organisation_id=campaign.organisation_id,
        summary=f"Campaign {campaign.id}: support request {request_id} {request.state}",
        detail={"campaign_id": campaign.id, "support_request_id": request_id, "state": request.state},
    )
    session.flush()
    return request
