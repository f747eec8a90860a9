"""The public page of an algorithm: every field, sanitised rich text, history, permalinks, diff."""

import re
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient

from algoreg.register.roles import Role
from algoreg.standard.enums import Category, PublicationCategory, Status
from algoreg.standard.metadata import enum_labels, field_metadata
from algoreg.standard.v1_0 import FIELD_NAMES, FIELDS_BY_NAME, FieldKind
from tests.samples import sample_record

Headers = dict[str, str]

RICH_TEXT_FIELDS = [name for name in FIELD_NAMES if FIELDS_BY_NAME[name].kind is FieldKind.RICH_TEXT]
XSS = (
    '<p onclick="alert(1)">Uitleg</p><script>alert(2)</script><img src="x" onerror="alert(3)">'
    '<a href="javascript:alert(4)">klik</a><iframe src="https://evil.example"></iframe>'
    "<svg onload=alert(5)></svg><style>body{display:none}</style>"
)


def full_record(**overrides: Any) -> dict[str, Any]:
    """A record in which every field of the standard a user may send is filled in."""
    record = sample_record(
        category=["Verkeer", "Recht"],
        end_date="2030-12",
        website="https://www.voorbeeld.example/parkeren",
        url="https://www.voorbeeld.example/algoritmes/parkeren",
        publication_category="Hoog-risico AI-systeem",
        proportionality="<p>Alleen gegevens die nodig zijn voor de vergunning.</p>",
        human_intervention="<p>Een medewerker neemt elk besluit.</p>",
        risks="<ul><li>Verkeerde afwijzing</li><li>Vooringenomenheid</li></ul>",
        lawful_basis="<p>Wegenverkeerswet en de parkeerverordening.</p>",
        lawful_basis_grouping=[
            {"title": "Wegenverkeerswet 1994", "link": "https://wetten.overheid.nl/BWBR0006622"}
        ],
        process_index_url="https://www.voorbeeld.example/verwerkingsregister",
        impacttoetsen="<p>Er is een DPIA gedaan.</p>",
        impacttoetsen_grouping=[{"title": "Data Protection Impact Assessment (DPIA)"}],
        source_data="<p>Kentekenregistratie en vergunningaanvragen.</p>",
        source_data_grouping=[{"title": "Kentekenregister", "link": "https://www.rdw.example/kenteken"}],
        methods_and_models="<p>Een set vaste regels, geen machinelearning.</p>",
        provider="Parkeerbedrijf Noord",
        publiccode="https://code.voorbeeld.example/parkeren",
        source_id="PARK-001",
        tags="<p>parkeren, vergunning</p>",
    )
    record.update(overrides)
    return record


@pytest.fixture
def publisher(make_organisation: Callable[..., str], make_token: Callable[..., Headers]) -> Headers:
    make_organisation("gm0001", "Gemeente Voorbeeld")
    return make_token("gm0001", Role.PUBLISHER)


def create(client: TestClient, headers: Headers, record: dict[str, Any]) -> str:
    response = client.post("/api/v1/organisations/gm0001/algorithms", json=record, headers=headers)
    assert response.status_code == 201, response.text
    public_id: str = response.json()["id"]
    return public_id


def act(client: TestClient, headers: Headers, public_id: str, *actions: str) -> None:
    for action in actions:
        response = client.post(f"/api/v1/algorithms/{public_id}/actions/{action}", headers=headers)
        assert response.status_code == 200, response.text


def publish(client: TestClient, headers: Headers, public_id: str) -> None:
    act(client, headers, public_id, "submit", "approve", "publish")


def edit(client: TestClient, headers: Headers, public_id: str, record: dict[str, Any]) -> None:
    draft = client.get(f"/api/v1/algorithms/{public_id}/draft", headers=headers)
    response = client.put(
        f"/api/v1/algorithms/{public_id}/draft",
        json=record,
        headers={**headers, "If-Match": draft.headers["ETag"]},
    )
    assert response.status_code == 200, response.text


def field_html(html: str, name: str) -> str:
    """The markup of one field of the record partial."""
    match = re.search(rf'id="record-field-{name}">(.*?)(?=id="record-field-|</dl>)', html, re.S)
    assert match, f"field {name} is on the page"
    return match.group(1)


def scripts(html: str) -> list[str]:
    return re.findall(r"<script\b[^>]*>", html, re.I)


def visible(html: str) -> str:
    """The page without the words only screen readers hear."""
    return re.sub(r'<span class="algoreg-visually-hidden">[^<]*</span>', "", html)


class ElementCollector(HTMLParser):
    """Every element of a page with its attributes, as a browser's parser would see them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    @classmethod
    def of(cls, html: str) -> list[tuple[str, dict[str, str | None]]]:
        parser = cls()
        parser.feed(html)
        parser.close()
        return parser.elements


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_filled_field_is_shown_with_its_title(
    client: TestClient, publisher: Headers, lang: str
) -> None:
    # given a published algorithm with every field filled in
    public_id = create(client, publisher, full_record())
    publish(client, publisher, public_id)
    # when the public reads it
    response = client.get(f"/algoritme/{public_id}?lang={lang}")
    # then every field of the standard is there, with its title, and none is "not filled in"
    assert response.status_code == 200
    html = response.text
    empty = "Niet ingevuld" if lang == "nl" else "Not filled in"
    titles = field_metadata(lang)  # type: ignore[arg-type]
    for name in FIELD_NAMES:
        block = field_html(html, name)
        assert titles[name].title in block, name
        assert empty not in block, f"{name} is filled in"
    # and values are shown as readable text, labels in the reader's language, links as links
    assert "<h1" in html and html.count("<h1") == 1
    assert "Controle parkeervergunningen</h1>" in html
    status = enum_labels(Status, lang)["In gebruik"]  # type: ignore[arg-type]
    assert status in field_html(html, "status")
    category = enum_labels(PublicationCategory, lang)["Hoog-risico AI-systeem"]  # type: ignore[arg-type]
    assert category in field_html(html, "publication_category")
    themes = enum_labels(Category, lang)  # type: ignore[arg-type]
    assert themes["Verkeer"] in field_html(html, "category") and themes["Recht"] in field_html(
        html, "category"
    )
    assert ("maart 2024" if lang == "nl" else "March 2024") in field_html(html, "begin_date")
    assert "<li>Verkeerde afwijzing</li>" in field_html(html, "risks")
    assert 'href="https://wetten.overheid.nl/BWBR0006622" rel="noopener">Wegenverkeerswet 1994</a>' in html
    assert 'href="https://www.rdw.example/kenteken" rel="noopener">Kentekenregister</a>' in html
    assert "Data Protection Impact Assessment (DPIA)" in field_html(html, "impacttoetsen_grouping")
    for link in ("website", "url", "process_index_url", "publiccode"):
        assert re.search(
            r'<a class="utrecht-link" href="https://[^"]+" rel="noopener">', field_html(html, link)
        )
    assert 'href="mailto:algoritmes@voorbeeld.example"' in field_html(html, "contact_email")
    assert public_id in field_html(html, "lars") and "PARK-001" in field_html(html, "source_id")
    # and the organisation, the version and the JSON links
    assert 'href="/organisaties/gm0001"' in html
    assert f'href="/api/v1/algorithms/{public_id}"' in html
    if lang == "en":
        # Dutch text of the record is marked as Dutch on an English page
        assert (
            '<div class="algoreg-richtext" lang="nl"><p>Een medewerker neemt elk besluit.</p></div>' in html
        )
        assert '<html lang="en"' in html


def test_unfilled_fields_say_so(client: TestClient, publisher: Headers) -> None:
    # given a published algorithm with only the required fields and a goal
    public_id = create(client, publisher, sample_record())
    publish(client, publisher, public_id)
    # when it is read in Dutch and English
    dutch = client.get(f"/algoritme/{public_id}?lang=nl").text
    english = client.get(f"/algoritme/{public_id}?lang=en").text
    # then unfilled fields say so in words
    assert "Niet ingevuld" in field_html(dutch, "risks")
    assert "Not filled in" in field_html(english, "lawful_basis_grouping")
    assert "Not filled in" not in field_html(english, "goal")


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_rich_text_cannot_carry_scripts(client: TestClient, publisher: Headers, lang: str) -> None:
    # given an algorithm stored through the API with an XSS payload in every rich-text field,
    # and markup in its plain-text fields
    record = full_record(
        **dict.fromkeys(RICH_TEXT_FIELDS, XSS),
        name='<script>alert("naam")</script>',
        description_short='"><img src=x onerror=alert(6)>',
        provider="<b onmouseover=alert(7)>Leverancier</b>",
        impacttoetsen_grouping=[{"title": "<script>alert(8)</script>"}],
    )
    public_id = create(client, publisher, record)
    publish(client, publisher, public_id)
    edit(client, publisher, public_id, full_record(**dict.fromkeys(RICH_TEXT_FIELDS, XSS + "<p>Nieuw</p>")))
    publish(client, publisher, public_id)
    # when its pages are read
    pages = [
        client.get(f"/algoritme/{public_id}?lang={lang}").text,
        client.get(f"/algoritme/{public_id}/versie/1?lang={lang}").text,
        client.get(f"/algoritme/{public_id}/verschil?van=1&naar=2&lang={lang}").text,
    ]
    # then nothing executable survives: the only script is the page's own htmx file, no element
    # carries an event handler, and no link or source uses javascript:
    for html in pages:
        elements = ElementCollector.of(html)
        assert [attrs.get("src") for tag, attrs in elements if tag == "script"] == [
            next(attrs["src"] for tag, attrs in elements if tag == "script")
        ]
        assert "/static/vendor/htmx.min.js" in scripts(html)[0]
        for tag, attrs in elements:
            assert tag not in {"iframe", "img", "svg", "style", "object", "embed"}, tag
            assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
            for name in ("href", "src", "action"):
                assert not (attrs.get(name) or "").strip().lower().startswith("javascript:"), attrs
    # and the allowed markup and the text remain, plain text is shown escaped
    old = pages[1]
    for name in RICH_TEXT_FIELDS:
        assert "<p>Uitleg</p>" in field_html(old, name)
    assert "&lt;script&gt;alert(&#34;naam&#34;)&lt;/script&gt;" in old
    assert "&#34;&gt;&lt;img src=x onerror=alert(6)&gt;" in old
    assert "&lt;b onmouseover=alert(7)&gt;Leverancier&lt;/b&gt;" in old


def test_history_lists_every_published_version_with_permalinks(
    client: TestClient, publisher: Headers
) -> None:
    # given an algorithm published twice, and a third version still in concept
    public_id = create(client, publisher, sample_record(name="Parkeren eerste naam"))
    publish(client, publisher, public_id)
    edit(client, publisher, public_id, sample_record(name="Parkeren tweede naam"))
    publish(client, publisher, public_id)
    edit(client, publisher, public_id, sample_record(name="Geheim concept"))
    # when the public reads the algorithm
    html = client.get(f"/algoritme/{public_id}").text
    # then it sees the newest published version and both published versions in the history
    assert "Parkeren tweede naam</h1>" in html
    assert "Geheim concept" not in html
    history = html[html.index('id="version-history"') :]
    assert f'href="/algoritme/{public_id}/versie/1"' in history
    assert '<span aria-current="page">Versie 2</span>' in history
    assert f'href="/algoritme/{public_id}/verschil?van=1&amp;naar=2"' in history
    assert 'for="compare-van"' in html and 'for="compare-naar"' in html
    # and the permalink of version 1 shows that version, says it is old and links to JSON
    old = client.get(f"/algoritme/{public_id}/versie/1")
    assert old.status_code == 200
    assert "Parkeren eerste naam</h1>" in old.text
    assert "Dit is niet de huidige beschrijving." in old.text
    assert f'href="/api/v1/algorithms/{public_id}/versions/1"' in old.text
    assert client.get(f"/algoritme/{public_id}/versie/2").status_code == 200
    # and an unpublished or made-up version number is not found
    for number in ("3", "0", "abc", "99999999999999999999"):
        missing = client.get(f"/algoritme/{public_id}/versie/{number}")
        assert missing.status_code == 404, number
        assert "Geheim concept" not in missing.text


def test_the_difference_shows_inserted_and_deleted_words(client: TestClient, publisher: Headers) -> None:
    # given two published versions with a changed goal, status and theme
    public_id = create(client, publisher, sample_record(goal="<p>Aanvragen snel en eerlijk beoordelen.</p>"))
    publish(client, publisher, public_id)
    edit(
        client,
        publisher,
        public_id,
        sample_record(
            goal="<p>Aanvragen zorgvuldig en eerlijk beoordelen.</p>",
            status="Buiten gebruik",
            category=["Recht"],
        ),
    )
    publish(client, publisher, public_id)
    # when the difference is asked for in English
    response = client.get(f"/algoritme/{public_id}/verschil?van=1&naar=2&lang=en")
    # then deleted and inserted words are marked, and other values are shown before and after
    assert response.status_code == 200
    html = response.text
    assert "<del>snel</del><ins>zorgvuldig</ins>" in visible(html)
    assert "[removed: </span>snel" in html and "[added: </span>zorgvuldig" in html
    assert "(Changed)" in html
    assert "In use" in html and "Out of use" in html
    themes = enum_labels(Category, "en")
    assert f'<li class="utrecht-badge-data">{themes["Verkeer"]}</li>' in html
    assert f'<li class="utrecht-badge-data">{themes["Recht"]}</li>' in html
    assert "Differences between version 1 and version 2" in html
    # and the reverse comparison is possible too
    reverse = client.get(f"/algoritme/{public_id}/verschil?van=2&naar=1")
    assert reverse.status_code == 200 and "<del>zorgvuldig</del><ins>snel</ins>" in visible(reverse.text)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("van=abc&naar=1", "&#39;abc&#39; is geen versienummer."),
        ("van=1&naar=7", "Versie 7 is nooit gepubliceerd."),
        ("van=0&naar=1", "Versie 0 is nooit gepubliceerd."),
        ("van=-1&naar=1", "&#39;-1&#39; is geen versienummer."),
        ("van=1", "Kies een versie."),
        ("van=1&naar=", "Kies een versie."),
        ("van=%25(x)s&naar=1", "&#39;%(x)s&#39; is geen versienummer."),
        ("van=1&naar=99999999999999999999", "is geen versienummer."),
    ],
)
def test_bad_versions_to_compare_are_explained(
    client: TestClient, publisher: Headers, query: str, message: str
) -> None:
    # given a published algorithm
    public_id = create(client, publisher, sample_record())
    publish(client, publisher, public_id)
    # when versions that cannot be compared are asked for
    response = client.get(f"/algoritme/{public_id}/verschil?{query}")
    # then the page says what is wrong next to the field, not a server error
    assert response.status_code == 400
    assert message in response.text
    assert 'aria-invalid="true"' in response.text and "aria-describedby=" in response.text
    assert 'role="alert"' in response.text


def test_without_a_choice_the_newest_change_is_shown(client: TestClient, publisher: Headers) -> None:
    # given two published versions
    public_id = create(client, publisher, sample_record(description_short="Eerste omschrijving hier."))
    publish(client, publisher, public_id)
    edit(client, publisher, public_id, sample_record(description_short="Tweede omschrijving hier."))
    publish(client, publisher, public_id)
    # when the difference page is opened without parameters
    response = client.get(f"/algoritme/{public_id}/verschil")
    # then it compares the newest version with the one before
    assert response.status_code == 200
    assert "Verschillen tussen versie 1 en versie 2" in response.text


@pytest.mark.parametrize("steps", [(), ("submit",), ("submit", "approve")])
def test_concepts_are_not_found(client: TestClient, publisher: Headers, steps: tuple[str, ...]) -> None:
    # given an algorithm that was never published
    public_id = create(client, publisher, sample_record(name="Nooit gepubliceerd"))
    act(client, publisher, public_id, *steps)
    # when the public asks for it, then it is not found and nothing of it leaks
    for url in (
        f"/algoritme/{public_id}",
        f"/algoritme/{public_id}/versie/1",
        f"/algoritme/{public_id}/verschil",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Nooit gepubliceerd" not in response.text
        assert "Er staat geen gepubliceerd algoritme met dit kenmerk in het register." in response.text


@pytest.mark.parametrize("action", ["retract", "archive"])
def test_retracted_and_archived_algorithms_are_not_found(
    client: TestClient, publisher: Headers, action: str
) -> None:
    # given a published algorithm that is then retracted or archived
    public_id = create(client, publisher, sample_record(name="Teruggetrokken algoritme"))
    publish(client, publisher, public_id)
    assert client.get(f"/algoritme/{public_id}").status_code == 200
    act(client, publisher, public_id, action)
    # when the public asks for it or its versions
    for url in (
        f"/algoritme/{public_id}",
        f"/algoritme/{public_id}/versie/1",
        f"/algoritme/{public_id}/verschil?van=1&naar=1",
        f"/algoritme/{public_id}?lang=en",
    ):
        response = client.get(url)
        # then it is not found and its name does not leak
        assert response.status_code == 404, url
        assert "Teruggetrokken algoritme" not in response.text


def test_an_unknown_algorithm_is_not_found_in_both_languages(client: TestClient) -> None:
    # when an unknown id is asked for
    dutch = client.get("/algoritme/00000000?lang=nl")
    english = client.get("/algoritme/does-not-exist?lang=en")
    # then a translated 404 page is shown
    assert dutch.status_code == 404 and "Pagina niet gevonden" in dutch.text
    assert english.status_code == 404 and "There is no published algorithm with this id" in english.text
