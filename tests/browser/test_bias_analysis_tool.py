"""The bias analysis tool in a real browser: used by keyboard; its report and its errors checked by axe."""

import io
from collections.abc import Callable

import polars as pl
import pytest
from playwright.sync_api import Page
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.models import BiasReport
from algoreg.db.session import transaction
from algoreg.register import algorithms
from algoreg.register.roles import SYSTEM, Role
from tests.browser.conftest import assert_accessible, log_in, make_user
from tests.samples import sample_record


def decisions_csv() -> bytes:
    rows = [("Noord", int(i < 150)) for i in range(300)] + [("Zuid", int(i < 60)) for i in range(300)]
    frame = pl.DataFrame({"wijk": [w for w, _ in rows], "gecontroleerd": [c for _, c in rows]})
    buffer = io.BytesIO()
    frame.write_csv(buffer)
    return buffer.getvalue()


@pytest.fixture
def algorithm(factory: sessionmaker[Session], make_organisation: Callable[..., str]) -> str:
    make_organisation("gm0001", "Gemeente Voorbeeld")
    with transaction(factory) as session:
        public_id = algorithms.create_algorithm(session, SYSTEM, "gm0001", sample_record()).public_id
    make_user(factory, "analist", {"gm0001": Role.EDITOR})
    return public_id


def choose_file(page: Page, content: bytes, name: str = "besluiten.csv") -> None:
    page.set_input_files("#analysis-data", files=[{"name": name, "mimeType": "text/csv", "buffer": content}])


def test_an_analyst_uses_the_tool_by_keyboard_and_attaches_the_result(
    page: Page, algorithm: str, factory: sessionmaker[Session]
) -> None:
    # given the analyst on the algorithm's analysis tool
    log_in(page, "analist")
    page.goto(f"/beheer/algoritme/{algorithm}/biastoets/analyseren")
    assert_accessible(page)

    # when she fills in the columns with the keyboard only and sends the form
    choose_file(page, decisions_csv())
    page.locator("#analysis-protected").focus()
    page.keyboard.type("wijk")
    page.keyboard.press("Tab")  # to the outcome column
    page.keyboard.type("gecontroleerd")
    page.locator("#analysis-submit").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # then the report is shown, accessible, with the rates per district
    assert page.locator("h1").inner_text() == "Resultaat van de biasanalyse"
    assert page.locator("#analysis-not-stored").is_visible()
    assert page.get_by_text("Noord").first.is_visible()
    assert_accessible(page)

    # and attaching it by keyboard stores a draft
    page.locator("#report-title").focus()
    page.keyboard.type("Wijktoets 2025")
    page.keyboard.press("Tab")
    page.keyboard.type("Besluiten van 2025")
    page.locator("#report-attach-submit").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "De biastoets is als concept toegevoegd." in page.locator("main").inner_text()
    with transaction(factory) as session:
        assert session.scalar(select(func.count()).select_from(BiasReport)) == 1


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_tool_with_errors_is_accessible(page: Page, algorithm: str, lang: str) -> None:
    log_in(page, "analist")
    page.goto(f"/beheer/biastoets/analyseren?lang={lang}")
    choose_file(page, decisions_csv())
    page.locator("#analysis-protected").fill("wijk")
    page.locator("#analysis-outcome").fill("bestaat-niet")
    with page.expect_navigation():
        page.locator("#analysis-submit").click()
    assert page.locator("#analysis-error-summary").is_visible()
    assert page.locator("#analysis-outcome").get_attribute("aria-invalid") == "true"
    assert page.locator("#analysis-outcome").input_value() == "bestaat-niet"  # what was typed stays
    assert_accessible(page)
