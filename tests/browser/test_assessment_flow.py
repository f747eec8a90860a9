"""An assessment filled in a real browser by two people in different roles, then signed off; every
page on the way (and a part with errors) checked by axe-core, in Dutch and in English."""

from collections.abc import Callable

import pytest
from playwright.sync_api import Page
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.session import transaction
from algoreg.instruments.assessments import library, start_assessment
from algoreg.register import algorithms
from algoreg.register.roles import SYSTEM, Role
from tests.browser.conftest import Tabs, assert_accessible, log_in, make_user
from tests.conftest import reference_file
from tests.instruments.assessment_support import (
    REGISTER_TITLE,
    SIGNER_ROLE,
    make_algorithm,
    store_test_instrument,
)

Factory = sessionmaker[Session]


@pytest.fixture
def setting(factory: Factory, make_organisation: Callable[..., str]) -> str:
    """A published algorithm of gm0001, the short test instrument, a project lead and a lawyer."""
    make_organisation("gm0001", "Gemeente Een")
    public_id = make_algorithm(factory, "gm0001")
    store_test_instrument(factory, "gm0001", REGISTER_TITLE, signing_roles=[SIGNER_ROLE])
    make_user(factory, "projectleider", {"gm0001": Role.EDITOR})
    make_user(factory, "jurist", {"gm0001": Role.PUBLISHER})
    return public_id


def submit(page: Page, selector: str) -> None:
    with page.expect_navigation():
        page.locator(selector).click()


def main_text(page: Page) -> str:
    return page.locator("main").inner_text()


def test_a_project_lead_and_a_lawyer_fill_in_an_assessment_and_the_lawyer_signs_it_off(
    tabs: Tabs, setting: str, factory: Factory
) -> None:
    public_id = setting
    # given the project lead on the algorithm's page
    lead = tabs.open()
    log_in(lead, "projectleider")
    lead.goto(f"/beheer/algoritme/{public_id}")
    assert "Toetsen" in main_text(lead)
    assert_accessible(lead)
    # when she starts the assessment and takes part as project lead
    submit(lead, "#assessment-start-submit")
    assert "De toets is gestart" in main_text(lead)
    assert_accessible(lead)
    lead.locator("#participant-username").fill("projectleider")
    lead.locator("#participant-role").select_option("Projectleider")
    submit(lead, "#participant-submit")
    assessment = lead.url.split("?")[0]
    # and answers part 1, first with a number that is not one
    submit(lead, "#part-link-basics")
    assert_accessible(lead)
    lead.locator("#q-purpose").fill("Aanvragen sneller beoordelen")
    lead.locator("#q-learning-opt-1").check()
    lead.locator("#q-prohibited-opt-1").check()
    lead.locator("#q-per_year").fill("veel")
    submit(lead, "#part-submit")
    assert "Er is 1 probleem; er is niets opgeslagen" in main_text(lead)
    assert lead.locator("#q-per_year").input_value() == "veel"
    assert lead.locator("#q-purpose").input_value() == "Aanvragen sneller beoordelen"
    assert_accessible(lead)
    lead.locator("#q-per_year").fill("1200")
    submit(lead, "#part-submit")
    assert "Uw antwoorden zijn opgeslagen." in main_text(lead)
    assert "Beantwoord door Projectleider" in lead.locator("#q-purpose-meta").inner_text()

    # then the lawyer, in his own browser, takes part as the signer and answers part 2
    lawyer = tabs.open()
    log_in(lawyer, "jurist")
    lawyer.goto(assessment)
    lawyer.locator("#participant-username").fill("jurist")
    lawyer.locator("#participant-role").select_option(SIGNER_ROLE)
    submit(lawyer, "#participant-submit")
    assert "Jurist (jurist) — Gemandateerd verantwoordelijke — tekent af" in main_text(lawyer)
    # signing off too early is refused, with the open questions named
    submit(lawyer, "#signoff-submit")
    assert "De toets is niet afgetekend" in main_text(lawyer)
    assert_accessible(lawyer)
    submit(lawyer, "#part-link-closing")
    lawyer.locator("#q-actions-0-action").fill("Uitleg op de website zetten")
    submit(lawyer, "#q-actions-add-row")
    assert lawyer.locator("#q-actions-0-action").input_value() == "Uitleg op de website zetten"
    lawyer.locator("#q-actions-1-action").fill("Bezwaren na een jaar evalueren")
    lawyer.locator("#q-signature").check()
    submit(lawyer, "#part-submit")
    assert "Ondertekend door Jurist op" in main_text(lawyer)
    assert_accessible(lawyer)
    submit(lawyer, "#q-actions-history")
    assert "Bezwaren na een jaar evalueren" in main_text(lawyer)
    assert_accessible(lawyer)
    # and signs it off
    lawyer.goto(assessment)
    lawyer.locator("#signoff-note").fill("Besproken in het MT")
    submit(lawyer, "#signoff-submit")
    assert "De toets is afgetekend." in main_text(lawyer)
    assert lawyer.locator("#reopen-form").is_visible()
    assert_accessible(lawyer)

    # the algorithm now has a concept version holding the assessment with its link
    with transaction(factory) as session:
        view = algorithms.view(session, SYSTEM, public_id)
        latest = algorithms.versions(session, SYSTEM, public_id)[-1].record
    assert view.state.value == "concept"
    entries = latest["impacttoetsen_grouping"]
    assert [entry["title"] for entry in entries if entry["link"].endswith("output?format=html")] == [
        REGISTER_TITLE
    ]
    # the project lead sees the result, and may not change the signed-off answers
    lead.goto(f"{assessment}/deel/basics")
    assert lead.locator("#part-read-only").is_visible() and lead.locator("#part-submit").count() == 0


def test_the_assessment_pages_are_accessible_in_english(tabs: Tabs, setting: str) -> None:
    lead = tabs.open()
    log_in(lead, "projectleider")
    lead.goto(f"/beheer/algoritme/{setting}?lang=en")
    assert "Assessments" in main_text(lead)
    assert_accessible(lead)
    submit(lead, "#assessment-start-submit")
    assert "The assessment was started" in main_text(lead)
    assessment = lead.url.split("?")[0]
    lead.locator("#participant-username").fill("niemand")
    submit(lead, "#participant-submit")
    assert "There is no user named 'niemand'." in main_text(lead)
    assert_accessible(lead)
    lead.goto(f"{assessment}/deel/basics?lang=en")
    lead.locator("#q-purpose").fill("Sneller beslissen")
    lead.locator("#q-per_year").fill("-1")
    submit(lead, "#part-submit")
    assert "There is 1 problem; nothing was saved" in main_text(lead)
    assert "-1 is out of range" in lead.locator("#q-per_year-error").inner_text()
    assert_accessible(lead)
    lead.goto(f"{assessment}/deel/closing?lang=en")
    assert_accessible(lead)
    lead.goto(f"{assessment}/vraag/purpose?lang=en")
    assert "History of the answers" in main_text(lead)
    assert_accessible(lead)


def test_every_part_of_the_official_iama_2_is_accessible(tabs: Tabs, setting: str, factory: Factory) -> None:
    path = reference_file("par-dpia-form", "sources", "iama.yaml")
    with transaction(factory) as session:
        stored = library.import_instrument_file(session, SYSTEM, path, organisation_code="gm0001")
        assessment_id = start_assessment(session, SYSTEM, setting, stored.id).id
        parts = [part.id for part in library.instrument_definition(stored.definition, stored.digest).parts]
    lead = tabs.open()
    log_in(lead, "projectleider")
    for part in parts:
        lead.goto(f"/beheer/algoritme/{setting}/toets/{assessment_id}/deel/{part}")
        assert_accessible(lead)
