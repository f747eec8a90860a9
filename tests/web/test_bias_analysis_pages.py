"""The bias analysis tool in the management pages: upload, read the report, download, attach as a draft."""

import html
import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from algoreg.bias.document import from_document
from algoreg.register.roles import Role
from tests.helpers import csrf_of
from tests.web.test_bias_analysis_api import csv_bytes, decisions_frame
from tests.web.test_bias_report_pages import Factory, count_reports, person, register, text_of
from tests.web.test_manage_pages import login

__all__ = ["register"]  # the fixture, used by name

FORM = {
    "mode": "decisions",
    "protected": "wijk",
    "outcome": "gecontroleerd",
    "min_group_size": "10",
    "tolerance_scale": "ratio",
    "tolerance_lower": "0,8",  # a Dutch decimal comma is read too
    "tolerance_upper": "1.25",
    "q": "0.05",
    "origin": "1",
}


def run(
    client: TestClient,
    path: str,
    values: dict[str, str] | None = None,
    content: bytes | None = None,
    filename: str = "besluiten.csv",
) -> Response:
    page = client.get(path)
    assert page.status_code == 200, page.text
    files = {"data": (filename, content if content is not None else csv_bytes(decisions_frame()), "text/csv")}
    return client.post(
        path,
        data={**FORM, **(values or {}), "csrf_token": csrf_of(page.text)},
        files=files if filename else {},
    )


def hidden_document(page: Response) -> str:
    match = re.search(r'name="document" value="([^"]+)"', page.text)
    assert match, "the result page carries the document"
    return html.unescape(match.group(1))


def test_anyone_signed_in_analyses_data_and_downloads_the_result(
    client: TestClient, factory: Factory, register: str
) -> None:
    # given a viewer on the standalone tool, when she uploads decision data
    login(client, person(factory, "kijker", Role.VIEWER))
    dashboard = client.get("/beheer")
    assert 'href="/beheer/biastoets/analyseren"' in dashboard.text
    result = run(client, "/beheer/biastoets/analyseren")

    # then she reads the report with the rates per district, and nothing was stored
    assert result.status_code == 200, result.text
    text = text_of(result)
    assert "Resultaat van de biasanalyse" in text and "Er is niets opgeslagen" in text
    assert "Noord" in text and "Zuid" in text and "geheim" not in result.text
    assert 'id="analysis-attach-form"' not in result.text  # no algorithm to attach to here
    assert count_reports(factory) == 0
    document = hidden_document(result)
    assert from_document(json.loads(document)).summary.disparity_found >= 1

    # and downloads it as JSON, HTML and PDF
    token = csrf_of(result.text)
    downloads: dict[str, Any] = {}
    for chosen in ("json", "html", "pdf"):
        downloads[chosen] = client.post(
            "/beheer/biastoets/document", data={"document": document, "format": chosen, "csrf_token": token}
        )
        assert downloads[chosen].status_code == 200, downloads[chosen].text
        assert "attachment" in downloads[chosen].headers["content-disposition"]
    assert downloads["json"].json() == json.loads(document)
    assert "Noord" in downloads["html"].text
    assert downloads["pdf"].content.startswith(b"%PDF")


def test_an_editor_analyses_for_an_algorithm_and_attaches_the_result(
    client: TestClient, factory: Factory, register: str
) -> None:
    # given the editor on the algorithm's management page
    login(client, person(factory, "redacteur", Role.EDITOR))
    manage = client.get(f"/beheer/algoritme/{register}")
    assert f'href="/beheer/algoritme/{register}/biastoets/analyseren"' in manage.text
    # when she analyses data for it
    result = run(client, f"/beheer/algoritme/{register}/biastoets/analyseren")
    assert result.status_code == 200, result.text
    assert 'id="analysis-attach-form"' in result.text
    # and attaches it, first forgetting the title
    form = {"document": hidden_document(result), "period": "2025", "csrf_token": csrf_of(result.text)}
    attach = f"/beheer/algoritme/{register}/biastoets/analyseren/toevoegen"
    refused = client.post(attach, data={**form, "title": ""})
    assert refused.status_code == 422
    assert "Dit veld is verplicht" in text_of(refused) and "Noord" in text_of(refused)  # the report stays
    assert count_reports(factory) == 0
    attached = client.post(attach, data={**form, "title": "Wijktoets"}, follow_redirects=False)

    # then a draft is stored and she lands on its page
    assert attached.status_code == 303, attached.text
    page = client.get(attached.headers["location"])
    assert "De biastoets is als concept toegevoegd." in text_of(page) and "Wijktoets" in text_of(page)
    assert count_reports(factory) == 1


def test_a_changed_document_is_not_attached(client: TestClient, factory: Factory, register: str) -> None:
    login(client, person(factory, "redacteur", Role.EDITOR))
    result = run(client, f"/beheer/algoritme/{register}/biastoets/analyseren")
    document = json.loads(hidden_document(result))
    document["body"]["groupings"][0]["groups"][0]["counts"]["n"] += 1
    response = client.post(
        f"/beheer/algoritme/{register}/biastoets/analyseren/toevoegen",
        data={
            "document": json.dumps(document),
            "title": "Gewijzigd",
            "period": "2025",
            "csrf_token": csrf_of(result.text),
        },
    )
    assert response.status_code == 422
    assert count_reports(factory) == 0


@pytest.mark.parametrize(
    ("values", "filename", "field", "words"),
    [
        ({}, "", "data", "Kies het bestand met de gegevens"),
        ({}, "besluiten.txt", "data", "'.txt'"),
        ({"outcome": "besluit"}, "besluiten.csv", "outcome", "'besluit'"),
        ({"protected": ""}, "besluiten.csv", "protected", ""),
        ({"tolerance_lower": "veel"}, "besluiten.csv", "tolerance_lower", "veel"),
        ({"reference": "leeftijd=40"}, "besluiten.csv", "reference", "leeftijd"),
        ({"mode": "monitoring"}, "besluiten.csv", "period_column", ""),
        ({"mode": "aggregate", "group": "groep"}, "besluiten.csv", "data", "groep"),
    ],
)
def test_every_problem_is_shown_at_its_field_with_what_was_typed(
    client: TestClient,
    factory: Factory,
    register: str,
    values: dict[str, str],
    filename: str,
    field: str,
    words: str,
) -> None:
    login(client, person(factory, "kijker", Role.VIEWER))
    response = run(client, "/beheer/biastoets/analyseren", values, filename=filename)
    assert response.status_code == 422, response.text
    assert 'id="analysis-error-summary"' in response.text
    assert f'href="#analysis-{field}"' in response.text
    error = re.search(rf'id="analysis-{field}-error">(.*?)</div>', response.text, re.DOTALL)
    assert error, f"an error under {field}"
    assert words in html.unescape(error.group(1))
    for name, typed in values.items():
        if name not in ("mode",) and typed:
            assert f'value="{typed}"' in response.text or f">{typed}</textarea>" in response.text


@pytest.mark.parametrize(("who", "organisation"), [("viewer", "gm0001"), ("editor", "gm0002")])
def test_only_editors_of_the_organisation_use_the_tool_on_an_algorithm(
    client: TestClient, factory: Factory, register: str, who: str, organisation: str
) -> None:
    role = Role.VIEWER if who == "viewer" else Role.EDITOR
    login(client, person(factory, who, role, organisation))
    assert client.get(f"/beheer/algoritme/{register}/biastoets/analyseren").status_code in (403, 404)


def test_the_tool_needs_a_login_and_the_csrf_token(
    client: TestClient, factory: Factory, register: str
) -> None:
    anonymous = client.get("/beheer/biastoets/analyseren", follow_redirects=False)
    assert anonymous.status_code in (303, 401)
    login(client, person(factory, "kijker", Role.VIEWER))
    files = {"data": ("besluiten.csv", csv_bytes(decisions_frame()), "text/csv")}
    assert client.post("/beheer/biastoets/analyseren", data=FORM, files=files).status_code == 403
