"""Browser sessions after login, and the instance's own signing key.

A session cookie holds a random secret; only its SHA-256 hash is stored, so a leaked database does
not hand out sessions. Every login starts a new session (no fixation); logout deletes it.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from algoreg.db.models import InstanceSetting, User, WebSession, utcnow
from algoreg.register.accounts import hash_token, principal_of_user
from algoreg.register.roles import Principal

SESSION_LIFETIME = timedelta(hours=10)


@dataclass(frozen=True)
class SignedIn:
    """The user behind a valid session."""

    user_id: int
    username: str
    display_name: str
    principal: Principal


def start_session(session: Session, user_id: int) -> str:
    """Start a new session for the user and return the secret for the cookie."""
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        WebSession(
            token_hash=hash_token(secret), user_id=user_id, created_at=now, expires_at=now + SESSION_LIFETIME
        )
    )
    session.execute(delete(WebSession).where(WebSession.expires_at < now))
    return secret


def resolve_session(session: Session, secret: str) -> SignedIn | None:
    """Return who is signed in with ``secret``, or ``None`` for an unknown, expired or disabled one."""
    row = session.scalar(select(WebSession).where(WebSession.token_hash == hash_token(secret)))
    if row is None or row.expires_at < utcnow():
        return None
    user: User = row.user
    if not user.is_active:
        return None
    return SignedIn(user.id, user.username, user.display_name, principal_of_user(user))


def end_session(session: Session, secret: str) -> None:
    """End the session with ``secret``; ending an unknown one does nothing."""
    session.execute(delete(WebSession).where(WebSession.token_hash == hash_token(secret)))


def end_all_sessions(session: Session, user_id: int) -> None:
    """End every session of a user (after a password change or when the account is disabled)."""
    session.execute(delete(WebSession).where(WebSession.user_id == user_id))


def instance_secret(session: Session, key: str = "signing_key") -> str:
    """Return this instance's random secret named ``key``, making it once and sharing it between processes."""
    existing = session.get(InstanceSetting, key)
    if existing is not None:
        return existing.value
    try:
        with session.begin_nested():
            session.add(InstanceSetting(key=key, value=secrets.token_urlsafe(48)))
    except IntegrityError:
        pass  # another process made it at the same moment; read theirs
    made = session.get(InstanceSetting, key)
    assert made is not None
    return made.value
