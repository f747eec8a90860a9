"""Bias report pages on the real app: the public list and report, the algorithm's page, the search facet,
and the management section where reports are attached, published and withdrawn through forms."""

import html
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.models import BiasReport
from algoreg.db.session import transaction
from algoreg.register import accounts, algorithms, bias_reports
from algoreg.register.bias_reports import MAX_DOCUMENT_BYTES, ReportDetails
from algoreg.register.roles import SYSTEM, Role
from algoreg.register.workflow import Action
from tests.helpers import csrf_of
from tests.register.test_bias_reports import bias_document, document_bytes
from tests.samples import sample_record
from tests.web.test_manage_pages import PASSWORD, login

Factory = sessionmaker[Session]
PUBLISH = (Action.SUBMIT, Action.APPROVE, Action.PUBLISH)


@pytest.fixture
def register(factory: Factory, make_organisation: Callable[..., str]) -> str:
    """gm0001 with a published algorithm, and gm0002."""
    make_organisation("gm0001", "Gemeente Een")
    make_organisation("gm0002", "Gemeente Twee")
    with transaction(factory) as session:
        record = sample_record(organization="Gemeente Een", name="Controle bijstand")
        public_id = algorithms.create_algorithm(session, SYSTEM, "gm0001", record).public_id
        algorithms.perform_steps(session, SYSTEM, public_id, PUBLISH)
    return public_id


def person(factory: Factory, username: str, role: Role, organisation: str = "gm0001") -> str:
    """Create a user with one role (passwords are slow to hash, so each test makes only whom it needs)."""
    with transaction(factory) as session:
        accounts.create_user(session, SYSTEM, username, f"De {username}", PASSWORD)
        accounts.grant_role(session, SYSTEM, username, organisation, role)
    return username


def report(
    factory: Factory,
    public_id: str,
    title: str,
    publish: bool = True,
    disparity: bool = True,
    period: str = "2025",
) -> int:
    with transaction(factory) as session:
        details = ReportDetails(title=title, period=period, description="<p>Waarom deze toets.</p>")
        report_id = bias_reports.attach_report(
            session, SYSTEM, public_id, details, document_bytes(disparity)
        ).id
        if publish:
            bias_reports.publish_report(session, SYSTEM, public_id, report_id)
    return report_id


def count_reports(factory: Factory) -> int:
    with transaction(factory) as session:
        return session.scalar(select(func.count()).select_from(BiasReport)) or 0


def alert_of(page: str) -> str:
    """The page's alert as markup (a refusal), so that a part marked with its language shows."""
    found = re.search(r'id="alert-message">\s*<p class="utrecht-paragraph">(.*?)</p>', page, re.DOTALL)
    assert found, "the page shows no alert"
    return found[1]


def text_of(response: Response) -> str:
    """The page's visible text, roughly: tags removed, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


# --- public pages -------------------------------------------------------------------------------------


def test_the_public_list_shows_published_reports_with_filters_in_dutch_and_english(
    client: TestClient, factory: Factory, register: str
) -> None:
    report(factory, register, "Wijk bij bijstand")
    report(factory, register, "Leeftijd bij bijstand", disparity=False)
    report(factory, register, "Geheim concept", publish=False)
    # the list, in Dutch by default
    page = client.get("/biastoetsen")
    assert page.status_code == 200
    shown = text_of(page)
    assert "Biastoetsen" in shown and "2 biastoetsen gevonden" in shown
    assert "Wijk bij bijstand" in shown and "Leeftijd bij bijstand" in shown
    assert "Geheim concept" not in shown
    assert 'aria-current="page">Biastoetsen</a>' in page.text  # the menu marks where we are
    # filtered on a verdict, an organisation and words
    assert "1 biastoets gevonden" in text_of(client.get("/biastoetsen?verdict=disparity_found"))
    assert "Geen biastoetsen gevonden" in text_of(client.get("/biastoetsen?organisation=gm0002"))
    only = text_of(
        client.get("/biastoetsen?q=leeftijd&verdict=no_disparity_beyond_tolerance&verdict=nonsense")
    )
    assert "1 biastoets gevonden" in only and "Leeftijd bij bijstand" in only
    # odd input is ignored rather than an error
    assert client.get("/biastoetsen?page=abc&q=%27%22%3Cscript%3E").status_code == 200
    # and in English
    english = client.get("/biastoetsen?lang=en")
    assert '<html lang="en"' in english.text and "2 bias tests found" in text_of(english)


def test_the_list_has_pages(client: TestClient, factory: Factory, register: str) -> None:
    for number in range(21):
        report(factory, register, f"Toets {number:02d}")
    first = client.get("/biastoetsen")
    assert "21 biastoetsen gevonden; 1 tot en met 20 getoond" in text_of(first)
    second = client.get("/biastoetsen?page=2")
    assert "21 tot en met 21 getoond" in text_of(second) and "Toets 00" in text_of(second)
    assert "Toets 00" not in text_of(first)
    assert 'rel="prev"' in second.text and 'rel="next"' in first.text


def test_a_published_report_has_its_own_page_and_json(
    client: TestClient, factory: Factory, register: str
) -> None:
    report_id = report(factory, register, "Wijk bij bijstand", period="Eerste helft 2025")
    url = f"/algoritme/{register}/biastoets/{report_id}"
    page = client.get(url)
    assert page.status_code == 200
    shown = text_of(page)
    assert "Biastoets: Wijk bij bijstand" in shown and "Eerste helft 2025" in shown
    assert "Controle bijstand" in shown and "Gemeente Een" in shown and "Waarom deze toets." in shown
    # the analysis is drawn by the report renderer, with its findings for the groups
    assert "Zuid" in shown and "West" in shown
    assert f'href="{url}.json"' in page.text
    # the JSON is the document as attached, with its digest as ETag
    document = client.get(f"{url}.json")
    assert document.status_code == 200 and document.headers["content-type"] == "application/json"
    assert document.content == document_bytes()
    assert document.headers["etag"] == f'"{bias_document()["integrity"]["digest"]}"'
    # in English too
    english = client.get(f"{url}?lang=en")
    assert english.status_code == 200 and "Bias test: Wijk bij bijstand" in text_of(english)


def test_drafts_withdrawn_reports_and_wrong_addresses_are_not_found(
    client: TestClient, factory: Factory, register: str
) -> None:
    draft = report(factory, register, "Concept", publish=False)
    withdrawn = report(factory, register, "Ingetrokken")
    with transaction(factory) as session:
        bias_reports.withdraw_report(session, SYSTEM, register, withdrawn)
    with transaction(factory) as session:
        other = algorithms.create_algorithm(
            session, SYSTEM, "gm0001", sample_record(organization="Gemeente Een")
        )
        algorithms.perform_steps(session, SYSTEM, other.public_id, PUBLISH)
    published = report(factory, register, "Openbaar")
    for url in (
        f"/algoritme/{register}/biastoets/{draft}",
        f"/algoritme/{register}/biastoets/{draft}.json",
        f"/algoritme/{register}/biastoets/{withdrawn}",
        f"/algoritme/{other.public_id}/biastoets/{published}",
        f"/algoritme/{register}/biastoets/999",
        f"/algoritme/{register}/biastoets/abc",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "text/html" in response.headers["content-type"], url


def test_the_algorithm_page_lists_its_published_reports(
    client: TestClient, factory: Factory, register: str
) -> None:
    assert 'id="bias-tests"' not in client.get(f"/algoritme/{register}").text
    published = report(factory, register, "Wijk bij bijstand")
    report(factory, register, "Concept", publish=False)
    page = client.get(f"/algoritme/{register}")
    section = page.text.split('id="bias-tests"', 1)[1].split("</section>", 1)[0]
    assert f'href="/algoritme/{register}/biastoets/{published}"' in section
    assert "Wijk bij bijstand" in section and "Concept" not in section


def test_the_search_facet_lists_a_bias_test_while_a_report_is_published(
    client: TestClient, factory: Factory, register: str
) -> None:
    assert 'value="Biastoets"' not in client.get("/").text
    report_id = report(factory, register, "Wijk bij bijstand")
    dutch = client.get("/?assessment_title=Biastoets")
    assert 'name="assessment_title" value="Biastoets" checked' in dutch.text
    assert "1 algoritme gevonden" in text_of(dutch)
    english = client.get("/?lang=en")
    assert re.search(r'value="Biastoets"\s*>\s*<label[^>]*><span>Bias test</span>', english.text)
    with transaction(factory) as session:
        bias_reports.withdraw_report(session, SYSTEM, register, report_id)
    assert 'value="Biastoets"' not in client.get("/").text


# --- management -----------------------------------------------------------------------------------------


def upload(
    client: TestClient, public_id: str, content: bytes | None, page: str | None = None, **fields: str
) -> Response:
    """Send the attach form as a browser does, with the CSRF token of the management page."""
    token = csrf_of(client.get(page or f"/beheer/algoritme/{public_id}").text)
    data = {"title": "Wijk bij bijstand", "period": "2025", "description": "", **fields, "csrf_token": token}
    files = {"document": ("biastoets.json", content, "application/json")} if content is not None else None
    return client.post(
        f"/beheer/algoritme/{public_id}/biastoetsen", data=data, files=files, follow_redirects=False
    )


def post(client: TestClient, path: str, page: str, data: dict[str, Any] | None = None) -> Response:
    token = csrf_of(client.get(page).text)
    return client.post(path, data={**(data or {}), "csrf_token": token}, follow_redirects=False)


def test_an_editor_attaches_and_a_publisher_publishes_through_the_management_pages(
    client: TestClient, factory: Factory, register: str
) -> None:
    # given the editor on the algorithm's management page
    login(client, person(factory, "editor", Role.EDITOR))
    manage = client.get(f"/beheer/algoritme/{register}")
    assert 'id="report-attach-form"' in manage.text and "Nog geen biastoets" not in manage.text
    assert "Aan dit algoritme is nog geen biastoets toegevoegd." in text_of(manage)
    # when she uploads a document
    response = upload(client, register, document_bytes())
    # then it is a draft and she lands on its page
    assert response.status_code == 303
    report_url = response.headers["location"].split("?")[0]
    report_id = int(report_url.rsplit("/", 1)[1])
    page = client.get(response.headers["location"])
    assert "De biastoets is als concept toegevoegd." in text_of(page)
    assert "Concept" in text_of(page) and 'id="report-publish-' not in page.text  # editors do not publish
    assert 'id="report-edit-form"' in page.text
    listing = client.get(f"/beheer/algoritme/{register}")
    assert f'id="report-link-{report_id}"' in listing.text and "1 van 2 vergelijkingen" in text_of(listing)
    # and the publisher publishes it from the list
    client.cookies.clear()
    login(client, person(factory, "publisher", Role.PUBLISHER))
    listing = client.get(f"/beheer/algoritme/{register}")
    assert f'id="report-publish-{report_id}"' in listing.text
    published = post(client, f"{report_url}/publiceren", f"/beheer/algoritme/{register}")
    assert published.status_code == 303
    page = client.get(published.headers["location"])
    assert "De biastoets is gepubliceerd" in text_of(page) and 'id="report-public-link"' in page.text
    assert client.get(f"/algoritme/{register}/biastoets/{report_id}").status_code == 200
    # publishing again is a conflict, shown on the page
    again = post(client, f"{report_url}/publiceren", report_url)
    assert again.status_code == 409 and "Deze biastoets is al gepubliceerd." in text_of(again)
    # withdrawn, it is gone for the public
    withdrawn = post(client, f"{report_url}/intrekken", report_url)
    assert withdrawn.status_code == 303
    assert client.get(f"/algoritme/{register}/biastoets/{report_id}").status_code == 404
    # and every step is in the audit log, in words
    audit = text_of(client.get(f"/beheer/algoritme/{register}/audit"))
    assert (
        "Biastoets toegevoegd" in audit
        and "Biastoets gepubliceerd" in audit
        and "Biastoets ingetrokken" in audit
    )
    # withdrawing again is refused in the reader's language, in Dutch and in English
    twice = post(client, f"{report_url}/intrekken", report_url)
    assert twice.status_code == 409
    assert alert_of(twice.text) == "Deze biastoets is niet gepubliceerd, dus er valt niets in te trekken."
    english = post(client, f"{report_url}/intrekken?lang=en", report_url)
    assert alert_of(english.text) == "This bias report is not published, so there is nothing to withdraw."


REFUSED_UPLOADS: list[tuple[str, bytes | None, dict[str, str], int, str]] = [
    ("broken JSON", b'{"format": "algoreg-bias/1"', {}, 422, "Het bestand is geen geldige JSON"),
    (
        "unknown mode",
        json.dumps({**bias_document(), "mode": "rows"}).encode(),
        {},
        422,
        "De soort analyse (mode) 'rows' is onbekend",
    ),
    (
        "tampered",
        document_bytes().replace(b'"disparity_found": 1', b'"disparity_found": 0', 1),
        {},
        422,
        "integriteitscontrole klopt niet met de inhoud",
    ),
    ("too large", document_bytes() + b" " * MAX_DOCUMENT_BYTES, {}, 413, "hoogstens 2 MB wordt geaccepteerd"),
    ("no file", None, {}, 422, "Kies het JSON-bestand van de biasanalyse."),
    ("no title or period", document_bytes(), {"title": "", "period": ""}, 422, "Er zijn 2 problemen"),
]


def test_a_refused_upload_shows_the_problem_with_the_form_and_stores_nothing(
    client: TestClient, factory: Factory, register: str
) -> None:
    login(client, person(factory, "editor", Role.EDITOR))
    for case, content, fields, status, message in REFUSED_UPLOADS:
        response = upload(client, register, content, **fields)
        assert response.status_code == status, case
        shown = text_of(response)
        assert message in shown, (case, shown)
        assert 'id="report-error-summary"' in response.text and 'aria-invalid="true"' in response.text, case
        assert count_reports(factory) == 0, case


def test_who_may_do_what_on_the_management_side(client: TestClient, factory: Factory, register: str) -> None:
    draft = report(factory, register, "Concept", publish=False)
    report_url = f"/beheer/algoritme/{register}/biastoets/{draft}"
    # without a CSRF token nothing is stored
    login(client, person(factory, "editor", Role.EDITOR))
    no_token = client.post(
        f"/beheer/algoritme/{register}/biastoetsen",
        data={"title": "x", "period": "y"},
        files={"document": ("b.json", document_bytes(), "application/json")},
    )
    assert no_token.status_code == 403
    # a viewer reads the draft and its JSON but sees no forms, and may not attach or publish
    client.cookies.clear()
    login(client, person(factory, "viewer", Role.VIEWER))
    page = client.get(report_url)
    assert page.status_code == 200 and "Concept" in text_of(page)
    assert 'id="report-edit-form"' not in page.text and 'id="report-publish-' not in page.text
    assert client.get(f"{report_url}.json").content == document_bytes()
    manage = client.get(f"/beheer/algoritme/{register}")
    assert 'id="report-attach-form"' not in manage.text and f'id="report-link-{draft}"' in manage.text
    assert upload(client, register, document_bytes()).status_code == 403
    assert post(client, f"{report_url}/publiceren", report_url).status_code == 403
    # an editor of another organisation does not find it at all
    client.cookies.clear()
    login(client, person(factory, "elders", Role.EDITOR, "gm0002"))
    assert client.get(report_url).status_code == 404
    assert client.get(f"{report_url}.json").status_code == 404
    assert count_reports(factory) == 1


def test_an_editor_edits_the_details_and_problems_are_shown_with_the_form(
    client: TestClient, factory: Factory, register: str
) -> None:
    draft = report(factory, register, "Concept", publish=False)
    report_url = f"/beheer/algoritme/{register}/biastoets/{draft}"
    login(client, person(factory, "editor", Role.EDITOR))
    saved = post(
        client, report_url, report_url, {"title": "Beter", "period": "Heel 2025", "description": "<p>Ja</p>"}
    )
    assert saved.status_code == 303
    page = text_of(client.get(saved.headers["location"]))
    assert (
        "Uw wijzigingen aan de biastoets zijn opgeslagen." in page and "Beter" in page and "Heel 2025" in page
    )
    refused = post(client, report_url, report_url, {"title": "", "period": "Heel 2025"})
    assert refused.status_code == 422 and "Dit veld is verplicht; vul het in." in text_of(refused)
    with transaction(factory) as session:
        bias_reports.publish_report(session, SYSTEM, register, draft)
    conflict = post(
        client, report_url, f"/beheer/algoritme/{register}", {"title": "Nog beter", "period": "2025"}
    )
    assert conflict.status_code == 409
    assert "Een gepubliceerde biastoets kan niet worden bewerkt" in text_of(conflict)
    english = post(client, f"{report_url}?lang=en", report_url, {"title": "Nog beter", "period": "2025"})
    assert english.status_code == 409
    assert alert_of(english.text) == (
        "A published bias report cannot be edited; withdraw it first, then edit it."
    )
