"""Login rate limiting in the register: counting failures per username and per address in the database."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.models import AuditEvent, LoginAttempt
from algoreg.db.session import transaction
from algoreg.register import login_throttle
from algoreg.register.login_throttle import LimitedBy, LoginLimits

LIMITS = LoginLimits(max_attempts=3, window=timedelta(minutes=15))
T0 = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def fail(factory: sessionmaker[Session], username: str, address: str, moment: datetime) -> None:
    with transaction(factory) as session:
        login_throttle.record_failure(session, LIMITS, username, address, moment)


def refusal(factory: sessionmaker[Session], username: str, address: str, moment: datetime):  # type: ignore[no-untyped-def]
    with transaction(factory) as session:
        return login_throttle.refusal_for(session, LIMITS, username, address, moment)


def audit_count(factory: sessionmaker[Session], action: str) -> int:
    with transaction(factory) as session:
        return session.scalar(select(func.count()).where(AuditEvent.action == action)) or 0


def test_the_limit_per_username_counts_failures_from_every_address(factory: sessionmaker[Session]) -> None:
    # given two failures for eva from different addresses
    fail(factory, "eva", "10.0.0.1", at(0))
    fail(factory, "Eva ", "10.0.0.2", at(60))
    # then a third attempt may still be checked
    assert refusal(factory, "eva", "10.0.0.3", at(120)) is None
    # when a third failure comes from yet another address, written differently
    fail(factory, " EVA", "10.0.0.3", at(120))
    # then every further attempt for eva is refused, from any address, until the oldest leaves the window
    refused = refusal(factory, "eva", "192.0.2.9", at(180))
    assert refused is not None
    assert refused.limited_by is LimitedBy.USERNAME
    assert refused.failures == 3
    assert refused.retry_after == 15 * 60 - 180
    # and another username from a fresh address is not affected
    assert refusal(factory, "bram", "192.0.2.9", at(180)) is None


def test_the_limit_per_address_counts_failures_for_every_username(factory: sessionmaker[Session]) -> None:
    for number, name in enumerate(["eva", "bram", "chris"]):
        fail(factory, name, "10.0.0.1", at(number))
    refused = refusal(factory, "dirk", "10.0.0.1", at(10))
    assert refused is not None and refused.limited_by is LimitedBy.ADDRESS
    assert refusal(factory, "dirk", "10.0.0.2", at(10)) is None


def test_failures_older_than_the_window_do_not_count_and_are_pruned(factory: sessionmaker[Session]) -> None:
    # given three failures, the first of them 15 minutes ago
    for seconds in (0, 100, 200):
        fail(factory, "eva", "10.0.0.1", at(seconds))
    assert refusal(factory, "eva", "10.0.0.1", at(899)) is not None
    # then once the oldest leaves the window the next attempt may be checked again
    assert refusal(factory, "eva", "10.0.0.1", at(900)) is None
    # and the next stored attempt prunes what left the window
    fail(factory, "someone", "10.9.9.9", at(901))
    with transaction(factory) as session:
        stored = sorted(session.scalars(select(LoginAttempt.at)))
    assert stored == [at(100), at(200), at(901)]


def test_retry_after_is_when_enough_failures_have_left_the_window(factory: sessionmaker[Session]) -> None:
    # given five failures with a limit of three
    for seconds in (0, 10, 20, 30, 40):
        fail(factory, "eva", "10.0.0.1", at(seconds))
    # then the attempt is possible again when the third newest (at 20 s) leaves the window
    refused = refusal(factory, "eva", "10.0.0.1", at(50))
    assert refused is not None
    assert refused.retry_after == 900 + 20 - 50
    assert refusal(factory, "eva", "10.0.0.1", at(920)) is None


def test_a_success_forgets_only_that_usernames_failures_from_that_address(
    factory: sessionmaker[Session],
) -> None:
    # given eva mistyped twice at home, someone guessed eva's password once elsewhere,
    # and from eva's home address two guesses were made for bram
    fail(factory, "eva", "10.0.0.1", at(0))
    fail(factory, "eva", "10.0.0.1", at(1))
    fail(factory, "eva", "203.0.113.5", at(2))
    fail(factory, "bram", "10.0.0.1", at(3))
    # when eva logs in at home
    with transaction(factory) as session:
        login_throttle.record_success(session, "Eva", "10.0.0.1")
    # then her own typing errors are forgotten, the guess from elsewhere is not
    with transaction(factory) as session:
        left = sorted(session.execute(select(LoginAttempt.username, LoginAttempt.address)).all())
    assert left == [("bram", "10.0.0.1"), ("eva", "203.0.113.5")]
    # so two more guesses at eva from elsewhere reach her limit
    fail(factory, "eva", "203.0.113.6", at(4))
    fail(factory, "eva", "203.0.113.7", at(5))
    refused = refusal(factory, "eva", "10.0.0.1", at(6))
    assert refused is not None and refused.limited_by is LimitedBy.USERNAME


def test_a_refusal_is_stored_and_audited_once_per_username_address_and_lock(
    factory: sessionmaker[Session],
) -> None:
    for seconds in (0, 1, 2):
        fail(factory, "eva", "10.0.0.1", at(seconds))
    refused = refusal(factory, "eva", "10.0.0.1", at(3))
    assert refused is not None
    # when the attempt is refused three times, and once from another address
    for seconds, address in ((3, "10.0.0.1"), (4, "10.0.0.1"), (5, "10.0.0.1"), (6, "10.0.0.2")):
        with transaction(factory) as session:
            login_throttle.record_refusal(session, LIMITS, "eva", address, refused, at(seconds))
    # then each refusal is stored, but audited once per username and address
    with transaction(factory) as session:
        outcomes = list(session.scalars(select(LoginAttempt.outcome).order_by(LoginAttempt.id)))
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "login.throttled")))
    assert outcomes == ["failed"] * 3 + ["refused"] * 4
    assert [e.detail["address"] for e in events] == ["10.0.0.1", "10.0.0.2"]
    assert events[0].actor == "anonymous"
    assert events[0].detail == {
        "username": "eva",
        "address": "10.0.0.1",
        "limited_by": "username",
        "failures": 3,
        "retry_after": refused.retry_after,
    }
    # and refusals do not count as failures: the lock ends when the failures leave the window
    assert refusal(factory, "eva", "10.0.0.1", at(900)) is None
    # and a refusal in a new lock is audited again
    for seconds in (901, 902, 903):
        fail(factory, "eva", "10.0.0.1", at(seconds))
    again = refusal(factory, "eva", "10.0.0.1", at(904))
    assert again is not None
    with transaction(factory) as session:
        login_throttle.record_refusal(session, LIMITS, "eva", "10.0.0.1", again, at(904))
    assert audit_count(factory, "login.throttled") == 3


def test_limits_must_make_sense() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        LoginLimits(max_attempts=0, window=timedelta(minutes=1))
    with pytest.raises(ValueError, match="window"):
        LoginLimits(max_attempts=3, window=timedelta(0))
