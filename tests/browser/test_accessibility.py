"""axe-core on every page template, public and management, in Dutch and in English.

Each page is opened in a real browser (Debian's chromium) from the real server and checked
against WCAG 2.1 A and AA; the test fails on any violation, and on any CSP violation or console
error on the way.
"""

from collections.abc import Callable

import pytest
from playwright.sync_api import Page
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.models import FrameworkTask
from algoreg.db.session import transaction
from algoreg.federation import sources
from algoreg.federation.sources import SourceIn, SourceKind
from algoreg.instruments.assessments import start_assessment
from algoreg.instruments.framework import definitions, own_measures
from algoreg.instruments.framework.profile_store import record_profile
from algoreg.register import algorithms, bias_reports
from algoreg.register.bias_reports import ReportDetails
from algoreg.register.roles import SYSTEM, Role
from algoreg.register.workflow import Action
from tests.browser.conftest import Tabs, assert_accessible, log_in, make_user
from tests.browser.test_campaign_answer import open_campaign
from tests.instruments.assessment_support import store_test_instrument
from tests.instruments.framework_tasks_support import (
    ORGANISATIONS,
    answers,
    audit_items,
    high_risk_path,
    import_official,
)
from tests.instruments.framework_tasks_support import make_algorithm as make_framework_algorithm
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
        f"/beheer/algoritme/{public_id}/non-discriminatie",
        "/beheer/biastoets/analyseren",
        "/beheer/inventaris",
        "/beheer/inventaris?ontbreekt=iama&hoog=true",
        "/beheer/organisatie/gm0001/import",
        "/beheer/organisatie/gm0001/auditgereedheid",
        "/beheer/organisatie/gm0001/eigen-maatregelen",
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


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_an_organisations_framework_pages_are_accessible_with_data_and_errors(
    tabs: Tabs, factory: sessionmaker[Session], make_organisation: Callable[..., str], lang: str
) -> None:
    # given the official framework, an algorithm with tasks, a small audit mapping and an own measure
    for code, name in ORGANISATIONS.items():
        make_organisation(code, name)
    import_official(factory)
    public_id = make_framework_algorithm(factory)
    with transaction(factory) as session:
        record_profile(session, SYSTEM, public_id, answers(high_risk_path()))
        measure = session.scalar(
            select(FrameworkTask.measure_id).where(FrameworkTask.measure_id.is_not(None)).limit(1)
        )
    items = audit_items()
    adr = next(item for item in items if item.framework == "ADR")
    with transaction(factory) as session:
        definitions.import_audit(session, SYSTEM, items, {"measures": {measure: {"ADR": [adr.number]}}})
        own = own_measures.add_own_measure(
            session, SYSTEM, "gm0001", own_measures.OwnMeasureIn(code="eigen-01", name="Eigen toets")
        )
    make_user(factory, "eva", {"gm0001": Role.EDITOR})
    page = tabs.open()
    log_in(page, "eva")
    # then every view of both pages passes axe
    for url in (
        "/beheer/organisatie/gm0001/auditgereedheid",
        "/beheer/organisatie/gm0001/auditgereedheid?kader=ADR&dekking=not",
        "/beheer/organisatie/gm0001/auditgereedheid?kader=XYZ",  # an unknown framework: the alert
        "/beheer/organisatie/gm0001/eigen-maatregelen",
        f"/beheer/organisatie/gm0001/eigen-maatregelen/{own.id}",
    ):
        page.goto(url + ("&" if "?" in url else "?") + f"lang={lang}")
        assert_accessible(page)
    # and the add form with errors, sent with the keyboard
    page.goto(f"/beheer/organisatie/gm0001/eigen-maatregelen?lang={lang}")
    page.locator("#measure-code").fill("Eigen 01")
    page.locator("#measure-phase-0").focus()
    page.keyboard.press("Space")
    page.locator("#own-measure-submit").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#measure-error-summary").is_visible()
    assert page.locator("#measure-code").get_attribute("aria-invalid") == "true"
    assert page.locator("#measure-code").input_value() == "Eigen 01"
    assert page.locator("#measure-phase-0").is_checked()
    assert_accessible(page)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_checklist_page_is_accessible_with_answers_and_with_errors(
    page: Page, factory: sessionmaker[Session], register: str, lang: str
) -> None:
    # given an item answered with a bias report linked, and one sent with the keyboard without a note
    from algoreg.instruments.framework.checklist_store import ItemAnswerIn, answer_item

    with transaction(factory) as session:
        answer_item(session, SYSTEM, register, "ndd-data-evaluation", ItemAnswerIn("met", "Per wijk", [1]))
    log_in(page, "beheerder")
    page.goto(f"/beheer/algoritme/{register}/non-discriminatie?lang={lang}")
    assert_accessible(page)
    page.locator("#item-ndd-problem-context-state").select_option("not_applicable")
    page.locator("#item-ndd-problem-context-report-2").focus()
    page.keyboard.press("Space")
    page.locator("#item-ndd-problem-context-save").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#checklist-error-summary").is_visible()
    assert page.locator("#item-ndd-problem-context-note").get_attribute("aria-invalid") == "true"
    assert page.locator("#item-ndd-problem-context-report-2").is_checked()
    assert_accessible(page)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_own_instruments_pages_and_the_catalogue_are_accessible_with_data_and_errors(
    tabs: Tabs, factory: sessionmaker[Session], make_organisation: Callable[..., str], lang: str
) -> None:
    # given the official framework, an own instrument in the catalogue and a retired one
    from algoreg.instruments.framework import own_instruments
    from algoreg.instruments.framework.own_instruments import OwnInstrumentIn
    from tests.instruments.framework_tasks_support import ORGANISATIONS, import_official

    for code, name in ORGANISATIONS.items():
        make_organisation(code, name)
    import_official(factory, tree=False)
    with transaction(factory) as session:
        given = OwnInstrumentIn(
            title="Werkwijze biastoets",
            description="Onze stappen.",
            categories=("handreiking",),
            phases=("ontwerp",),
            measure_refs=("5-ver-03-biasanalyse",),
            url="https://intranet.example.org/biastoets",
        )
        own_instruments.add_own_instrument(session, SYSTEM, "gm0001", given)
        own_instruments.add_own_instrument(session, SYSTEM, "gm0001", OwnInstrumentIn(title="Oud"))
        own_instruments.retire_own_instrument(session, SYSTEM, "gm0001", "oud")
    make_user(factory, "petra", {"gm0001": Role.PUBLISHER})
    page = tabs.open()
    log_in(page, "petra")
    # then every view passes axe
    for url in (
        "/hulpmiddelen",
        "/hulpmiddelen?herkomst=gm0001&q=biastoets",
        "/beheer/organisatie/gm0001/hulpmiddelen",
        "/beheer/organisatie/gm0001/hulpmiddelen/werkwijze-biastoets",
        "/beheer/organisatie/gm0001/hulpmiddelen/oud",
    ):
        page.goto(url + ("&" if "?" in url else "?") + f"lang={lang}")
        assert_accessible(page)
    # and the add form with errors, sent with the keyboard, keeps what was typed
    page.goto(f"/beheer/organisatie/gm0001/hulpmiddelen?lang={lang}")
    page.locator("#instrument-slug").fill("Met Spaties")
    page.locator("#instrument-measure_refs").fill("9-xyz-99-verzonnen")
    page.locator("#instrument-phases-0").focus()
    page.keyboard.press("Space")
    page.locator("#own-instrument-submit").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#instrument-error-summary").is_visible()
    assert page.locator("#instrument-title").get_attribute("aria-invalid") == "true"
    assert page.locator("#instrument-slug").input_value() == "Met Spaties"
    assert page.locator("#instrument-phases-0").is_checked()
    assert_accessible(page)
