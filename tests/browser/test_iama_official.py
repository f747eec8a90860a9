"""The official IAMA 2.0 (reference data) filled in a real browser by a project lead and a lawyer: the
branches of part 1 and of the self-learning question, the 30 rights, action points, answers with
author and time, a changed answer in the history, progress per part, and the stop on prohibited AI.

Choices and saves are made with the keyboard. Skipped with a message when the reference data is absent.
"""

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from playwright.sync_api import Locator, Page
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.session import transaction
from algoreg.instruments import assessments
from algoreg.instruments.assessments import library
from algoreg.instruments.questionnaire.model import Instrument, MultipleChoiceQuestion, Stop
from algoreg.instruments.questionnaire.structure import placed_elements
from algoreg.register.roles import SYSTEM, Role
from tests.browser.conftest import Tabs, assert_accessible, log_in, make_user
from tests.conftest import reference_file
from tests.instruments.assessment_support import make_algorithm

Factory = sessionmaker[Session]

#: Part 1's questions that apply when the algorithm is not prohibited and has a legal task, and what
#: the project lead answers them with (the choices 1.3.1 and 1.3.2 are made separately).
PART_1_TEXTS = {
    "1.1.1": "Te veel aanvragen blijven te lang liggen",
    "1.1.2": "Aanvragen binnen vier weken beoordelen",
    "1.2.1": "Doelmatigheid",
    "1.2.2": "Gelijke behandeling",
    "1.4.1.1": "Team data en ontwikkeling",
    "1.4.1.2": "Afdeling vergunningen",
    "1.4.1.3": "Functioneel beheer",
    "1.4.2": "De directeur dienstverlening",
    "1.4.3": "Terug naar handmatig beoordelen",
}
ACTIONS = "1.actiepunten.tekst"
RIGHTS = "4.1.1.1"
#: The rights the project lead ticks, by their position among the 30.
TICKED = (0, 16, 17, 22)


@dataclass(frozen=True)
class Setting:
    """The algorithm, and the official IAMA 2.0 as imported for its organisation."""

    public_id: str
    instrument_id: int
    title: str
    instrument: Instrument


@pytest.fixture
def setting(factory: Factory, make_organisation: Callable[..., str]) -> Setting:
    """A published algorithm of gm0001, the official IAMA 2.0 imported for gm0001, a project lead
    (editor) and a lawyer (publisher)."""
    path = reference_file("par-dpia-form", "sources", "iama.yaml")
    make_organisation("gm0001", "Gemeente Een")
    public_id = make_algorithm(factory, "gm0001")
    with transaction(factory) as session:
        stored = library.import_instrument_file(session, SYSTEM, path, organisation_code="gm0001")
        instrument = library.instrument_definition(stored.definition, stored.digest)
        title = f"{stored.title} {stored.version}"
        instrument_id = stored.id
    make_user(factory, "projectleider", {"gm0001": Role.EDITOR})
    make_user(factory, "jurist", {"gm0001": Role.PUBLISHER})
    return Setting(public_id, instrument_id, title, instrument)


def by_id(page: Page, element_id: str) -> Locator:
    """The element with this id (the official ids hold dots, which a CSS ``#id`` cannot)."""
    return page.locator(f'[id="{element_id}"]')


def main_text(page: Page) -> str:
    return page.locator("main").inner_text()


def submit(page: Page, element_id: str) -> None:
    """Press a button with the keyboard: focus it, press Enter, wait for the next page."""
    by_id(page, element_id).focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")


def save(page: Page) -> None:
    """Save the part's form with the keyboard and check that it was saved."""
    submit(page, "part-submit")
    assert "Uw antwoorden zijn opgeslagen." in main_text(page), main_text(page)[:2000]


def choose(page: Page, input_id: str) -> None:
    """Choose a radio button, or tick a checkbox, with the keyboard."""
    by_id(page, input_id).focus()
    page.keyboard.press("Space")
    assert by_id(page, input_id).is_checked()


def asked(page: Page, key: str) -> bool:
    """Whether the part's form asks question ``key`` now; False when it shows it as not asked."""
    shown = by_id(page, f"q-{key}-field").count() == 1
    marked = by_id(page, f"q-{key}-not-asked").count() == 1
    assert shown != marked, f"question {key} is neither asked nor marked as not asked"
    return shown


def start(page: Page, setting: Setting) -> str:
    """Start an IAMA 2.0 from the algorithm's page; the assessment's address."""
    page.goto(f"/beheer/algoritme/{setting.public_id}")
    by_id(page, "assessment-instrument").select_option(label=setting.title)
    submit(page, "assessment-start-submit")
    assert "De toets is gestart" in main_text(page)
    return page.url.split("?")[0]


def join(page: Page, assessment: str, username: str, role: str) -> None:
    """Take part in the assessment in ``role``."""
    page.goto(assessment)
    by_id(page, "participant-username").fill(username)
    by_id(page, "participant-role").fill(role)
    submit(page, "participant-submit")
    assert f"({username}) — {role}" in by_id(page, "participant-list").inner_text()


def answered_by(name: str) -> re.Pattern[str]:
    """What a question's line says when ``name`` answered it today, in round 1."""
    today = format_date(datetime.datetime.now(ZoneInfo("Europe/Amsterdam")).date(), "d MMM y", locale="nl")
    return re.compile(rf"Beantwoord door {name} op {re.escape(today)}, \d\d:\d\d \(ronde 1\)\.")


def progress_rows(page: Page) -> dict[str, list[str]]:
    """The assessment page's progress table: per part id, its three cells as shown."""
    rows: dict[str, list[str]] = {}
    for row in page.locator("#progress-table tbody tr").all():
        part_id = (row.get_attribute("id") or "").removeprefix("progress-")
        rows[part_id] = [cell.inner_text().strip() for cell in row.locator("td").all()]
    return rows


def test_a_project_lead_and_a_lawyer_fill_in_the_official_iama_2(tabs: Tabs, setting: Setting) -> None:
    # given the project lead, who starts an IAMA 2.0 and takes part as project lead
    lead = tabs.open()
    log_in(lead, "projectleider")
    assessment = start(lead, setting)
    join(lead, assessment, "projectleider", "Projectleider")

    # when she answers part 1: the legal questions appear one after the other
    lead.goto(f"{assessment}/deel/1.0")
    assert not asked(lead, "1.3.2") and not asked(lead, "1.3.4")
    for key, text in PART_1_TEXTS.items():
        by_id(lead, f"q-{key}").fill(text)
    choose(lead, "q-1.3.1-opt-1")  # not a prohibited AI system
    by_id(lead, f"q-{ACTIONS}").fill("Bezwaarprocedure beschrijven")
    save(lead)
    assert asked(lead, "1.3.2") and not asked(lead, "1.3.4")
    assert by_id(lead, f"q-{ACTIONS}").input_value() == "Bezwaarprocedure beschrijven"
    choose(lead, "q-1.3.2-opt-0")  # used for a legal task
    by_id(lead, f"q-{ACTIONS}-1").fill("Uitleg op de website zetten")
    save(lead)
    assert asked(lead, "1.3.4")
    by_id(lead, "q-1.3.4").fill("Artikel 4:5 van de Algemene wet bestuursrecht")
    save(lead)
    # then every question of part 1 that applies is answered, with both action points
    assert [by_id(lead, f"q-{ACTIONS}{suffix}").input_value() for suffix in ("", "-1", "-2")] == [
        "Bezwaarprocedure beschrijven",
        "Uitleg op de website zetten",
        "",
    ]
    assert answered_by("Projectleider").search(by_id(lead, "q-1.1.1-meta").inner_text())
    assert (
        "13 van 13 vragen die gelden zijn beantwoord; 12 van 12 verplichte."
        in by_id(lead, "part-progress").inner_text()
    )
    assert_accessible(lead)

    # when she answers the type of algorithm in part 2: the self-learning questions come and go
    lead.goto(f"{assessment}/deel/2")
    assert not asked(lead, "2.2A.1") and not asked(lead, "2.2B.1")
    choose(lead, "q-2.1.1.1-opt-0")  # zelflerend
    save(lead)
    assert [asked(lead, f"2.2B.{n}") for n in (1, 2, 3, 4)] == [True] * 4
    assert not asked(lead, "2.2A.1")
    by_id(lead, "q-2.2B.1").fill("Besluiten op aanvragen van 2020 tot en met 2024")
    save(lead)
    choose(lead, "q-2.1.1.1-opt-1")  # niet-zelflerend
    save(lead)
    assert not asked(lead, "2.2B.1") and asked(lead, "2.2A.1")
    choose(lead, "q-2.1.1.1-opt-0")  # zelflerend again: the answer given before is back
    save(lead)
    assert by_id(lead, "q-2.2B.1").input_value() == "Besluiten op aanvragen van 2020 tot en met 2024"
    assert not asked(lead, "2.2A.1")
    assert_accessible(lead)

    # and ticks four of the 30 rights in part 4, moving between them with Tab
    lead.goto(f"{assessment}/deel/4")
    rights = lead.locator(f'[name="q.{RIGHTS}"]')
    assert rights.count() == 30
    question = next(
        placed.element for placed in placed_elements(setting.instrument) if placed.element.id == RIGHTS
    )
    assert isinstance(question, MultipleChoiceQuestion)
    labels = [str(option.label or option.value) for option in question.options]
    assert by_id(lead, f"q-{RIGHTS}").locator("label").all_inner_texts() == labels
    by_id(lead, f"q-{RIGHTS}-opt-0").focus()
    position = 0
    for wanted in TICKED:
        for _ in range(wanted - position):
            lead.keyboard.press("Tab")
        position = wanted
        assert lead.evaluate("document.activeElement.id") == f"q-{RIGHTS}-opt-{wanted}"
        lead.keyboard.press("Space")
    save(lead)
    checked = [index for index in range(30) if by_id(lead, f"q-{RIGHTS}-opt-{index}").is_checked()]
    assert checked == list(TICKED)
    assert_accessible(lead)
    lead.goto(f"{assessment}/deel/4?lang=en")
    assert "1 of 20 questions that apply are answered; 1 of 19 required." in main_text(lead)
    assert_accessible(lead)

    # then the lawyer, in his own browser, takes part and sees her answers with author and time
    lawyer = tabs.open()
    log_in(lawyer, "jurist")
    join(lawyer, assessment, "jurist", "Jurist")
    lawyer.goto(f"{assessment}/deel/1.0")
    assert by_id(lawyer, "q-1.1.1").input_value() == PART_1_TEXTS["1.1.1"]
    assert answered_by("Projectleider").search(by_id(lawyer, "q-1.1.1-meta").inner_text())
    lawyer.goto(f"{assessment}/deel/4")
    assert answered_by("Projectleider").search(by_id(lawyer, f"q-{RIGHTS}-meta").inner_text())
    # he answers a question of part 3
    lawyer.goto(f"{assessment}/deel/3")
    by_id(lawyer, "q-3.1.1").fill("Een medewerker beoordeelt elke aanvraag met het advies ernaast")
    save(lawyer)
    assert answered_by("Jurist").search(by_id(lawyer, "q-3.1.1-meta").inner_text())
    # and changes her answer to 1.1.1: its history shows both, newest first
    lawyer.goto(f"{assessment}/deel/1.0")
    by_id(lawyer, "q-1.1.1").fill("Aanvragen blijven te lang liggen en worden ongelijk beoordeeld")
    save(lawyer)
    assert answered_by("Jurist").search(by_id(lawyer, "q-1.1.1-meta").inner_text())
    submit(lawyer, "q-1.1.1-history")
    history = [
        [cell.inner_text() for cell in row.locator("td").all()]
        for row in lawyer.locator("#answer-history tbody tr").all()
    ]
    assert history == [
        ["Jurist", "1", "Aanvragen blijven te lang liggen en worden ongelijk beoordeeld"],
        ["Projectleider", "1", PART_1_TEXTS["1.1.1"]],
    ]
    assert_accessible(lawyer)

    # then both see the same progress per part, matching what was answered
    expected = {
        "1.0": ["13 van 13", "12 van 12", "Ja"],
        "2": ["2 van 17", "2 van 16", "Nee"],
        "3": ["1 van 26", "1 van 25", "Nee"],
        "4": ["1 van 20", "1 van 19", "Nee"],
        "5": ["0 van 8", "0 van 8", "Nee"],
    }
    for page in (lead, lawyer):
        page.goto(f"{assessment}?lang=nl")
        assert progress_rows(page) == expected
    assert_accessible(lawyer)


def stop_reason(instrument: Instrument) -> str:
    """The reason the definition gives for its stop on prohibited AI."""
    stop = next(
        (placed.element for placed in placed_elements(instrument) if placed.element.id == "1.3.3"), None
    )
    assert isinstance(stop, Stop), "the IAMA 2.0 has no stop 1.3.3"
    return stop.reason


def test_answering_that_the_algorithm_is_prohibited_ai_stops_the_official_iama_2(
    tabs: Tabs, setting: Setting
) -> None:
    # given the project lead on part 1 of a new IAMA 2.0
    lead = tabs.open()
    log_in(lead, "projectleider")
    assessment = start(lead, setting)
    lead.goto(f"{assessment}/deel/1.0")
    by_id(lead, "q-1.1.1").fill("Fraude opsporen")
    by_id(lead, "q-1.4.2").fill(PART_1_TEXTS["1.4.2"])
    # when she answers that it is a prohibited AI system, with a question after the stop answered too
    choose(lead, "q-1.3.1-opt-0")
    save(lead)
    # then the part shows the stop the definition gives, and asks nothing after it
    reason = stop_reason(setting.instrument)
    assert reason in by_id(lead, "part-stop").inner_text()
    assert not asked(lead, "1.3.2") and not asked(lead, "1.4.2")
    # and her answer after the stop is kept, but does not count
    assert "die antwoorden blijven bewaard" in by_id(lead, "done-message").inner_text()
    not_asked = by_id(lead, "q-1.4.2-not-asked").inner_text()
    assert "Niet gesteld: de antwoorden bereikten een stop vóór deze vraag." in not_asked
    assert "Het gegeven antwoord blijft bewaard" in not_asked
    assert_accessible(lead)
    # and so do the later parts
    lead.goto(f"{assessment}/deel/2")
    assert not asked(lead, "2.1.1.1")
    assert "Dit deel geldt niet" in by_id(lead, "part-progress").inner_text()
    # and the assessment page shows it as stopped
    lead.goto(assessment)
    assert reason in by_id(lead, "assessment-stop").inner_text()
    assert by_id(lead, "assessment-status").inner_text().startswith("Gestopt")
    assert_accessible(lead)

    # when the lawyer, who may sign off, opens it
    lawyer = tabs.open()
    log_in(lawyer, "jurist")
    lawyer.goto(assessment)
    # then no sign-off is offered: the page says why, naming the stop, and nothing is signed off
    assert by_id(lawyer, "signoff-submit").count() == 0
    assert reason in by_id(lawyer, "signoff-stopped").inner_text()
    assert by_id(lawyer, "signoff-list").count() == 0
    assert by_id(lawyer, "assessment-status").inner_text().startswith("Gestopt")
    assert_accessible(lawyer)

    # when the project lead changes her answer, the stop is gone and the next question is asked
    lead.goto(f"{assessment}/deel/1.0")
    choose(lead, "q-1.3.1-opt-1")
    save(lead)
    assert by_id(lead, "part-stop").count() == 0
    assert asked(lead, "1.3.2") and asked(lead, "1.4.2")
    assert by_id(lead, "q-1.4.2").input_value() == PART_1_TEXTS["1.4.2"]


def test_the_refusal_to_sign_off_a_stopped_iama_2_is_written_in_dutch(
    tabs: Tabs, setting: Setting, factory: Factory
) -> None:
    # given the lawyer on the page of an open IAMA 2.0
    with transaction(factory) as session:
        assessment_id = assessments.start_assessment(
            session, SYSTEM, setting.public_id, setting.instrument_id
        ).id
    lawyer = tabs.open()
    log_in(lawyer, "jurist")
    lawyer.goto(f"/beheer/algoritme/{setting.public_id}/toets/{assessment_id}")
    # and meanwhile someone answers that it is prohibited AI, which stops it
    with transaction(factory) as session:
        assessments.record_answers(session, SYSTEM, setting.public_id, assessment_id, {"1.3.1": True})
    # when the lawyer presses the sign-off of the page he loaded before
    submit(lawyer, "signoff-submit")
    # then the refusal is in Dutch, like the rest of the page
    alert = by_id(lawyer, "alert-message").inner_text()
    assert stop_reason(setting.instrument) in alert
    assert "cannot be signed off" not in alert and "afgetekend" in alert
