"""The management pages of an organisation's own instruments on the real app: add with problems at their
fields and what was typed kept, change, retire, CSRF, in Dutch and English, and who may do what."""

import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.models import OwnInstrument
from algoreg.db.session import transaction
from algoreg.register.roles import Role
from tests.helpers import csrf_of
from tests.instruments.framework_tasks_support import ORGANISATIONS, import_official, official_framework
from tests.web.test_bias_report_pages import alert_of, person, text_of
from tests.web.test_manage_pages import login

Factory = sessionmaker[Session]
PAGE = "/beheer/organisatie/gm0001/hulpmiddelen"


def organisations(make_organisation: Callable[..., str]) -> None:
    for code, name in ORGANISATIONS.items():
        make_organisation(code, name)


def post(client: TestClient, path: str, data: dict[str, Any], page: str = PAGE) -> Response:
    token = csrf_of(client.get(page).text)
    return client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)


def stored(factory: Factory) -> int:
    with transaction(factory) as session:
        return session.scalar(select(func.count()).select_from(OwnInstrument)) or 0


def test_a_publisher_adds_changes_and_retires_an_instrument_through_the_forms(
    client: TestClient, factory: Factory, make_organisation: Callable[..., str]
) -> None:
    # given the Algoritmekader imported and a publisher of gm0001
    organisations(make_organisation)
    import_official(factory, tree=False)
    framework = official_framework()
    login(client, person(factory, "petra", Role.PUBLISHER))
    empty = client.get(PAGE)
    assert empty.status_code == 200 and 'id="own-instruments-none"' in empty.text
    assert 'name="phases" value="' + framework.phases[0].id + '"' in empty.text  # phases as check boxes

    # when she adds one with every kind of field
    data = {
        "slug": "",
        "title": "Werkwijze biastoets",
        "description": "Onze stappen.",
        "url": "https://intranet.example.org/biastoets",
        "categories": "handreiking\n\nself-assessment",
        "phases": [framework.phases[0].id, framework.phases[1].id],
        "topics": "bias-en-non-discriminatie",
        "roles": [framework.roles[0].id],
        "requirement_refs": "grw-02-non-discriminatie",
        "measure_refs": "5-ver-03-biasanalyse",
    }
    added = post(client, PAGE, data)

    # then she lands on its page with a confirmation, and it is in the public catalogue
    assert (
        added.status_code == 303
        and added.headers["location"] == f"{PAGE}/werkwijze-biastoets?gedaan=toegevoegd"
    )
    page = client.get(added.headers["location"])
    assert "Het hulpmiddel is toegevoegd; het staat nu in de openbare catalogus." in text_of(page)
    assert re.search(
        r'<textarea[^>]*name="categories"[^>]*>handreiking\nself-assessment</textarea>', page.text
    )
    assert f'value="{framework.phases[1].id}" checked' in page.text
    public = client.get("/hulpmiddelen?herkomst=gm0001")
    assert 'id="instrument-gm0001:werkwijze-biastoets"' in public.text

    # when she changes its title
    changed = post(
        client,
        f"{PAGE}/werkwijze-biastoets",
        data | {"title": "Biastoets 2027"},
        f"{PAGE}/werkwijze-biastoets",
    )
    assert changed.status_code == 303 and changed.headers["location"].endswith("?gedaan=gewijzigd")
    assert "Biastoets 2027" in text_of(client.get(f"{PAGE}/werkwijze-biastoets"))

    # and retires it: it leaves the catalogue, stays listed as retired, and cannot be retired again
    retired = post(client, f"{PAGE}/werkwijze-biastoets/intrekken", {}, f"{PAGE}/werkwijze-biastoets")
    assert retired.status_code == 303 and retired.headers["location"].endswith("?gedaan=ingetrokken")
    assert "werkwijze-biastoets" not in client.get("/hulpmiddelen?herkomst=gm0001").text
    listing = text_of(client.get(PAGE))
    assert "Ingetrokken" in listing and "0 hulpmiddelen in de catalogus" in listing
    shown = client.get(f"{PAGE}/werkwijze-biastoets")
    assert 'id="own-instrument-form"' not in shown.text and "Ingetrokken op" in text_of(shown)
    again = post(client, f"{PAGE}/werkwijze-biastoets/intrekken", {}, PAGE)
    assert again.status_code == 409 and alert_of(again.text) == (
        "Het hulpmiddel is ingetrokken; het kan niet meer worden gewijzigd of ingetrokken."
    )
    english = post(client, f"{PAGE}/werkwijze-biastoets/intrekken?lang=en", {}, PAGE)
    assert english.status_code == 409 and alert_of(english.text) == (
        "The instrument is retired; it can no longer be changed or retired."
    )


def test_problems_are_shown_at_their_fields_with_what_was_typed_and_nothing_is_stored(
    client: TestClient, factory: Factory, make_organisation: Callable[..., str]
) -> None:
    organisations(make_organisation)
    import_official(factory, tree=False)
    login(client, person(factory, "petra", Role.PUBLISHER))
    data = {
        "slug": "Met Spaties",
        "title": "",
        "description": "Blijft staan.",
        "url": "ftp://example.org",
        "categories": "",
        "topics": "",
        "requirement_refs": "",
        "measure_refs": "9-xyz-99-verzonnen",
    }

    answer = post(client, PAGE, data)

    assert answer.status_code == 422
    text = text_of(answer)
    assert "Er zijn 4 problemen; er is niets opgeslagen" in text
    for field in ("slug", "title", "url", "measure_refs"):
        assert f'id="instrument-{field}-error"' in answer.text, field
        assert re.search(rf'id="instrument-{field}"[^>]*aria-invalid="true"', answer.text), field
    assert "Gebruik 1 tot 64 kleine letters" in text
    assert "'9-xyz-99-verzonnen' verwijst naar niets in het Algoritmekader" in text
    assert "Blijft staan." in answer.text and 'value="Met Spaties"' in answer.text
    assert stored(factory) == 0
    english = post(client, f"{PAGE}?lang=en", data, f"{PAGE}?lang=en")
    assert "There are 4 problems; nothing was saved" in text_of(english)


def test_without_a_framework_phases_and_roles_are_typed_and_references_are_refused(
    client: TestClient, factory: Factory, make_organisation: Callable[..., str]
) -> None:
    organisations(make_organisation)
    login(client, person(factory, "petra", Role.PUBLISHER))
    form = client.get(PAGE)
    assert (
        '<textarea class="utrecht-textarea utrecht-textarea--html-textarea" id="instrument-phases"'
        in form.text
    )
    data = {"title": "Eigen", "phases": "eigen-fase", "roles": "", "measure_refs": "5-ver-03-biasanalyse"}
    refused = post(client, PAGE, data)
    assert refused.status_code == 422
    assert "nog geen Algoritmekader geïmporteerd" in text_of(refused)
    accepted = post(client, PAGE, data | {"measure_refs": ""})
    assert accepted.status_code == 303


def test_editors_and_viewers_read_only_others_are_refused_and_forms_need_the_csrf_token(
    client: TestClient, factory: Factory, make_organisation: Callable[..., str]
) -> None:
    organisations(make_organisation)
    login(client, person(factory, "petra", Role.PUBLISHER))
    assert post(client, PAGE, {"title": "Van ons"}).status_code == 303
    client.cookies.clear()

    login(client, person(factory, "eva", Role.EDITOR))
    page = client.get(PAGE)
    assert page.status_code == 200 and 'id="own-instrument-form"' not in page.text
    assert 'id="own-instruments-publishers"' in page.text
    assert post(client, PAGE, {"title": "Niet"}).status_code == 403
    assert post(client, f"{PAGE}/van-ons", {"title": "Niet"}).status_code == 403
    assert post(client, f"{PAGE}/van-ons/intrekken", {}).status_code == 403
    assert client.get("/beheer/organisatie/gm0002/hulpmiddelen").status_code == 403
    assert client.get(f"{PAGE}/bestaat-niet").status_code == 404
    client.cookies.clear()

    login(client, person(factory, "petra2", Role.PUBLISHER))
    without_token = client.post(PAGE, data={"title": "Zonder token"}, follow_redirects=False)
    assert without_token.status_code == 403
    assert stored(factory) == 1
    client.cookies.clear()
    assert client.get(PAGE, follow_redirects=False).status_code in (302, 303)
