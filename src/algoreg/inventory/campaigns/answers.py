"""An asked organisation's answer: which of its algorithms fall under the campaign, their risks for
human rights, what it reports of manual actions, and that its list is complete."""

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from algoreg.db.models import (
    Campaign,
    CampaignAction,
    CampaignActionReport,
    CampaignAlgorithm,
    CampaignTarget,
    utcnow,
)
from algoreg.errors import Conflict, FieldProblem, InvalidInput, NotFound
from algoreg.inventory.campaigns.access import OPEN, may_see_target, require_answerer, require_visible
from algoreg.inventory.campaigns.campaigns import find_campaign, targets_of
from algoreg.inventory.campaigns.inputs import ActionKind, ActionReportIn, ScopeIn, parse
from algoreg.register.algorithms import find_algorithm
from algoreg.register.audit import record_event
from algoreg.register.organisations import get_organisation
from algoreg.register.roles import Principal

_SUMMARY = "The answer was not saved."


def find_target(
    session: Session, principal: Principal | None, campaign_id: int, organisation_code: str
) -> tuple[Campaign, CampaignTarget]:
    """The campaign and the asked organisation's part of it, when the principal may see that part."""
    campaign = find_campaign(session, campaign_id)
    targets = targets_of(session, campaign)
    require_visible(principal, campaign, targets)
    organisation = get_organisation(session, organisation_code)
    for target in targets:
        visible = principal is not None and may_see_target(principal, campaign, target)
        if target.organisation_id == organisation.id and visible:
            return campaign, target
    raise NotFound(f"The campaign does not ask '{organisation_code}', or you may not see its answer.")


def answering_target(
    session: Session, principal: Principal, campaign_id: int, organisation_code: str, doing: str
) -> tuple[Campaign, CampaignTarget]:
    campaign, target = find_target(session, principal, campaign_id, organisation_code)
    require_answerer(principal, target, doing)
    if campaign.state != OPEN:
        raise Conflict(f"The campaign is {campaign.state}; answers are taken only while it is open.")
    return campaign, target


def scope_item(session: Session, target: CampaignTarget, public_id: str) -> CampaignAlgorithm:
    """The algorithm in the organisation's scope, or NotFound."""
    algorithm = find_algorithm(session, public_id)
    item = session.scalar(
        select(CampaignAlgorithm).where(
            CampaignAlgorithm.target_id == target.id, CampaignAlgorithm.algorithm_id == algorithm.id
        )
    )
    if item is None:
        raise NotFound(f"Algorithm '{public_id}' is not in this organisation's answer to the campaign.")
    return item


def add_to_scope(
    session: Session,
    principal: Principal,
    campaign_id: int,
    organisation_code: str,
    data: ScopeIn | Mapping[str, Any],
) -> CampaignAlgorithm:
    """Put one of the organisation's algorithms in scope with its risks (editor role, campaign open)."""
    checked = parse(ScopeIn, data, _SUMMARY)
    campaign, target = answering_target(
        session, principal, campaign_id, organisation_code, "answer this campaign"
    )
    try:
        algorithm = find_algorithm(session, checked.algorithm)
    except NotFound:
        algorithm = None
    if algorithm is None or algorithm.organisation_id != target.organisation_id:
        raise InvalidInput(
            problems=[
                FieldProblem("algorithm", f"'{checked.algorithm}' is not an algorithm of your organisation")
            ],
            summary=_SUMMARY,
        )
    existing = session.scalar(
        select(CampaignAlgorithm).where(
            CampaignAlgorithm.target_id == target.id, CampaignAlgorithm.algorithm_id == algorithm.id
        )
    )
    if existing is not None:
        raise Conflict(f"Algorithm '{checked.algorithm}' is already in your answer.")
    item = CampaignAlgorithm(
        target_id=target.id,
        algorithm_id=algorithm.id,
        human_rights_risks=checked.human_rights_risks,
        added_by=principal.name,
    )
    session.add(item)
    session.flush()
    _audit(
        session,
        principal,
        campaign,
        target,
        "campaign.scope_add",
        f"Put {checked.algorithm} in scope",
        algorithm.id,
    )
    return item


def update_risks(
    session: Session,
    principal: Principal,
    campaign_id: int,
    organisation_code: str,
    public_id: str,
    risks: str,
) -> CampaignAlgorithm:
    """Change the risks for human rights noted for an algorithm in scope (editor role, campaign open)."""
    checked = parse(ScopeIn, {"algorithm": public_id, "human_rights_risks": risks}, _SUMMARY)
    campaign, target = answering_target(
        session, principal, campaign_id, organisation_code, "answer this campaign"
    )
    item = scope_item(session, target, public_id)
    item.human_rights_risks = checked.human_rights_risks
    item.updated_at = utcnow()
    _audit(
        session,
        principal,
        campaign,
        target,
        "campaign.scope_update",
        f"Changed the risks of {public_id}",
        item.algorithm_id,
    )
    return item


def remove_from_scope(
    session: Session, principal: Principal, campaign_id: int, organisation_code: str, public_id: str
) -> None:
    """Take an algorithm out of scope again, with everything reported of it (editor role, campaign open)."""
    campaign, target = answering_target(
        session, principal, campaign_id, organisation_code, "answer this campaign"
    )
    item = scope_item(session, target, public_id)
    algorithm_id = item.algorithm_id
    session.delete(item)
    _audit(
        session,
        principal,
        campaign,
        target,
        "campaign.scope_remove",
        f"Took {public_id} out of scope",
        algorithm_id,
    )


def report_action(
    session: Session,
    principal: Principal,
    campaign_id: int,
    organisation_code: str,
    public_id: str,
    action_key: str,
    data: ActionReportIn | Mapping[str, Any],
) -> CampaignActionReport:
    """Report the state of a manual action for an algorithm in scope (editor role, campaign open).

    Actions of the kinds ``assessment`` and ``register`` are read from the records themselves and
    cannot be reported (InvalidInput naming ``action``).
    """
    checked = parse(ActionReportIn, data, _SUMMARY)
    campaign, target = answering_target(
        session, principal, campaign_id, organisation_code, "answer this campaign"
    )
    item = scope_item(session, target, public_id)
    action = session.scalar(
        select(CampaignAction).where(
            CampaignAction.campaign_id == campaign.id, CampaignAction.key == action_key
        )
    )
    if action is None:
        raise NotFound(f"The campaign asks no action '{action_key}'.")
    if action.kind != ActionKind.MANUAL:
        raise InvalidInput(
            problems=[
                FieldProblem(
                    "action",
                    f"the state of '{action.title}' is read from the {action.kind} records of the algorithm "
                    "and cannot be reported by hand",
                )
            ],
            summary=_SUMMARY,
        )
    report = CampaignActionReport(
        campaign_algorithm_id=item.id,
        action_id=action.id,
        status=checked.status.value,
        note=checked.note,
        link=checked.link,
        reported_by=principal.name,
    )
    session.add(report)
    session.flush()
    _audit(
        session,
        principal,
        campaign,
        target,
        "campaign.report",
        f"Reported '{action.title}' of {public_id} as {checked.status.value}",
        item.algorithm_id,
    )
    return report


def declare(
    session: Session, principal: Principal, campaign_id: int, organisation_code: str, complete: bool
) -> CampaignTarget:
    """Say that the organisation's list of algorithms in scope is complete, or take it back (editor role)."""
    campaign, target = answering_target(
        session, principal, campaign_id, organisation_code, "answer this campaign"
    )
    target.declared_at = utcnow() if complete else None
    target.declared_by = principal.name if complete else None
    verb = "Declared the list complete" if complete else "Took back that the list is complete"
    _audit(session, principal, campaign, target, "campaign.declare", verb, None)
    return target


def _audit(
    session: Session,
    principal: Principal,
    campaign: Campaign,
    target: CampaignTarget,
    action: str,
    summary: str,
    algorithm_id: int | None,
) -> None:
    record_event(
        session,
        principal,
        action,
        organisation_id=target.organisation_id,
        algorithm_id=algorithm_id,
        summary=f"Campaign {campaign.id}: {summary}",
        detail={"campaign_id": campaign.id},
    )
    session.flush()
