"""The publish flow in a real browser: register, review, publish, find; refusals; keyboard only."""

from collections.abc import Callable
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session, sessionmaker

from algoreg.register.roles import Role
from tests.browser.conftest import Tabs, assert_accessible, log_in, make_user

GOAL = "Wij controleren aanvragen voor kapvergunningen van monumentale bomen."


@pytest.fixture
def organisations(make_organisation: Callable[..., str]) -> None:
    make_organisation("gm0001", "Gemeente Voorbeeld")
    make_organisation("gm0002", "Gemeente Anders")


def register_algorithm(page: Page, name: str = "Beoordeling kapvergunningen") -> str:
    """Fill the new-algorithm form as an editor and return the new algorithm's id."""
    page.goto("/beheer")
    page.locator("#new-gm0001").click()
    page.locator("#field-name").fill(name)
    page.locator("#field-description_short").fill(
        "Het algoritme helpt aanvragen om bomen te kappen te beoordelen."
    )
    page.locator("#field-contact_email").fill("algoritmes@voorbeeld.example")
    page.locator("input[name=status][value='In gebruik']").check()
    page.locator("input[name=publication_category][value='Impactvolle algoritmes']").check()
    page.locator("input[name=category][value='Natuur en milieu']").check()
    page.locator("#field-goal").fill(GOAL)
    assert_accessible(page)
    page.locator("#save").click()
    page.wait_for_url("**/beheer/algoritme/*")
    return urlparse(page.url).path.rstrip("/").split("/")[-1]


def test_editor_registers_publisher_publishes_and_the_public_finds_it(
    page: Page, tabs: Tabs, factory: sessionmaker[Session], organisations: None
) -> None:
    # given a new editor and a publisher of one organisation
    make_user(factory, "eva", {"gm0001": Role.EDITOR})
    make_user(factory, "piet", {"gm0001": Role.PUBLISHER})
    # when the editor registers an algorithm and submits it for review
    log_in(page, "eva")
    public_id = register_algorithm(page)
    assert_accessible(page)
    page.locator("#action-submit").click()
    expect(page.locator("#action-approve")).to_have_count(0)
    # and the publisher approves and publishes it
    publisher = tabs.open()
    log_in(publisher, "piet")
    publisher.goto(f"/beheer/algoritme/{public_id}")
    publisher.locator("#action-approve").click()
    publisher.locator("#action-publish").click()
    expect(publisher.locator("main")).to_contain_text("Gepubliceerd")
    # then anyone finds it by a word from its goal, and by another form of that word
    public = tabs.open()
    for query in ("kapvergunningen", "kapvergunning", "monumentale boom"):
        public.goto(f"/?q={query}")
        expect(public.get_by_role("link", name="Beoordeling kapvergunningen")).to_be_visible()
    assert_accessible(public)
    public.get_by_role("link", name="Beoordeling kapvergunningen").click()
    expect(public.locator("h1")).to_have_text("Beoordeling kapvergunningen")
    expect(public.locator("main")).to_contain_text("monumentale bomen")
    assert_accessible(public)


def test_a_stale_edit_is_refused_with_a_clear_message(
    page: Page, tabs: Tabs, factory: sessionmaker[Session], organisations: None
) -> None:
    # given two editors with the same algorithm open in the edit form
    make_user(factory, "eva", {"gm0001": Role.EDITOR})
    make_user(factory, "ruud", {"gm0001": Role.EDITOR})
    log_in(page, "eva")
    public_id = register_algorithm(page)
    other = tabs.open()
    log_in(other, "ruud")
    page.goto(f"/beheer/algoritme/{public_id}/bewerken")
    other.goto(f"/beheer/algoritme/{public_id}/bewerken")
    # when the first saves and then the second saves
    page.locator("#field-name").fill("Naam van Eva")
    page.locator("#save").click()
    other.locator("#field-name").fill("Naam van Ruud")
    other.locator("#save").click()
    # then the second is told that someone else changed it, nothing was saved, and the text is kept
    expect(other.locator("main")).to_contain_text("Iemand anders heeft dit algoritme gewijzigd")
    expect(other.locator("#field-name")).to_have_value("Naam van Ruud")
    assert_accessible(other)
    page.goto(f"/beheer/algoritme/{public_id}")
    expect(page.locator("main")).to_contain_text("Naam van Eva")


def test_a_viewer_cannot_edit_and_another_organisation_cannot_touch_it(
    page: Page, tabs: Tabs, factory: sessionmaker[Session], organisations: None
) -> None:
    make_user(factory, "eva", {"gm0001": Role.EDITOR})
    make_user(factory, "vera", {"gm0001": Role.VIEWER})
    make_user(factory, "olaf", {"gm0002": Role.EDITOR})
    log_in(page, "eva")
    public_id = register_algorithm(page)
    # a viewer sees the algorithm but has no edit link or workflow buttons, and the form is refused
    viewer = tabs.open()
    log_in(viewer, "vera")
    viewer.goto(f"/beheer/algoritme/{public_id}")
    expect(viewer.locator("#edit-link")).to_have_count(0)
    expect(viewer.locator("#action-submit")).to_have_count(0)
    response = viewer.goto(f"/beheer/algoritme/{public_id}/bewerken")
    assert response is not None and response.status == 403
    # another organisation's editor does not even see it
    outsider = tabs.open()
    log_in(outsider, "olaf")
    response = outsider.goto(f"/beheer/algoritme/{public_id}")
    assert response is not None and response.status == 404
    response = outsider.goto(f"/beheer/algoritme/{public_id}/bewerken")
    assert response is not None and response.status in (403, 404)


def _tab_to(page: Page, selector: str, limit: int = 300) -> None:
    """Press Tab until the element matching ``selector`` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"could not reach {selector} with the Tab key")


def test_the_publish_flow_works_with_the_keyboard_only(
    page: Page, tabs: Tabs, factory: sessionmaker[Session], organisations: None
) -> None:
    # given an algorithm in concept, made by an editor
    make_user(factory, "eva", {"gm0001": Role.EDITOR})
    make_user(factory, "piet", {"gm0001": Role.PUBLISHER})
    log_in(page, "eva")
    public_id = register_algorithm(page, "Toetsing met toetsenbord")
    # when the publisher does everything with Tab and Enter only
    keyboard = tabs.open()
    keyboard.goto("/")
    _tab_to(keyboard, "a[href='/inloggen']")
    with keyboard.expect_navigation():
        keyboard.keyboard.press("Enter")
    _tab_to(keyboard, "#username")
    keyboard.keyboard.type("piet")
    keyboard.keyboard.press("Tab")
    keyboard.keyboard.type("een-lang-wachtwoord")
    with keyboard.expect_navigation():
        keyboard.keyboard.press("Enter")
    _tab_to(keyboard, f"a[href='/beheer/algoritme/{public_id}']")
    with keyboard.expect_navigation():
        keyboard.keyboard.press("Enter")
    for action in ("submit", "approve", "publish"):
        _tab_to(keyboard, f"#action-{action}")
        with keyboard.expect_navigation():
            keyboard.keyboard.press("Enter")
    # then it is published
    expect(keyboard.locator("main")).to_contain_text("Gepubliceerd")
    keyboard.goto(f"/algoritme/{public_id}")
    expect(keyboard.locator("h1")).to_have_text("Toetsing met toetsenbord")
