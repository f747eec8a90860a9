"""The hash-chained publication log: appended in order, and tampering is detected."""

from collections.abc import Callable

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.models import AlgorithmVersion, PublicationEntry
from algoreg.db.session import transaction
from algoreg.register import algorithms, publication_log
from algoreg.register.roles import SYSTEM
from algoreg.register.workflow import Action
from tests.samples import sample_record

Factory = sessionmaker[Session]


@pytest.fixture
def published(factory: Factory, make_organisation: Callable[..., str]) -> str:
    make_organisation("gm0001", "Gemeente Voorbeeld")
    with transaction(factory) as session:
        public_id = algorithms.create_algorithm(session, SYSTEM, "gm0001", sample_record()).public_id
    for action in (Action.SUBMIT, Action.APPROVE, Action.PUBLISH):
        with transaction(factory) as session:
            algorithms.perform(session, SYSTEM, public_id, action)
    return public_id


def act(factory: Factory, public_id: str, *actions: Action) -> None:
    for action in actions:
        with transaction(factory) as session:
            algorithms.perform(session, SYSTEM, public_id, action)


def kinds(factory: Factory) -> list[tuple[int, str, str, int | None]]:
    with transaction(factory) as session:
        entries = publication_log.entries_after(session, 0, 100)
        return [(e.seq, e.kind, e.reason, e.version_number) for e in entries]


def test_every_change_of_what_the_public_sees_is_logged_in_order(factory: Factory, published: str) -> None:
    # given a published algorithm that is edited and re-published, retracted, published, archived, unarchived
    with transaction(factory) as session:
        algorithms.update_algorithm(session, SYSTEM, published, sample_record(name="Nieuwe naam"), None)
    act(factory, published, Action.SUBMIT, Action.APPROVE, Action.PUBLISH, Action.RETRACT)
    act(factory, published, Action.SUBMIT, Action.APPROVE, Action.PUBLISH, Action.ARCHIVE, Action.UNARCHIVE)
    # then the log holds each visible change once, numbered without gaps
    assert kinds(factory) == [
        (1, "published", "publish", 1),
        (2, "published", "publish", 2),
        (3, "withdrawn", "retract", None),
        (4, "published", "publish", 2),
        (5, "withdrawn", "archive", None),
        (6, "published", "unarchive", 2),
    ]
    with transaction(factory) as session:
        assert publication_log.verify(session, algorithms.public_record_of) == []


def test_steps_that_change_nothing_public_are_not_logged(factory: Factory, published: str) -> None:
    with transaction(factory) as session:
        algorithms.update_algorithm(session, SYSTEM, published, sample_record(name="Concept"), None)
    act(factory, published, Action.SUBMIT, Action.REJECT)
    assert [k[1] for k in kinds(factory)] == ["published"]


def test_editing_a_published_version_in_the_database_is_detected(factory: Factory, published: str) -> None:
    # when someone edits the published version directly in the database
    with transaction(factory) as session:
        version = session.scalar(select(AlgorithmVersion))
        assert version is not None
        changed = {**version.record, "goal": "<p>Stilletjes veranderd.</p>"}
        session.execute(
            update(AlgorithmVersion).where(AlgorithmVersion.id == version.id).values(record=changed)
        )
    # then verification names the entry and the version
    with transaction(factory) as session:
        problems = publication_log.verify(session, algorithms.public_record_of)
    assert [p.seq for p in problems] == [1]
    assert "changed after publication" in problems[0].problem


def test_rewriting_or_removing_log_entries_is_detected(factory: Factory, published: str) -> None:
    act(factory, published, Action.RETRACT)
    with transaction(factory) as session:
        session.execute(update(PublicationEntry).where(PublicationEntry.seq == 1).values(reason="unarchive"))
    with transaction(factory) as session:
        assert any(
            "does not match its hash" in p.problem
            for p in publication_log.verify(session, algorithms.public_record_of)
        )
    with transaction(factory) as session:
        session.execute(text("DELETE FROM publication_entry WHERE seq = 1"))
    with transaction(factory) as session:
        problems = publication_log.verify(session, algorithms.public_record_of)
    assert any("missing" in p.problem for p in problems)
    assert any("previous entry" in p.problem for p in problems)
