"""The AI Act decision aid and the framework-task pages on the real app: walking the official tree
question by question (with back and errors), storing the outcome, the tasks by phase with progress
and audit readiness, changing a task with errors at their fields, evidence, and refusals."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.models import AiActProfileRecord, FrameworkTask, FrameworkTaskEvidence
from algoreg.db.session import transaction
from algoreg.instruments.framework import definitions
from algoreg.instruments.framework.evidence import MAX_FILE_BYTES
from algoreg.register.roles import SYSTEM, Role
from tests.helpers import csrf_of
from tests.instruments.framework_tasks_support import (
    ORGANISATIONS,
    answers,
    audit_items,
    high_risk_path,
    import_official,
    make_algorithm,
    official_tree,
)
from tests.web.test_bias_report_pages import alert_of, person, text_of
from tests.web.test_manage_pages import login

Factory = sessionmaker[Session]


@pytest.fixture
def algorithm(factory: Factory, make_organisation: Callable[..., str]) -> str:
    """A draft algorithm of gm0001 (gm0002 exists too), with the official tree and framework imported."""
    for code, name in ORGANISATIONS.items():
        make_organisation(code, name)
    import_official(factory)
    return make_algorithm(factory)


def aid_url(public_id: str) -> str:
    return f"/beheer/algoritme/{public_id}/ai-verordening"


def step(client: TestClient, public_id: str, given: list[str], **extra: str) -> Response:
    """One GET step of the decision aid with the answers so far, as the form sends it."""
    params = [("antwoord", answer) for answer in given] + list(extra.items())
    return client.get(aid_url(public_id), params=params)


def walk(client: TestClient, public_id: str, path_answers: list[tuple[str, str]]) -> Response:
    given: list[str] = []
    page = step(client, public_id, given)
    for question_id, answer in path_answers:
        assert official_tree().questions_by_id[question_id].question in html_text(page)
        page = step(client, public_id, given, keuze=answer, volgende="1")
        assert page.status_code == 200, page.text
        given.append(answer)
    return page


def html_text(response: Response) -> str:
    return text_of(response)


def post(client: TestClient, path: str, data: dict[str, Any], page: str, **kwargs: Any) -> Response:
    token = csrf_of(client.get(page).text)
    return client.post(path, data={**data, "csrf_token": token}, follow_redirects=False, **kwargs)


def store(client: TestClient, public_id: str, given: list[str]) -> Response:
    return post(client, aid_url(public_id), {"antwoord": given}, f"/beheer/algoritme/{public_id}")


def count(factory: Factory, model: Any) -> int:
    with transaction(factory) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def stored_profile(client: TestClient, public_id: str) -> None:
    given = [answer for _, answer in answers(high_risk_path())]
    assert store(client, public_id, given).status_code == 303


def first_task(factory: Factory) -> int:
    with transaction(factory) as session:
        task_id = session.scalar(select(FrameworkTask.id).order_by(FrameworkTask.id).limit(1))
    assert task_id is not None
    return task_id


# --- the decision aid ---------------------------------------------------------------------------------


def test_an_editor_walks_the_aid_to_a_conclusion_goes_back_and_stores_the_profile(
    client: TestClient, factory: Factory, algorithm: str
) -> None:
    login(client, person(factory, "eva", Role.EDITOR))
    path = answers(high_risk_path())
    first_question = official_tree().questions_by_id[path[0][0]]
    # the first question, its answers as radio buttons, the tree's texts marked as Dutch
    start = step(client, algorithm, [])
    assert start.status_code == 200
    assert f'<span lang="nl">{first_question.question}</span>' in start.text
    assert start.text.count('name="keuze"') == len(first_question.answers)
    assert "Beslishulp AI-verordening voor" in html_text(start)
    # "next" without a choice: the question again, with the error at the answers
    missing = step(client, algorithm, [], volgende="1")
    assert missing.status_code == 422
    assert 'id="aid-answers-error"' in missing.text and 'aria-invalid="true"' in missing.text
    assert "Kies een van de antwoorden." in html_text(missing)
    assert '<span lang="en">Kies' not in missing.text  # a Dutch message is not marked as English
    assert html_text(missing).startswith("Fout:")
    # walking to the conclusion
    end = walk(client, algorithm, path)
    conclusion = official_tree().conclusions_by_id[high_risk_path().conclusion_id]
    assert f"Conclusie {conclusion.conclusion_id}" in html_text(end)
    facts = end.text.split('id="aid-outcome-facts"', 1)[1].split("</dl>", 1)[0]
    assert "Hoog-risico AI-systeem" in facts and "hoog-risico AI" in facts
    assert 'id="aid-store-form"' in end.text
    # back from the conclusion: the last question again with the answer chosen before
    given = [answer for _, answer in path]
    back = step(client, algorithm, given, terug="1")
    last_question = official_tree().questions_by_id[path[-1][0]]
    assert f'<span lang="nl">{last_question.question}</span>' in back.text
    assert re.search(rf'value="{re.escape(path[-1][1])}" checked', back.text)
    assert back.text.count('name="antwoord"') == len(given) - 1
    # storing the outcome
    stored = store(client, algorithm, given)
    assert stored.status_code == 303 and stored.headers["location"].endswith("?gedaan=opgeslagen")
    done = client.get(stored.headers["location"])
    assert "Het AI-verordeningsprofiel is opgeslagen." in html_text(done)
    assert count(factory, AiActProfileRecord) == 1
    # the management page shows the current profile and links to the aid
    manage = client.get(f"/beheer/algoritme/{algorithm}")
    section = manage.text.split('id="ai-act-profile"', 1)[1].split("</section>", 1)[0]
    assert f"Conclusie {conclusion.conclusion_id}" in text_of_fragment(section)
    assert "Hoog-risico AI-systeem" in section and 'id="ai-act-aid-link"' in section
    # a second profile puts the first in the history
    assert store(client, algorithm, given).status_code == 303
    manage = client.get(f"/beheer/algoritme/{algorithm}")
    assert 'id="ai-act-profile-history"' in manage.text
    # and in English
    english = step(client, algorithm, [], lang="en")
    assert "AI Act decision aid for" in html_text(english) and "Next question" in html_text(english)


def text_of_fragment(fragment: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())


def test_answers_that_do_not_reach_a_conclusion_are_not_stored(
    client: TestClient, factory: Factory, algorithm: str
) -> None:
    login(client, person(factory, "eva", Role.EDITOR))
    path = [answer for _, answer in answers(high_risk_path())]
    unfinished = store(client, algorithm, path[:2])
    off_tree = store(client, algorithm, ["Misschien"])
    assert unfinished.status_code == 422 and off_tree.status_code == 422
    assert "begin opnieuw bij de eerste vraag" in html_text(off_tree)
    assert count(factory, AiActProfileRecord) == 0
    # answers in the query that do not follow the tree start again, with a message
    wrong = step(client, algorithm, ["Misschien"])
    assert wrong.status_code == 422 and 'id="alert-message"' in wrong.text


def test_a_viewer_walks_the_aid_but_cannot_store_and_other_organisations_see_nothing(
    client: TestClient, factory: Factory, algorithm: str
) -> None:
    given = [answer for _, answer in answers(high_risk_path())]
    login(client, person(factory, "vera", Role.VIEWER))
    end = step(client, algorithm, given)
    assert end.status_code == 200 and 'id="aid-store-form"' not in end.text
    assert 'id="aid-no-store"' in end.text
    token = csrf_of(client.get(f"/beheer/algoritme/{algorithm}").text)
    refused = client.post(aid_url(algorithm), data={"antwoord": given, "csrf_token": token})
    assert refused.status_code == 403
    assert count(factory, AiActProfileRecord) == 0
    client.cookies.clear()
    login(client, person(factory, "otto", Role.ADMIN, "gm0002"))
    assert step(client, algorithm, []).status_code == 404
    token = csrf_of(client.get("/beheer").text)
    other = client.post(aid_url(algorithm), data={"antwoord": given, "csrf_token": token})
    assert other.status_code == 404
    assert client.get(f"/beheer/algoritme/{algorithm}/maatregelen").status_code == 404
    assert count(factory, AiActProfileRecord) == 0


def test_without_imported_definitions_the_pages_say_what_to_import(
    client: TestClient, factory: Factory, make_organisation: Callable[..., str]
) -> None:
    for code, name in ORGANISATIONS.items():
        make_organisation(code, name)
    public_id = make_algorithm(factory)
    login(client, person(factory, "eva", Role.EDITOR))
    aid = step(client, public_id, [])
    assert aid.status_code == 200 and "algoreg framework import --decision-tree" in html_text(aid)
    tasks = client.get(f"/beheer/algoritme/{public_id}/maatregelen")
    assert tasks.status_code == 200 and "algoreg framework import --task-registry" in html_text(tasks)
    assert 'id="readiness-not-imported"' in tasks.text
    tasks_url = f"/beheer/algoritme/{public_id}/maatregelen"
    refused = post(client, f"{tasks_url}/verversen", {}, tasks_url)
    assert refused.status_code == 409
    assert alert_of(refused.text) == (
        "De maatregelen van het Algoritmekader (het takenregister) zijn nog niet in dit register ingelezen; "
        "een beheerder leest ze in met: algoreg framework import --task-registry &lt;folder&gt;"
    )


# --- framework tasks ---------------------------------------------------------------------------------


def test_the_tasks_page_shows_progress_per_phase_tasks_by_phase_and_audit_readiness(
    client: TestClient, factory: Factory, algorithm: str
) -> None:
    login(client, person(factory, "eva", Role.EDITOR))
    tasks_url = f"/beheer/algoritme/{algorithm}/maatregelen"
    before = client.get(tasks_url)
    assert 'id="tasks-no-profile"' in before.text and 'id="tasks-aid-link"' in before.text
    stored_profile(client, algorithm)
    with transaction(factory) as session:
        rows = session.execute(select(FrameworkTask.id, FrameworkTask.phases)).all()
    page = client.get(tasks_url)
    assert page.status_code == 200
    shown = html_text(page)
    assert f"{len(rows)} taken" in shown
    # every task is linked under each of its phases, and the progress table counts them so
    links = re.findall(rf'href="{tasks_url}/(\d+)"', page.text)
    assert {int(task_id) for task_id in links} == {task_id for task_id, _ in rows}
    assert len(links) == sum(len(phases) or 1 for _, phases in rows)
    table = page.text.split('id="progress-table"', 1)[1].split("</table>", 1)[0]
    totals = [int(cells[-2]) for cells in table_rows(table)]
    assert sum(totals) == len(links)
    # without audit items the readiness says so; with them it counts the items per audit framework
    assert 'id="readiness-not-imported"' in page.text
    with transaction(factory) as session:
        definitions.import_audit(session, SYSTEM, audit_items(), None)
    page = client.get(tasks_url)
    readiness = page.text.split('id="readiness-table"', 1)[1].split("</table>", 1)[0]
    counted = {cells[0]: int(cells[-1]) for cells in table_rows(readiness)}
    frameworks = {item.framework for item in audit_items()}
    assert set(counted) == frameworks
    assert sum(counted.values()) == len(audit_items())  # unmapped: every item in the last column
    assert 'id="readiness-unmapped"' in page.text
    # the refresh button answers with a confirmation
    refreshed = post(client, f"{tasks_url}/verversen", {}, tasks_url)
    assert refreshed.status_code == 303
    assert "De taken zijn bijgewerkt" in html_text(client.get(refreshed.headers["location"]))


def table_rows(table: str) -> list[list[str]]:
    body = table.split("<tbody", 1)[1]
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.DOTALL):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.DOTALL)
        rows.append([text_of_fragment(cell) for cell in cells])
    return rows


def test_refreshing_without_a_profile_is_a_conflict_shown_on_the_page(
    client: TestClient, factory: Factory, algorithm: str
) -> None:
    login(client, person(factory, "eva", Role.EDITOR))
    tasks_url = f"/beheer/algoritme/{algorithm}/maatregelen"
    response = post(client, f"{tasks_url}/verversen", {}, tasks_url)
    assert response.status_code == 409
    assert alert_of(response.text) == (
        f"Algoritme &#39;{algorithm}&#39; heeft nog geen AI-verordeningsprofiel; leg er een vast met de "
        "beslishulp AI-verordening voordat de taken uit het Algoritmekader kunnen worden afgeleid."
    )
    english = post(client, f"{tasks_url}/verversen?lang=en", {}, tasks_url)
    assert english.status_code == 409
    assert alert_of(english.text).startswith(f"Algorithm &#39;{algorithm}&#39; has no AI Act profile yet;")


def test_a_task_is_changed_and_not_applicable_without_a_reason_is_refused_at_its_field(
    client: TestClient, factory: Factory, algorithm: str
) -> None:
    login(client, person(factory, "eva", Role.EDITOR))
    stored_profile(client, algorithm)
    person(factory, "otto", Role.ADMIN, "gm0002")
    task_id = first_task(factory)
    url = f"/beheer/algoritme/{algorithm}/maatregelen/{task_id}"
    with transaction(factory) as session:
        from algoreg.db.models import User

        eva = session.scalar(select(User.id).where(User.username == "eva"))
        otto = session.scalar(select(User.id).where(User.username == "otto"))
    # not applicable without a reason: refused at the reason, what was chosen kept
    refused = post(client, url, {"status": "not_applicable", "reason": " ", "responsible": str(eva)}, url)
    assert refused.status_code == 422
    assert 'id="task-reason-error"' in refused.text and 'href="#task-reason"' in refused.text
    assert "bij de status Niet van toepassing is een reden verplicht" in html_text(refused)
    assert re.search(r'value="not_applicable" selected', refused.text)
    assert re.search(rf'<option value="{eva}" selected', refused.text)
    assert html_text(refused).startswith("Fout:")
    # a person of another organisation: refused at that field
    outsider = post(client, url, {"status": "in_progress", "reason": "", "reviewer": str(otto)}, url)
    assert outsider.status_code == 422 and 'id="task-reviewer-error"' in outsider.text
    assert "Kies een persoon van de organisatie." in html_text(outsider)
    with transaction(factory) as session:
        task = session.get(FrameworkTask, task_id)
        assert task is not None and task.status == "todo" and task.reviewer_user_id is None
    # with a reason it is saved, and shown with its history
    saved = post(
        client, url, {"status": "not_applicable", "reason": "Geen besluit", "responsible": str(eva)}, url
    )
    assert saved.status_code == 303 and saved.headers["location"].endswith("?gedaan=opgeslagen")
    page = client.get(saved.headers["location"])
    shown = html_text(page)
    assert "De taak is opgeslagen." in shown and "Geen besluit" in shown
    history = page.text.split('id="task-history"', 1)[1].split("</ol>", 1)[0]
    assert "Gewijzigd" in history and "Niet van toepassing" in history
    with transaction(factory) as session:
        task = session.get(FrameworkTask, task_id)
        assert task is not None and task.status == "not_applicable" and task.reason == "Geen besluit"
        assert task.responsible_user_id == eva


def test_evidence_is_added_as_a_link_or_a_bounded_file(
    client: TestClient, factory: Factory, algorithm: str
) -> None:
    login(client, person(factory, "eva", Role.EDITOR))
    stored_profile(client, algorithm)
    task_id = first_task(factory)
    url = f"/beheer/algoritme/{algorithm}/maatregelen/{task_id}"
    # a bad link: both problems at their fields, what was typed kept
    bad = post(client, f"{url}/bewijs/link", {"url": "ftp://intern/plan", "description": ""}, url)
    assert bad.status_code == 422
    assert 'id="task-link-url-error"' in bad.text and 'id="task-link-description-error"' in bad.text
    assert 'value="ftp://intern/plan"' in bad.text
    link = post(
        client, f"{url}/bewijs/link", {"url": "https://docs.example.nl/plan", "description": "Plan"}, url
    )
    assert link.status_code == 303
    # a file: none chosen, too large, then a good one that downloads unchanged
    token = csrf_of(client.get(url).text)
    none = client.post(f"{url}/bewijs/bestand", data={"description": "x", "csrf_token": token})
    assert none.status_code == 422 and 'id="task-file-content-error"' in none.text
    big = client.post(
        f"{url}/bewijs/bestand",
        data={"description": "Te groot", "csrf_token": token},
        files={"file": ("groot.pdf", b"x" * (MAX_FILE_BYTES + 1), "application/pdf")},
    )
    assert big.status_code == 413 and 'id="task-file-content-error"' in big.text
    assert 'value="Te groot"' in big.text
    good = client.post(
        f"{url}/bewijs/bestand",
        data={"description": "Verslag", "csrf_token": token},
        files={"file": ("verslag.pdf", b"%PDF-1.4 verslag", "application/pdf")},
        follow_redirects=False,
    )
    assert good.status_code == 303
    page = client.get(url)
    evidence_list = page.text.split('id="task-evidence"', 1)[1].split("</ul>", 1)[0]
    assert "https://docs.example.nl/plan" in evidence_list and "verslag.pdf" in evidence_list
    assert count(factory, FrameworkTaskEvidence) == 2
    download = re.search(rf'href="({re.escape(url)}/bewijs/\d+)"', evidence_list)
    assert download
    got = client.get(download.group(1))
    assert got.status_code == 200 and got.content == b"%PDF-1.4 verslag"
    assert got.headers["content-disposition"].startswith("attachment")


def test_a_viewer_reads_a_task_but_cannot_change_it_and_other_organisations_get_nothing(
    client: TestClient, factory: Factory, algorithm: str
) -> None:
    login(client, person(factory, "eva", Role.EDITOR))
    stored_profile(client, algorithm)
    task_id = first_task(factory)
    url = f"/beheer/algoritme/{algorithm}/maatregelen/{task_id}"
    client.cookies.clear()
    login(client, person(factory, "vera", Role.VIEWER))
    page = client.get(url)
    assert (
        page.status_code == 200
        and 'id="task-form"' not in page.text
        and 'id="task-link-form"' not in page.text
    )
    assert 'id="tasks-refresh"' not in client.get(f"/beheer/algoritme/{algorithm}/maatregelen").text
    token = csrf_of(page.text)
    assert client.post(url, data={"status": "done", "csrf_token": token}).status_code == 403
    link = {"url": "https://example.nl", "description": "x", "csrf_token": token}
    assert client.post(f"{url}/bewijs/link", data=link).status_code == 403
    client.cookies.clear()
    login(client, person(factory, "otto", Role.ADMIN, "gm0002"))
    assert client.get(url).status_code == 404
    token = csrf_of(client.get("/beheer").text)
    assert client.post(url, data={"status": "done", "csrf_token": token}).status_code == 404
    with transaction(factory) as session:
        task = session.get(FrameworkTask, task_id)
        assert task is not None and task.status == "todo"
    assert count(factory, FrameworkTaskEvidence) == 0
