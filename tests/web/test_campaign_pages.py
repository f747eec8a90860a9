"""Campaign pages on the real app: a publisher starts a campaign, an asked organisation answers it
through forms, the centre follows the progress, decides on support and exports it; every problem is
shown at its field, and nobody sees or changes what is not theirs."""

import csv
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from openpyxl import load_workbook  # type: ignore[import-untyped, unused-ignore]
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.models import AuditEvent, Campaign, CampaignAlgorithm, CampaignTarget, SupportRequest
from algoreg.db.session import transaction
from algoreg.inventory.campaigns import campaigns
from algoreg.register import accounts, algorithms
from algoreg.register.roles import SYSTEM, Role
from tests.helpers import csrf_of
from tests.samples import sample_record
from tests.web.test_bias_report_pages import alert_of, text_of
from tests.web.test_manage_pages import PASSWORD, login

Factory = sessionmaker[Session]

NEW = {
    "organisation": "bzk",
    "title": "Uitvraag mensenrechtenrisico's",
    "description": "Pas een IAMA toe en publiceer.",
    "contact_name": "Coördinator algoritmes",
    "contact_email": "algoritmes@minbzk.nl",
    "deadline": "2027-03-01",
    "organisations": "gm0001,\ngm0002",
    "extra_action": "",
}


@pytest.fixture
def orgs(make_organisation: Callable[..., str], factory: Factory) -> str:
    """BZK runs; gm0001 (with two algorithms) and gm0002 may be asked. Returns gm0001's first algorithm."""
    make_organisation("bzk", "Ministerie van BZK", "ministerie")
    make_organisation("gm0001", "Gemeente Een")
    make_organisation("gm0002", "Gemeente Twee")
    with transaction(factory) as session:
        first = algorithms.create_algorithm(
            session, SYSTEM, "gm0001", sample_record(organization="Gemeente Een", name="Bijstandscontrole")
        ).public_id
        algorithms.create_algorithm(
            session, SYSTEM, "gm0001", sample_record(organization="Gemeente Een", name="Parkeerboete")
        )
    return first


def person(factory: Factory, username: str, roles: dict[str, Role]) -> str:
    with transaction(factory) as session:
        accounts.create_user(session, SYSTEM, username, f"De {username}", PASSWORD)
        for code, role in roles.items():
            accounts.grant_role(session, SYSTEM, username, code, role)
    return username


def campaign(factory: Factory, open_it: bool = True, extra: str | None = None) -> int:
    """A campaign of BZK asking gm0001 and gm0002, open unless told otherwise."""
    data: dict[str, Any] = {key: NEW[key] for key in ("title", "contact_name", "contact_email", "deadline")}
    if extra:
        data["actions"] = [
            {"key": "iama", "kind": "assessment", "title": "IAMA uitgevoerd", "instrument_keys": ["iama"]},
            {"key": "register", "kind": "register", "title": "Gepubliceerd"},
            {"key": "extra", "kind": "manual", "title": extra},
        ]
    with transaction(factory) as session:
        campaign_id = campaigns.create_campaign(session, SYSTEM, "bzk", data).id
        campaigns.add_targets(session, SYSTEM, campaign_id, ["gm0001", "gm0002"])
        if open_it:
            campaigns.open_campaign(session, SYSTEM, campaign_id)
    return campaign_id


def count(factory: Factory, model: type[Any]) -> int:
    with transaction(factory) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def post(client: TestClient, path: str, page: str, data: dict[str, Any] | None = None) -> Response:
    """Send a form as a browser does, with the CSRF token of the page it is on."""
    token = csrf_of(client.get(page).text)
    response: Response = client.post(path, data={**(data or {}), "csrf_token": token}, follow_redirects=False)
    return response


def value_of(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*value="([^"]*)"', html)
    assert match, element_id
    return match.group(1)


# --- starting a campaign --------------------------------------------------------------------------


def test_a_publisher_starts_a_campaign_with_its_organisations_in_one_step(
    client: TestClient, factory: Factory, orgs: str
) -> None:
    # given a publisher of BZK on the dashboard
    login(client, person(factory, "centrum", {"bzk": Role.PUBLISHER}))
    assert 'id="campaigns-link" href="/beheer/uitvragen"' in client.get("/beheer").text
    listing = client.get("/beheer/uitvragen")
    assert listing.status_code == 200 and 'id="new-campaign"' in listing.text
    assert "Er zijn nog geen uitvragen" in text_of(listing)
    form = client.get("/beheer/uitvragen/nieuw")
    assert '<option value="bzk" selected>Ministerie van BZK</option>' in form.text
    # when she sends the form with an extra action and two organisations
    created = post(
        client, "/beheer/uitvragen/nieuw", "/beheer/uitvragen/nieuw", {**NEW, "extra_action": "DPIA gedaan"}
    )
    # then the draft exists with its organisations and three actions, and she lands on its page
    assert created.status_code == 303
    page = client.get(created.headers["location"])
    shown = text_of(page)
    assert "De uitvraag is als concept aangemaakt." in shown and "Concept" in shown
    assert "IAMA uitgevoerd" in shown and "DPIA gedaan" in shown and "Gemeente Twee" in shown
    assert 'id="campaign-open"' in page.text
    assert count(factory, Campaign) == 1 and count(factory, CampaignTarget) == 2
    # and she opens it
    url = created.headers["location"].split("?")[0]
    opened = post(client, f"{url}/openen", url)
    assert opened.status_code == 303
    assert "De uitvraag is open" in text_of(client.get(opened.headers["location"]))
    listing = client.get("/beheer/uitvragen")
    assert "Ministerie van BZK" in text_of(listing) and 'manage-state--published">Open</span>' in listing.text
    with transaction(factory) as session:
        actions = set(session.scalars(select(AuditEvent.action)))
    assert {"campaign.create", "campaign.add_targets", "campaign.open"} <= actions


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_problems_of_a_new_campaign_are_shown_at_their_fields_and_nothing_is_stored(
    client: TestClient, factory: Factory, orgs: str, lang: str
) -> None:
    login(client, person(factory, "centrum", {"bzk": Role.PUBLISHER}))
    page = f"/beheer/uitvragen/nieuw?lang={lang}"
    # a missing title, a wrong address, no deadline and an unknown organisation: all four at once
    wrong = {
        **NEW,
        "title": "",
        "contact_email": "geen-adres",
        "deadline": "",
        "organisations": "gm0001, gm9999",
    }
    refused = post(client, page, page, wrong)
    assert refused.status_code == 422
    assert 'id="campaign-error-summary"' in refused.text
    for field in ("title", "contact_email", "deadline", "organisations"):
        assert re.search(rf'id="campaign-{field}"[^>]*aria-invalid="true"', refused.text, re.DOTALL), field
        assert f'href="#campaign-{field}"' in refused.text
    assert value_of(refused.text, "campaign-contact_email") == "geen-adres"  # what was typed stays
    assert "gm0001, gm9999</textarea>" in refused.text
    shown = text_of(refused)
    if lang == "nl":
        assert "Er zijn 4 problemen" in shown and "Er is geen organisatie met code 'gm9999'." in shown
        assert "Vul een datum in" in shown
    else:
        assert "There are 4 problems" in shown and "There is no organisation with code 'gm9999'." in shown
    # a campaign without fault but one unknown organisation is not stored either: one transaction
    only_code = post(client, page, page, {**NEW, "organisations": "gm0002\nbzk"})
    assert only_code.status_code == 422
    assert count(factory, Campaign) == 0 and count(factory, CampaignTarget) == 0


# --- answering --------------------------------------------------------------------------------------


def test_an_asked_organisation_answers_through_its_page(
    client: TestClient, factory: Factory, orgs: str
) -> None:
    campaign_id = campaign(factory, extra="DPIA gedaan")
    answer = f"/beheer/uitvraag/{campaign_id}/antwoord/gm0001"
    # given an editor of gm0001, sent from the campaign to her own answer page
    login(client, person(factory, "gemeente", {"gm0001": Role.EDITOR}))
    assert f'id="campaign-link-{campaign_id}"' in client.get("/beheer/uitvragen").text
    sent = client.get(f"/beheer/uitvraag/{campaign_id}", follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"] == answer
    page = client.get(answer)
    assert "Nog geen algoritme valt onder de uitvraag." in text_of(page)
    assert f'<option value="{orgs}">Bijstandscontrole</option>' in page.text
    # when she adds an algorithm without risks, the problem is at the field
    refused = post(client, f"{answer}/algoritmen", answer, {"algorithm": orgs, "human_rights_risks": ""})
    assert refused.status_code == 422
    assert re.search(r'id="answer-add-human_rights_risks"[^>]*aria-invalid="true"', refused.text)
    assert f'<option value="{orgs}" selected>' in refused.text
    # and with its risks it is in scope, with the state of each action read from the records
    added = post(
        client, f"{answer}/algoritmen", answer, {"algorithm": orgs, "human_rights_risks": "Discriminatie"}
    )
    assert added.status_code == 303
    page = client.get(added.headers["location"])
    assert "Het algoritme is aan uw antwoord toegevoegd." in text_of(page)
    assert f'id="item-{orgs}"' in page.text and "Discriminatie</textarea>" in page.text
    assert re.search(r'data-action="iama" data-state="not_started"', page.text)
    assert re.search(r'data-action="register" data-state="in_progress"', page.text)
    # she changes the risks
    changed = post(
        client, f"{answer}/algoritme/{orgs}/risicos", answer, {"human_rights_risks": "Discriminatie; privacy"}
    )
    assert changed.status_code == 303 and "Discriminatie; privacy</textarea>" in client.get(answer).text
    # a manual action reported as not applicable needs a note
    report = f"{answer}/algoritme/{orgs}/actie/extra"
    no_note = post(client, report, answer, {"status": "not_applicable", "note": "", "link": ""})
    assert no_note.status_code == 422
    assert "Zeg in de toelichting waarom de actie niet van toepassing is." in text_of(no_note)
    assert re.search(rf'id="answer-report-{orgs}-extra-note"[^>]*aria-invalid="true"', no_note.text)
    reported = post(client, report, answer, {"status": "done", "note": "", "link": "https://dpia.example/1"})
    assert reported.status_code == 303
    assert 'data-action="extra" data-state="done"' in client.get(answer).text
    # a support request without a reason is refused at the field, keeping the amount typed
    support = {"expertise": "1", "budget_euros": "€ 25.000", "reason": "", "algorithm": orgs}
    no_reason = post(client, f"{answer}/steun", answer, support)
    assert no_reason.status_code == 422
    assert re.search(r'id="answer-support-reason"[^>]*aria-invalid="true"', no_reason.text)
    assert value_of(no_reason.text, "answer-support-budget_euros") == "€ 25.000"
    nothing = post(client, f"{answer}/steun", answer, {"reason": "Hulp"})
    assert (
        nothing.status_code == 422
        and "Vraag om expertise, om budget (met het bedrag), of om beide." in text_of(nothing)
    )
    asked = post(client, f"{answer}/steun", answer, {**support, "reason": "Geen jurist in huis"})
    assert asked.status_code == 303
    with transaction(factory) as session:
        request = session.scalars(select(SupportRequest)).one()
        assert (request.expertise, request.budget_euros, request.state) == (True, 25000, "requested")
    assert "Expertise en een budget van € 25.000" in text_of(client.get(answer))
    # she declares the list complete, and takes that back
    declared = post(client, f"{answer}/verklaring", answer, {"complete": "1"})
    assert declared.status_code == 303
    page = client.get(declared.headers["location"])
    assert (
        "Uw lijst van algoritmes is volledig verklaard." in text_of(page)
        and 'id="answer-undeclare"' in page.text
    )
    assert post(client, f"{answer}/verklaring", answer, {"complete": "0"}).status_code == 303
    assert 'id="answer-declare"' in client.get(answer).text
    # taking an algorithm out of scope
    removed = post(client, f"{answer}/algoritme/{orgs}/verwijderen", answer)
    assert removed.status_code == 303 and count(factory, CampaignAlgorithm) == 0


# --- the centre's view --------------------------------------------------------------------------------


def answered(factory: Factory, campaign_id: int, public_id: str) -> int:
    """gm0001 put an algorithm in scope and asked for a budget; returns the request's id."""
    from algoreg.inventory.campaigns import answers, support

    with transaction(factory) as session:
        answers.add_to_scope(
            session, SYSTEM, campaign_id, "gm0001", {"algorithm": public_id, "human_rights_risks": "Herkomst"}
        )
        answers.declare(session, SYSTEM, campaign_id, "gm0001", True)
        return support.request_support(
            session, SYSTEM, campaign_id, "gm0001", {"budget_euros": 40000, "reason": "Geen budget"}
        ).id


def test_the_centre_follows_progress_decides_on_support_and_exports(
    client: TestClient, factory: Factory, orgs: str
) -> None:
    campaign_id = campaign(factory)
    request_id = answered(factory, campaign_id, orgs)
    url = f"/beheer/uitvraag/{campaign_id}"
    login(client, person(factory, "centrum", {"bzk": Role.PUBLISHER}))
    page = client.get(url)
    assert page.status_code == 200
    shown = text_of(page)
    assert (
        "2 organisaties zijn gevraagd; 1 verklaarde de lijst volledig; 1 algoritme valt onder de uitvraag"
        in shown
    )
    # a chart per action, with its numbers in a table
    assert f'src="/beheer/uitvraag/{campaign_id}/grafiek/iama.svg?lang=nl"' in page.text
    assert 'data-state="not_started" data-count="1"' in page.text.split('id="table-iama"', 1)[1]
    assert 'data-state="in_progress" data-count="1"' in page.text.split('id="table-register"', 1)[1]
    svg = client.get(f"{url}/grafiek/iama.svg?lang=nl")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert "<title>IAMA uitgevoerd: algoritmes per status</title>" in svg.text
    assert client.get(f"{url}/grafiek/bestaat-niet.svg").status_code == 404
    # the organisations' table
    row = page.text.split('id="target-gm0001"', 1)[1].split("</tr>", 1)[0]
    assert 'data-declared="yes"' in row and 'data-action="iama">0<' in row
    # a decision without a reason is refused at the field
    decide = f"{url}/steun/{request_id}"
    no_reason = post(client, decide, url, {"grant": "1", "reason": ""})
    assert no_reason.status_code == 422
    assert re.search(rf'id="campaign-decide-{request_id}-reason"[^>]*aria-invalid="true"', no_reason.text)
    granted = post(client, decide, url, {"grant": "1", "reason": "Uit het fonds"})
    assert granted.status_code == 303
    page = client.get(granted.headers["location"])
    assert "Toegekend" in text_of(page) and "Uit het fonds" in text_of(page)
    again = post(client, decide, url, {"grant": "0", "reason": "Toch niet"})
    assert again.status_code == 409 and "Over dit verzoek om steun is al besloten." in text_of(again)
    # the exports for the letter: a PDF summary, and the table
    summary = client.get(f"{url}/samenvatting.pdf")
    assert summary.status_code == 200 and summary.content.startswith(b"%PDF")
    assert 'href="/beheer/uitvraag/' in page.text and "/samenvatting.pdf" in page.text
    exported = client.get(f"{url}/export.csv")
    assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [(r["organisatie_code"], r["actie"], r["status"]) for r in rows] == [
        ("gm0001", "IAMA uitgevoerd", "not_started"),
        ("gm0001", "Gepubliceerd in een algoritmeregister", "in_progress"),
        ("gm0002", "", ""),
    ]
    sheet = load_workbook(io.BytesIO(client.get(f"{url}/export.xlsx").content)).active
    assert sheet is not None and sheet.max_row == 4
    assert client.get(f"{url}/export.pdf").status_code == 404
    # and closes the campaign, after which answers are refused
    assert post(client, f"{url}/sluiten", url).status_code == 303
    closed_again = post(client, f"{url}/sluiten", url)
    assert closed_again.status_code == 409
    assert alert_of(closed_again.text) == "Alleen een open uitvraag kan worden gesloten."
    client.cookies.clear()
    login(client, person(factory, "gemeente", {"gm0001": Role.EDITOR}))
    answer = f"{url}/antwoord/gm0001"
    assert 'id="answer-add-form"' not in client.get(answer).text
    late = post(client, f"{answer}/verklaring", answer, {"complete": "0"})
    assert late.status_code == 409
    assert alert_of(late.text) == "Antwoorden worden alleen aangenomen zolang de uitvraag open is."
    late_english = post(client, f"{answer}/verklaring?lang=en", answer, {"complete": "0"})
    assert late_english.status_code == 409
    assert alert_of(late_english.text) == "Answers are taken only while the campaign is open."


# --- who may do what ---------------------------------------------------------------------------------


def test_others_find_nothing_and_readers_cannot_change_anything(
    client: TestClient, factory: Factory, orgs: str
) -> None:
    campaign_id = campaign(factory)
    draft_id = campaign(factory, open_it=False)
    answered(factory, campaign_id, orgs)
    url = f"/beheer/uitvraag/{campaign_id}"
    answer = f"{url}/antwoord/gm0001"
    # another asked organisation does not see gm0001's answer, and is sent to its own
    login(client, person(factory, "twee", {"gm0002": Role.EDITOR}))
    assert client.get(answer).status_code == 404
    assert client.get(url, follow_redirects=False).headers["location"] == f"{url}/antwoord/gm0002"
    assert client.get(f"{url}/export.csv").content.decode("utf-8-sig").count("gm0001") == 0
    assert client.get(f"{url}/grafiek/iama.svg").status_code == 404
    # a draft is invisible to the organisations it asks
    assert client.get(f"/beheer/uitvraag/{draft_id}").status_code == 404
    assert client.get(f"/beheer/uitvraag/{draft_id}/antwoord/gm0002").status_code == 404
    # it may not start campaigns
    assert client.get("/beheer/uitvragen/nieuw").status_code == 403
    assert 'id="new-campaign"' not in client.get("/beheer/uitvragen").text
    # a viewer of gm0001 reads the answer, sees no forms and may not post
    client.cookies.clear()
    login(client, person(factory, "lezer", {"gm0001": Role.VIEWER}))
    page = client.get(answer)
    assert page.status_code == 200 and "Herkomst" in text_of(page) and 'id="answer-read-only"' in page.text
    assert 'id="answer-add-form"' not in page.text and 'id="answer-support-form"' not in page.text
    assert post(client, f"{answer}/verklaring", answer, {"complete": "0"}).status_code == 403
    assert post(client, f"{answer}/steun", answer, {"expertise": "1", "reason": "x"}).status_code == 403
    assert count(factory, SupportRequest) == 1
    # without the CSRF token nothing is done, even by an editor
    client.cookies.clear()
    login(client, person(factory, "gemeente", {"gm0001": Role.EDITOR}))
    assert client.post(f"{answer}/verklaring", data={"complete": "0"}).status_code == 403
    # a viewer of the centre reads everything but opens, closes and decides nothing
    client.cookies.clear()
    login(client, person(factory, "kijker", {"bzk": Role.VIEWER}))
    page = client.get(url)
    assert page.status_code == 200 and "Gemeente Een" in text_of(page)
    assert 'id="campaign-close"' not in page.text and 'id="campaign-targets-form"' not in page.text
    assert post(client, f"{url}/sluiten", url).status_code == 403
    assert client.get(answer).status_code == 200


def test_every_text_the_campaign_pages_make_in_python_has_a_dutch_translation() -> None:
    from algoreg.web.i18n import catalog
    from algoreg.web.pages import campaign_forms, manage_campaign_answer, manage_campaigns

    texts: set[str] = {
        *campaign_forms.CAMPAIGN_STATE_LABELS.values(),
        *campaign_forms.ACTION_STATE_LABELS.values(),
        *campaign_forms.SUPPORT_STATE_LABELS.values(),
        *campaign_forms.DONE_MESSAGES.values(),
        *(pattern.message for pattern in campaign_forms._REASONS.patterns),
        *(pattern.message for pattern in campaign_forms._SOURCES.patterns),
        *manage_campaigns.NEW_FIELDS.values(),
        *manage_campaign_answer.ADD_FIELDS.values(),
        *manage_campaign_answer.REPORT_FIELDS.values(),
        *manage_campaign_answer.SUPPORT_FIELDS.values(),
        *manage_campaign_answer.REPORTED_LABELS.values(),
        "%(action)s: algorithms per state",
        "Reason for the decision",
        "Decision",
    }
    dutch = catalog("nl")
    missing = sorted(text for text in texts if text not in dutch or not dutch[text].string)
    assert not missing, missing


def test_the_domains_words_are_shown_translated() -> None:
    from algoreg.errors import Conflict
    from algoreg.web.pages.campaign_forms import conflict_text, reason_text, source_text

    assert source_text("nl", "in the register, in_review, not public") == (
        "In het register (Ter beoordeling), niet openbaar",
        True,
    )
    assert source_text("en", "assessment 7 signed off") == ("Assessment 7 signed off", True)
    assert source_text("nl", "assessment 7 reopened") == ("Toets 7 is nog niet afgetekend", True)
    assert reason_text("nl", "String should have at most 200 characters") == (
        "Deze tekst is te lang; hoogstens 200 tekens zijn toegestaan.",
        True,
    )
    assert reason_text("nl", "something new") == ("something new", False)
    # a refusal is markup: known ones translated, any other marked as English on a Dutch page
    assert conflict_text("nl", Conflict("Support request 3 was already granted.")) == (
        "Over dit verzoek om steun is al besloten."
    )
    assert (
        conflict_text("nl", Conflict("Something <new>.")) == '<span lang="en">Something &lt;new&gt;.</span>'
    )
    assert conflict_text("en", Conflict("Something <new>.")) == "Something &lt;new&gt;."


def test_organisations_are_added_on_the_campaign_page_and_a_campaign_without_any_is_not_opened(
    client: TestClient, factory: Factory, orgs: str
) -> None:
    login(client, person(factory, "centrum", {"bzk": Role.PUBLISHER}))
    created = post(client, "/beheer/uitvragen/nieuw", "/beheer/uitvragen/nieuw", {**NEW, "organisations": ""})
    assert created.status_code == 303 and count(factory, CampaignTarget) == 0
    url = created.headers["location"].split("?")[0]
    # opening without organisations is refused, pointing at the field to add them
    refused = post(client, f"{url}/openen", url)
    assert refused.status_code == 422
    assert "Voeg ten minste één organisatie toe voordat u de uitvraag opent." in text_of(refused)
    assert re.search(r'id="campaign-organisations"[^>]*aria-invalid="true"', refused.text)
    # an unknown code is shown at the field, with what was typed, and nothing is added
    unknown = post(client, f"{url}/organisaties", url, {"organisations": "gm0001\ngm9999"})
    assert unknown.status_code == 422 and "Er is geen organisatie met code 'gm9999'." in text_of(unknown)
    assert "gm0001\ngm9999</textarea>" in unknown.text and count(factory, CampaignTarget) == 0
    added = post(client, f"{url}/organisaties", url, {"organisations": "GM0001; gm0002"})
    assert added.status_code == 303 and count(factory, CampaignTarget) == 2
    assert "De organisaties zijn aan de uitvraag toegevoegd." in text_of(
        client.get(added.headers["location"])
    )
    assert post(client, f"{url}/openen", url).status_code == 303
