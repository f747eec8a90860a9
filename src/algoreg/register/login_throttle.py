"""Login rate limiting: too many failed logins per username or per client address are refused.

Every failed login is stored in the database (:class:`~algoreg.db.models.LoginAttempt`), so the
limits hold across all app processes on one database. When a username, or separately a client
address, has ``max_attempts`` failed logins within the window, further attempts are refused —
decided before any password is checked, so a refusal says nothing about the password — until the
oldest counted failure leaves the window. A successful login forgets only the failures of that
same username from that same address (the person's own typing errors), never those from other
addresses or for other usernames. Refusals are stored too, and the first refusal of a username from an
address during a lock is written to the audit log, so that an attack is visible there without one
audit entry per request. Attempts older than the window are pruned whenever one is stored.

Every function runs in the caller's transaction.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from algoreg.db.models import LoginAttempt, utcnow
from algoreg.register.audit import record_event
from algoreg.register.roles import Principal

#: Who the audit log names as the actor of a refused login: nobody is signed in yet.
ANONYMOUS = Principal(name="anonymous")

_MAX_USERNAME = 200
_MAX_ADDRESS = 100


class Outcome(StrEnum):
    """What became of a stored login attempt."""

    FAILED = "failed"
    REFUSED = "refused"


class LimitedBy(StrEnum):
    """Which count reached the limit."""

    USERNAME = "username"
    ADDRESS = "address"


@dataclass(frozen=True)
class LoginLimits:
    """At most ``max_attempts`` failed logins per username and per address within ``window``."""

    max_attempts: int
    window: timedelta

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.window <= timedelta(0):
            raise ValueError("window must be positive")


@dataclass(frozen=True)
class Refusal:
    """A login attempt that must be refused: which count is full and how long until one is free again."""

    limited_by: LimitedBy
    retry_after: int  # whole seconds, at least 1
    failures: int
    #: When the oldest failure counted towards this limit was made: the lock began with it.
    counted_since: datetime


def fold_username(username: str) -> str:
    """Return the username as accounts are looked up (stripped, lower case), cut to the stored length."""
    return username.strip().lower()[:_MAX_USERNAME]


def _address(address: str) -> str:
    return address[:_MAX_ADDRESS]


def _failures_since(
    session: Session, column: InstrumentedAttribute[str], value: str, since: datetime, limit: int
) -> list[datetime]:
    query = (
        select(LoginAttempt.at)
        .where(column == value, LoginAttempt.outcome == Outcome.FAILED.value, LoginAttempt.at > since)
        .order_by(LoginAttempt.at.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def refusal_for(
    session: Session, limits: LoginLimits, username: str, address: str, now: datetime | None = None
) -> Refusal | None:
    """Return why a login attempt must be refused now, or ``None`` when it may be checked.

    Looks only at stored failures, never at the password. When both the username and the address
    are at their limit, the one that frees up last is returned.
    """
    now = now or utcnow()
    since = now - limits.window
    refusals: list[Refusal] = []
    checks = (
        (LimitedBy.USERNAME, LoginAttempt.username, fold_username(username)),
        (LimitedBy.ADDRESS, LoginAttempt.address, _address(address)),
    )
    for limited_by, column, value in checks:
        times = _failures_since(session, column, value, since, limits.max_attempts)
        if len(times) >= limits.max_attempts:
            # the attempt is possible again once the max_attempts-th newest failure leaves the window
            free_at = times[limits.max_attempts - 1] + limits.window
            wait = max(1, math.ceil((free_at - now).total_seconds()))
            refusals.append(Refusal(limited_by, wait, len(times), times[limits.max_attempts - 1]))
    return max(refusals, key=lambda refusal: refusal.retry_after, default=None)


def _prune(session: Session, limits: LoginLimits, now: datetime) -> None:
    session.execute(delete(LoginAttempt).where(LoginAttempt.at <= now - limits.window))


def record_failure(
    session: Session, limits: LoginLimits, username: str, address: str, now: datetime | None = None
) -> None:
    """Store a failed login of ``username`` from ``address``, and prune attempts older than the window."""
    now = now or utcnow()
    session.add(
        LoginAttempt(
            at=now, username=fold_username(username), address=_address(address), outcome=Outcome.FAILED.value
        )
    )
    _prune(session, limits, now)


def record_refusal(
    session: Session,
    limits: LoginLimits,
    username: str,
    address: str,
    refusal: Refusal,
    now: datetime | None = None,
) -> None:
    """Store a refused login; write it to the audit log when it is the first refusal of this
    username from this address since the lock began (see :attr:`Refusal.counted_since`)."""
    now = now or utcnow()
    name, where = fold_username(username), _address(address)
    earlier = session.scalar(
        select(LoginAttempt.id)
        .where(
            LoginAttempt.username == name,
            LoginAttempt.address == where,
            LoginAttempt.outcome == Outcome.REFUSED.value,
            LoginAttempt.at >= refusal.counted_since,
        )
        .limit(1)
    )
    session.add(LoginAttempt(at=now, username=name, address=where, outcome=Outcome.REFUSED.value))
    if earlier is None:
        record_event(
            session,
            ANONYMOUS,
            "login.throttled",
            summary=(
                f"Refused logins as '{name}' from {where}: {refusal.failures} failed attempts per "
                f"{refusal.limited_by.value} within {int(limits.window.total_seconds())} seconds"
            ),
            detail={
                "username": name,
                "address": where,
                "limited_by": refusal.limited_by.value,
                "failures": refusal.failures,
                "retry_after": refusal.retry_after,
            },
        )
    _prune(session, limits, now)


def record_success(session: Session, username: str, address: str) -> None:
    """Forget the failed logins of ``username`` from ``address``; failures from elsewhere stay counted."""
    session.execute(
        delete(LoginAttempt).where(
            LoginAttempt.username == fold_username(username),
            LoginAttempt.address == _address(address),
            LoginAttempt.outcome == Outcome.FAILED.value,
        )
    )
