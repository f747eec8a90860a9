"""Preparing, opening and closing a campaign, and choosing the organisations it asks."""

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from algoreg.db.models import Campaign, CampaignAction, CampaignTarget, Organisation, utcnow
from algoreg.errors import Conflict, FieldProblem, InvalidInput, NotFound
from algoreg.inventory.campaigns.access import CLOSED, DRAFT, OPEN, require_runner, require_visible
from algoreg.inventory.campaigns.inputs import CampaignIn, parse
from algoreg.register.audit import record_event
from algoreg.register.organisations import get_organisation
from algoreg.register.roles import Principal, Role

_SUMMARY = "The campaign was not saved."


def find_campaign(session: Session, campaign_id: int) -> Campaign:
    """The campaign with this id, or NotFound (use :func:`visible_campaign` for what a principal may see)."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(f"There is no campaign with id {campaign_id}.")
    return campaign


def targets_of(session: Session, campaign: Campaign) -> list[CampaignTarget]:
    """The organisations the campaign asks, by name."""
    query = (
        select(CampaignTarget)
        .join(Organisation, Organisation.id == CampaignTarget.organisation_id)
        .where(CampaignTarget.campaign_id == campaign.id)
        .order_by(Organisation.name)
    )
    return list(session.scalars(query))


def actions_of(session: Session, campaign: Campaign) -> list[CampaignAction]:
    """The actions the campaign asks, in their order."""
    query = (
        select(CampaignAction)
        .where(CampaignAction.campaign_id == campaign.id)
        .order_by(CampaignAction.position)
    )
    return list(session.scalars(query))


def visible_campaign(session: Session, principal: Principal | None, campaign_id: int) -> Campaign:
    """The campaign, when the principal runs it or is asked by it; NotFound otherwise."""
    campaign = find_campaign(session, campaign_id)
    require_visible(principal, campaign, targets_of(session, campaign))
    return campaign


def campaigns_for(session: Session, principal: Principal) -> list[Campaign]:
    """The campaigns the principal's organisations run, and the open or closed ones that ask them."""
    query = select(Campaign).order_by(Campaign.deadline, Campaign.id)
    if not principal.is_superuser:
        organisations = list(principal.roles)
        asked = select(CampaignTarget.campaign_id).where(CampaignTarget.organisation_id.in_(organisations))
        query = query.where(
            or_(
                Campaign.organisation_id.in_(organisations),
                (Campaign.id.in_(asked)) & (Campaign.state != DRAFT),
            )
        )
    return list(session.scalars(query))


def _require_draft(campaign: Campaign, doing: str) -> None:
    if campaign.state != DRAFT:
        raise Conflict(f"The campaign is {campaign.state}; you can {doing} only while it is a draft.")


def _replace_actions(session: Session, campaign: Campaign, data: CampaignIn) -> None:
    for old in actions_of(session, campaign):
        session.delete(old)
    session.flush()
    for position, action in enumerate(data.actions):
        session.add(
            CampaignAction(
                campaign_id=campaign.id,
                key=action.key,
                kind=action.kind.value,
                title=action.title,
                instrument_keys=list(action.instrument_keys),
                deadline=action.deadline,
                position=position,
            )
        )


def create_campaign(
    session: Session, principal: Principal, organisation_code: str, data: CampaignIn | Mapping[str, Any]
) -> Campaign:
    """A new draft campaign run by the organisation (publisher role there); audited ``campaign.create``."""
    checked = parse(CampaignIn, data, _SUMMARY)
    organisation = get_organisation(session, organisation_code)
    principal.require(organisation.id, Role.PUBLISHER, "start a campaign for this organisation")
    campaign = Campaign(
        organisation_id=organisation.id,
        title=checked.title,
        description=checked.description,
        contact_name=checked.contact_name,
        contact_email=checked.contact_email,
        deadline=checked.deadline,
        state=DRAFT,
        created_by=principal.name,
    )
    session.add(campaign)
    session.flush()
    _replace_actions(session, campaign, checked)
    record_event(
        session,
        principal,
        "campaign.create",
        organisation_id=organisation.id,
        summary=f"Started campaign {campaign.id} '{campaign.title}'",
        detail={"campaign_id": campaign.id},
    )
    session.flush()
    return campaign


def update_campaign(
    session: Session, principal: Principal, campaign_id: int, data: CampaignIn | Mapping[str, Any]
) -> Campaign:
    """New details and actions of a draft campaign (publisher role); Conflict once it is open."""
    campaign = find_campaign(session, campaign_id)
    require_runner(principal, campaign, "change this campaign")
    checked = parse(CampaignIn, data, _SUMMARY)
    _require_draft(campaign, "change it")
    for name in ("title", "description", "contact_name", "contact_email", "deadline"):
        setattr(campaign, name, getattr(checked, name))
    _replace_actions(session, campaign, checked)
    record_event(
        session,
        principal,
        "campaign.update",
        organisation_id=campaign.organisation_id,
        summary=f"Changed campaign {campaign.id}",
        detail={"campaign_id": campaign.id},
    )
    session.flush()
    return campaign


def add_targets(session: Session, principal: Principal, campaign_id: int, codes: Iterable[str]) -> list[str]:
    """Ask these organisations too (publisher role; before closing); returns the codes newly added.

    Unknown codes, and the running organisation itself, raise InvalidInput naming ``organisations.N``;
    organisations already asked are left as they are.
    """
    campaign = find_campaign(session, campaign_id)
    require_runner(principal, campaign, "choose the organisations this campaign asks")
    if campaign.state == CLOSED:
        raise Conflict("The campaign is closed; no organisations can be added.")
    wanted = list(codes)
    problems: list[FieldProblem] = []
    found: list[Organisation] = []
    for index, code in enumerate(wanted):
        organisation = session.scalar(select(Organisation).where(Organisation.code == code.strip().lower()))
        if organisation is None:
            problems.append(
                FieldProblem(f"organisations.{index}", f"there is no organisation with code '{code}'")
            )
        elif organisation.id == campaign.organisation_id:
            problems.append(
                FieldProblem(
                    f"organisations.{index}", "the organisation that runs the campaign does not ask itself"
                )
            )
        else:
            found.append(organisation)
    if not wanted:
        problems.append(FieldProblem("organisations", "name at least one organisation by its code"))
    if problems:
        raise InvalidInput(problems=problems, summary="No organisations were added.")
    present = {target.organisation_id for target in targets_of(session, campaign)}
    added = []
    for organisation in found:
        if organisation.id not in present:
            session.add(CampaignTarget(campaign_id=campaign.id, organisation_id=organisation.id))
            present.add(organisation.id)
            added.append(organisation.code)
    if added:
        record_event(
            session,
            principal,
            "campaign.add_targets",
            organisation_id=campaign.organisation_id,
            summary=f"Campaign {campaign.id} now also asks {', '.join(added)}",
            detail={"campaign_id": campaign.id, "organisations": added},
        )
    session.flush()
    return added


def remove_target(session: Session, principal: Principal, campaign_id: int, code: str) -> None:
    """Stop asking an organisation (publisher role), only while the campaign is a draft."""
    campaign = find_campaign(session, campaign_id)
    require_runner(principal, campaign, "choose the organisations this campaign asks")
    _require_draft(campaign, "remove an organisation")
    organisation = get_organisation(session, code)
    target = session.scalar(
        select(CampaignTarget).where(
            CampaignTarget.campaign_id == campaign.id, CampaignTarget.organisation_id == organisation.id
        )
    )
    if target is None:
        raise NotFound(f"The campaign does not ask '{code}'.")
    session.delete(target)
    record_event(
        session,
        principal,
        "campaign.remove_target",
        organisation_id=campaign.organisation_id,
        summary=f"Campaign {campaign.id} no longer asks {organisation.code}",
        detail={"campaign_id": campaign.id, "organisation": organisation.code},
    )
    session.flush()


def open_campaign(session: Session, principal: Principal, campaign_id: int) -> Campaign:
    """Open a draft campaign to the organisations it asks (publisher role); it must ask at least one."""
    campaign = find_campaign(session, campaign_id)
    require_runner(principal, campaign, "open this campaign")
    _require_draft(campaign, "open it")
    if not targets_of(session, campaign):
        raise InvalidInput(
            problems=[
                FieldProblem("organisations", "add at least one organisation before opening the campaign")
            ],
            summary="The campaign was not opened.",
        )
    campaign.state = OPEN
    campaign.opened_at = utcnow()
    _audit_step(session, principal, campaign, "campaign.open", "Opened")
    return campaign


def close_campaign(session: Session, principal: Principal, campaign_id: int) -> Campaign:
    """Close an open campaign (publisher role): answers are kept, and no more are taken."""
    campaign = find_campaign(session, campaign_id)
    require_runner(principal, campaign, "close this campaign")
    if campaign.state != OPEN:
        raise Conflict(f"The campaign is {campaign.state}; only an open campaign can be closed.")
    campaign.state = CLOSED
    campaign.closed_at = utcnow()
    _audit_step(session, principal, campaign, "campaign.close", "Closed")
    return campaign


def _audit_step(session: Session, principal: Principal, campaign: Campaign, action: str, verb: str) -> None:
    record_event(
        session,
        principal,
        action,
        organisation_id=campaign.organisation_id,
        summary=f"{verb} campaign {campaign.id} '{campaign.title}'",
        detail={"campaign_id": campaign.id},
    )
    session.flush()


def organisation_contacts(session: Session, organisation_id: int) -> list[str]:
    """Where an asked organisation is reached: its contact address (users have no e-mail of their own)."""
    organisation = session.get(Organisation, organisation_id)
    return [organisation.contact_email] if organisation and organisation.contact_email else []
