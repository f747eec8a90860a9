"""The high-risk inventory: profile, category, instruments applied and what is missing, from the records."""

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.session import transaction
from algoreg.instruments.framework.profile_store import record_profile
from algoreg.inventory.high_risk import InventoryFilter, Missing, high_risk_inventory
from algoreg.register import bias_reports
from algoreg.register.bias_reports import ReportDetails
from algoreg.register.roles import SYSTEM, Principal, Role
from tests.instruments.framework_tasks_support import (
    answers,
    import_official,
    make_algorithm,
    make_orgs,
    other_path,
    provider_high_risk_path,
)
from tests.register.test_bias_reports import document_bytes
from tests.web.test_bias_report_pages import person
from tests.web.test_manage_pages import login

Factory = sessionmaker[Session]


def test_what_is_missing_follows_the_records(factory: Factory, make_organisation: Callable[..., str]) -> None:
    # given the official decision tree, and three algorithms of two organisations
    make_orgs(make_organisation)
    import_official(factory, framework=False)
    impactful = make_algorithm(factory, "gm0001", "Impactvolle algoritmes", publish=True)
    other = make_algorithm(factory, "gm0001", "Overige algoritmes")
    elsewhere = make_algorithm(factory, "gm0002", "Overige algoritmes")
    with transaction(factory) as session:
        # the "other" one turns out high-risk by its AI Act profile; the second stays "other"
        record_profile(session, SYSTEM, other, answers(provider_high_risk_path()))
        record_profile(session, SYSTEM, elsewhere, answers(other_path()))
        details = ReportDetails(title="Toets", period="2025", description="")
        bias_reports.attach_report(session, SYSTEM, impactful, details, document_bytes())

    # when the instance administrator reads the inventory
    with transaction(factory) as session:
        inventory = high_risk_inventory(session, SYSTEM)
    rows = {row.algorithm: row for row in inventory.rows}

    # then each row says what is missing, read from the records
    assert rows[impactful].missing == (Missing.AI_ACT_PROFILE, Missing.IAMA)
    assert rows[impactful].instruments == ("Biastoets",)
    assert rows[other].high_risk and rows[other].proposed_category == "Hoog-risico AI-systeem"
    assert rows[other].missing == (Missing.IAMA, Missing.BIAS_TEST, Missing.PUBLICATION, Missing.CATEGORY)
    assert rows[elsewhere].missing == ()
    assert inventory.per_missing[Missing.IAMA] == 2 and inventory.complete == 1
    assert inventory.per_category == {"Impactvolle algoritmes": 1, "Overige algoritmes": 2}

    # and filters narrow it; an organisation's people see their own algorithms only
    with transaction(factory) as session:
        missing_iama = high_risk_inventory(session, SYSTEM, InventoryFilter(missing=Missing.IAMA))
        high_only = high_risk_inventory(session, SYSTEM, InventoryFilter(high_risk_only=True))
        second = high_risk_inventory(session, Principal("gm0002-viewer", {2: Role.VIEWER}))
        by_code = high_risk_inventory(session, SYSTEM, InventoryFilter(organisation="GM0002"))
    assert {row.algorithm for row in missing_iama.rows} == {impactful, other}
    assert {row.algorithm for row in high_only.rows} == {impactful, other}
    assert [row.algorithm for row in second.rows] == [elsewhere]
    assert [row.algorithm for row in by_code.rows] == [elsewhere]


def test_the_inventory_api_filters_and_exports(
    client: TestClient,
    factory: Factory,
    make_organisation: Callable[..., str],
    make_token: Callable[..., dict[str, str]],
) -> None:
    make_orgs(make_organisation)
    first = make_algorithm(factory, "gm0001", "Impactvolle algoritmes")
    make_algorithm(factory, "gm0002", "Overige algoritmes")
    own = make_token("gm0001", Role.VIEWER)
    admin = make_token(None, Role.ADMIN)
    # an organisation's token sees its own algorithms; the answer has its totals
    body = client.get("/api/v1/inventory/high-risk", headers=own).json()
    assert [row["algorithm"] for row in body["rows"]] == [first]
    assert body["per_missing"] == {"ai_act_profile": 1, "iama": 1, "bias_test": 1, "publication": 1}
    # filters, bad values named, and the export as CSV
    assert client.get("/api/v1/inventory/high-risk?missing=iama", headers=own).json()["total"] == 1
    wrong = client.get("/api/v1/inventory/high-risk?category=Hoog", headers=own)
    assert wrong.status_code == 422 and "category" in wrong.text
    exported = client.get("/api/v1/inventory/high-risk?format=csv", headers=admin)
    lines = exported.content.decode("utf-8-sig").splitlines()
    assert exported.status_code == 200 and lines[0].startswith("organisation,organisation_name,algorithm")
    assert len(lines) == 3
    assert client.get("/api/v1/inventory/high-risk").status_code == 401


def test_the_inventory_page_filters_and_downloads(
    client: TestClient, factory: Factory, make_organisation: Callable[..., str]
) -> None:
    make_orgs(make_organisation)
    first = make_algorithm(factory, "gm0001", "Impactvolle algoritmes")
    second = make_algorithm(factory, "gm0001", "Overige algoritmes")
    make_algorithm(factory, "gm0002", "Overige algoritmes")
    login(client, person(factory, "coordinator", Role.VIEWER))
    page = client.get("/beheer/inventaris")
    assert page.status_code == 200
    assert f'id="row-{first}"' in page.text and f'id="row-{second}"' in page.text
    assert 'id="total-rows">2<' in page.text and 'id="total-missing-iama">1<' in page.text
    filtered = client.get("/beheer/inventaris?ontbreekt=iama&hoog=true")
    assert f'id="row-{first}"' in filtered.text and f'id="row-{second}"' not in filtered.text
    download = client.get("/beheer/inventaris.csv?ontbreekt=iama")
    assert download.status_code == 200 and len(download.content.decode("utf-8-sig").splitlines()) == 2
    assert client.get("/beheer/inventaris.pdf").status_code == 404
