"""The non-discrimination checklist page on the real app: the phase × principle table, an item answered
with a bias report linked, problems shown at their field with what was typed kept (nothing saved),
Dutch and English, the link from the algorithm's page, and refusals for viewers and other
organisations."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.models import ChecklistAnswerBiasReport, ChecklistAnswerEvent, ChecklistAnswerRecord
from algoreg.db.session import transaction
from algoreg.instruments.framework.checklist_store import non_discrimination_checklist
from algoreg.register.roles import Role
from tests.helpers import csrf_of
from tests.instruments.framework_tasks_support import ORGANISATIONS, make_algorithm
from tests.web.test_bias_report_pages import person, report, text_of
from tests.web.test_manage_pages import login

Factory = sessionmaker[Session]
REQUIRED = "ndd-data-evaluation"
PLAIN = "ndd-problem-diversity"


@pytest.fixture
def algorithm(factory: Factory, make_organisation: Callable[..., str]) -> str:
    """A published algorithm of gm0001 (gm0002 exists too)."""
    for code, name in ORGANISATIONS.items():
        make_organisation(code, name)
    return make_algorithm(factory, publish=True)


def url(public_id: str) -> str:
    return f"/beheer/algoritme/{public_id}/non-discriminatie"


def post(client: TestClient, public_id: str, item_id: str, data: dict[str, Any]) -> Response:
    token = csrf_of(client.get(url(public_id)).text)
    return client.post(
        f"{url(public_id)}/{item_id}", data={**data, "csrf_token": token}, follow_redirects=False
    )


def count(factory: Factory, model: type) -> int:
    with transaction(factory) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def cell(page: Response, phase: str, principle: str) -> str:
    match = re.search(rf'data-phase="{phase}" data-principle="{principle}">([^<]*)<', page.text)
    assert match, f"a cell for {phase} × {principle}"
    return match.group(1).strip()


def test_the_page_shows_a_table_of_phases_by_principles_and_every_item_in_dutch_and_english(
    client: TestClient, factory: Factory, algorithm: str
) -> None:
    login(client, person(factory, "vera", Role.VIEWER))
    checklist = non_discrimination_checklist()
    page = client.get(url(algorithm))
    assert page.status_code == 200
    table = page.text.split('id="checklist-table"', 1)[1].split("</table>", 1)[0]
    assert "<caption" in table and table.count('scope="row"') == len(checklist.phases)
    assert table.count('scope="col"') == len(checklist.principles) + 1
    assert "Probleemanalyse" in table and "Diversiteit" in table
    assert cell(page, "probleemanalyse", "diversity") == "0 van 1"
    item = checklist.item(PLAIN)
    assert item is not None and item.text["nl"] in text_of(page)
    assert 'id="item-ndd-problem-diversity-form"' not in page.text  # a viewer reads only
    english = client.get(url(algorithm), params={"lang": "en"})
    assert item.text["en"] in text_of(english) and "Problem analysis" in text_of(english)
    assert cell(english, "probleemanalyse", "diversity") == "0 of 1"


def test_the_algorithm_page_links_to_the_checklist(
    client: TestClient, factory: Factory, algorithm: str
) -> None:
    login(client, person(factory, "eva", Role.EDITOR))
    page = client.get(f"/beheer/algoritme/{algorithm}")
    assert f'href="{url(algorithm)}"' in page.text and 'id="checklist-link"' in page.text


def test_an_editor_answers_with_a_bias_report_and_the_cell_counts_it(
    client: TestClient, factory: Factory, algorithm: str
) -> None:
    login(client, person(factory, "eva", Role.EDITOR))
    report_id = report(factory, algorithm, "Toets op wijk", publish=False)
    page = client.get(url(algorithm))
    assert f'id="item-{REQUIRED}-report-{report_id}"' in page.text
    # met without the report: saved, but not settled
    saved = post(client, algorithm, REQUIRED, {"state": "met", "note": "Gemeten"})
    assert saved.status_code == 303
    assert saved.headers["location"].endswith(f"/non-discriminatie?gedaan=opgeslagen#item-{REQUIRED}")
    page = client.get(saved.headers["location"])
    assert "Het antwoord is opgeslagen." in text_of(page)
    assert f'id="item-{REQUIRED}-evidence-missing"' in page.text
    assert cell(page, "dataverkenning-en-datapreparatie", "evaluation") == "0 van 1"
    # with the report linked it counts
    linked = post(
        client, algorithm, REQUIRED, {"state": "met", "note": "Gemeten", "bias_report_ids": str(report_id)}
    )
    assert linked.status_code == 303
    page = client.get(url(algorithm))
    assert f'id="item-{REQUIRED}-evidence-missing"' not in page.text
    assert cell(page, "dataverkenning-en-datapreparatie", "evaluation") == "1 van 1"
    shown = page.text.split(f'id="item-{REQUIRED}-reports-now"', 1)[1].split("</dd>", 1)[0]
    assert "Toets op wijk" in shown
    assert re.search(rf'id="item-{REQUIRED}-report-{report_id}"[^>]*checked', page.text)
    history = page.text.split(f'id="item-{REQUIRED}-history"', 1)[1].split("</details>", 1)[0]
    assert "Gekoppelde biastoetsen" in history and "Voldaan" in history
    assert count(factory, ChecklistAnswerBiasReport) == 1 and count(factory, ChecklistAnswerEvent) == 2


def test_problems_are_shown_at_their_field_with_what_was_typed_kept_and_nothing_saved(
    client: TestClient, factory: Factory, algorithm: str, make_organisation: Callable[..., str]
) -> None:
    login(client, person(factory, "eva", Role.EDITOR))
    own = report(factory, algorithm, "Eigen toets", publish=False)
    elsewhere = make_algorithm(factory)
    foreign = report(factory, elsewhere, "Andere toets", publish=False)
    # not applicable without a note, and a report of another algorithm
    refused = post(
        client,
        algorithm,
        PLAIN,
        {"state": "not_applicable", "note": "  ", "bias_report_ids": [str(own), str(foreign)]},
    )
    assert refused.status_code == 422
    assert f'id="item-{PLAIN}-note-error"' in refused.text and f'href="#item-{PLAIN}-note"' in refused.text
    assert f'id="item-{PLAIN}-bias_report_ids-error"' in refused.text
    shown = text_of(refused)
    assert shown.startswith("Fout:")
    assert "bij de status Niet van toepassing is een toelichting verplicht" in shown
    assert "Kies uit de eigen biastoetsen van dit algoritme." in shown
    form = refused.text.split(f'id="item-{PLAIN}-form"', 1)[1].split("</form>", 1)[0]
    assert re.search(r'value="not_applicable" selected', form)
    assert re.search(rf'id="item-{PLAIN}-report-{own}"[^>]*checked', form)
    assert 'aria-invalid="true"' in form
    # a made-up report id and an unknown state are refused too
    made_up = post(client, algorithm, PLAIN, {"state": "klaar", "bias_report_ids": "x1"})
    assert made_up.status_code == 422 and f'id="item-{PLAIN}-state-error"' in made_up.text
    assert "Kies een van de statussen." in text_of(made_up)
    # an unknown item does not exist
    assert post(client, algorithm, "ndd-bestaat-niet", {"state": "met"}).status_code == 404
    assert count(factory, ChecklistAnswerRecord) == 0 and count(factory, ChecklistAnswerEvent) == 0


def test_viewers_cannot_answer_and_other_organisations_see_nothing(
    client: TestClient, factory: Factory, algorithm: str
) -> None:
    login(client, person(factory, "vera", Role.VIEWER))
    assert post(client, algorithm, PLAIN, {"state": "met"}).status_code == 403
    client.cookies.clear()
    login(client, person(factory, "otto", Role.ADMIN, "gm0002"))
    assert client.get(url(algorithm)).status_code == 404
    token = csrf_of(client.get("/beheer").text)
    answered = client.post(f"{url(algorithm)}/{PLAIN}", data={"state": "met", "csrf_token": token})
    assert answered.status_code == 404
    assert count(factory, ChecklistAnswerRecord) == 0
