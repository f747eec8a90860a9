"""``algoreg campaigns remind`` as a real process, e-mailing through a real SMTP server."""

import os
import subprocess
from datetime import timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.models import CampaignReminder
from algoreg.db.session import transaction
from algoreg.mail import SmtpMailer
from tests.cli.test_commands import ALGOREG
from tests.inventory.test_campaign_reminders import DEADLINE, Inbox, campaign, smtp

__all__ = ["campaign", "smtp"]  # fixtures, used by name


def run(database_url: str, mailer: SmtpMailer, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ALGOREG_DATABASE_URL": database_url,
        "ALGOREG_SMTP_HOST": mailer.host,
        "ALGOREG_SMTP_PORT": str(mailer.port),
        "ALGOREG_SMTP_STARTTLS": "false",
        "ALGOREG_SMTP_SENDER": "uitvraag@minbzk.nl",
    }
    return subprocess.run(
        [str(ALGOREG), "campaigns", *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_remind_lists_then_sends_once(
    engine: Engine,
    database_url: str,
    factory: sessionmaker[Session],
    campaign: int,
    smtp: tuple[SmtpMailer, Inbox],
) -> None:
    mailer, inbox = smtp
    day = (DEADLINE - timedelta(days=3)).isoformat()
    # a dry run lists both asked organisations and sends nothing
    dry = run(database_url, mailer, "remind", "--today", day, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "gm0001: campaign" in dry.stdout and "gm0002: campaign" in dry.stdout
    assert inbox.messages == []
    # the real run e-mails gm0001 (which has an address) and records both; a second run does nothing
    sent = run(database_url, mailer, "remind", "--today", day)
    assert sent.returncode == 0, sent.stderr
    assert "2 reminder(s) recorded." in sent.stdout
    assert [m["From"] for m in inbox.messages] == ["uitvraag@minbzk.nl"]
    assert "0 reminder(s) recorded." in run(database_url, mailer, "remind", "--today", day).stdout
    with transaction(factory) as session:
        assert sorted(r.channel for r in session.scalars(select(CampaignReminder))) == ["email", "recorded"]
    bad = run(database_url, mailer, "remind", "--today", "gisteren")
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stdout
