"""Reminders before a deadline to asked organisations that have not finished; each occasion once.

For every open campaign, asked organisation and deadline (the campaign's, and any action's own), an
organisation is reminded when it has not declared its list complete, or when an action with that
deadline is not done for one of its algorithms. ``days_before`` (for instance 14 and 3) are the
occasions: on a day within ``n`` days of the deadline the smallest such ``n`` is due, unless a
reminder for it — or for an occasion closer to the deadline — was already recorded. Every reminder
is recorded (:class:`~algoreg.db.models.CampaignReminder`); it is also e-mailed when a mailer is
given and the organisation has a contact address, and the outcome of sending is recorded with it.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from algoreg.db.models import Campaign, CampaignReminder, CampaignTarget, Organisation
from algoreg.inventory.campaigns.access import OPEN
from algoreg.inventory.campaigns.action_states import ActionState
from algoreg.inventory.campaigns.campaigns import actions_of, targets_of
from algoreg.inventory.campaigns.progress import ActionView, TargetView, progress_of
from algoreg.mail import Mailer
from algoreg.register.audit import record_event
from algoreg.register.roles import SYSTEM


@dataclass(frozen=True)
class DueReminder:
    """A reminder that is due: to whom, for which campaign and deadline, and what is still open."""

    target_id: int
    campaign_id: int
    campaign_title: str
    organisation_code: str
    organisation_name: str
    recipient: str | None
    deadline: date
    days_before: int
    open_points: tuple[str, ...]


_STATE_WORDS = {ActionState.NOT_STARTED: "nog niet begonnen", ActionState.IN_PROGRESS: "nog bezig"}
_LIST_OPEN = "de lijst van algoritmen is nog niet volledig verklaard"


def _open_points(target: TargetView, actions: Sequence[ActionView]) -> tuple[str, ...]:
    """What is still open for the organisation, in Dutch: the declaration and every unfinished action."""
    points = [] if target.declared_at is not None else [_LIST_OPEN]
    for item in target.items:
        for action in actions:
            state = item.statuses[action.key].state
            if state in _STATE_WORDS:
                points.append(f"{item.name} ({item.algorithm}): {action.title} — {_STATE_WORDS[state]}")
    return tuple(points)


def due_reminders(session: Session, today: date, days_before: Sequence[int]) -> list[DueReminder]:
    """Every reminder due today, in campaign and organisation order; nothing is recorded."""
    occasions = sorted(set(days_before))
    due: list[DueReminder] = []
    campaigns = session.scalars(select(Campaign).where(Campaign.state == OPEN).order_by(Campaign.id))
    for campaign in campaigns:
        actions = actions_of(session, campaign)
        targets = targets_of(session, campaign)
        view = progress_of(session, SYSTEM, campaign, actions, targets)
        deadlines: dict[date, list[ActionView]] = {campaign.deadline: []}
        for action in view.actions:
            deadlines.setdefault(action.deadline, []).append(action)
        recorded = {
            (r.target_id, r.deadline, r.days_before)
            for r in session.scalars(
                select(CampaignReminder).where(CampaignReminder.target_id.in_([t.id for t in targets]))
            )
        }
        for target, target_view in zip(targets, view.targets, strict=True):
            organisation = session.get(Organisation, target.organisation_id)
            assert organisation is not None
            for deadline, due_actions in sorted(deadlines.items()):
                left = (deadline - today).days
                reached = [n for n in occasions if 0 <= left <= n]
                if not reached:
                    continue
                occasion = reached[0]
                if any((target.id, deadline, n) in recorded for n in occasions if n <= occasion):
                    continue
                points = _open_points(target_view, due_actions)
                if deadline != campaign.deadline:
                    points = tuple(p for p in points if p != _LIST_OPEN)
                if points:
                    due.append(
                        DueReminder(
                            target.id,
                            campaign.id,
                            campaign.title,
                            organisation.code,
                            organisation.name,
                            organisation.contact_email,
                            deadline,
                            occasion,
                            points,
                        )
                    )
    return due


def reminder_text(reminder: DueReminder, contact: str) -> tuple[str, str]:
    """The subject and body of a reminder, in Dutch (the language of the organisations asked)."""
    subject = f"Herinnering: {reminder.campaign_title} — uiterste datum {reminder.deadline:%d-%m-%Y}"
    lines = [
        f"Aan {reminder.organisation_name},",
        "",
        f"Op {reminder.deadline:%d-%m-%Y}, over {reminder.days_before} dagen of minder, sluit (een deel van) "
        f"de uitvraag '{reminder.campaign_title}'.",
        "Volgens Algoreg staat nog open:",
        *(f"- {point}" for point in reminder.open_points),
        "",
        f"Vragen? Neem contact op met {contact}.",
    ]
    return subject, "\n".join(lines)


def send_reminders(
    session: Session, today: date, days_before: Sequence[int], mailer: Mailer | None
) -> list[CampaignReminder]:
    """Record every due reminder and e-mail it when possible; returns the recorded reminders.

    A failure to send is recorded as the reminder's outcome (the reminder is not retried: the next
    occasion follows). Audited as ``campaign.remind`` per reminder.
    """
    recorded = []
    for reminder in due_reminders(session, today, days_before):
        campaign = session.get(Campaign, reminder.campaign_id)
        assert campaign is not None
        subject, body = reminder_text(reminder, f"{campaign.contact_name} ({campaign.contact_email})")
        if mailer is None:
            channel, outcome = "recorded", "not e-mailed: no SMTP server is configured"
        elif not reminder.recipient:
            channel, outcome = "recorded", "not e-mailed: the organisation has no contact address"
        else:
            try:
                mailer.send(reminder.recipient, subject, body)
                channel, outcome = "email", "sent"
            except Exception as failed:  # any failure of the mail server is recorded, not raised
                channel, outcome = "recorded", f"e-mail failed: {type(failed).__name__}: {failed}"[:1000]
        row = CampaignReminder(
            target_id=reminder.target_id,
            deadline=reminder.deadline,
            days_before=reminder.days_before,
            recipient=reminder.recipient,
            channel=channel,
            outcome=outcome,
        )
        session.add(row)
        target = session.get(CampaignTarget, reminder.target_id)
        assert target is not None
        record_event(
            session,
            SYSTEM,
            "campaign.remind",
            organisation_id=target.organisation_id,
            summary=f"Campaign {reminder.campaign_id}: reminder {reminder.days_before} days before "
            f"{reminder.deadline.isoformat()} ({outcome})",
            detail={"campaign_id": reminder.campaign_id, "channel": channel},
        )
        session.flush()
        recorded.append(row)
    return recorded
