"""The AI Act decision aid, the framework-task pages and the catalogue of instruments in a real browser:
the aid walked to a conclusion with the keyboard and stored; every new page checked by axe-core in
Dutch and English, the aid and the task page with their errors too."""

import json
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.models import AiActProfileRecord, FrameworkTask
from algoreg.db.session import transaction
from algoreg.instruments.framework.catalogue import load_catalogue, search_instruments
from algoreg.instruments.framework.profile_store import record_profile
from algoreg.register.roles import SYSTEM, Role
from tests.browser.conftest import Tabs, assert_accessible, log_in, make_user
from tests.conftest import reference_file
from tests.helpers import free_port
from tests.instruments.framework_tasks_support import (
    ORGANISATIONS,
    answers,
    high_risk_path,
    import_official,
    make_algorithm,
    official_tree,
)
from tests.served import running_server

Factory = sessionmaker[Session]


@pytest.fixture
def algorithm(factory: Factory, make_organisation: Callable[..., str]) -> str:
    for code, name in ORGANISATIONS.items():
        make_organisation(code, name)
    import_official(factory)
    make_user(factory, "eva", {"gm0001": Role.EDITOR})
    return make_algorithm(factory)


def choose_by_keyboard(page: Page, answer: str) -> None:
    """Select the answer's radio button with the space bar and send the form with Enter."""
    page.locator(f'input[name="keuze"][value={json.dumps(answer)}]').focus()
    page.keyboard.press("Space")
    page.locator("#aid-next").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_an_editor_walks_the_aid_by_keyboard_to_a_conclusion_and_stores_it(
    page: Page, algorithm: str, factory: Factory
) -> None:
    # given the editor on the decision aid, reached from the algorithm's page
    log_in(page, "eva")
    page.goto(f"/beheer/algoritme/{algorithm}")
    with page.expect_navigation():
        page.locator("#ai-act-aid-link").click()
    assert_accessible(page)
    path = answers(high_risk_path())

    # when she answers every question with the keyboard, going back once on the way
    choose_by_keyboard(page, path[0][1])
    page.locator("#aid-back").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    first = official_tree().questions_by_id[path[0][0]].question
    assert page.locator("#aid-question").inner_text().endswith(first)
    for question_id, answer in path:
        assert (
            official_tree().questions_by_id[question_id].question
            in page.locator("#aid-question").inner_text()
        )
        choose_by_keyboard(page, answer)

    # then the conclusion is shown with the proposed category, and is accessible
    conclusion = high_risk_path().conclusion_id
    assert page.locator("#aid-outcome-title").inner_text() == f"Conclusie {conclusion}"
    assert "Hoog-risico AI-systeem" in page.locator("#aid-outcome-category").inner_text()
    assert_accessible(page)

    # and storing it by keyboard makes it the algorithm's profile, with its tasks
    page.locator("#aid-store").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Het AI-verordeningsprofiel is opgeslagen." in page.locator("#done-message").inner_text()
    with transaction(factory) as session:
        assert session.scalar(select(func.count()).select_from(AiActProfileRecord)) == 1
        assert (session.scalar(select(func.count()).select_from(FrameworkTask)) or 0) > 0


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_new_management_pages_are_accessible_with_and_without_errors(
    page: Page, algorithm: str, factory: Factory, lang: str
) -> None:
    with transaction(factory) as session:
        record_profile(session, SYSTEM, algorithm, answers(high_risk_path()))
    with transaction(factory) as session:
        task_id = session.scalar(select(FrameworkTask.id).order_by(FrameworkTask.id).limit(1))
    log_in(page, "eva")
    base = f"/beheer/algoritme/{algorithm}"
    for url in (
        f"{base}?lang={lang}",
        f"{base}/ai-verordening?lang={lang}",
        f"{base}/ai-verordening?lang={lang}&volgende=1",  # no answer chosen: the error
        f"{base}/maatregelen?lang={lang}",
        f"{base}/maatregelen/{task_id}?lang={lang}",
    ):
        page.goto(url)
        assert_accessible(page)
    assert page.locator("#aid-answers-error").count() == 0
    # the task page with errors: not applicable without a reason, and a bad link
    page.locator("#task-status").select_option("not_applicable")
    with page.expect_navigation():
        page.locator("#task-save").click()
    assert page.locator("#task-error-summary").is_visible()
    assert page.locator("#task-reason").get_attribute("aria-invalid") == "true"
    assert page.locator("#task-status").input_value() == "not_applicable"  # what was chosen stays
    assert_accessible(page)
    page.locator("#task-link-url").fill("ftp://intern")
    with page.expect_navigation():
        page.locator("#task-link-submit").click()
    assert page.locator("#task-link-url").get_attribute("aria-invalid") == "true"
    assert page.locator("#task-link-url").input_value() == "ftp://intern"
    assert_accessible(page)


@pytest.fixture(scope="module")
def catalogue_server(migrated_engine: Engine, database_url: str) -> Iterator[str]:
    """A second ``algoreg serve`` with the Algoritmekader's catalogue of instruments configured."""
    port = free_port()
    env = {
        "ALGOREG_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "ALGOREG_CATALOGUE_FILE": str(reference_file("algoritmekader", "hulpmiddelen.yaml")),
    }
    with running_server(database_url, env, port) as base:
        yield base


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_catalogue_of_instruments_is_accessible_and_filters_by_keyboard(
    browser: Browser, catalogue_server: str, engine: Engine, lang: str
) -> None:
    tabs = Tabs(browser, catalogue_server)
    try:
        page = tabs.open()
        page.goto(f"/hulpmiddelen?lang={lang}")
        assert page.locator(".algoreg-result").count() > 1
        assert_accessible(page)
        page.locator("#catalogue-q").focus()
        page.keyboard.type("geletterdheid")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        catalogue = load_catalogue(reference_file("algoritmekader", "hulpmiddelen.yaml"))
        expected = len(search_instruments(catalogue, "geletterdheid"))
        assert 0 < expected < len(catalogue)
        assert page.locator(".algoreg-result").count() == expected
        assert_accessible(page)
    finally:
        tabs.close()
    assert not tabs.errors, tabs.errors
