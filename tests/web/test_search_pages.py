"""The public search page (home page) and downloads, in Dutch and English, on the real app."""

import json
import re
from collections.abc import Callable
from html import unescape
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.session import transaction
from algoreg.register import algorithms
from algoreg.register.roles import SYSTEM
from algoreg.register.workflow import Action
from algoreg.standard.tabular import read_rows
from tests.samples import sample_record

Factory = sessionmaker[Session]


def publish(factory: Factory, org: str = "gm0001", **overrides: Any) -> str:
    names = {"gm0001": "Gemeente Voorbeeld", "pv0001": "Provincie Proef"}
    with transaction(factory) as session:
        public_id = algorithms.create_algorithm(
            session, SYSTEM, org, sample_record(organization=names[org], **overrides)
        ).public_id
    for action in (Action.SUBMIT, Action.APPROVE, Action.PUBLISH):
        with transaction(factory) as session:
            algorithms.perform(session, SYSTEM, public_id, action)
    return public_id


@pytest.fixture
def register(factory: Factory, make_organisation: Callable[..., str]) -> dict[str, str]:
    make_organisation("gm0001", "Gemeente Voorbeeld", "gemeente")
    make_organisation("pv0001", "Provincie Proef", "provincie")
    return {
        "permits": publish(factory, name="Parkeervergunningen toekennen", category=["Verkeer"]),
        "benefits": publish(
            factory,
            name="Uitkeringen controleren",
            description_short="Controle van aanvragen voor een uitkering.",
            category=["Werk", "Sociale zekerheid"],
            status="In ontwikkeling",
            publication_category="Hoog-risico AI-systeem",
            impacttoetsen_grouping=[{"title": "IAMA"}],
        ),
        "roads": publish(factory, "pv0001", name="=Wegonderhoud plannen", category=["Verkeer"]),
    }


def hrefs(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]+)"', html)]


def result_names(html: str) -> list[str]:
    return [
        unescape(n) for n in re.findall(r'<h3 [^>]*><a [^>]*href="/algoritme/\d+"[^>]*>([^<]+)</a>', html)
    ]


def test_home_page_is_the_search_page_in_dutch(client: TestClient, register: dict[str, str]) -> None:
    # when the public opens the home page
    response = client.get("/")
    html = response.text
    # then it is the Dutch search page with a labelled search box, facets, results and downloads
    assert response.status_code == 200
    assert '<html lang="nl"' in html and html.count("<h1") == 1
    assert '<label class="utrecht-form-label" for="search-q">Zoek algoritmes</label>' in html
    assert "3 algoritmes gevonden" in html
    assert "<legend" in html and "Thema" in html and "Soort organisatie" in html
    assert 'name="theme" value="Verkeer"' in html and "(2)" in html
    assert f'href="/algoritme/{register["permits"]}"' in html
    assert "In gebruik" in html and "Impactvolle algoritmes" in html
    assert "Het hele register als CSV" in html
    assert result_names(html) == [
        "=Wegonderhoud plannen",
        "Parkeervergunningen toekennen",
        "Uitkeringen controleren",
    ]


def test_search_page_in_english_labels_values_and_marks_dutch_data(
    client: TestClient, register: dict[str, str]
) -> None:
    # when the page is asked for in English with a query
    html = client.get("/?lang=en&q=uitkering").text
    # then the interface and enum labels are English, the data marked as Dutch
    assert '<html lang="en"' in html
    assert "1 algorithm found" in html and "Search the algorithm register" in html
    assert "In development" in html and "High-risk AI system" in html
    assert 'lang="nl">Uitkeringen controleren</a>' in html
    assert ">Municipality</span>" in html
    assert "Relevance" in html


def test_query_and_facets_are_in_the_url_and_links_keep_them(
    client: TestClient, register: dict[str, str]
) -> None:
    # when searching with words, a facet and a sort order
    html = client.get("/?q=plannen&theme=Verkeer&sort=newest").text
    # then the result is filtered, and the form shows the search
    assert result_names(html) == ["=Wegonderhoud plannen"]
    assert 'value="plannen"' in html
    assert re.search(r'name="theme" value="Verkeer"\s+checked', html)
    assert '<option value="newest" selected>' in html
    # and removing the filter keeps the words and the order
    removal = next(h for h in hrefs(html) if h.startswith("/?") and "theme" not in h)
    assert sorted(parse_qsl(urlsplit(removal).query)) == [("q", "plannen"), ("sort", "newest")]
    # and the downloads carry the same search
    download = next(h for h in hrefs(html) if h.startswith("/download?format=json"))
    assert ("q", "plannen") in parse_qsl(urlsplit(download).query)
    assert ("theme", "Verkeer") in parse_qsl(urlsplit(download).query)


def test_facet_values_or_within_and_across(client: TestClient, register: dict[str, str]) -> None:
    # when two themes are ticked, then either is enough
    either = client.get("/?theme=Werk&theme=Verkeer&sort=name").text
    assert len(result_names(either)) == 3
    # when a kind of organisation is ticked as well, then both must hold
    both = client.get("/?theme=Werk&theme=Verkeer&kind=provincie").text
    assert result_names(both) == ["=Wegonderhoud plannen"]


def test_pages_link_to_each_other(
    client: TestClient, factory: Factory, make_organisation: Callable[..., str]
) -> None:
    # given 23 published algorithms
    make_organisation("gm0001", "Gemeente Voorbeeld", "gemeente")
    for number in range(23):
        publish(factory, name=f"Algoritme {number:02d}")
    # when the first and the second page are shown
    first = client.get("/?q=algoritme").text
    second = client.get("/?q=algoritme&page=2").text
    # then each holds its part, and the navigation links keep the query
    assert len(result_names(first)) == 20 and len(result_names(second)) == 3
    assert 'aria-label="Resultaatpagina\'s"' in first or "Resultaatpagina&#39;s" in first
    assert "/?q=algoritme&page=2" in hrefs(first)
    assert 'rel="prev"' in second and 'aria-current="page"' in second
    assert "21 tot en met 23 getoond" in second


def test_no_results_and_odd_input_do_not_error(client: TestClient, register: dict[str, str]) -> None:
    # when the query matches nothing, then the page says so
    html = client.get("/?q=onvindbaarwoord").text
    assert "Geen algoritmes gevonden." in html and 'id="no-results"' in html
    # when the parameters are odd, then the page still answers
    for url in (
        "/?q=%22%27*%20OR%20NEAR(",
        "/?q=%29%3B%20DROP%20TABLE%20search_entry%3B%20--",
        "/?page=abc&sort=nonsense&status=unknown&theme=",
        "/?page=-5&q=" + "x" * 3000,
        "/?q=%F0%9F%99%82%20caf%C3%A9",
        "/?organisation=%27%3B--&assessment_title=%3Cscript%3E",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "<script>" not in response.text.split("</head>", 1)[1]
    assert "3 algoritmes gevonden" in client.get("/").text


def test_assessment_facets(client: TestClient, register: dict[str, str]) -> None:
    # when filtering on impact assessments done
    html = client.get("/?assessment=yes").text
    # then only the algorithm with one remains, and its title is a facet value
    assert result_names(html) == ["Uitkeringen controleren"]
    assert 'name="assessment_title" value="IAMA"' in html
    assert result_names(client.get("/?assessment=no&sort=name").text) == [
        "=Wegonderhoud plannen",
        "Parkeervergunningen toekennen",
    ]


@pytest.mark.parametrize("kind", ["csv", "xlsx", "json"])
def test_downloads_parse_back_as_the_public_records(
    client: TestClient, factory: Factory, register: dict[str, str], kind: str
) -> None:
    # when the whole register and a search are downloaded
    whole = client.get(f"/download?format={kind}&sort=name")
    part = client.get(f"/download?format={kind}&theme=Verkeer&sort=name")
    # then they are files of the standard that read back as the public records
    assert whole.status_code == 200 and "attachment" in whole.headers["content-disposition"]
    assert whole.headers["x-total-count"] == "3" and whole.headers["x-truncated"] == "false"
    records = read_rows(whole.content, kind)
    with transaction(factory) as session:
        expected = [algorithms.get_published(session, r["lars"]).record for r in records]
    assert [r["name"] for r in records] == [
        "=Wegonderhoud plannen",
        "Parkeervergunningen toekennen",
        "Uitkeringen controleren",
    ]
    for got, want in zip(records, expected, strict=True):
        assert got["lars"] == want["lars"] and got["name"] == want["name"]
        assert got["category"] == want["category"] and got["publication_dt"] == want["publication_dt"]
    assert {r["lars"] for r in read_rows(part.content, kind)} == {register["permits"], register["roads"]}


def test_csv_download_guards_against_formulas(client: TestClient, register: dict[str, str]) -> None:
    # when a name starts like a spreadsheet formula
    text = client.get("/download?format=csv&q=wegonderhoud").content.decode("utf-8-sig")
    # then the cell is escaped
    assert "'=Wegonderhoud plannen" in text


def test_json_download_is_a_list_of_records(client: TestClient, register: dict[str, str]) -> None:
    response = client.get("/download?format=json&q=uitkeringen")
    assert response.headers["content-type"].startswith("application/json")
    data = json.loads(response.content)
    assert [item["name"] for item in data] == ["Uitkeringen controleren"]


def test_unknown_download_format_is_refused(client: TestClient, register: dict[str, str]) -> None:
    response = client.get("/download?format=xml")
    assert response.status_code == 422
    assert "format" in response.text


def test_retracted_algorithms_leave_the_page(
    client: TestClient, factory: Factory, register: dict[str, str]
) -> None:
    # when an algorithm is retracted
    with transaction(factory) as session:
        algorithms.perform(session, SYSTEM, register["permits"], Action.RETRACT)
    # then the search page no longer shows it
    html = client.get("/").text
    assert "2 algoritmes gevonden" in html and "Parkeervergunningen toekennen" not in html
