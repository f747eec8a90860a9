"""axe-core on every page template, public and management, in Dutch and in English.

Each page is opened in a real browser (Debian's chromium) from the real server and checked
against WCAG 2.1 A and AA; the test fails on any violation, and on any CSP violation or console
error on the way.
"""

from collections.abc import Callable

import pytest
from playwright.sync_api import Page
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.session import transaction
from algoreg.federation import sources
from algoreg.federation.sources import SourceIn, SourceKind
from algoreg.instruments.assessments import start_assessment
from algoreg.register import algorithms, bias_reports
from algoreg.register.bias_reports import ReportDetails
from algoreg.register.roles import SYSTEM, Role
from algoreg.register.workflow import Action
from tests.browser.conftest import Tabs, assert_accessible, log_in, make_user
from tests.browser.test_campaign_answer import open_campaign
from tests.instruments.assessment_support import store_test_instrument
from tests.inventory.origin_support import determined, manual_use, proposed_use
from tests.register.test_bias_reports import document_bytes
from tests.samples import sample_record

PUBLISH = (Action.SUBMIT, Action.APPROVE, Action.PUBLISH)


@pytest.fixture
def register(factory: sessionmaker[Session], make_organisation: Callable[..., str]) -> str:
    """An organisation with a published algorithm in two versions, a concept, an admin, and bias reports:
    number 1 published, number 2 a draft."""
    make_organisation("gm0001", "Gemeente Voorbeeld")
    rich = sample_record(
        lawful_basis_grouping=[{"title": "Gemeentewet", "link": "https://wetten.overheid.nl/BWBR0005416"}],
        impacttoetsen_grouping=[{"title": "Impact Assessment Mensenrechten en Algoritmes (IAMA)"}],
        risks="<ul><li>Onterecht afwijzen</li><li>Verouderde gegevens</li></ul>",
    )
    with transaction(factory) as session:
        public_id = algorithms.create_algorithm(session, SYSTEM, "gm0001", rich).public_id
        for action in PUBLISH:
            algorithms.perform(session, SYSTEM, public_id, action)
        changed = {**rich, "status": "Buiten gebruik", "end_date": "2026-06"}
        algorithms.update_algorithm(session, SYSTEM, public_id, changed, None)
        for action in PUBLISH:
            algorithms.perform(session, SYSTEM, public_id, action)
        algorithms.create_algorithm(session, SYSTEM, "gm0001", sample_record(name="Nog een concept"))
        sources.add_source(
            session, SYSTEM, SourceIn(url="https://register.example/", kind=SourceKind.ALGOREG)
        )
        details = ReportDetails(title="Wijk bij controle", period="2025", description="<p>Per wijk.</p>")
        published = bias_reports.attach_report(session, SYSTEM, public_id, details, document_bytes())
        bias_reports.publish_report(session, SYSTEM, public_id, published.id)
        bias_reports.attach_report(session, SYSTEM, public_id, details, document_bytes(disparity=False))
    make_user(factory, "beheerder", {"gm0001": Role.ADMIN}, superuser=True)
    determined(factory, manual_use(factory, algorithm=public_id).id, "unlawful")  # origin-data use 1, a case
    proposed_use(factory)  # use 2, proposed by the origin scan
    make_organisation("gm0002", "Gemeente Twee")
    open_campaign(factory, "gm0001", ["gm0002"])  # campaign 1, asking gm0002
    instrument = store_test_instrument(factory, "gm0001")
    with transaction(factory) as session:  # assessment 1, of the short test instrument
        start_assessment(session, SYSTEM, public_id, instrument)
    return public_id


def public_pages(public_id: str) -> list[str]:
    return [
        "/",
        "/?q=parkeervergunning&status=In+gebruik",
        "/?q=woordbestaatniet",
        f"/algoritme/{public_id}",
        f"/algoritme/{public_id}/versie/1",
        f"/algoritme/{public_id}/verschil?van=1&naar=2",
        f"/algoritme/{public_id}/verschil?van=1&naar=9",
        "/organisaties",
        "/organisaties/gm0001",
        "/statistieken",
        "/biastoetsen",
        "/biastoetsen?q=wijk&verdict=disparity_found",
        "/biastoetsen?q=woordbestaatniet",
        f"/algoritme/{public_id}/biastoets/1",
        "/inloggen",
        "/api/v1/docs",
        "/bestaat-niet",
    ]


def management_pages(public_id: str) -> list[str]:
    return [
        "/beheer",
        "/beheer/organisatie/gm0001/nieuw",
        f"/beheer/algoritme/{public_id}",
        f"/beheer/algoritme/{public_id}/bewerken",
        f"/beheer/algoritme/{public_id}/voorbeeld",
        f"/beheer/algoritme/{public_id}/geschiedenis",
        f"/beheer/algoritme/{public_id}/audit",
        f"/beheer/algoritme/{public_id}/biastoets/nieuw",
        f"/beheer/algoritme/{public_id}/biastoets/1",
        f"/beheer/algoritme/{public_id}/biastoets/2",
        f"/beheer/algoritme/{public_id}/biastoets/analyseren",
        f"/beheer/algoritme/{public_id}/toets/1",
        f"/beheer/algoritme/{public_id}/toets/1/deel/basics",
        f"/beheer/algoritme/{public_id}/toets/1/deel/closing",
        "/beheer/biastoets/analyseren",
        "/beheer/inventaris",
        "/beheer/inventaris?ontbreekt=iama&hoog=true",
        "/beheer/organisatie/gm0001/import",
        "/beheer/uitvragen",
        "/beheer/uitvragen/nieuw",
        "/beheer/uitvraag/1",
        "/beheer/uitvraag/1/antwoord/gm0002",
        "/beheer/gebruikers",
        "/beheer/gebruikers/beheerder",
        "/beheer/account",
        "/beheer/tokens",
        "/beheer/oogst",
        "/beheer/oogst/1",
        "/beheer/herkomstgegevens",
        "/beheer/herkomstgegevens?beoordeling=unlawful&herstel=open",
        "/beheer/herkomstgegevens/nieuw",
        "/beheer/herkomstgegevens/1",
        "/beheer/herkomstgegevens/2",
    ]


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_public_page_is_accessible(tabs: Tabs, register: str, lang: str) -> None:
    page = tabs.open()
    for url in public_pages(register):
        page.goto(url + ("&" if "?" in url else "?") + f"lang={lang}")
        assert page.locator("html").get_attribute("lang") == lang
        assert_accessible(page)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_management_page_is_accessible(tabs: Tabs, register: str, lang: str) -> None:
    page = tabs.open()
    log_in(page, "beheerder")
    for url in management_pages(register):
        page.goto(url + ("&" if "?" in url else "?") + f"lang={lang}")
        assert page.locator("html").get_attribute("lang") == lang
        assert_accessible(page)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_forms_with_errors_are_accessible(page: Page, register: str, lang: str) -> None:
    # a new-algorithm form sent with a bad e-mail address and a bad month
    log_in(page, "beheerder")
    page.goto(f"/beheer/organisatie/gm0001/nieuw?lang={lang}")
    page.locator("#field-name").fill("Met fouten")
    page.locator("#field-description_short").fill("Korte omschrijving.")
    page.locator("#field-contact_email").fill("geen-adres")
    page.locator("#field-begin_date").fill("2024-13")
    page.locator("input[name=status][value='In gebruik']").check()
    page.locator("input[name=publication_category][value='Overige algoritmes']").check()
    page.locator("#field-contact_email").evaluate("element => element.type = 'text'")
    page.locator("#save").click()
    assert page.locator("#field-contact_email").get_attribute("aria-invalid") == "true"
    assert_accessible(page)
    # and an import with problems
    page.goto(f"/beheer/organisatie/gm0001/import?lang={lang}")
    page.set_input_files(
        "input[type=file]",
        files=[
            {
                "name": "fout.json",
                "mimeType": "application/json",
                "buffer": b'[{"name": "x", "status": "Actief"}]',
            }
        ],
    )
    page.locator("#import-form button[type=submit]").click()
    page.wait_for_load_state()
    assert_accessible(page)
    # and a bias test whose file is not JSON, without a title
    page.goto(f"/beheer/algoritme/{register}/biastoets/nieuw?lang={lang}")
    page.set_input_files(
        "#report-document",
        files=[{"name": "fout.json", "mimeType": "application/json", "buffer": b'{"format": '}],
    )
    page.locator("#report-period").fill("2025")
    page.locator("#report-attach-submit").click()
    page.wait_for_load_state()
    assert page.locator("#report-error-summary").is_visible()
    assert_accessible(page)
