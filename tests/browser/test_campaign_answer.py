"""A campaign in a real browser: an asked organisation answers it — partly by keyboard — and asks for
support, which the central organisation then grants; axe-core checks every page, also with errors,
in Dutch and in English."""

from collections.abc import Callable

import pytest
from playwright.sync_api import Page
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.models import CampaignAlgorithm, CampaignTarget, SupportRequest
from algoreg.db.session import transaction
from algoreg.inventory.campaigns import campaigns
from algoreg.inventory.campaigns.inputs import DEFAULT_ACTIONS
from algoreg.register import algorithms
from algoreg.register.roles import SYSTEM, Role
from tests.browser.conftest import Tabs, assert_accessible, log_in, make_user
from tests.samples import sample_record

Factory = sessionmaker[Session]


def open_campaign(factory: Factory, running: str, asked: list[str], extra: str | None = None) -> int:
    """An open campaign that the organisation ``running`` runs among ``asked``, asking the default
    actions and the manual action ``extra`` if given; returns its id."""
    actions = [action.model_dump() for action in DEFAULT_ACTIONS]
    if extra:
        actions.append({"key": "extra", "kind": "manual", "title": extra})
    with transaction(factory) as session:
        campaign_id = campaigns.create_campaign(
            session,
            SYSTEM,
            running,
            {
                "title": "Uitvraag mensenrechtenrisico's",
                "description": "Pas een IAMA toe en publiceer.",
                "contact_name": "Coördinator",
                "contact_email": "algoritmes@minbzk.nl",
                "deadline": "2027-03-01",
                "actions": actions,
            },
        ).id
        campaigns.add_targets(session, SYSTEM, campaign_id, asked)
        campaigns.open_campaign(session, SYSTEM, campaign_id)
    return campaign_id


@pytest.fixture
def running(factory: Factory, make_organisation: Callable[..., str]) -> tuple[int, str]:
    """An open campaign of BZK asking gm0001 and gm0002, gm0001's algorithm, and a user on each side."""
    make_organisation("bzk", "Ministerie van BZK", "ministerie")
    make_organisation("gm0001", "Gemeente Een")
    make_organisation("gm0002", "Gemeente Twee")
    with transaction(factory) as session:
        public_id = algorithms.create_algorithm(
            session, SYSTEM, "gm0001", sample_record(organization="Gemeente Een", name="Bijstandscontrole")
        ).public_id
    campaign_id = open_campaign(factory, "bzk", ["gm0001", "gm0002"], extra="DPIA uitgevoerd")
    make_user(factory, "gemeente", {"gm0001": Role.EDITOR})
    make_user(factory, "centrum", {"bzk": Role.PUBLISHER})
    return campaign_id, public_id


def submit(page: Page, button: str) -> None:
    with page.expect_navigation():
        page.locator(button).click()


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_an_organisation_answers_asks_for_support_and_the_centre_grants_it(
    tabs: Tabs, factory: Factory, running: tuple[int, str], lang: str
) -> None:
    campaign_id, public_id = running
    # given the municipality's editor, who finds the campaign from the dashboard
    page = tabs.open()
    log_in(page, "gemeente")
    page.goto(f"/beheer?lang={lang}")
    with page.expect_navigation():
        page.locator("#campaigns-link").click()
    assert_accessible(page)
    with page.expect_navigation():
        page.locator(f"#campaign-link-{campaign_id}").click()
    page.wait_for_url(f"**/beheer/uitvraag/{campaign_id}/antwoord/gm0001*")  # sent on to her answer
    assert page.locator("html").get_attribute("lang") == lang
    assert_accessible(page)

    # when she adds her algorithm with its risks, typing with the keyboard
    page.locator("#answer-add-algorithm").select_option(public_id)
    page.locator("#answer-add-human_rights_risks").focus()
    page.keyboard.type("Discriminatie op herkomst bij de selectie voor controle")
    page.locator("#answer-add-submit").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#done-message").is_visible()
    assert page.locator(f"#item-{public_id}").is_visible()
    assert_accessible(page)

    # she reports the manual action as not applicable, first without the note that needs
    report = f"#answer-report-{public_id}-extra"
    page.locator(f"{report}-status").select_option("not_applicable")
    submit(page, f"{report}-submit")
    assert page.locator(f"{report}-note").get_attribute("aria-invalid") == "true"
    assert page.locator(f"{report}-status").input_value() == "not_applicable"
    assert_accessible(page)
    page.locator(f"{report}-note").fill("Geen persoonsgegevens")
    submit(page, f"{report}-submit")
    cell = page.locator(f"#item-actions-{public_id} [data-action=extra]")
    assert cell.get_attribute("data-state") == "not_applicable"

    # a support request without a reason shows the problem at its field, keeping what was typed
    page.locator("#answer-support-expertise").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")  # to the budget
    page.keyboard.type("30.000")
    submit(page, "#answer-support-submit")
    assert page.locator("#campaign-error-summary").is_visible()
    assert page.locator("#answer-support-reason").get_attribute("aria-invalid") == "true"
    assert page.locator("#answer-support-budget_euros").input_value() == "30.000"
    assert page.locator("#answer-support-expertise").is_checked()
    assert_accessible(page)

    # and with a reason, by keyboard, it is sent
    page.locator("#answer-support-reason").focus()
    page.keyboard.type("Wij hebben geen jurist voor de IAMA")
    page.locator("#answer-support-submit").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#support-requests").is_visible()
    assert_accessible(page)

    # she declares her list complete
    submit(page, "#answer-declare")
    assert page.locator("#answer-undeclare").is_visible()
    assert_accessible(page)
    with transaction(factory) as session:
        target = session.scalars(select(CampaignTarget).order_by(CampaignTarget.id)).first()
        assert target is not None and target.declared_at is not None
        assert session.scalars(select(CampaignAlgorithm)).one().human_rights_risks.startswith("Discriminatie")
        request = session.scalars(select(SupportRequest)).one()
        assert (request.expertise, request.budget_euros) == (True, 30000)

    # then the centre sees it in its progress, with a chart per action and its table
    centre = tabs.open()
    log_in(centre, "centrum")
    centre.goto(f"/beheer/uitvraag/{campaign_id}?lang={lang}")
    assert centre.locator("#target-gm0001 [data-declared]").get_attribute("data-declared") == "yes"
    for key in ("iama", "register"):
        chart = centre.locator(f"#chart-{key}")
        assert chart.evaluate("image => image.complete && image.naturalWidth > 0")
        assert chart.get_attribute("alt")
    assert centre.locator("#table-register [data-state=in_progress]").get_attribute("data-count") == "1"
    assert_accessible(centre)
    # a decision without a reason is refused at its field
    form = f"decide-{request.id}"
    submit(centre, f"#campaign-{form}-grant")
    assert centre.locator(f"#campaign-{form}-reason").get_attribute("aria-invalid") == "true"
    assert_accessible(centre)
    # and she grants the request with a reason
    centre.locator(f"#campaign-{form}-reason").fill("Uit het ondersteuningsfonds")
    submit(centre, f"#campaign-{form}-grant")
    assert centre.locator(f"#support-state-{request.id}").inner_text() == (
        "Toegekend" if lang == "nl" else "Granted"
    )
    assert_accessible(centre)

    # which the municipality sees on its answer page
    page.reload()
    assert page.locator(f"#support-state-{request.id}").inner_text() == (
        "Toegekend" if lang == "nl" else "Granted"
    )


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_list_and_a_new_campaign_with_errors_are_accessible(
    page: Page, running: tuple[int, str], lang: str
) -> None:
    log_in(page, "centrum")
    page.goto(f"/beheer/uitvragen?lang={lang}")
    assert_accessible(page)
    with page.expect_navigation():
        page.locator("#new-campaign").click()
    assert_accessible(page)
    page.locator("#campaign-title").fill("Tweede uitvraag")
    page.locator("#campaign-contact_name").fill("Coördinator")
    page.locator("#campaign-contact_email").evaluate("element => element.type = 'text'")
    page.locator("#campaign-contact_email").fill("geen-adres")
    page.locator("#campaign-organisations").fill("gm0001\ngm9999")
    submit(page, "#campaign-new-submit")
    assert page.locator("#campaign-error-summary").is_visible()
    for field in ("contact_email", "deadline", "organisations"):
        assert page.locator(f"#campaign-{field}").get_attribute("aria-invalid") == "true", field
    assert page.locator("#campaign-title").input_value() == "Tweede uitvraag"
    assert_accessible(page)
    # corrected, the draft is made and its page is accessible too
    page.locator("#campaign-contact_email").fill("algoritmes@minbzk.nl")
    page.locator("#campaign-deadline").fill("2027-06-30")
    page.locator("#campaign-organisations").fill("gm0001")
    submit(page, "#campaign-new-submit")
    assert page.locator("#done-message").is_visible() and page.locator("#campaign-open").is_visible()
    assert_accessible(page)
