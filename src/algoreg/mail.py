"""Sending e-mail through an SMTP server, when one is configured (``ALGOREG_SMTP_*``)."""

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from algoreg.config import Settings


class Mailer(Protocol):
    """Something that sends one plain-text message, or raises an exception saying why it could not."""

    def send(self, recipient: str, subject: str, body: str) -> None:
        """Send ``body`` to ``recipient`` under ``subject``."""
        ...


@dataclass(frozen=True)
class SmtpMailer:
    """Sends through an SMTP server; STARTTLS and login when configured. The password is never logged."""

    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    starttls: bool = True
    timeout: float = 20.0

    def send(self, recipient: str, subject: str, body: str) -> None:
        """Send one message; SMTP and connection errors are raised as they come."""
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = recipient
        message["Subject"] = subject
        message.set_content(body)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)


def configured_mailer(settings: "Settings") -> SmtpMailer | None:
    """The mailer of the ``ALGOREG_SMTP_*`` settings, or None when no SMTP host is configured."""
    if not settings.smtp_host:
        return None
    return SmtpMailer(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.smtp_sender,
        username=settings.smtp_username,
        password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        starttls=settings.smtp_starttls,
    )
