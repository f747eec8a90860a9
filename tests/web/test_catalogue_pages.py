"""The public catalogue of instruments on the real app, over the Algoritmekader's own hulpmiddelen.yaml and
organisations' own instruments: every instrument listed with its origin, search by text, filters (origin
included), links to the requirements and measures it serves."""

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.session import transaction
from algoreg.instruments.framework import own_instruments
from algoreg.instruments.framework.catalogue import load_catalogue, search_instruments
from algoreg.instruments.framework.own_instruments import OwnInstrumentIn
from algoreg.register.roles import SYSTEM
from tests.conftest import reference_file
from tests.instruments.framework_tasks_support import import_official, official_framework
from tests.web.test_bias_report_pages import text_of


@pytest.fixture
def catalogue_file() -> Path:
    return reference_file("algoritmekader", "hulpmiddelen.yaml")


def configure(client: TestClient, path: Path | None) -> None:
    app = client.app
    app.state.settings = app.state.settings.model_copy(update={"catalogue_file": path})  # type: ignore[attr-defined]


def listed(page_html: str) -> list[str]:
    return re.findall(r'<li class="algoreg-result" id="instrument-([^"]+)"', page_html)


def test_every_instrument_is_listed_and_search_and_filters_narrow_the_list(
    client: TestClient, catalogue_file: Path
) -> None:
    configure(client, catalogue_file)
    instruments = load_catalogue(catalogue_file)
    everything = client.get("/hulpmiddelen")
    assert everything.status_code == 200
    assert listed(everything.text) == [instrument.id for instrument in instruments]
    assert f"{len(instruments)} hulpmiddelen gevonden" in text_of(everything)
    # text is searched regardless of case and diacritics
    found = client.get("/hulpmiddelen?q=GELETTERDHEID")
    expected = [item.id for item in search_instruments(instruments, "geletterdheid")]
    assert expected and listed(found.text) == expected
    # each filter narrows the list as the catalogue's own search does, and keeps the choice
    first = instruments[0]
    for param, value, keyword in (
        ("fase", first.phases[0], "phase"),
        ("onderwerp", first.topics[0], "topic"),
        ("rol", first.roles[0], "role"),
        ("categorie", first.categories[0], "category"),
    ):
        page = client.get("/hulpmiddelen", params={param: value})
        wanted = [item.id for item in search_instruments(instruments, **{keyword: value})]
        assert listed(page.text) == wanted and len(wanted) < len(instruments), param
        assert re.search(rf'<option value="{re.escape(value)}" lang="nl" selected', page.text), param
    nothing = client.get("/hulpmiddelen?q=zzzonbekendzzz")
    assert "Geen hulpmiddelen gevonden." in text_of(nothing) and not listed(nothing.text)
    english = client.get("/hulpmiddelen?lang=en")
    assert f"{len(instruments)} instruments found" in text_of(english)


def test_instruments_link_to_the_requirements_and_measures_they_serve(
    client: TestClient, catalogue_file: Path, factory: sessionmaker[Session]
) -> None:
    configure(client, catalogue_file)
    instrument = next(item for item in load_catalogue(catalogue_file) if item.requirement_refs)
    # without the framework the references are shown as written
    before = client.get("/hulpmiddelen")
    block = before.text.split(f'id="instrument-{instrument.id}"', 1)[1].split("</li>\n", 1)[0]
    assert instrument.requirement_refs[0] in block
    # with it, each resolves to the requirement's code, name and page
    import_official(factory, tree=False)
    requirement = official_framework().find_requirements(instrument.requirement_refs[0])[0]
    after = client.get("/hulpmiddelen")
    block = after.text.split(f'id="instrument-{instrument.id}"', 1)[1].split('<li class="algoreg-result"', 1)[
        0
    ]
    assert f'href="{requirement.url}">{requirement.code}</a>' in block
    assert requirement.name in block
    # and the phase filter shows the phases' names from the framework
    phase = official_framework().phases[0]
    assert f">{phase.name}</option>" in after.text


def test_without_a_catalogue_or_with_a_broken_one_the_page_says_so(
    client: TestClient, tmp_path: Path
) -> None:
    configure(client, None)
    missing = client.get("/hulpmiddelen")
    assert missing.status_code == 200 and 'id="catalogue-not-configured"' in missing.text
    broken = tmp_path / "hulpmiddelen.yaml"
    broken.write_text("- title: [niet, goed\n", encoding="utf-8")
    configure(client, broken)
    page = client.get("/hulpmiddelen")
    assert page.status_code == 200 and 'id="catalogue-unreadable"' in page.text


def test_own_instruments_appear_with_their_origin_and_the_origin_filter_picks_them(
    client: TestClient, catalogue_file: Path, factory: sessionmaker[Session], make_organisation: Any
) -> None:
    # given the Algoritmekader's file and two organisations' own instruments, one of them retired
    configure(client, catalogue_file)
    instruments = load_catalogue(catalogue_file)
    make_organisation("gm0001", "Gemeente Een")
    make_organisation("gm0002", "Gemeente Twee")
    with transaction(factory) as session:
        for code, title in (("gm0001", "Werkwijze biastoets"), ("gm0002", "Werkwijze biastoets")):
            given = OwnInstrumentIn(title=title, description="Eigen stappen", topics=("bias",))
            own_instruments.add_own_instrument(session, SYSTEM, code, given)
        own_instruments.add_own_instrument(session, SYSTEM, "gm0001", OwnInstrumentIn(title="Oud"))
        own_instruments.retire_own_instrument(session, SYSTEM, "gm0001", "oud")

    # when
    everything = client.get("/hulpmiddelen")

    # then the file's instruments come first, then the organisations' current ones, by name
    keys = [item.id for item in instruments] + ["gm0001:werkwijze-biastoets", "gm0002:werkwijze-biastoets"]
    assert listed(everything.text) == keys
    block = everything.text.split('id="instrument-gm0002:werkwijze-biastoets"', 1)[1].split("</li>", 1)[0]
    assert 'href="/organisaties/gm0002" lang="nl">Gemeente Twee</a>' in block
    first = everything.text.split(f'id="instrument-{instruments[0].id}"', 1)[1].split("</li>", 1)[0]
    assert "Algoritmekader</dd>" in first
    # the origin filter offers the Algoritmekader and each organisation, and narrows the list
    options = re.findall(
        r'<option value="([^"]*)" lang="nl"[^>]*>([^<]*)</option>',
        everything.text.split('id="catalogue-herkomst"', 1)[1].split("</select>", 1)[0],
    )
    assert options == [
        ("algoritmekader", "Algoritmekader"),
        ("gm0001", "Gemeente Een"),
        ("gm0002", "Gemeente Twee"),
    ]
    one = client.get("/hulpmiddelen", params={"herkomst": "gm0002"})
    assert listed(one.text) == ["gm0002:werkwijze-biastoets"]
    assert '<option value="gm0002" lang="nl" selected>' in one.text
    official = client.get("/hulpmiddelen", params={"herkomst": "algoritmekader", "q": "werkwijze"})
    assert listed(official.text) == []
    assert listed(client.get("/hulpmiddelen", params={"q": "eigen stappen"}).text) == keys[-2:]
    assert "Herkomst" in text_of(everything) and "Origin" in text_of(client.get("/hulpmiddelen?lang=en"))


def test_without_a_file_the_organisations_own_instruments_are_shown(
    client: TestClient, factory: sessionmaker[Session], make_organisation: Any, tmp_path: Path
) -> None:
    make_organisation("gm0001", "Gemeente Een")
    with transaction(factory) as session:
        own_instruments.add_own_instrument(session, SYSTEM, "gm0001", OwnInstrumentIn(title="Eigen"))
    configure(client, None)
    page = client.get("/hulpmiddelen")
    assert 'id="catalogue-not-configured"' not in page.text and listed(page.text) == ["gm0001:eigen"]
    broken = tmp_path / "hulpmiddelen.yaml"
    broken.write_text("- title: [niet, goed\n", encoding="utf-8")
    configure(client, broken)
    page = client.get("/hulpmiddelen")
    assert 'id="catalogue-unreadable"' in page.text and listed(page.text) == ["gm0001:eigen"]
