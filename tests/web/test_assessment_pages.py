"""Assessment pages on the real app: start one from the algorithm's page, add participants, answer the
parts through forms (errors at their questions keeping what was typed, conditional questions after
saving, rows of a repeatable group), sign-off refused then done with the register entry, reopening,
downloads, and who is refused."""

import json
import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select

from algoreg.db.models import AssessmentAnswer
from algoreg.db.session import transaction
from algoreg.instruments.assessments import library
from algoreg.instruments.questionnaire.model import SingleChoiceQuestion
from algoreg.instruments.questionnaire.structure import placed_elements
from algoreg.register import algorithms
from algoreg.register.roles import SYSTEM, Role
from tests.conftest import reference_file
from tests.helpers import csrf_of
from tests.instruments.assessment_support import (
    REGISTER_TITLE,
    SIGNER_ROLE,
    Factory,
    make_algorithm,
    store_test_instrument,
)
from tests.web.test_bias_report_pages import person, text_of
from tests.web.test_manage_pages import login


@pytest.fixture
def setting(factory: Factory, make_organisation: Callable[..., str]) -> tuple[str, int]:
    """gm0001 with a published algorithm and the test instrument (signed off by its signer role); gm0002."""
    make_organisation("gm0001", "Gemeente Een")
    make_organisation("gm0002", "Gemeente Twee")
    public_id = make_algorithm(factory, "gm0001")
    instrument = store_test_instrument(factory, "gm0001", REGISTER_TITLE, signing_roles=[SIGNER_ROLE])
    return public_id, instrument


def submit(client: TestClient, page: str, path: str, data: dict[str, object]) -> Response:
    """Post a form with the CSRF token of ``page`` just loaded, as a browser does."""
    token = csrf_of(client.get(page).text)
    response: Response = client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)
    return response


def start(client: TestClient, public_id: str, instrument: int) -> str:
    """Start an assessment through the algorithm page's form; the assessment's address."""
    page = f"/beheer/algoritme/{public_id}"
    response = submit(client, page, f"{page}/toetsen", {"instrument": str(instrument)})
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.endswith("?gedaan=gestart")
    return location.split("?")[0]


def answer_count(factory: Factory) -> int:
    with transaction(factory) as session:
        return session.scalar(select(func.count()).select_from(AssessmentAnswer)) or 0


def test_an_editor_starts_an_assessment_adds_a_participant_and_answers_part_one(
    client: TestClient, factory: Factory, setting: tuple[str, int]
) -> None:
    public_id, instrument = setting
    person(factory, "eva", Role.EDITOR)
    login(client, "eva")
    # given the algorithm's page offers the instrument
    algorithm_page = client.get(f"/beheer/algoritme/{public_id}")
    assert "Toetsen" in text_of(algorithm_page) and "Testtoets 1.0" in text_of(algorithm_page)
    assert "no-assessments" in algorithm_page.text
    # when eva starts it and takes part as Projectleider
    base = start(client, public_id, instrument)
    assert "De toets is gestart" in text_of(client.get(f"{base}?gedaan=gestart"))
    added = submit(client, base, f"{base}/deelnemers", {"username": "eva", "role": "Projectleider"})
    assert added.status_code == 303
    # and answers part 1 (learning: the option "Nee", position 1)
    part = f"{base}/deel/basics"
    form = client.get(part)
    assert 'name="q.training"' not in form.text and "q-training-not-asked" in form.text
    saved = submit(
        client,
        part,
        part,
        {"q.purpose": "Aanvragen sneller beoordelen", "q.learning": "0", "q.prohibited": "1"},
    )
    # then
    assert saved.status_code == 303 and saved.headers["location"].endswith("?gedaan=opgeslagen")
    after = client.get(part)
    assert 'value="Aanvragen sneller beoordelen"' in after.text
    # the conditional question is asked after saving, now that the system learns
    assert 'name="q.training"' in after.text and "q-training-not-asked" not in after.text
    assert "Beantwoord door De eva" in text_of(after)
    overview = text_of(client.get(base))
    assert "De eva (eva) — Projectleider" in overview
    # part 1: three of five questions that apply answered; the training question is required now
    assert "1. Basis 3 van 5 3 van 4 Nee" in overview
    listed = text_of(client.get(f"/beheer/algoritme/{public_id}"))
    assert "Testtoets 1.0" in listed and "0 van 2 delen compleet" in listed
    # in English too
    english = text_of(client.get(f"{base}?lang=en"))
    assert "Parts and progress" in english and "Participants" in english


def test_bad_answers_are_shown_at_their_questions_keeping_what_was_typed(
    client: TestClient, factory: Factory, setting: tuple[str, int]
) -> None:
    public_id, instrument = setting
    person(factory, "eva", Role.EDITOR)
    login(client, "eva")
    base = start(client, public_id, instrument)
    part = f"{base}/deel/basics"
    # when a number is not a number and a one-line answer has a line break
    refused = submit(
        client,
        part,
        part,
        {"q.purpose": "Regel een\nregel twee", "q.learning": "1", "q.prohibited": "1", "q.per_year": "veel"},
    )
    # then nothing is stored and each problem stands at its question, with what was typed
    assert refused.status_code == 422
    assert answer_count(factory) == 0
    assert "Er zijn 2 problemen; er is niets opgeslagen" in text_of(refused)
    assert 'href="#q-per_year"' in refused.text and 'href="#q-purpose"' in refused.text
    assert 'id="q-per_year-error"' in refused.text and 'value="veel"' in refused.text
    assert re.search(r'id="q-per_year"[^>]*aria-describedby="q-per_year-error"', refused.text)
    assert "&#34;veel&#34; is geen getal" in refused.text or '"veel" is geen getal' in text_of(refused)
    assert "Regel een\nregel twee</textarea>" not in refused.text  # one line: an input, not a text area
    assert 'id="q-learning-opt-1" name="q.learning" value="1" checked' in refused.text
    # and the same in English
    english = client.post(
        f"{part}?lang=en",
        data={"q.per_year": "-3", "q.purpose": "Goed", "csrf_token": csrf_of(client.get(part).text)},
        follow_redirects=False,
    )
    assert english.status_code == 422 and "-3 is out of range" in text_of(english)


def test_a_stop_marks_the_questions_after_it(
    client: TestClient, factory: Factory, setting: tuple[str, int]
) -> None:
    public_id, instrument = setting
    person(factory, "eva", Role.EDITOR)
    login(client, "eva")
    base = start(client, public_id, instrument)
    part = f"{base}/deel/basics"
    assert submit(client, part, part, {"q.purpose": "Iets", "q.prohibited": "0"}).status_code == 303
    page = client.get(part)
    assert "Een verboden praktijk mag niet worden gebruikt." in text_of(page)
    assert "q-per_year-not-asked" in page.text
    overview = text_of(client.get(base))
    assert "Gestopt" in overview and "Geldt niet met de gegeven antwoorden" in overview


def test_rows_of_a_repeatable_group_are_added_and_saved(
    client: TestClient, factory: Factory, setting: tuple[str, int]
) -> None:
    public_id, instrument = setting
    person(factory, "eva", Role.EDITOR)
    login(client, "eva")
    base = start(client, public_id, instrument)
    part = f"{base}/deel/closing"
    assert 'name="rows.actions" value="1"' in client.get(part).text
    # when a row is added, what was typed stays and nothing is stored yet
    more = submit(
        client,
        part,
        part,
        {"rows.actions": "1", "g.actions.0.action": "Uitleg geven", "action": "add-row:actions"},
    )
    assert more.status_code == 200 and answer_count(factory) == 0
    assert 'name="rows.actions" value="2"' in more.text and 'value="Uitleg geven"' in more.text
    # then both rows are saved, an empty one left out
    saved = submit(
        client,
        part,
        part,
        {
            "rows.actions": "3",
            "g.actions.0.action": "Uitleg geven",
            "g.actions.1.action": "",
            "g.actions.2.action": "Bezwaar evalueren",
            "action": "save",
        },
    )
    assert saved.status_code == 303
    page = client.get(part)
    assert 'id="q-actions-0-action" name="g.actions.0.action" value="Uitleg geven"' in page.text
    assert 'id="q-actions-1-action" name="g.actions.1.action" value="Bezwaar evalueren"' in page.text
    history = text_of(client.get(f"{base}/vraag/actions"))
    assert "Uitleg geven" in history and "De eva" in history


def test_sign_off_is_refused_until_complete_then_done_enters_the_register_and_reopens(
    client: TestClient, factory: Factory, setting: tuple[str, int]
) -> None:
    public_id, instrument = setting
    person(factory, "eva", Role.EDITOR)
    person(factory, "jan", Role.PUBLISHER)
    login(client, "jan")
    base = start(client, public_id, instrument)
    assert (
        submit(client, base, f"{base}/deelnemers", {"username": "jan", "role": SIGNER_ROLE}).status_code
        == 303
    )
    # a user who is not there, and one of another role, are named at their fields
    wrong = submit(client, base, f"{base}/deelnemers", {"username": "niemand", "role": "Koning"})
    assert wrong.status_code == 422
    assert 'id="participant-username-error"' in wrong.text and 'id="participant-role-error"' in wrong.text
    assert 'value="niemand"' in wrong.text
    # when jan signs off too early, the open questions are listed with links to them
    early = submit(client, base, f"{base}/aftekenen", {"note": "Klaar?"})
    assert early.status_code == 422
    assert f'href="{base}/deel/basics#q-purpose"' in early.text and "Klaar?</textarea>" in early.text
    # and eva, who does not take part in the signing role, is refused
    client.cookies.clear()
    login(client, "eva")
    part = f"{base}/deel/basics"
    assert (
        submit(client, part, part, {"q.purpose": "Doel", "q.learning": "1", "q.prohibited": "1"}).status_code
        == 303
    )
    closing = f"{base}/deel/closing"
    assert 'id="signoff-form"' not in client.get(base).text
    assert submit(client, base, f"{base}/aftekenen", {"note": ""}).status_code == 403
    client.cookies.clear()
    login(client, "jan")
    done = submit(
        client,
        closing,
        closing,
        {"rows.actions": "1", "g.actions.0.action": "Uitleg", "q.signature": "signed"},
    )
    assert done.status_code == 303
    assert "Ondertekend door De jan op" in text_of(client.get(closing))
    signed = submit(client, base, f"{base}/aftekenen", {"note": "Akkoord"})
    assert signed.status_code == 303 and signed.headers["location"].endswith("?gedaan=afgetekend")
    # then the register's newest version is a concept holding the assessment with its link
    with transaction(factory) as session:
        latest = algorithms.versions(session, SYSTEM, public_id)[-1]
        view = algorithms.view(session, SYSTEM, public_id)
    entries = latest.record["impacttoetsen_grouping"]
    assert view.state.value == "concept"
    assert any(
        entry["title"] == REGISTER_TITLE and entry["link"].endswith("output?format=html") for entry in entries
    )
    page = client.get(base)
    assert "Ondertekend" in text_of(page) and 'id="reopen-form"' in page.text
    locked = submit(client, closing, closing, {"rows.actions": "1"})
    assert locked.status_code == 409 and "Deze toets is afgetekend; heropen hem" in text_of(locked)
    # reopening needs a reason
    no_reason = submit(client, base, f"{base}/heropenen", {"reason": " "})
    assert no_reason.status_code == 422 and 'id="reopen-reason-error"' in no_reason.text
    reopened = submit(client, base, f"{base}/heropenen", {"reason": "Nieuwe wet"})
    assert reopened.status_code == 303
    again = text_of(client.get(base))
    assert "Heropend, ronde 2" in again and "Nieuwe wet" in again


def test_downloads_in_four_formats(client: TestClient, factory: Factory, setting: tuple[str, int]) -> None:
    public_id, instrument = setting
    person(factory, "eva", Role.EDITOR)
    login(client, "eva")
    base = start(client, public_id, instrument)
    part = f"{base}/deel/basics"
    assert submit(client, part, part, {"q.purpose": "Doel van de toets"}).status_code == 303
    document = client.get(f"{base}/uitvoer.json")
    assert document.status_code == 200 and document.headers["content-type"] == "application/json"
    assert "Doel van de toets" in json.dumps(json.loads(document.text), ensure_ascii=False)
    markdown = client.get(f"{base}/uitvoer.md")
    assert (
        markdown.headers["content-type"].startswith("text/markdown") and "Doel van de toets" in markdown.text
    )
    page = client.get(f"{base}/uitvoer.html")
    assert page.headers["content-type"].startswith("text/html") and "Doel van de toets" in page.text
    assert client.get(f"{base}/uitvoer.exe").status_code in (404, 422)


def test_a_viewer_reads_but_cannot_answer_and_another_organisation_finds_nothing(
    client: TestClient, factory: Factory, setting: tuple[str, int]
) -> None:
    public_id, instrument = setting
    person(factory, "eva", Role.EDITOR)
    person(factory, "piet", Role.VIEWER)
    person(factory, "olga", Role.EDITOR, organisation="gm0002")
    login(client, "eva")
    base = start(client, public_id, instrument)
    part = f"{base}/deel/basics"
    assert submit(client, part, part, {"q.purpose": "Doel"}).status_code == 303
    client.cookies.clear()
    login(client, "piet")
    page = client.get(part)
    assert page.status_code == 200 and 'id="part-submit"' not in page.text and "disabled" in page.text
    assert 'id="assessment-start-form"' not in client.get(f"/beheer/algoritme/{public_id}").text
    assert submit(client, base, part, {"q.purpose": "Ander doel"}).status_code == 403
    assert (
        submit(client, base, f"{base}/deelnemers", {"username": "piet", "role": "Jurist"}).status_code == 403
    )
    client.cookies.clear()
    login(client, "olga")
    for path in (base, part, f"{base}/vraag/purpose", f"{base}/uitvoer.json"):
        assert client.get(path).status_code == 404, path
    assert submit(client, "/beheer", part, {"q.purpose": "Vreemd"}).status_code == 404
    assert submit(
        client, "/beheer", f"/beheer/algoritme/{public_id}/toetsen", {"instrument": str(instrument)}
    ).status_code in (403, 404)
    assert answer_count(factory) == 1


def test_a_forged_instrument_is_refused_and_an_unchanged_form_stores_nothing(
    client: TestClient, factory: Factory, setting: tuple[str, int]
) -> None:
    public_id, instrument = setting
    person(factory, "eva", Role.EDITOR)
    login(client, "eva")
    page = f"/beheer/algoritme/{public_id}"
    for forged in ("9999", "iama"):
        refused = submit(client, page, f"{page}/toetsen", {"instrument": forged})
        assert refused.status_code == 422
        assert "De toets is niet gestart: kies een van de instrumenten in de lijst." in text_of(refused)
    assert "no-assessments" in client.get(page).text
    base = start(client, public_id, instrument)
    part = f"{base}/deel/basics"
    assert submit(client, part, part, {"q.purpose": "Doel"}).status_code == 303
    again = submit(client, part, part, {"q.purpose": "Doel "})
    assert again.headers["location"].endswith("?gedaan=ongewijzigd") and answer_count(factory) == 1
    # clearing an answer is stored as such, and kept in the history
    assert submit(client, part, part, {"q.purpose": ""}).status_code == 303
    history = text_of(client.get(f"{base}/vraag/purpose"))
    assert "(gewist)" in history and "Doel" in history
    assert client.get(f"{base}/vraag/bestaat-niet").status_code == 404
    assert client.get(f"{base}/deel/bestaat-niet").status_code == 404


def test_the_official_iama_2_shows_every_part_and_takes_the_self_learning_branch_through_the_form(
    client: TestClient, factory: Factory, setting: tuple[str, int]
) -> None:
    path = reference_file("par-dpia-form", "sources", "iama.yaml")
    public_id, _instrument = setting
    person(factory, "eva", Role.EDITOR)
    with transaction(factory) as session:
        stored = library.import_instrument_file(session, SYSTEM, path, organisation_code="gm0001")
        iama, iama_id = library.instrument_definition(stored.definition, stored.digest), stored.id
    login(client, "eva")
    base = start(client, public_id, iama_id)
    # every part of the real instrument is a form page
    for part in iama.parts:
        page = client.get(f"{base}/deel/{part.id}")
        assert page.status_code == 200, part.id
    # when the kind of system is answered through its part's form
    placed = {item.element.id: item for item in placed_elements(iama)}
    branch = placed["2.1.1.1"]
    question = branch.element
    assert isinstance(question, SingleChoiceQuestion)
    index = next(i for i, option in enumerate(question.options) if option.value == "zelflerend")
    part_page = f"{base}/deel/{branch.part.id}"
    before = client.get(part_page)
    assert 'name="q.2.2B.1"' not in before.text
    assert submit(client, part_page, part_page, {"q.2.1.1.1": str(index)}).status_code == 303
    # then the self-learning branch is asked, and the other one is marked as not asked
    after = client.get(f"{base}/deel/{placed['2.2B.1'].part.id}")
    assert 'name="q.2.2B.1"' in after.text
    other = client.get(f"{base}/deel/{placed['2.2A.1'].part.id}")
    assert 'id="q-2.2A.1-not-asked"' in other.text
