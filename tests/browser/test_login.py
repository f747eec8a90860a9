"""Login in a real browser, with the accessibility check on the pages involved."""

from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session, sessionmaker

from tests.browser.conftest import PASSWORD, assert_accessible, make_user


def test_login_page_is_accessible_in_both_languages(page: Page) -> None:
    for url in ("/inloggen", "/inloggen?lang=en", "/api/v1/docs?lang=nl", "/bestaat-niet"):
        page.goto(url)
        assert_accessible(page)


def test_a_wrong_password_shows_an_error_and_keyboard_login_works(
    page: Page, factory: sessionmaker[Session], make_organisation
) -> None:  # type: ignore[no-untyped-def]
    # given a user
    make_organisation("gm0001", "Gemeente Voorbeeld")
    make_user(factory, "eva", {})
    page.goto("/inloggen")
    # when a wrong password is typed
    page.get_by_label("Gebruikersnaam").fill("eva")
    page.get_by_label("Wachtwoord").fill("fout-wachtwoord-123")
    page.get_by_role("button", name="Inloggen").click()
    # then an error is shown, announced as an alert, and the page stays accessible
    expect(page.get_by_role("alert")).to_contain_text("klopt niet")
    assert_accessible(page)
    # and logging in with the keyboard only works: tab to the fields, type, press Enter
    page.goto("/inloggen")
    page.keyboard.press("Tab")  # skip link
    expect(page.locator(":focus")).to_have_text("Naar de inhoud")
    page.get_by_label("Gebruikersnaam").focus()
    page.keyboard.type("eva")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()
