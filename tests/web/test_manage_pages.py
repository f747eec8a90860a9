"""The management pages: dashboard, the generated form, workflow steps, history, audit log, import."""

import html
import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.models import Algorithm
from algoreg.db.session import transaction
from algoreg.register import accounts, algorithms
from algoreg.register.roles import SYSTEM, Role
from algoreg.register.workflow import Action
from tests.helpers import csrf_of
from tests.samples import sample_record

PASSWORD = "een-lang-wachtwoord"


def login(client: TestClient, username: str) -> None:
    form = client.get("/inloggen")
    response = client.post(
        "/inloggen",
        data={
            "username": username,
            "password": PASSWORD,
            "next": "/beheer",
            "csrf_token": csrf_of(form.text),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, f"{username} logs in"


def alert_of(page: str) -> str:
    """The page's alert as markup (a refusal), so that a part marked with its language shows."""
    found = re.search(r'id="alert-message">\s*<p class="utrecht-paragraph">(.*?)</p>', page, re.DOTALL)
    assert found, "the page shows no alert"
    return found[1]


def post_form(client: TestClient, path: str, data: dict[str, Any], page: str = "/beheer") -> Response:
    """Submit a form as a browser does, with the CSRF token of a page just loaded."""
    token = csrf_of(client.get(page).text)
    return client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)


def form_data(**overrides: Any) -> dict[str, Any]:
    """The fields a person fills in for a valid algorithm."""
    data: dict[str, Any] = {
        "name": "Slim parkeren",
        "description_short": "Het algoritme helpt parkeervergunningen te controleren.",
        "organization": "Gemeente Een",
        "category": ["Verkeer", "Recht"],
        "status": "In gebruik",
        "publication_category": "Impactvolle algoritmes",
        "begin_date": "2024-03",
        "contact_email": "algoritmes@een.example",
        "goal": "<p>Sneller beslissen.</p>",
        "lawful_basis_grouping.0.title": "Wegenverkeerswet",
        "lawful_basis_grouping.0.link": "https://wetten.overheid.nl/BWBR0006622",
        "lawful_basis_grouping.1.title": "",
        "lawful_basis_grouping.1.link": "",
        "lang": "nld",
    }
    data.update(overrides)
    return data


def count_algorithms(factory: sessionmaker[Session]) -> int:
    with transaction(factory) as session:
        return session.scalar(select(func.count()).select_from(Algorithm)) or 0


def make_algorithm(factory: sessionmaker[Session], organisation: str = "gm0001", **overrides: Any) -> str:
    with transaction(factory) as session:
        record = sample_record(organization="Gemeente Een" if organisation == "gm0001" else "Gemeente Twee")
        record.update(overrides)
        return algorithms.create_algorithm(session, SYSTEM, organisation, record).public_id


@pytest.fixture
def people(factory: sessionmaker[Session], make_organisation) -> None:  # type: ignore[no-untyped-def]
    """gm0001 with a viewer, editor and publisher; gm0002 with its own editor."""
    make_organisation("gm0001", "Gemeente Een")
    make_organisation("gm0002", "Gemeente Twee")
    with transaction(factory) as session:
        for role in (Role.VIEWER, Role.EDITOR, Role.PUBLISHER):
            accounts.create_user(session, SYSTEM, role.value, f"De {role.value}", PASSWORD)
            accounts.grant_role(session, SYSTEM, role.value, "gm0001", role)
        accounts.create_user(session, SYSTEM, "elders", "Redacteur elders", PASSWORD)
        accounts.grant_role(session, SYSTEM, "elders", "gm0002", Role.EDITOR)


def test_pages_need_a_signed_in_user(client: TestClient, people: None) -> None:
    # given nobody signed in
    # when the dashboard is asked for
    response = client.get("/beheer", follow_redirects=False)
    # then the browser is sent to the login page and back
    assert response.status_code == 303
    assert response.headers["location"].startswith("/inloggen?next=/beheer")


def test_an_editor_registers_an_algorithm_through_the_form_and_sees_it_on_the_dashboard(
    client: TestClient, people: None, factory: sessionmaker[Session]
) -> None:
    # given an editor on the generated form
    login(client, "editor")
    form = client.get("/beheer/organisatie/gm0001/nieuw")
    assert form.status_code == 200
    assert 'id="field-name"' in form.text and 'aria-describedby="field-name-help"' in form.text
    assert form.text.count('type="checkbox" id="field-category-') == 16
    assert 'id="field-lawful_basis_grouping-1-link"' in form.text  # two empty rows
    assert "(verplicht)" in form.text and "Rij toevoegen" in form.text
    # when she submits it
    response = post_form(
        client, "/beheer/organisatie/gm0001/nieuw", form_data(), "/beheer/organisatie/gm0001/nieuw"
    )
    # then the algorithm is stored as a concept with what she typed
    assert response.status_code == 303
    public_id = response.headers["location"].split("/")[3].split("?")[0]
    with transaction(factory) as session:
        record = algorithms.view(session, SYSTEM, public_id).latest.record
    assert record["category"] == ["Verkeer", "Recht"]
    assert record["lawful_basis_grouping"] == [
        {"title": "Wegenverkeerswet", "link": "https://wetten.overheid.nl/BWBR0006622"}
    ]
    page = client.get(response.headers["location"])
    assert "Het algoritme is als concept geregistreerd." in page.text
    # and the dashboard lists it with its state in words
    dashboard = client.get("/beheer")
    assert "Slim parkeren" in dashboard.text and f"/beheer/algoritme/{public_id}" in dashboard.text
    assert 'id="count-gm0001-concept">1<' in dashboard.text
    assert "Nieuw algoritme" in dashboard.text


def test_invalid_input_comes_back_with_the_typed_values_and_the_problems(
    client: TestClient, people: None, factory: sessionmaker[Session]
) -> None:
    # given an editor who leaves out the name, types a bad month and a bad link in the second row
    login(client, "editor")
    data = form_data(
        name="",
        begin_date="maart 2024",
        description_short="Mijn getypte beschrijving",
        **{"lawful_basis_grouping.1.title": "Tweede wet", "lawful_basis_grouping.1.link": "geen-link"},
    )
    # when the form is sent
    response = post_form(client, "/beheer/organisatie/gm0001/nieuw", data, "/beheer/organisatie/gm0001/nieuw")
    # then nothing is stored, and the form comes back with what was typed
    assert response.status_code == 422
    assert count_algorithms(factory) == 0
    page = response.text
    assert 'value="Mijn getypte beschrijving"' in page and 'value="maart 2024"' in page
    assert 'value="Tweede wet"' in page and 'value="geen-link"' in page
    assert 'value="Verkeer" checked' in page
    # with a summary linking to each control and a message beside it
    assert 'id="error-summary"' in page
    assert 'href="#field-name"' in page and 'href="#field-begin_date"' in page
    assert 'href="#field-lawful_basis_grouping-1-link"' in page
    assert 'id="field-lawful_basis_grouping-1-link-error"' in page
    assert 'aria-describedby="field-begin_date-help field-begin_date-error" aria-invalid="true"' in page
    assert "Schrijf een maand als JJJJ-MM, bijvoorbeeld 2023-01." in page
    assert "Dit veld is verplicht; vul het in." in page


def test_add_a_row_shows_one_more_empty_row_without_saving(
    client: TestClient, people: None, factory: sessionmaker[Session]
) -> None:
    # given an editor whose form shows one filled and two empty rows of data sources
    login(client, "editor")
    data = form_data(**{"source_data_grouping.0.title": "BRP", "add_row": "source_data_grouping"})
    # when she presses "add a row"
    response = post_form(client, "/beheer/organisatie/gm0001/nieuw", data, "/beheer/organisatie/gm0001/nieuw")
    # then the form has one more empty row, keeps what she typed, and nothing is stored
    assert response.status_code == 200
    assert 'id="field-source_data_grouping-3-title"' in response.text
    assert 'id="field-source_data_grouping-4-title"' not in response.text
    assert 'value="BRP"' in response.text
    assert count_algorithms(factory) == 0


def test_a_stale_edit_is_refused_and_keeps_the_typed_values(
    client: TestClient, people: None, factory: sessionmaker[Session]
) -> None:
    # given an editor who opened the edit form
    public_id = make_algorithm(factory)
    login(client, "editor")
    form = client.get(f"/beheer/algoritme/{public_id}/bewerken")
    assert form.status_code == 200
    lock = re.search(r'name="lock_version" value="(\d+)"', form.text)
    assert lock
    # and someone else who saved a change in the meantime
    with transaction(factory) as session:
        algorithms.update_algorithm(
            session, SYSTEM, public_id, sample_record(organization="Gemeente Een", name="Ander"), None
        )
    # when she saves her version
    data = form_data(name="Mijn nieuwe naam", lock_version=lock.group(1), csrf_token=csrf_of(form.text))
    response = client.post(f"/beheer/algoritme/{public_id}/bewerken", data=data, follow_redirects=False)
    # then nothing is saved, she is told why and what to do, and her text is still there
    assert response.status_code == 409
    assert "Iemand anders heeft dit algoritme gewijzigd" in response.text
    assert "Er is niets opgeslagen" in response.text
    assert 'value="Mijn nieuwe naam"' in response.text
    with transaction(factory) as session:
        assert algorithms.view(session, SYSTEM, public_id).latest.record["name"] == "Ander"
    # and in English when she reads in English
    english = client.post(
        f"/beheer/algoritme/{public_id}/bewerken?lang=en", data=data, follow_redirects=False
    )
    assert english.status_code == 409
    assert alert_of(english.text).startswith(
        "Someone else changed this algorithm while you were editing it. Nothing was saved."
    )


def test_an_edit_stores_a_new_version_and_the_history_shows_the_difference(
    client: TestClient, people: None, factory: sessionmaker[Session]
) -> None:
    # given an editor on the edit form of an algorithm
    public_id = make_algorithm(factory)
    login(client, "editor")
    form = client.get(f"/beheer/algoritme/{public_id}/bewerken")
    assert 'value="Controle parkeervergunningen"' in form.text
    lock = re.search(r'name="lock_version" value="(\d+)"', form.text)
    assert lock
    # when she changes the name and saves
    data = form_data(
        name="Controle bewonersvergunningen", lock_version=lock.group(1), csrf_token=csrf_of(form.text)
    )
    response = client.post(f"/beheer/algoritme/{public_id}/bewerken", data=data, follow_redirects=False)
    # then a second version is stored
    assert response.status_code == 303
    assert "gedaan=opgeslagen" in response.headers["location"]
    # and the history lists both versions with the difference in words
    history = client.get(f"/beheer/algoritme/{public_id}/geschiedenis")
    assert history.status_code == 200
    assert 'id="version-2"' in history.text and 'id="version-1"' in history.text
    assert "bewonersvergunningen" in history.text and "<ins>" in history.text
    # and a bad choice of versions falls back to the newest two with a message
    bad = client.get(f"/beheer/algoritme/{public_id}/geschiedenis?van=9&naar=1")
    assert bad.status_code == 200 and 'id="compare-problem"' in bad.text
    # and the audit log shows who did what
    audit = client.get(f"/beheer/algoritme/{public_id}/audit")
    assert audit.status_code == 200 and "<caption" in audit.text
    assert "Geregistreerd" in audit.text and "Bewerkt" in audit.text and "De editor" in audit.text


def test_a_viewer_may_read_but_not_create_edit_or_take_steps(
    client: TestClient, people: None, factory: sessionmaker[Session]
) -> None:
    # given a viewer and an algorithm of her organisation
    public_id = make_algorithm(factory)
    login(client, "viewer")
    # when she reads, then she sees it without edit link or workflow buttons
    page = client.get(f"/beheer/algoritme/{public_id}")
    assert page.status_code == 200
    assert 'id="edit-link"' not in page.text and 'id="action-submit"' not in page.text
    # when she tries to create, edit or submit, then she is refused
    assert client.get("/beheer/organisatie/gm0001/nieuw").status_code == 403
    assert post_form(client, "/beheer/organisatie/gm0001/nieuw", form_data()).status_code == 403
    assert client.get(f"/beheer/algoritme/{public_id}/bewerken").status_code == 403
    edit = post_form(client, f"/beheer/algoritme/{public_id}/bewerken", form_data(lock_version="1"))
    assert edit.status_code == 403
    action = post_form(
        client, f"/beheer/algoritme/{public_id}/actie", {"action": "submit", "lock_version": "1"}
    )
    assert action.status_code == 403
    assert count_algorithms(factory) == 1
    with transaction(factory) as session:
        assert algorithms.view(session, SYSTEM, public_id).state.value == "concept"


def test_another_organisations_editor_can_neither_see_nor_change_it(
    client: TestClient, people: None, factory: sessionmaker[Session]
) -> None:
    # given an algorithm of gm0001 and an editor of gm0002
    public_id = make_algorithm(factory)
    login(client, "elders")
    # when she asks for its pages or sends changes, then it does not exist for her
    for path in ("", "/bewerken", "/voorbeeld", "/geschiedenis", "/audit"):
        assert client.get(f"/beheer/algoritme/{public_id}{path}").status_code == 404, path
    assert (
        post_form(client, f"/beheer/algoritme/{public_id}/bewerken", form_data(lock_version="1")).status_code
        == 404
    )
    steps = post_form(
        client, f"/beheer/algoritme/{public_id}/actie", {"action": "submit", "lock_version": "1"}
    )
    assert steps.status_code == 404
    # and gm0001 is not on her dashboard, nor may she register there
    assert "Gemeente Een" not in client.get("/beheer").text
    assert post_form(client, "/beheer/organisatie/gm0001/nieuw", form_data()).status_code == 403
    with transaction(factory) as session:
        assert algorithms.view(session, SYSTEM, public_id).lock_version == 1


def test_a_publisher_approves_and_publishes_and_the_public_api_then_has_it(
    client: TestClient, people: None, factory: sessionmaker[Session]
) -> None:
    # given a submitted algorithm, not public yet
    public_id = make_algorithm(factory)
    with transaction(factory) as session:
        algorithms.perform(session, SYSTEM, public_id, Action.SUBMIT)
    assert client.get(f"/api/v1/algorithms/{public_id}").status_code == 404
    login(client, "publisher")
    page = f"/beheer/algoritme/{public_id}"
    # when the publisher approves it and then publishes it
    for action in ("approve", "publish"):
        current = client.get(page).text
        assert f'id="action-{action}"' in current
        lock = re.search(r'name="lock_version" value="(\d+)"', current)
        assert lock
        response = post_form(client, f"{page}/actie", {"action": action, "lock_version": lock.group(1)}, page)
        assert response.status_code == 303
    # then it is published, says so in words, and the public API serves it
    done = client.get(f"{page}?gedaan=publish")
    assert "Gepubliceerd" in done.text and "Ja, versie 1" in done.text
    public = client.get(f"/api/v1/algorithms/{public_id}")
    assert public.status_code == 200
    assert public.json()["record"]["name"] == "Controle parkeervergunningen"


def test_a_step_on_an_outdated_page_is_refused(
    client: TestClient, people: None, factory: sessionmaker[Session]
) -> None:
    # given a publisher's page loaded before someone else approved the algorithm
    public_id = make_algorithm(factory)
    with transaction(factory) as session:
        algorithms.perform(session, SYSTEM, public_id, Action.SUBMIT)
    login(client, "publisher")
    page = f"/beheer/algoritme/{public_id}"
    old_lock = re.search(r'name="lock_version" value="(\d+)"', client.get(page).text)
    assert old_lock
    with transaction(factory) as session:
        algorithms.perform(session, SYSTEM, public_id, Action.REJECT)
    # when she approves from the old page
    response = post_form(
        client, f"{page}/actie", {"action": "approve", "lock_version": old_lock.group(1)}, page
    )
    # then nothing happens and she is told why
    assert response.status_code == 409
    assert 'id="alert-message"' in response.text
    with transaction(factory) as session:
        assert algorithms.view(session, SYSTEM, public_id).state.value == "concept"
    # and from the page as it is now, a step the state does not allow is refused in her language
    lock = str(algorithms_lock(factory, public_id))
    refused = post_form(client, f"{page}/actie", {"action": "approve", "lock_version": lock}, page)
    assert refused.status_code == 409
    assert alert_of(refused.text) == (
        "Deze stap is niet mogelijk in de huidige status van het algoritme (Concept); nu mogelijk: "
        "De beschrijving bewerken, Ter beoordeling aanbieden, De publicatie intrekken, Archiveren."
    )
    english = post_form(client, f"{page}/actie?lang=en", {"action": "approve", "lock_version": lock}, page)
    assert alert_of(english.text) == (
        "This step is not possible in the algorithm&#39;s current state (Concept); "
        "possible now: Edit the description, Submit for review, Retract the publication, Archive."
    )


def test_forms_without_a_csrf_token_are_refused(
    client: TestClient, people: None, factory: sessionmaker[Session]
) -> None:
    # given a signed-in editor
    public_id = make_algorithm(factory)
    login(client, "editor")
    # when forms are sent without the token, then they are refused and nothing changes
    assert client.post("/beheer/organisatie/gm0001/nieuw", data=form_data()).status_code == 403
    assert client.post(f"/beheer/algoritme/{public_id}/actie", data={"action": "submit"}).status_code == 403
    assert client.post(f"/beheer/algoritme/{public_id}/bewerken", data=form_data()).status_code == 403
    assert count_algorithms(factory) == 1


def test_the_preview_shows_the_newest_version_as_the_public_page_would(
    client: TestClient, people: None, factory: sessionmaker[Session]
) -> None:
    # given a concept algorithm
    public_id = make_algorithm(factory)
    login(client, "viewer")
    # when its preview is opened
    response = client.get(f"/beheer/algoritme/{public_id}/voorbeeld")
    # then it is marked as a preview and shows the record's fields in the public sections
    assert response.status_code == 200
    assert 'id="preview-banner"' in response.text and "Voorbeeld" in response.text
    assert 'id="record-field-goal"' in response.text
    assert "Aanvragen sneller beoordelen" in response.text


def test_the_pages_speak_english_when_asked(
    client: TestClient, people: None, factory: sessionmaker[Session]
) -> None:
    # given an editor who chose English
    public_id = make_algorithm(factory)
    login(client, "editor")
    # when she opens the dashboard, the form and the algorithm's page
    dashboard = client.get("/beheer?lang=en").text
    form = client.get("/beheer/organisatie/gm0001/nieuw").text
    page = client.get(f"/beheer/algoritme/{public_id}").text
    # then labels are English, while the standard's values stay as the standard spells them
    assert "Manage algorithms" in dashboard and "New algorithm" in dashboard
    assert "(required)" in form and "Add a row" in form and "Short description" in form
    assert 'value="In gebruik"' in form
    assert "Submit for review" in page and "Concept" in page
    # and in Dutch they are Dutch
    assert "Ter beoordeling aanbieden" in client.get(f"/beheer/algoritme/{public_id}?lang=nl").text


def test_the_import_reports_row_problems_and_stores_nothing(
    client: TestClient, people: None, factory: sessionmaker[Session]
) -> None:
    # given an editor with a file of two rows, the second without a name
    login(client, "editor")
    rows = [sample_record(organization="Gemeente Een"), sample_record(organization="Gemeente Een", name="")]
    content = "\n".join(json.dumps(row) for row in rows).encode()
    token = csrf_of(client.get("/beheer/organisatie/gm0001/import").text)
    # when she imports it all-or-nothing
    response = client.post(
        "/beheer/organisatie/gm0001/import",
        data={"csrf_token": token, "mode": "all-or-nothing"},
        files={"file": ("algoritmes.jsonl", content, "application/x-ndjson")},
    )
    # then the problem is reported by row and field, and nothing is stored
    assert response.status_code == 422
    assert 'id="import-problems"' in response.text
    cells = re.findall(r"<th scope=\"row\"[^>]*>(\d+)</th>\s*<td[^>]*><code>(\w+)</code>", response.text)
    assert ("2", "name") in cells
    assert count_algorithms(factory) == 0
    # when she imports only the valid rows, then the first row is stored
    token = csrf_of(response.text)
    partial = client.post(
        "/beheer/organisatie/gm0001/import",
        data={"csrf_token": token, "mode": "valid-rows"},
        files={"file": ("algoritmes.jsonl", content, "application/x-ndjson")},
    )
    assert partial.status_code == 200
    assert 'id="import-created">1<' in partial.text
    assert count_algorithms(factory) == 1


def test_an_unreadable_file_gets_a_clear_message(
    client: TestClient, people: None, factory: sessionmaker[Session]
) -> None:
    # given an editor with a file that is not JSON
    login(client, "editor")
    token = csrf_of(client.get("/beheer/organisatie/gm0001/import").text)
    # when she imports it
    response = client.post(
        "/beheer/organisatie/gm0001/import",
        data={"csrf_token": token},
        files={"file": ("kapot.json", b"{niet: json", "application/json")},
    )
    # then she is told the file cannot be read, and nothing is stored
    assert response.status_code == 422
    assert "Het bestand kon niet worden gelezen" in response.text
    assert "kapot.json" in html.unescape(response.text)
    assert count_algorithms(factory) == 0


def test_a_viewer_cannot_import(client: TestClient, people: None) -> None:
    # given a viewer
    login(client, "viewer")
    # when she opens the import page, then she is refused
    assert client.get("/beheer/organisatie/gm0001/import").status_code == 403


def test_retract_is_offered_only_while_something_is_public(
    client: TestClient, people: None, factory: sessionmaker[Session]
) -> None:
    # given a submitted algorithm of which nothing is public
    public_id = make_algorithm(factory)
    with transaction(factory) as session:
        algorithms.perform(session, SYSTEM, public_id, Action.SUBMIT)
    login(client, "publisher")
    # when the publisher opens it, then she may approve but not retract
    page = client.get(f"/beheer/algoritme/{public_id}").text
    assert 'id="action-approve"' in page and 'id="action-retract"' not in page
    # and once published, retracting is offered
    with transaction(factory) as session:
        algorithms.perform(session, SYSTEM, public_id, Action.APPROVE)
        algorithms.perform(session, SYSTEM, public_id, Action.PUBLISH)
    assert 'id="action-retract"' in client.get(f"/beheer/algoritme/{public_id}").text


def test_an_archived_algorithm_cannot_be_saved_and_the_form_says_so(
    client: TestClient, people: None, factory: sessionmaker[Session]
) -> None:
    # given an archived algorithm and an editor with its form
    public_id = make_algorithm(factory)
    login(client, "editor")
    form = client.get(f"/beheer/algoritme/{public_id}/bewerken")
    with transaction(factory) as session:
        algorithms.perform(session, SYSTEM, public_id, Action.ARCHIVE)
    lock = str(algorithms_lock(factory, public_id))
    # when she saves, then nothing is stored and she is told why, with her text kept
    data = form_data(name="Toch wijzigen", lock_version=lock, csrf_token=csrf_of(form.text))
    response = client.post(f"/beheer/algoritme/{public_id}/bewerken", data=data, follow_redirects=False)
    assert response.status_code == 409
    assert alert_of(response.text) == (
        "Een gearchiveerd algoritme kan niet worden bewerkt; haal het eerst uit het archief."
    )
    assert 'value="Toch wijzigen"' in response.text
    english = client.post(
        f"/beheer/algoritme/{public_id}/bewerken?lang=en", data=data, follow_redirects=False
    )
    assert english.status_code == 409
    assert alert_of(english.text) == (
        "An archived algorithm cannot be edited; take it out of the archive first."
    )
    # and the algorithm's page offers no edit link
    assert 'id="edit-link"' not in client.get(f"/beheer/algoritme/{public_id}").text


def algorithms_lock(factory: sessionmaker[Session], public_id: str) -> int:
    with transaction(factory) as session:
        return algorithms.view(session, SYSTEM, public_id).lock_version


def test_the_dashboard_shows_every_organisation_to_instance_admins_and_links_admins_to_users(
    client: TestClient, people: None, factory: sessionmaker[Session]
) -> None:
    # given an instance administrator, and an editor
    with transaction(factory) as session:
        accounts.create_user(session, SYSTEM, "root", "Beheer", PASSWORD, is_superuser=True)
    make_algorithm(factory, "gm0002")
    # when the administrator opens the dashboard
    login(client, "root")
    dashboard = client.get("/beheer").text
    # then she sees both organisations and the link to user management
    assert "Gemeente Een" in dashboard and "Gemeente Twee" in dashboard
    assert 'id="users-link"' in dashboard
    assert 'id="count-gm0002-concept">1<' in dashboard
    # and an editor sees neither the other organisation nor the user management link
    client.cookies.clear()
    login(client, "editor")
    editor_dashboard = client.get("/beheer").text
    assert "Gemeente Twee" not in editor_dashboard and 'id="users-link"' not in editor_dashboard
