"""The own-instruments API and the public catalogue API over HTTP on the real app: add, change, retire,
list; the combined catalogue with its filters; refusals and bad input that leave nothing written."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.models import AuditEvent, OwnInstrument
from algoreg.db.session import transaction
from algoreg.instruments.framework.catalogue import load_catalogue
from algoreg.register.roles import Role
from tests.conftest import reference_file
from tests.instruments.framework_tasks_support import import_official, official_framework

Headers = dict[str, str]
BASE = "/api/v1/organisations/gm0001/instruments"


@pytest.fixture
def tokens(make_organisation: Callable[..., str], make_token: Callable[..., Headers]) -> dict[str, Headers]:
    make_organisation("gm0001", "Gemeente Een")
    make_organisation("gm0002", "Gemeente Twee")
    return {
        "viewer": make_token("gm0001", Role.VIEWER),
        "editor": make_token("gm0001", Role.EDITOR),
        "publisher": make_token("gm0001", Role.PUBLISHER),
        "other": make_token("gm0002", Role.ADMIN),
    }


def counts(factory: sessionmaker[Session]) -> tuple[int, int]:
    with transaction(factory) as session:
        return (
            session.scalar(select(func.count()).select_from(OwnInstrument)) or 0,
            session.scalar(select(func.count()).select_from(AuditEvent)) or 0,
        )


def configure(client: TestClient, path: Path | None) -> None:
    app: Any = client.app
    app.state.settings = app.state.settings.model_copy(update={"catalogue_file": path})


def test_a_publisher_adds_changes_and_retires_and_the_public_catalogue_follows(
    client: TestClient, tokens: dict[str, Headers], factory: sessionmaker[Session]
) -> None:
    # given the Algoritmekader and its hulpmiddelen file
    import_official(factory, tree=False)
    hulpmiddelen = reference_file("algoritmekader", "hulpmiddelen.yaml")
    configure(client, hulpmiddelen)
    official = load_catalogue(hulpmiddelen)
    measure = official_framework().find_measures("5-ver-03-biasanalyse")[0]

    # when a publisher adds an instrument
    body = {
        "title": "Werkwijze biastoets",
        "description": "Onze stappen voor een biastoets.",
        "categories": ["handreiking"],
        "phases": ["verificatie-en-validatie"],
        "topics": ["bias-en-non-discriminatie"],
        "roles": ["ontwikkelaar"],
        "measure_refs": [measure.urn],
        "url": "https://intranet.example.org/biastoets",
    }
    added = client.post(BASE, json=body, headers=tokens["publisher"])

    # then it is stored with its slug and the measure's id, and is public at once
    assert added.status_code == 201, added.text
    assert (
        added.json()["slug"] == "werkwijze-biastoets" and added.json()["key"] == "gm0001:werkwijze-biastoets"
    )
    assert added.json()["measure_refs"] == [measure.id] and added.json()["retired_at"] is None
    everything = client.get("/api/v1/catalogue").json()
    assert everything["algoritmekader"] == "configured"
    assert everything["total"] == len(official) + 1
    own = everything["items"][-1]
    assert own["key"] == "gm0001:werkwijze-biastoets" and own["origin"] == "organisation"
    assert own["organisation"] == {"code": "gm0001", "name": "Gemeente Een"}
    assert own["measure_ids"] == [measure.id]
    assert (
        everything["items"][0]["organisation"] is None
        and everything["items"][0]["origin"] == "algoritmekader"
    )

    # the filters: origin, text, phase, and several values of one filter
    by_origin = client.get("/api/v1/catalogue", params={"origin": "gm0001"}).json()
    assert [item["key"] for item in by_origin["items"]] == ["gm0001:werkwijze-biastoets"]
    official_only = client.get("/api/v1/catalogue", params={"origin": "algoritmekader"}).json()
    assert official_only["found"] == len(official)
    both = client.get("/api/v1/catalogue", params=[("origin", "gm0001"), ("origin", "algoritmekader")]).json()
    assert both["found"] == len(official) + 1
    text = client.get("/api/v1/catalogue", params={"q": "werkwijze BIASTOETS"}).json()
    assert [item["key"] for item in text["items"]] == ["gm0001:werkwijze-biastoets"]
    phase = client.get(
        "/api/v1/catalogue", params={"phase": "verificatie-en-validatie", "origin": "gm0001"}
    ).json()
    assert phase["found"] == 1
    assert client.get("/api/v1/catalogue", params={"role": "jurist", "origin": "gm0001"}).json()["found"] == 0

    # when it is changed: fields left out stay, url null clears
    changed = client.patch(
        f"{BASE}/werkwijze-biastoets",
        json={"title": "Biastoets 2027", "url": None},
        headers=tokens["publisher"],
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["title"] == "Biastoets 2027" and changed.json()["url"] is None
    assert changed.json()["description"] == "Onze stappen voor een biastoets."

    # when it is retired, it leaves the catalogue and stays in the organisation's list
    retired = client.delete(f"{BASE}/werkwijze-biastoets", headers=tokens["publisher"])
    assert retired.status_code == 200 and retired.json()["retired_at"] is not None
    assert client.get("/api/v1/catalogue", params={"origin": "gm0001"}).json()["found"] == 0
    listed = client.get(BASE, headers=tokens["viewer"]).json()
    assert [(item["slug"], item["retired_by"]) for item in listed] == [
        ("werkwijze-biastoets", "token:test-publisher")
    ]
    assert client.get(BASE, params={"include_retired": "false"}, headers=tokens["viewer"]).json() == []
    assert client.delete(f"{BASE}/werkwijze-biastoets", headers=tokens["publisher"]).status_code == 409
    again = client.patch(f"{BASE}/werkwijze-biastoets", json={"title": "X"}, headers=tokens["publisher"])
    assert again.status_code == 409


def test_without_a_catalogue_file_the_organisations_own_are_the_catalogue(
    client: TestClient, tokens: dict[str, Headers]
) -> None:
    configure(client, None)
    client.post(BASE, json={"title": "Eigen hulpmiddel"}, headers=tokens["publisher"])
    catalogue = client.get("/api/v1/catalogue").json()
    assert catalogue["algoritmekader"] == "not_configured"
    assert [item["key"] for item in catalogue["items"]] == ["gm0001:eigen-hulpmiddel"]


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"title": ""}, "title", "must be a text of 1 to 200 characters"),
        ({"title": "X", "phases": ["bestaat-niet"]}, "phases[0]", "'bestaat-niet' is not a phase"),
        ({"title": "X", "measure_refs": ["9-xyz-99-verzonnen"]}, "measure_refs[0]", "names no measure"),
        ({"title": "X", "requirement_refs": ["grw-99"]}, "requirement_refs[0]", "names no requirement"),
        ({"title": "X", "url": "javascript:alert(1)"}, "url", "must be an http:// or https:// address"),
        ({"title": "X", "slug": "-fout"}, "slug", "lower-case letters, digits and hyphens"),
        ({"title": "X", "onbekend": 1}, "onbekend", ""),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    client: TestClient,
    tokens: dict[str, Headers],
    factory: sessionmaker[Session],
    body: dict[str, Any],
    field: str,
    words: str,
) -> None:
    import_official(factory, tree=False)
    before = counts(factory)

    answer = client.post(BASE, json=body, headers=tokens["publisher"])

    assert answer.status_code == 422, answer.text
    errors = answer.json()["errors"]
    assert errors[0]["field"] == field and words in errors[0]["reason"]
    assert counts(factory) == before


def test_a_patch_that_breaks_a_field_or_nulls_a_required_one_changes_nothing(
    client: TestClient, tokens: dict[str, Headers], factory: sessionmaker[Session]
) -> None:
    client.post(BASE, json={"title": "Blijft"}, headers=tokens["publisher"])
    before = counts(factory)
    for body, field in (({"title": None}, "title"), ({"title": "  "}, "title"), ({"slug": "nieuw"}, "slug")):
        answer = client.patch(f"{BASE}/blijft", json=body, headers=tokens["publisher"])
        assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == field, answer.text
    assert counts(factory) == before
    assert client.get(f"{BASE}/blijft", headers=tokens["viewer"]).json()["title"] == "Blijft"
    assert client.get(f"{BASE}/bestaat-niet", headers=tokens["viewer"]).status_code == 404


def test_only_the_organisations_publishers_and_admins_write_and_its_people_read(
    client: TestClient, tokens: dict[str, Headers], factory: sessionmaker[Session]
) -> None:
    client.post(BASE, json={"title": "Van ons"}, headers=tokens["publisher"])
    before = counts(factory)
    for who in ("viewer", "editor", "other"):
        assert client.post(BASE, json={"title": "Niet"}, headers=tokens[who]).status_code == 403, who
        assert client.patch(f"{BASE}/van-ons", json={"title": "Nee"}, headers=tokens[who]).status_code == 403
        assert client.delete(f"{BASE}/van-ons", headers=tokens[who]).status_code == 403, who
    assert client.post(BASE, json={"title": "Niet"}).status_code == 401
    assert client.get(BASE, headers=tokens["other"]).status_code == 403
    assert client.get(BASE).status_code == 401
    assert counts(factory) == before
    assert client.get(BASE, headers=tokens["viewer"]).status_code == 200
