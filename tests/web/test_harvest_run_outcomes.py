"""Run outcomes on the harvest management pages, labelled in Dutch and English, and in the JSON API."""

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.models import HarvestRun, HarvestSource
from algoreg.db.session import transaction
from algoreg.federation.run_upkeep import mark_interrupted
from algoreg.register import accounts
from algoreg.register.roles import SYSTEM
from tests.helpers import csrf_of

PASSWORD = "een-lang-wachtwoord"
T = datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)


def test_an_interrupted_run_is_shown_with_its_label_in_dutch_and_english(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    # given a source with a finished run, and a run whose worker died and was marked interrupted
    with transaction(factory) as session:
        source = HarvestSource(
            url="https://register.example.nl", kind="algoreg", lease_owner="gone", lease_until=T
        )
        session.add(source)
        session.flush()
        source_id = source.id
        session.add(
            HarvestRun(source_id=source.id, worker="w", started_at=T - timedelta(hours=1), outcome="ok")
        )
        session.add(HarvestRun(source_id=source.id, worker="gone", started_at=T, outcome="running"))
        session.flush()
        assert mark_interrupted(session, now=T + timedelta(minutes=1)) == 1
        accounts.create_user(session, SYSTEM, "beheerder", "Beheerder", PASSWORD, is_superuser=True)
    form = client.get("/inloggen")
    client.post(
        "/inloggen",
        data={"username": "beheerder", "password": PASSWORD, "csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    )
    # when the administrator looks at the source's page, in Dutch and in English
    dutch = client.get(f"/beheer/oogst/{source_id}", params={"lang": "nl"}).text
    english = client.get(f"/beheer/oogst/{source_id}", params={"lang": "en"}).text
    # then both outcomes carry a label in that language
    assert (
        '<td class="utrecht-table__cell" data-outcome="interrupted">'
        "onderbroken: het ophaalproces stopte voordat het klaar was</td>"
    ) in dutch
    assert '<td class="utrecht-table__cell" data-outcome="ok">gelukt</td>' in dutch
    assert (
        '<td class="utrecht-table__cell" data-outcome="interrupted">'
        "interrupted: the worker stopped before finishing</td>"
    ) in english
    assert '<td class="utrecht-table__cell" data-outcome="ok">succeeded</td>' in english
    # and the overview of every source shows it too
    assert "onderbroken: het ophaalproces stopte" in client.get("/beheer/oogst", params={"lang": "nl"}).text
    # and the JSON API reports it with the reason in its notes
    newest = client.get("/api/v1/harvest/runs", params={"source": source_id}).json()[0]
    assert (newest["outcome"], newest["finished_at"]) == ("interrupted", "2026-03-02T10:01:00Z")
    assert "its lease on the source expired at 2026-03-02 10:00:00 UTC" in newest["notes"][-1]
