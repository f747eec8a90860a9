"""The public organisation pages: every organisation by kind, with correct counts, and one's algorithms."""

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.session import transaction
from algoreg.register import algorithms, organisations
from algoreg.register.organisation_stats import (
    group_by_kind,
    organisation_summaries,
    organisation_summary,
    sort_summaries,
)
from algoreg.register.organisations import OrganisationIn, OrganisationKind
from algoreg.register.roles import SYSTEM
from algoreg.register.workflow import Action
from tests.samples import sample_record

PUBLISH = (Action.SUBMIT, Action.APPROVE, Action.PUBLISH)


def add_algorithm(
    factory: sessionmaker[Session], code: str, organisation_name: str, name: str, *steps: Action
) -> str:
    """Register an algorithm for an organisation and take workflow steps; returns its id."""
    with transaction(factory) as session:
        algorithm = algorithms.create_algorithm(
            session, SYSTEM, code, sample_record(name=name, organization=organisation_name)
        )
        for step in steps:
            algorithms.perform(session, SYSTEM, algorithm.public_id, step)
        return algorithm.public_id


@pytest.fixture
def register(factory: sessionmaker[Session], make_organisation: Callable[..., str]) -> None:
    """Three organisations: one publishing two algorithms (and three that are not public), one
    publishing one, and a water authority publishing none."""
    make_organisation("gm0001", "Gemeente Voorbeeld", "gemeente")
    make_organisation("gm0002", "Gemeente Anders", "gemeente")
    make_organisation("ws0001", "Waterschap Natte Voeten", "waterschap")
    make_organisation("mn0001", "Ministerie van Voorbeelden", "ministerie")
    with transaction(factory) as session:
        organisations.update_organisation(
            session,
            SYSTEM,
            "gm0001",
            OrganisationIn(
                code="gm0001",
                name="Gemeente Voorbeeld",
                kind=OrganisationKind.GEMEENTE,
                website="https://www.voorbeeld.example",
                contact_email="info@voorbeeld.example",
            ),
        )
    add_algorithm(factory, "gm0001", "Gemeente Voorbeeld", "Parkeren controleren", *PUBLISH)
    add_algorithm(factory, "gm0001", "Gemeente Voorbeeld", "Afval ophalen plannen", *PUBLISH)
    add_algorithm(factory, "gm0001", "Gemeente Voorbeeld", "Concept nog geheim")
    add_algorithm(factory, "gm0001", "Gemeente Voorbeeld", "Ingetrokken algoritme", *PUBLISH, Action.RETRACT)
    add_algorithm(factory, "gm0001", "Gemeente Voorbeeld", "Gearchiveerd algoritme", *PUBLISH, Action.ARCHIVE)
    add_algorithm(factory, "gm0002", "Gemeente Anders", "Bijstand toetsen", *PUBLISH)
    add_algorithm(factory, "mn0001", "Ministerie van Voorbeelden", "Subsidies toekennen", *PUBLISH)
    add_algorithm(factory, "mn0001", "Ministerie van Voorbeelden", "Brieven sorteren", *PUBLISH)
    add_algorithm(factory, "mn0001", "Ministerie van Voorbeelden", "Vergunningen wegen", *PUBLISH)


def counts_in(html: str) -> dict[str, int]:
    return {
        code: int(count)
        for code, count in re.findall(r'data-code="([^"]+)">.*?data-count="(\d+)"', html, re.S)
    }


def test_counting_counts_only_what_the_public_sees(factory: sessionmaker[Session], register: None) -> None:
    # when the organisations are summarised
    with transaction(factory) as session:
        summaries = {item.code: item.published_count for item in organisation_summaries(session)}
        one = organisation_summary(session, "GM0001")
    # then concept, retracted and archived algorithms are not counted
    assert summaries == {"gm0001": 2, "gm0002": 1, "ws0001": 0, "mn0001": 3}
    assert one.published_count == 2 and one.website == "https://www.voorbeeld.example"


def test_grouping_and_sorting(factory: sessionmaker[Session], register: None) -> None:
    # given the summaries
    with transaction(factory) as session:
        summaries = organisation_summaries(session)
    # when grouped by kind, sorted by count
    groups = group_by_kind(sort_summaries(summaries, "count"))
    # then kinds come in a fixed order, empty kinds are left out, most published first
    assert [group.kind for group in groups] == [
        OrganisationKind.MINISTERIE,
        OrganisationKind.GEMEENTE,
        OrganisationKind.WATERSCHAP,
    ]
    assert [item.code for item in groups[1].organisations] == ["gm0001", "gm0002"]
    assert groups[1].published_count == 3
    by_name = group_by_kind(sort_summaries(summaries, "name"))
    assert [item.code for item in by_name[1].organisations] == ["gm0002", "gm0001"]


@pytest.mark.parametrize(
    ("lang", "texts"),
    [
        (
            "nl",
            [
                "Ministeries",
                "Gemeenten",
                "Waterschappen",
                "Er staan 4 organisaties in dit register.",
                "Samen publiceren ze 6 algoritmes.",
                "Gemeenten: 3 gepubliceerde algoritmes",
            ],
        ),
        (
            "en",
            [
                "Ministries",
                "Municipalities",
                "Water authorities",
                "4 organisations are in this register.",
                "Together they publish 6 algorithms.",
                "Municipalities: 3 published algorithms",
            ],
        ),
    ],
)
def test_the_organisations_page_groups_by_kind_and_counts(
    client: TestClient, register: None, lang: str, texts: list[str]
) -> None:
    # when the public opens the list of organisations
    response = client.get(f"/organisaties?lang={lang}")
    # then every organisation is listed under its kind, with its number of published algorithms
    assert response.status_code == 200
    for text in texts:
        assert text in response.text, text
    assert counts_in(response.text) == {"gm0001": 2, "gm0002": 1, "ws0001": 0, "mn0001": 3}
    assert 'href="/organisaties/ws0001"' in response.text
    assert response.text.index('id="kind-ministerie"') < response.text.index('id="kind-gemeente"')
    assert "<caption" in response.text and 'scope="row"' in response.text


def test_the_organisations_page_sorts_by_count(client: TestClient, register: None) -> None:
    # when sorted by number of algorithms, and with a made-up sort order
    by_count = client.get("/organisaties?sorteer=aantal").text
    made_up = client.get("/organisaties?sorteer=%3Cscript%3E").text
    # then the municipality with most algorithms comes first; a made-up order falls back to names
    assert by_count.index('data-code="gm0001"') < by_count.index('data-code="gm0002"')
    assert made_up.index('data-code="gm0002"') < made_up.index('data-code="gm0001"')
    assert '<option value="aantal" selected>' in by_count


def test_an_empty_register_says_so(client: TestClient) -> None:
    response = client.get("/organisaties?lang=en")
    assert response.status_code == 200
    assert "No organisations have been added to this register yet." in response.text


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_an_organisation_page_lists_only_its_published_algorithms(
    client: TestClient, register: None, lang: str
) -> None:
    # when the public opens one organisation
    response = client.get(f"/organisaties/gm0001?lang={lang}")
    # then it sees its details and exactly its published algorithms, with links
    assert response.status_code == 200
    html = response.text
    assert "Gemeente Voorbeeld</h1>" in html
    assert 'href="https://www.voorbeeld.example" rel="noopener"' in html
    assert 'href="mailto:info@voorbeeld.example"' in html
    assert ("Gemeente" if lang == "nl" else "Municipality") in html
    assert ("2 gepubliceerde algoritmes" if lang == "nl" else "2 published algorithms") in html
    listed = re.findall(r'href="/algoritme/(\d+)" lang="nl">([^<]+)</a>', html)
    assert sorted(name for _, name in listed) == ["Afval ophalen plannen", "Parkeren controleren"]
    for hidden in (
        "Concept nog geheim",
        "Ingetrokken algoritme",
        "Gearchiveerd algoritme",
        "Bijstand toetsen",
    ):
        assert hidden not in html
    assert ("In gebruik" if lang == "nl" else "In use") in html


def test_an_organisation_without_algorithms_says_so(client: TestClient, register: None) -> None:
    response = client.get("/organisaties/ws0001")
    assert response.status_code == 200
    assert "Deze organisatie heeft nog geen algoritmes gepubliceerd." in response.text
    assert "Niet ingevuld" in response.text  # no website or contact


def test_an_unknown_organisation_is_not_found(client: TestClient, register: None) -> None:
    for lang, text in (
        ("nl", "Er staat geen organisatie met deze code in het register."),
        ("en", "There is no organisation with this code in the register."),
    ):
        response = client.get(f"/organisaties/gm9999?lang={lang}")
        assert response.status_code == 404 and text in response.text


def test_many_algorithms_come_in_pages(
    client: TestClient, factory: sessionmaker[Session], make_organisation: Callable[..., str]
) -> None:
    # given an organisation with 52 published algorithms
    make_organisation("gm0003", "Gemeente Groot")
    with transaction(factory) as session:
        for number in range(52):
            algorithm = algorithms.create_algorithm(
                session,
                SYSTEM,
                "gm0003",
                sample_record(name=f"Algoritme {number:02d}", organization="Gemeente Groot"),
            )
            for step in PUBLISH:
                algorithms.perform(session, SYSTEM, algorithm.public_id, step)
    # when the pages are read
    first = client.get("/organisaties/gm0003").text
    second = client.get("/organisaties/gm0003?pagina=2").text
    bad = client.get("/organisaties/gm0003?pagina=abc")
    # then the first shows 50 and links on, the second the last 2, and a bad page number shows the first
    assert first.count('lang="nl">Algoritme ') == 50 and 'rel="next"' in first
    assert "Pagina 1 van 2" in first
    assert second.count('lang="nl">Algoritme ') == 2 and "Algoritme 51" in second and 'rel="prev"' in second
    assert bad.status_code == 200 and "Pagina 1 van 2" in bad.text
