"""The catalogue of instruments: the real hulpmiddelen file, an organisation's own, search and links."""

from pathlib import Path
from typing import Any

import pytest
import yaml

from algoreg.errors import InvalidInput
from algoreg.instruments.framework.catalogue import (
    Instrument,
    catalogue_from_data,
    combine_catalogues,
    instruments_serving,
    link_instruments,
    load_catalogue,
    search_instruments,
)
from algoreg.instruments.framework.load import load_framework
from algoreg.instruments.framework.model import Framework
from tests.conftest import reference_file


@pytest.fixture(scope="module")
def path() -> Path:
    return reference_file("algoritmekader", "hulpmiddelen.yaml")


@pytest.fixture(scope="module")
def raw(path: Path) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    return data


@pytest.fixture(scope="module")
def catalogue(path: Path) -> tuple[Instrument, ...]:
    return load_catalogue(path)


@pytest.fixture(scope="module")
def framework() -> Framework:
    return load_framework(reference_file("task-registry"))


OWN = """
- id: eigen-biastoets
  title: Werkwijze biastoets coöperatie
  toelichting: Onze eigen stappen voor een biastoets bij risicoselectie, met de Algoreg-analyse.
  categorie: [handreiking]
  vereiste: [grw-02-non-discriminatie, urn:nl:ak:ver:aia-05]
  maatregel: [5-ver-03-biasanalyse, 9-xyz-99-verzonnen]
  levenscyclus: [verificatie-en-validatie]
  onderwerp: [bias-en-non-discriminatie]
  rollen: [ontwikkelaar]
  url: https://intranet.example.org/biastoets
"""


def test_the_28_instruments_load_with_their_fields(
    catalogue: tuple[Instrument, ...], raw: list[dict[str, Any]]
) -> None:
    assert len(catalogue) == 28
    assert [instrument.title for instrument in catalogue] == [entry["title"] for entry in raw]
    assert len({instrument.id for instrument in catalogue}) == 28
    aiia = next(instrument for instrument in catalogue if instrument.id == "AIIA")
    assert aiia.title == "AI Impact Assessment (AIIA)"
    assert aiia.categories == ("handreiking", "impact-assessment")
    assert aiia.requirement_refs == ("aia-14-conformiteitsbeoordeling", "awb-01-zorgvuldigheidsbeginsel")
    assert len(aiia.measure_refs) == 15 and aiia.measure_refs[0] == "1-pba-03-onderbouwen-gebruik-algoritme"
    assert aiia.source_path == "docs/voldoen-aan-wetten-en-regels/hulpmiddelen/AIIA.md"
    assert aiia.origin == "algoritmekader"


def test_absent_null_and_empty_list_items_become_empty(catalogue: tuple[Instrument, ...]) -> None:
    by_id = {instrument.id: instrument for instrument in catalogue}
    assert by_id["aanpak-begeleidingsethiek"].categories == ()  # categorie: null
    assert by_id["aanpak-begeleidingsethiek"].requirement_refs == ()  # no vereiste at all
    assert by_id["Impactanalyse-AI-verordening"].requirement_refs == ()  # vereiste: [null]
    assert by_id["genAI-compliance-FAQ"].measure_refs == ()  # maatregel: null


@pytest.mark.parametrize(
    ("criterion", "value", "key"),
    [
        ("phase", "uitfaseren", "levenscyclus"),
        ("topic", "bias-en-non-discriminatie", "onderwerp"),
        ("role", "ontwikkelaar", "rollen"),
        ("category", "factsheet", "categorie"),
    ],
)
def test_each_filter_keeps_the_instruments_that_list_the_value(
    catalogue: tuple[Instrument, ...], raw: list[dict[str, Any]], criterion: str, value: str, key: str
) -> None:
    found = search_instruments(catalogue, **{criterion: value})
    assert [i.title for i in found] == [entry["title"] for entry in raw if value in (entry.get(key) or [])]


def test_filters_by_hand(catalogue: tuple[Instrument, ...]) -> None:
    assert [i.title for i in search_instruments(catalogue, phase="uitfaseren")] == [
        "Functioneringsgesprek AI",
        "Governancekader AI en algoritmen voor en door gemeenten",
    ]
    assert len(search_instruments(catalogue, role="ontwikkelaar")) == 12
    assert len(search_instruments(catalogue, category="factsheet")) == 5
    assert [
        i.id for i in search_instruments(catalogue, topic="Bias-en-non-discriminatie", role="ontwikkelaar")
    ] == [
        "handreiking-non-discriminatie",
        "standaarden",
    ]
    # several values of one criterion are alternatives
    either = search_instruments(catalogue, category=["roadmap", "standaard"])
    assert [i.id for i in either] == ["roadmap-inwerkingtreding-AI-verordening", "standaarden"]
    assert search_instruments(catalogue) == list(catalogue)
    assert search_instruments(catalogue, phase="bestaat-niet") == []


def test_text_search_ignores_case_and_diacritics_and_needs_every_word(
    catalogue: tuple[Instrument, ...],
) -> None:
    # given
    own = catalogue_from_data(yaml.safe_load(OWN), "organisation")
    everything = combine_catalogues(catalogue, own)

    # then
    assert [i.title for i in search_instruments(everything, "GELETTERDHEID")] == [
        "AI-Geletterdheid Self-assessment",
        "Blauwdruk AI-geletterdheidsprogramma",
        "Factsheet AI-geletterdheid voor bestuurders",
        "Factsheet AI-geletterdheid voor inkopers",
        "Wettelijke vereisten AI-geletterdheid",
    ]
    assert [i.id for i in search_instruments(everything, "cooperatie")] == ["eigen-biastoets"]
    assert [i.id for i in search_instruments(everything, "Coöperatie biastoets risicoselectie")] == [
        "eigen-biastoets"
    ]
    assert search_instruments(everything, "coöperatie impact") == []
    assert [
        i.id for i in search_instruments(everything, "geletterdheid", role="jurist", phase="probleemanalyse")
    ] == ["wettelijke-vereisten-AI-geletterdheid"]


def test_an_organisations_own_instruments_are_combined_and_ids_must_differ(
    catalogue: tuple[Instrument, ...],
) -> None:
    own = catalogue_from_data(yaml.safe_load(OWN), "organisation", where="eigen.yaml")
    assert own[0].origin == "organisation" and own[0].url == "https://intranet.example.org/biastoets"
    assert len(combine_catalogues(catalogue, own)) == 29

    clash = catalogue_from_data([{"id": "AIIA", "title": "Onze AIIA"}], "organisation")
    with pytest.raises(InvalidInput) as refused:
        combine_catalogues(catalogue, clash)
    assert refused.value.problems[0].field == "instruments.AIIA"


def test_malformed_entries_are_refused_with_their_place(tmp_path: Path) -> None:
    path = tmp_path / "eigen.yaml"
    path.write_text(
        "- title: Een\n  rollen: {jurist: ja}\n- toelichting: zonder titel\n- title: Twee\n- title: twee\n"
    )

    with pytest.raises(InvalidInput) as refused:
        load_catalogue(path, origin="organisation")

    fields = [problem.field for problem in refused.value.problems]
    assert fields == [f"{path}: [0].rollen", f"{path}: [1].title", f"{path}: [3]"]
    assert refused.value.problems[2].reason == "has the id 'twee' of entry 2"
    with pytest.raises(InvalidInput):
        catalogue_from_data({"title": "not a list"}, "organisation")


def test_links_resolve_against_the_framework_and_dangling_ids_are_reported(
    catalogue: tuple[Instrument, ...], framework: Framework, raw: list[dict[str, Any]]
) -> None:
    # given: every id the task registry has, straight from its file names
    registry = reference_file("task-registry")
    requirement_ids = {p.stem for p in (registry / "requirements").glob("*.yaml")}
    measure_ids = {p.stem for p in (registry / "measures").glob("*.yaml")}

    # when
    links = {link.instrument_id: link for link in link_instruments(framework, catalogue)}

    # then
    dangling = [(i.id, ref) for i in catalogue for ref in i.measure_refs if ref not in measure_ids]
    assert [(key, ref) for key, link in links.items() for ref in link.dangling_measures] == dangling
    assert len(dangling) == 29
    assert ("AI-Geletterdheid-self-assessment", "0-org-16-bewustwording-en-opleiding") in dangling
    assert all(not link.dangling_requirements for link in links.values())
    assert all(set(link.requirement_ids) <= requirement_ids for link in links.values())
    assert all(not link.dangling_phases and not link.dangling_roles for link in links.values())
    assert links["handreiking-non-discriminatie"].measure_ids == (
        "3-dat-01-datakwaliteit",
        "5-ver-03-biasanalyse",
        "6-imp-02-aselecte-steekproeven",
    )
    assert links["handreiking-non-discriminatie"].requirement_ids == (
        "grw-01-fundamentele-rechten",
        "grw-02-non-discriminatie",
        "aia-04-risicobeoordeling-voor-jongeren-en-kwetsbaren",
    )
    serving = instruments_serving(list(links.values()), measure_id="5-ver-03-biasanalyse")
    assert serving == [
        e["source_path"].rsplit("/", 1)[-1][:-3]
        for e in raw
        if "5-ver-03-biasanalyse" in (e.get("maatregel") or [])
    ]


def test_an_organisations_instrument_may_name_items_by_urn(framework: Framework) -> None:
    own = catalogue_from_data(yaml.safe_load(OWN), "organisation")

    (link,) = link_instruments(framework, own)

    assert link.requirement_ids == ("grw-02-non-discriminatie", "aia-05-data-kwaliteitscriteria")
    assert link.measure_ids == ("5-ver-03-biasanalyse",)
    assert link.dangling_measures == ("9-xyz-99-verzonnen",)
    assert instruments_serving([link], requirement_id="aia-05-data-kwaliteitscriteria") == ["eigen-biastoets"]
