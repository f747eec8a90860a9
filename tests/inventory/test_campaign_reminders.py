"""Reminders before campaign deadlines: due once per occasion, always recorded, e-mailed through real SMTP."""

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.models import CampaignReminder, CampaignTarget, Organisation
from algoreg.db.session import transaction
from algoreg.inventory.campaigns import answers, campaigns
from algoreg.inventory.campaigns.reminders import due_reminders, send_reminders
from algoreg.mail import SmtpMailer
from algoreg.register import algorithms
from algoreg.register.roles import SYSTEM, Principal, Role
from algoreg.register.workflow import Action
from tests.helpers import free_port
from tests.samples import sample_record

Factory = sessionmaker[Session]
DEADLINE = date(2027, 3, 1)
DAYS = (14, 3)


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[SmtpMailer, Inbox]]:
    """A real SMTP server on loopback, and a mailer that talks to it (without TLS)."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpMailer(host="127.0.0.1", port=port, sender="algoreg@minbzk.nl", starttls=False), inbox
    finally:
        controller.stop()


@pytest.fixture
def campaign(factory: Factory, make_organisation: Callable[..., str]) -> int:
    """An open campaign of BZK asking gm0001 (with a contact address) and gm0002 (without)."""
    make_organisation("bzk", "Ministerie van BZK", "ministerie")
    make_organisation("gm0001", "Gemeente Een")
    make_organisation("gm0002", "Gemeente Twee")
    central = Principal("bzk", {1: Role.PUBLISHER})
    with transaction(factory) as session:
        one = session.scalar(select(Organisation).where(Organisation.code == "gm0001"))
        assert one is not None
        one.contact_email = "algoritmes@gemeente-een.nl"
        campaign_id = campaigns.create_campaign(
            session,
            central,
            "bzk",
            {
                "title": "Uitvraag",
                "contact_name": "BZK",
                "contact_email": "a@minbzk.nl",
                "deadline": DEADLINE,
            },
        ).id
        campaigns.add_targets(session, central, campaign_id, ["gm0001", "gm0002"])
        campaigns.open_campaign(session, central, campaign_id)
    return campaign_id


def send(factory: Factory, today: date, mailer: SmtpMailer | None) -> list[tuple[str, int, str, str]]:
    with transaction(factory) as session:
        rows = send_reminders(session, today, DAYS, mailer)
        organisations = {o.id: o.code for o in session.scalars(select(Organisation))}
        return [
            (
                organisations[session.get(CampaignTarget, r.target_id).organisation_id],
                r.days_before,
                r.channel,
                r.outcome,
            )  # type: ignore[union-attr]
            for r in rows
        ]


def test_reminders_are_due_once_per_occasion_and_e_mailed_where_possible(
    factory: Factory, campaign: int, smtp: tuple[SmtpMailer, Inbox]
) -> None:
    mailer, inbox = smtp
    # 20 days before: nothing is due yet
    assert send(factory, DEADLINE - timedelta(days=20), mailer) == []
    # 14 days before: both organisations, one by e-mail, the other only recorded
    sent = send(factory, DEADLINE - timedelta(days=14), mailer)
    assert sent == [
        ("gm0001", 14, "email", "sent"),
        ("gm0002", 14, "recorded", "not e-mailed: the organisation has no contact address"),
    ]
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message["To"] == "algoritmes@gemeente-een.nl" and "Uitvraag" in message["Subject"]
    assert "- de lijst van algoritmen is nog niet volledig verklaard" in message.get_payload()
    # the same day again, and 10 days before: nothing new
    assert send(factory, DEADLINE - timedelta(days=14), mailer) == []
    assert send(factory, DEADLINE - timedelta(days=10), mailer) == []
    # 2 days before: the 3-day occasion
    assert [row[:2] for row in send(factory, DEADLINE - timedelta(days=2), mailer)] == [
        ("gm0001", 3),
        ("gm0002", 3),
    ]
    # after the deadline: nothing
    assert send(factory, DEADLINE + timedelta(days=1), mailer) == []
    with transaction(factory) as session:
        assert len(list(session.scalars(select(CampaignReminder)))) == 4


def test_a_finished_organisation_is_not_reminded(factory: Factory, campaign: int) -> None:
    # given gm0001 puts its one algorithm in scope, has it published, and declares its list complete
    editor = Principal("gm0001-editor", {2: Role.PUBLISHER})
    with transaction(factory) as session:
        public_id = algorithms.create_algorithm(
            session, SYSTEM, "gm0001", sample_record(organization="Gemeente Een")
        ).public_id
        answers.add_to_scope(
            session, editor, campaign, "gm0001", {"algorithm": public_id, "human_rights_risks": "x"}
        )
        algorithms.perform_steps(session, SYSTEM, public_id, (Action.SUBMIT, Action.APPROVE, Action.PUBLISH))
        answers.declare(session, editor, campaign, "gm0001", complete=True)
        due = due_reminders(session, DEADLINE - timedelta(days=3), DAYS)
    # then only the IAMA is open for gm0001, and gm0002 has everything open
    assert [(d.organisation_code, d.open_points) for d in due] == [
        ("gm0001", (f"{sample_record()['name']} ({public_id}): IAMA uitgevoerd — nog niet begonnen",)),
        ("gm0002", ("de lijst van algoritmen is nog niet volledig verklaard",)),
    ]


def test_without_smtp_or_when_it_fails_the_reminder_is_recorded_with_why(
    factory: Factory, campaign: int
) -> None:
    recorded = send(factory, DEADLINE - timedelta(days=3), None)
    assert {row[3] for row in recorded} == {"not e-mailed: no SMTP server is configured"}
    closed = SmtpMailer(host="127.0.0.1", port=free_port(), sender="a@b.nl", starttls=False, timeout=2)
    with transaction(factory) as session:
        session.execute(CampaignReminder.__table__.delete())
    failed = send(factory, DEADLINE - timedelta(days=3), closed)
    assert failed[0][2] == "recorded" and failed[0][3].startswith("e-mail failed: ConnectionRefusedError")
