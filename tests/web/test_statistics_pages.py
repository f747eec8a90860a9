"""The statistics page: a table per figure in both languages, and the charts as SVG images."""

import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import date
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from algoreg.register.statistics import Count, MonthCount, RegisterStatistics
from algoreg.web.charts import Bar, BarChart, render_svg
from algoreg.web.pages.statistics import CHART_NAMES, statistics_of
from tests.register.test_statistics import build_known_register

SVG = "{http://www.w3.org/2000/svg}"


class _Tables(HTMLParser):
    """Collects every table's caption and rows (the texts of each row's cells) by table id."""

    def __init__(self) -> None:
        super().__init__()
        self.captions: dict[str, str] = {}
        self.rows: dict[str, list[list[str]]] = {}
        self.images: dict[str, dict[str, str]] = {}
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._in_caption = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "table":
            self._table = values["id"]
            self.rows[self._table] = []
            self.captions[self._table] = ""
        elif tag == "img" and "id" in values:
            self.images[values["id"]] = values
        elif self._table and tag == "caption":
            self._in_caption = True
        elif self._table and tag == "tr":
            self.rows[self._table].append([])
        elif self._table and tag in ("th", "td"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None
        elif tag == "caption":
            self._in_caption = False
        elif self._table and tag in ("th", "td") and self._cell is not None:
            self.rows[self._table][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._in_caption and self._table:
            self.captions[self._table] += data.strip()
        elif self._cell is not None:
            self._cell.append(data)


def tables_of(html: str) -> _Tables:
    parser = _Tables()
    parser.feed(html)
    return parser


@pytest.fixture
def known_register(factory: sessionmaker[Session], make_organisation: Callable[..., str]) -> None:
    build_known_register(factory, make_organisation)


EXPECTED = {
    "nl": {
        "lead": "Er staan nu 5 algoritmes gepubliceerd in dit register.",
        "soort-organisatie": [
            ["Soort organisatie", "Aantal algoritmes"],
            ["Gemeente", "3"],
            ["Ministerie", "1"],
            ["Provincie", "1"],
            ["Waterschap", "0"],
            ["Zelfstandig bestuursorgaan (zbo)", "0"],
            ["Andere organisatie", "0"],
        ],
        "thema": {
            "header": ["Thema", "Aantal algoritmes"],
            "first": [["Verkeer", "3"], ["Wonen", "1"], ["Recht", "1"], ["Zorg en gezondheid", "1"]],
            "last": ["Geen thema opgegeven", "1"],
            "zero": ["Werk", "0"],
        },
        "status": [
            ["Status", "Aantal algoritmes"],
            ["In ontwikkeling", "1"],
            ["In gebruik", "3"],
            ["Buiten gebruik", "1"],
        ],
        "publicatiecategorie": [
            ["Publicatiecategorie", "Aantal algoritmes"],
            ["Hoog-risico AI-systeem", "2"],
            ["Impactvolle algoritmes", "2"],
            ["Overige algoritmes", "1"],
        ],
        "per-maand": [
            ["Maand", "Voor het eerst gepubliceerd", "Totaal tot en met deze maand"],
            ["januari 2024", "2", "2"],
            ["februari 2024", "0", "2"],
            ["maart 2024", "0", "2"],
            ["april 2024", "2", "4"],
            ["mei 2024", "0", "4"],
            ["juni 2024", "1", "5"],
        ],
        "caption": "Gepubliceerde algoritmes per thema (een algoritme kan meerdere thema's hebben)",
    },
    "en": {
        "lead": "5 algorithms are published in this register now.",
        "soort-organisatie": [
            ["Kind of organisation", "Number of algorithms"],
            ["Municipality", "3"],
            ["Ministry", "1"],
            ["Province", "1"],
            ["Water authority", "0"],
            ["Independent administrative body (ZBO)", "0"],
            ["Other organisation", "0"],
        ],
        "thema": {
            "header": ["Policy area", "Number of algorithms"],
            "first": [
                ["Traffic and transport", "3"],
                ["Housing", "1"],
                ["Law and justice", "1"],
                ["Care and health", "1"],
            ],
            "last": ["No policy area given", "1"],
            "zero": ["Work", "0"],
        },
        "status": [
            ["Status", "Number of algorithms"],
            ["In development", "1"],
            ["In use", "3"],
            ["Out of use", "1"],
        ],
        "publicatiecategorie": [
            ["Publication category", "Number of algorithms"],
            ["High-risk AI system", "2"],
            ["Impactful algorithms", "2"],
            ["Other algorithms", "1"],
        ],
        "per-maand": [
            ["Month", "Published for the first time", "Total up to and including this month"],
            ["January 2024", "2", "2"],
            ["February 2024", "0", "2"],
            ["March 2024", "0", "2"],
            ["April 2024", "2", "4"],
            ["May 2024", "0", "4"],
            ["June 2024", "1", "5"],
        ],
        "caption": "Published algorithms by policy area (one algorithm can have several)",
    },
}


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_page_shows_every_figure_as_a_table_in_the_language(
    client: TestClient, known_register: None, lang: str
) -> None:
    # when the public opens the statistics page
    response = client.get(f"/statistieken?lang={lang}")
    # then it counts only what the public sees, in the reader's language
    assert response.status_code == 200
    expected = EXPECTED[lang]
    html = response.text
    assert expected["lead"] in html
    tables = tables_of(html)
    assert list(tables.rows) == [f"table-{name}" for name in CHART_NAMES]
    for name in ("soort-organisatie", "status", "publicatiecategorie", "per-maand"):
        assert tables.rows[f"table-{name}"] == expected[name], name
    # and the themes table counts an algorithm under each of its themes, with those without last
    themes = tables.rows["table-thema"]
    theme_expectations = expected["thema"]
    assert isinstance(theme_expectations, dict)
    assert themes[0] == theme_expectations["header"]
    assert themes[1:5] == theme_expectations["first"]
    assert themes[-1] == theme_expectations["last"]
    assert theme_expectations["zero"] in themes
    assert len(themes) == 1 + 16 + 1
    assert tables.captions["table-thema"] == expected["caption"]
    # and every table has a chart image in the same language, with a text alternative
    for name in CHART_NAMES:
        image = tables.images[f"chart-{name}"]
        assert image["src"] == f"/statistieken/grafiek/{name}.svg?lang={lang}"
        assert tables.captions[f"table-{name}"] in image["alt"]


def test_the_tables_have_captions_and_header_scopes(client: TestClient, known_register: None) -> None:
    # when the page is opened
    html = client.get("/statistieken").text
    # then each table has a caption, column headers and row headers
    assert html.count("<caption") == len(CHART_NAMES)
    assert html.count('<th scope="col"') == 2 * len(CHART_NAMES) + 1
    assert html.count('<th scope="row"') == 6 + 17 + 3 + 3 + 6
    assert html.count("<h1") == 1
    assert 'style="' not in html and "<style" not in html


def _svg(client: TestClient, name: str, lang: str) -> tuple[ET.Element, str]:
    response = client.get(f"/statistieken/grafiek/{name}.svg?lang={lang}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    return ET.fromstring(response.text), response.text


def _texts(root: ET.Element) -> list[str]:
    return [" ".join("".join(element.itertext()).split()) for element in root.iter(f"{SVG}text")]


@pytest.mark.parametrize(
    ("lang", "name", "labels"),
    [
        ("nl", "soort-organisatie", ["Gemeente", "Ministerie", "Soort organisatie", "Aantal algoritmes"]),
        (
            "en",
            "soort-organisatie",
            ["Municipality", "Ministry", "Kind of organisation", "Number of algorithms"],
        ),
        ("nl", "thema", ["Verkeer", "Zorg en gezondheid", "Geen thema opgegeven", "Thema"]),
        ("en", "thema", ["Traffic and transport", "Care and health", "No policy area given", "Policy area"]),
        ("nl", "status", ["In gebruik", "In ontwikkeling", "Buiten gebruik"]),
        ("en", "status", ["In use", "In development", "Out of use"]),
        (
            "nl",
            "publicatiecategorie",
            ["Hoog-risico AI-systeem", "Impactvolle algoritmes", "Publicatiecategorie"],
        ),
        (
            "en",
            "publicatiecategorie",
            ["High-risk AI system", "Impactful algorithms", "Publication category"],
        ),
        ("nl", "per-maand", ["jan 2024", "jun 2024", "Maand"]),
        ("en", "per-maand", ["Jan 2024", "Jun 2024", "Month"]),
    ],
)
def test_each_chart_is_valid_svg_with_its_labels(
    client: TestClient, known_register: None, lang: str, name: str, labels: list[str]
) -> None:
    # when a chart image is requested
    root, text = _svg(client, name, lang)
    # then it is an SVG document with the labels in the language, a title and no inline styles
    assert root.tag == f"{SVG}svg"
    texts = _texts(root)
    for label in labels:
        assert label in texts, (label, texts)
    title = root.find(f"{SVG}title")
    assert title is not None and title.text
    assert title.text in texts
    assert "style=" not in text and "<style" not in text
    assert not [element for element in root.iter() if element.tag.endswith("script")]


def test_the_chart_numbers_follow_the_data(client: TestClient, known_register: None) -> None:
    # when the status chart is drawn
    root, _ = _svg(client, "status", "nl")
    # then each bar carries its number
    texts = _texts(root)
    assert texts.count("3") >= 1 and texts.count("1") >= 2
    desc = root.find(f"{SVG}desc")
    assert desc is not None and desc.text == "In ontwikkeling: 1; In gebruik: 3; Buiten gebruik: 1"


@pytest.mark.parametrize("path", ["/statistieken/grafiek/onbekend.svg", "/statistieken/grafiek/Thema.svg"])
def test_an_unknown_chart_is_not_found(client: TestClient, path: str) -> None:
    # when a chart that does not exist is asked for
    response = client.get(path)
    # then the answer is 404
    assert response.status_code == 404


def test_an_unchanged_chart_is_not_sent_again(client: TestClient, known_register: None) -> None:
    # given a chart was fetched once
    first = client.get("/statistieken/grafiek/thema.svg?lang=en")
    etag = first.headers["etag"]
    # when it is asked for again with its tag
    again = client.get("/statistieken/grafiek/thema.svg?lang=en", headers={"If-None-Match": etag})
    other_language = client.get("/statistieken/grafiek/thema.svg?lang=nl", headers={"If-None-Match": etag})
    # then only the same language is answered "not modified"
    assert again.status_code == 304 and again.content == b""
    assert other_language.status_code == 200


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("nl", "Er is nog niets gepubliceerd in dit register"),
        ("en", "Nothing has been published in this register yet"),
    ],
)
def test_an_empty_register_says_so(client: TestClient, lang: str, text: str) -> None:
    # given nothing is published
    # when the page and a chart are opened
    page = client.get(f"/statistieken?lang={lang}")
    root, _ = _svg(client, "per-maand", lang)
    # then the page says there are no figures yet, and the chart is still a valid (empty) image
    assert page.status_code == 200
    assert text in page.text and "<table" not in page.text
    assert root.tag == f"{SVG}svg"


def test_numbers_are_written_as_the_reader_writes_them() -> None:
    # given a large register
    stats = RegisterStatistics(
        total=12345,
        by_organisation_kind=[Count("gemeente", 12345)],
        by_theme=[Count("Werk", 2000)],
        without_theme=10345,
        by_status=[Count("In gebruik", 12345)],
        by_publication_category=[Count("Overige algoritmes", 12345)],
        by_month=[MonthCount(date(2024, 1, 1), 12345, 12345)],
    )
    # when its figures are prepared in Dutch and English
    dutch = statistics_of(stats, "nl")
    english = statistics_of(stats, "en")
    # then thousands are separated with a point in Dutch and a comma in English
    assert dutch[0].rows[0].shown == "12.345" and english[0].rows[0].shown == "12,345"
    assert dutch[4].rows[0].cumulative_shown == "12.345"


def test_a_long_time_line_is_drawn_without_numbers_on_the_columns() -> None:
    # given sixty months
    bars = tuple(Bar(f"m{index}", index % 7, f"#{index}") for index in range(60))
    chart = BarChart("Per maand", "zestig maanden", "Maand", "Aantal", bars, "nl", "vertical")
    # when drawn
    root = ET.fromstring(render_svg(chart))
    # then the columns do not carry their numbers (the table does), but the title is there
    texts = _texts(root)
    assert "Per maand" in texts
    assert not [text for text in texts if text.startswith("#")]
