"""The management pages of the origin-data inventory on the real app: who sees them, the list with filters
and totals, recording a use, confirming a proposal, determining, and every remediation form."""

import html
import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select

from algoreg.bias.origin import scan_frame
from algoreg.db.models import OriginDataUse
from algoreg.db.session import transaction
from algoreg.inventory import origin_uses
from algoreg.register import accounts
from algoreg.register.roles import SYSTEM, Role
from tests.helpers import csrf_of
from tests.inventory.origin_support import Factory, determined, manual_use, organisation_with_algorithm
from tests.inventory.test_origin_uses import applicants
from tests.web.test_manage_pages import PASSWORD, login

BASE = "/beheer/herkomstgegevens"


@pytest.fixture
def algorithm(factory: Factory, make_organisation: Callable[..., str]) -> str:
    return organisation_with_algorithm(factory, make_organisation)


def person(factory: Factory, username: str, role: Role, organisation: str = "gm0001") -> str:
    with transaction(factory) as session:
        accounts.create_user(session, SYSTEM, username, f"De {username}", PASSWORD)
        accounts.grant_role(session, SYSTEM, username, organisation, role)
    return username


def text_of(response: Response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


def alert_of(page: str) -> str:
    """The page's alert as markup (a refusal), so that a part marked with its language shows."""
    found = re.search(r'id="alert-message">\s*<p class="utrecht-paragraph">(.*?)</p>', page, re.DOTALL)
    assert found, "the page shows no alert"
    return found[1]


def post(client: TestClient, path: str, data: dict[str, str], page: str) -> Response:
    token = csrf_of(client.get(page).text)
    response: Response = client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)
    return response


def test_viewers_and_others_do_not_find_the_pages(
    client: TestClient, factory: Factory, algorithm: str
) -> None:
    use = manual_use(factory, algorithm=algorithm)
    assert client.get(BASE, follow_redirects=False).status_code == 303  # to the login page
    login(client, person(factory, "kijker", Role.VIEWER))
    assert client.get(BASE).status_code == 404
    assert client.get(f"{BASE}/{use.id}").status_code == 404
    assert client.get(f"{BASE}/nieuw").status_code == 404
    client.cookies.clear()
    login(client, person(factory, "elders", Role.ADMIN, "gm0002"))
    assert client.get(f"{BASE}/{use.id}").status_code == 404
    assert "No uses found" in text_of(client.get(f"{BASE}?lang=en"))


def test_the_list_shows_totals_and_filters_in_dutch_and_english(
    client: TestClient, factory: Factory, algorithm: str
) -> None:
    unlawful = manual_use(factory, algorithm=algorithm, column="nationaliteit")
    manual_use(factory, column="geboorteland", data_kind="country_of_birth")
    determined(factory, unlawful.id, "unlawful")
    login(client, person(factory, "redacteur", Role.EDITOR))
    page = client.get(BASE)
    assert page.status_code == 200
    shown = text_of(page)
    assert "Herkomstgegevens" in shown and "2 gebruiken" in shown
    assert "Onrechtmatig" in shown and "Nationaliteit" in shown and "Geboorteland" in shown
    assert (
        'id="total-determination-unlawful">1<' in page.text and 'id="total-remediation-open">1<' in page.text
    )
    filtered = client.get(f"{BASE}?beoordeling=unlawful&herstel=open")
    assert f'id="origin-use-{unlawful.id}"' in filtered.text and "1 gebruik getoond" in text_of(filtered)
    assert "Geen gebruiken gevonden" in text_of(client.get(f"{BASE}?beoordeling=lawful"))
    assert client.get(f"{BASE}?beoordeling=onzin&organisatie=xx").status_code == 200
    english = text_of(client.get(f"{BASE}?lang=en"))
    assert "Origin-related personal data" in english and "Unlawful" in english


def test_an_editor_records_a_use_and_sees_each_problem_at_its_field(
    client: TestClient, factory: Factory, algorithm: str
) -> None:
    login(client, person(factory, "redacteur", Role.EDITOR))
    form = client.get(f"{BASE}/nieuw")
    assert form.status_code == 200 and "Gebruik van herkomstgegevens vastleggen" in text_of(form)
    wrong = post(
        client, BASE, {"organisation": "gm0001", "data_kind": "other", "purpose": ""}, f"{BASE}/nieuw"
    )
    assert wrong.status_code == 422
    assert 'id="use-purpose"' in wrong.text and 'aria-invalid="true"' in wrong.text
    assert "Dit veld is verplicht; vul het in." in text_of(wrong)
    fields = {
        "organisation": "gm0001",
        "data_kind": "nationality",
        "algorithm": algorithm,
        "purpose": "Risicoscore",
        "legal_basis": "",
        "column_name": "nat",
    }
    created = post(client, BASE, fields, f"{BASE}/nieuw")
    assert created.status_code == 303, created.text
    page = client.get(created.headers["location"])
    assert "Het gebruik is vastgelegd." in text_of(page) and "Risicomodel bijstand" in text_of(page)
    # an editor does not get the determination form
    assert 'id="determine-form"' not in page.text and 'id="determine-not-allowed"' in page.text
    # the same column again is refused in the reader's language
    use_id = created.headers["location"].split("?")[0].rsplit("/", 1)[1]
    again = post(client, BASE, fields, f"{BASE}/nieuw")
    assert again.status_code == 409
    assert alert_of(again.text) == (
        f"Kolom &#39;nat&#39; van dit systeem staat al in de inventarisatie, als gebruik {use_id}; "
        "wijzig dat gebruik."
    )
    english = post(client, f"{BASE}?lang=en", fields, f"{BASE}/nieuw")
    assert alert_of(english.text) == (
        f"Column &#39;nat&#39; of this system is in the inventory already, as use {use_id}; "
        "change that use instead."
    )


def test_a_proposal_is_confirmed_determined_and_remedied_through_the_forms(
    client: TestClient, factory: Factory, algorithm: str
) -> None:
    with transaction(factory) as session:
        outcome = origin_uses.propose_from_scan(
            session,
            SYSTEM,
            "gm0001",
            scan_frame(applicants()),
            dataset_name="aanvragen.csv",
            algorithm=algorithm,
        )
    use_id = next(view.id for view in outcome.created if view.column_name == "Nationaliteit")
    url = f"{BASE}/{use_id}"
    login(client, person(factory, "publicist", Role.PUBLISHER))
    page = client.get(url)
    assert "Voorgesteld door de herkomstscan" in text_of(page) and 'id="use-confirm"' in page.text
    # confirm, with a purpose
    fields = {
        "data_kind": "nationality",
        "algorithm": algorithm,
        "purpose": "Selectie voor controle",
        "legal_basis": "",
        "column_name": "Nationaliteit",
        "dataset_name": "aanvragen.csv",
        "confirm": "1",
    }
    assert post(client, url, fields, url).status_code == 303
    # confirming it again is refused, in Dutch
    twice = post(client, url, fields, url)
    assert twice.status_code == 409
    assert alert_of(twice.text) == "Dit gebruik is al bevestigd; alleen een voorstel kan worden bevestigd."
    # determine as improper: a case with three steps is opened
    determined_page = post(
        client,
        f"{url}/beoordeling",
        {"outcome": "improper", "reasoning": "Ander doel", "decided_by": "FG", "decided_on": "2026-01-05"},
        url,
    )
    assert determined_page.status_code == 303
    page = client.get(url)
    assert "Oneigenlijk" in text_of(page) and 'id="step-people_informed-form"' in page.text
    # closing too early names what each step lacks
    early = post(client, f"{url}/herstel/sluiten", {}, url)
    assert early.status_code == 422 and "Deze stap is niet klaar en heeft geen bewijs." in text_of(early)
    # a step set done without its facts is refused at the fields
    refused = post(client, f"{url}/herstel/people_informed", {"status": "done", "owner": ""}, url)
    assert refused.status_code == 422 and 'id="step-people_informed-people_count-error"' in refused.text
    steps = {
        "use_ended": {"note": "Kolom verwijderd"},
        "people_informed": {"people_count": "42", "inform_method": "Brief"},
        "data_cleaned": {
            "datasets": "aanvragen",
            "records_removed": "42",
            "records_corrected": "0",
            "verification": "Steekproef",
        },
    }
    for step, facts in steps.items():
        done = {
            "status": "done",
            "owner": "Team",
            "completed_on": "2026-01-20",
            "started_on": "2026-01-06",
            **facts,
        }
        saved = post(client, f"{url}/herstel/{step}", done, url)
        assert saved.status_code == 303, text_of(saved)
        token = csrf_of(client.get(url).text)
        evidence = client.post(
            f"{url}/herstel/{step}/bewijs",
            data={"description": "Verslag", "url": "", "csrf_token": token},
            files={"file": ("verslag.txt", b"verslag " + step.encode(), "text/plain")},
            follow_redirects=False,
        )
        assert evidence.status_code == 303, text_of(evidence)
    page = client.get(url)
    assert "3 van 3 stappen klaar" in text_of(page)
    link = re.search(rf'href="({url}/bewijs/\d+)"', page.text)
    assert link is not None and client.get(link.group(1)).content == b"verslag use_ended"
    closed = post(client, f"{url}/herstel/sluiten", {}, url)
    assert closed.status_code == 303
    page = client.get(closed.headers["location"])
    assert "Het herstel is gesloten." in text_of(page) and 'id="reopen-form"' in page.text
    # reopening needs a reason
    assert post(client, f"{url}/herstel/heropenen", {"reason": ""}, url).status_code == 422
    assert post(client, f"{url}/herstel/heropenen", {"reason": "Nieuw bestand"}, url).status_code == 303
    page = client.get(url)
    assert "Nieuw bestand" in text_of(page) and "case_reopened" in page.text
    # reopening an open case is refused in the reader's language
    open_already = post(client, f"{url}/herstel/heropenen", {"reason": "Nogmaals"}, url)
    assert open_already.status_code == 409 and alert_of(open_already.text) == "De herstelzaak is al open."
    english = post(client, f"{url}/herstel/heropenen?lang=en", {"reason": "Again"}, url)
    assert alert_of(english.text) == "The remediation case is open already."
    with transaction(factory) as session:
        stored = session.scalar(select(OriginDataUse).where(OriginDataUse.id == use_id))
        assert stored is not None and stored.determination == "improper"


def test_an_editor_cannot_determine_through_the_form(
    client: TestClient, factory: Factory, algorithm: str
) -> None:
    use = manual_use(factory, algorithm=algorithm)
    login(client, person(factory, "redacteur", Role.EDITOR))
    url = f"{BASE}/{use.id}"
    refused = post(
        client,
        f"{url}/beoordeling",
        {"outcome": "lawful", "reasoning": "x", "decided_by": "y", "decided_on": "2026-01-01"},
        url,
    )
    assert refused.status_code == 403
    with transaction(factory) as session:
        assert origin_uses.get_use(session, SYSTEM, use.id).determination is None
