"""The change feed under random histories of publication, retraction and republication.

For any sequence of steps on a few algorithms (publish, retract, archive, unarchive, edit and
publish again), read through the real app's /api/v1/feed:

* paging from any cursor with any page size gives the same entries, in order, without gaps or
  duplicates, as reading the rest of the feed at once;
* the feed holds exactly the changes of what the public sees, in the order they happened, with
  tombstones for withdrawals;
* the hash chain verifies, and links each entry to the one before.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from algoreg.db.session import session_factory, transaction
from algoreg.errors import Conflict
from algoreg.register import algorithms, organisations, publication_log
from algoreg.register.organisations import OrganisationIn, OrganisationKind
from algoreg.register.roles import SYSTEM
from algoreg.register.workflow import Action
from algoreg.web.app import create_app
from tests.database import emptied
from tests.samples import sample_record

PUBLISH = (Action.SUBMIT, Action.APPROVE, Action.PUBLISH)
#: A step of a history: what the publishers do to an algorithm.
STEPS = {
    "publish": PUBLISH,
    "retract": (Action.RETRACT,),
    "archive": (Action.ARCHIVE,),
    "unarchive": (Action.UNARCHIVE,),
    "edit and publish": PUBLISH,
}
ALGORITHMS = 3

histories = st.lists(st.tuples(st.integers(0, ALGORITHMS - 1), st.sampled_from(sorted(STEPS))), max_size=25)


@pytest.fixture
def client(migrated_engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(migrated_engine)) as test_client:
        yield test_client
    emptied(migrated_engine)


def make_history(engine: Engine, history: list[tuple[int, str]]) -> list[tuple[str, str, str]]:
    """Apply ``history`` to a fresh register; return the changes of public view it should make.

    Each change is (kind, algorithm id, reason), worked out from what the public could see before
    and after each step that was allowed; steps the workflow refuses change nothing.
    """
    factory = session_factory(emptied(engine))
    with transaction(factory) as session:
        organisations.create_organisation(
            session,
            SYSTEM,
            OrganisationIn(code="gm0001", name="Gemeente Voorbeeld", kind=OrganisationKind.GEMEENTE),
        )
        ids = [
            algorithms.create_algorithm(
                session, SYSTEM, "gm0001", sample_record(name=f"Algoritme {n}")
            ).public_id
            for n in range(ALGORITHMS)
        ]
    expected: list[tuple[str, str, str]] = []
    for edits, (which, step) in enumerate(history):
        public_id = ids[which]
        try:
            with transaction(factory) as session:
                before = algorithms.is_public(algorithms.find_algorithm(session, public_id))
                if step == "edit and publish":
                    record = sample_record(name=f"Algoritme {which}", goal=f"<p>Versie {edits}</p>")
                    algorithms.update_algorithm(session, SYSTEM, public_id, record, None)
                algorithm = algorithms.perform_steps(session, SYSTEM, public_id, STEPS[step])
                after = algorithms.is_public(algorithm)
        except Conflict:
            continue
        last = STEPS[step][-1].value
        if after and (last == "publish" or not before):
            expected.append(("published", public_id, last))
        elif before and not after:
            expected.append(("withdrawn", public_id, last))
    return expected


def read_feed(client: TestClient, after: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    """Page through the feed from ``after``, ``limit`` at a time; return the entries and the head."""
    entries: list[dict[str, Any]] = []
    heads = set()
    while True:
        response = client.get("/api/v1/feed", params={"after": after, "limit": limit})
        assert response.status_code == 200, response.text
        page = response.json()
        heads.add(page["head_seq"])
        assert len(page["entries"]) <= limit
        if not page["entries"]:
            assert page["last_seq"] == after
            break
        assert all(entry["seq"] > after for entry in page["entries"]), "an entry at or before the cursor"
        assert page["last_seq"] == page["entries"][-1]["seq"]
        entries += page["entries"]
        after = page["last_seq"]
    assert len(heads) == 1, "the head moved while nothing was published"
    return entries, heads.pop()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=histories, data=st.data())
def test_paging_the_feed_from_any_cursor_gives_every_change_once_in_order(
    client: TestClient, migrated_engine: Engine, history: list[tuple[int, str]], data: st.DataObject
) -> None:
    # given a register after a random history of publication, retraction and republication
    expected = make_history(migrated_engine, history)
    everything, head = read_feed(client, 0, 1000)
    # then the feed is exactly the changes of public view, in order, numbered 1, 2, 3, ...
    assert [(e["kind"], e["id"], e["reason"]) for e in everything] == expected
    assert [e["seq"] for e in everything] == list(range(1, len(expected) + 1))
    assert head == len(expected)
    # and paging from any cursor with any page size gives the rest of it, without gaps or repeats
    cursor = data.draw(st.integers(0, head), label="cursor")
    size = data.draw(st.integers(1, 7), label="page size")
    paged, _ = read_feed(client, cursor, size)
    assert paged == everything[cursor:]
    # and the hash chain links every entry to the one before and verifies against the database
    previous = [e["previous_hash"] for e in everything[1:]]
    assert previous == [e["entry_hash"] for e in everything[:-1]]
    with transaction(session_factory(migrated_engine)) as session:
        assert publication_log.verify(session, algorithms.public_record_of) == []
    # and a published entry carries the record only while its version is the public one
    for entry in everything:
        if entry["record"] is not None:
            public = client.get(f"/api/v1/algorithms/{entry['id']}").json()
            assert entry["record"] == public["record"] and entry["version"] == public["version"]
            assert entry["record_hash"] == publication_log.record_hash(entry["record"])
