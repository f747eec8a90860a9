"""The public catalogue of instruments on the real app, over the Algoritmekader's own hulpmiddelen.yaml:
every instrument listed, search by text, filters, links to the requirements and measures it serves."""

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from algoreg.instruments.framework.catalogue import load_catalogue, search_instruments
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
