"""Public search: Dutch stemming, facets with counts, sorting, pages, odd input, and an index that
follows publication, retraction and archiving."""

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.models import SearchEntry
from algoreg.db.session import transaction
from algoreg.register import algorithms
from algoreg.register.roles import SYSTEM
from algoreg.register.search import (
    Facet,
    SearchQuery,
    SearchResult,
    SortOrder,
    count_matches,
    matching_records,
    search,
)
from algoreg.register.search_index import rebuild_search_index
from algoreg.register.search_text import fts5_query, plain_text, query_words, searchable_text, tsquery
from algoreg.register.workflow import Action
from tests.samples import sample_record

Factory = sessionmaker[Session]

PUBLISH = (Action.SUBMIT, Action.APPROVE, Action.PUBLISH)


def register(factory: Factory, org: str = "gm0001", *actions: Action, **overrides: Any) -> str:
    """Register an algorithm of ``org`` and take ``actions`` (default: publish it)."""
    with transaction(factory) as session:
        organisation_name = {
            "gm0001": "Gemeente Voorbeeld",
            "pv0001": "Provincie Proef",
            "mn0001": "Ministerie X",
        }
        record = sample_record(organization=organisation_name[org], **overrides)
        public_id = algorithms.create_algorithm(session, SYSTEM, org, record).public_id
    for action in actions or PUBLISH:
        with transaction(factory) as session:
            algorithms.perform(session, SYSTEM, public_id, action)
    return public_id


def find(factory: Factory, text: str = "", **kwargs: Any) -> SearchResult:
    filters = {Facet(k): tuple(v) for k, v in kwargs.pop("filters", {}).items()}
    with transaction(factory) as session:
        return search(session, SearchQuery(text=text, filters=filters, **kwargs))


def names(result: SearchResult) -> list[str]:
    return [item.name for item in result.items]


def counts(result: SearchResult, facet: Facet) -> dict[str, int]:
    return {value.value: value.count for value in result.facet(facet).values}


@pytest.fixture
def orgs(make_organisation: Callable[..., str]) -> None:
    make_organisation("gm0001", "Gemeente Voorbeeld", "gemeente")
    make_organisation("pv0001", "Provincie Proef", "provincie")
    make_organisation("mn0001", "Ministerie X", "ministerie")


# --- text ----------------------------------------------------------------------------------------


def test_searchable_text_strips_markup_and_takes_every_text_field() -> None:
    # given a record with rich text, groupings and themes
    record = sample_record(
        goal="<p>Eerste</p><p>tweede&amp;derde</p>",
        impacttoetsen_grouping=[{"title": "DPIA"}],
        tags="<ul><li>parkeren</li></ul>",
        category=["Verkeer", "Wonen"],
    )
    # when its searchable text is taken
    text = searchable_text(record)
    # then markup is gone without gluing words, and every part is there
    assert plain_text("<p>Eerste</p><p>tweede</p>") == "Eerste tweede"
    assert "Eerste tweede&derde" in text.body and "DPIA" in text.body
    assert text.name == "Controle parkeervergunningen"
    assert "parkeren" in text.summary and "Wonen" in text.summary and "Gemeente Voorbeeld" in text.summary


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "'",
        "*",
        "OR",
        "AND NOT",
        "NEAR(",
        "); DROP TABLE algorithm; --",
        "a:*|b",
        "\\",
        "^",
        "é",
        "🙂",
        "ü∂ß",
    ],
)
def test_query_words_hold_nothing_but_letters_and_digits(query: str) -> None:
    # when odd input is reduced to words
    words = query_words(query)
    # then the engines' query texts contain only words and our own operators
    for word in words:
        assert word.isalnum()
    assert all(ch.isalnum() or ch in ' "*' for ch in fts5_query(words).replace(" AND ", " "))
    assert all(ch.isalnum() or ch in " &:*" for ch in tsquery(words))


# --- searching -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "query"),
    [
        ("Verlenging van vergunningen", "vergunning"),
        ("Aanvraag van een vergunning", "vergunningen"),
        ("Controle van uitkeringen", "uitkering"),
        ("Beoordeling van aanvragen", "beoordelen"),
        ("Heffing van belastingen", "belasting"),
        ("Wij controleren aanvragen", "controle"),
        ("Toekenning van toeslagen", "toeslag"),
    ],
)
def test_a_word_finds_its_dutch_inflections(factory: Factory, orgs: None, document: str, query: str) -> None:
    # given a published algorithm whose name holds an inflected word, and one that does not
    register(factory, name=document, description_short="Een beschrijving.", goal=None)
    register(factory, name="Iets heel anders", description_short="Geen overeenkomst.", goal=None)
    # when the other form of the word is searched for
    result = find(factory, query)
    # then the algorithm is found, and only it
    assert names(result) == [document]


def test_every_word_of_a_query_must_match_and_empty_finds_all(factory: Factory, orgs: None) -> None:
    # given three published algorithms
    register(factory, name="Parkeervergunningen controleren")
    register(factory, name="Bijstand aanvragen", description_short="Bijstandsaanvragen beoordelen.")
    register(factory, name="Toeslagen berekenen", description_short="Berekening van toeslagen.")
    # when searching for two words, one word, stop words only, or nothing
    # then all words must be present; nothing (or only stop words) finds everything
    assert names(find(factory, "bijstand beoordelen")) == ["Bijstand aanvragen"]
    assert find(factory, "bijstand toeslagen").total == 0
    assert find(factory, "").total == 3
    assert find(factory, "de het een").total == 3


def test_other_fields_organisation_and_tags_are_searched(factory: Factory, orgs: None) -> None:
    # given algorithms with words only in their risks, tags, or organisation
    register(factory, name="Eerste", risks="<p>Kans op discriminatie</p>")
    register(factory, name="Tweede", tags="wegbeheer")
    register(factory, "pv0001", name="Derde")
    # then each is found by that word
    assert names(find(factory, "discriminatie")) == ["Eerste"]
    assert names(find(factory, "wegbeheer")) == ["Tweede"]
    assert names(find(factory, "provincie")) == ["Derde"]


def test_name_matches_rank_above_matches_in_the_body(factory: Factory, orgs: None) -> None:
    # given one algorithm that mentions a word in passing, and one named after it
    register(factory, name="Aaa bijzaak", goal="<p>Het gaat soms over fraude.</p>")
    register(factory, name="Fraudesignalering", description_short="Signalen van fraude.")
    # when searching for that word by relevance
    result = find(factory, "fraude")
    # then the one named after it comes first (even though 'Aaa' sorts first by name)
    assert names(result) == ["Fraudesignalering", "Aaa bijzaak"]
    assert result.sort is SortOrder.RELEVANCE
    assert names(find(factory, "fraude", sort=SortOrder.NAME)) == ["Aaa bijzaak", "Fraudesignalering"]


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "'",
        "*",
        "OR",
        "NEAR(",
        "NEAR(a b",
        '"vergunning',
        "); DROP TABLE search_entry; --",
        "a OR b AND",
        "-",
        ":*",
        "!",
        "&|",
        "✓ ünïcödé 漢字",
        "x" * 5000,
        "'; select 1; --",
        "term:*",
        "NOT",
        "^",
        "()",
    ],
)
def test_odd_queries_never_error(factory: Factory, orgs: None, query: str) -> None:
    # given a published algorithm
    register(factory)
    # when searching with syntax characters, operators, SQL or unicode
    result = find(factory, query, filters={"status": ["'); DROP TABLE x; --"]})
    # then there is a result (possibly empty) and the register is intact
    assert result.total >= 0
    assert find(factory, "").total == 1


def test_words_in_operator_spelling_are_searched_as_words(factory: Factory, orgs: None) -> None:
    # given an algorithm with a word that looks like an operator
    register(factory, name="Near and far", description_short="Or something else.")
    # then searching for it finds it
    assert find(factory, "near").total == 1
    assert find(factory, "NEAR(").total == 1


# --- facets --------------------------------------------------------------------------------------


@pytest.fixture
def varied(factory: Factory, orgs: None) -> None:
    register(
        factory,
        name="A1",
        status="In gebruik",
        category=["Verkeer"],
        publication_category="Impactvolle algoritmes",
    )
    register(
        factory,
        name="A2",
        status="In ontwikkeling",
        category=["Verkeer", "Wonen"],
        publication_category="Hoog-risico AI-systeem",
        impacttoetsen_grouping=[{"title": "DPIA"}, {"title": "IAMA"}],
    )
    register(
        factory,
        "pv0001",
        name="B1",
        status="In gebruik",
        category=["Wonen"],
        publication_category="Overige algoritmes",
        impacttoetsen_grouping=[{"title": "DPIA"}],
    )
    register(
        factory,
        "mn0001",
        name="C1",
        status="Buiten gebruik",
        category=None,
        publication_category="Impactvolle algoritmes",
    )


def test_facet_counts_without_filters(factory: Factory, varied: None) -> None:
    # when searching everything
    result = find(factory)
    # then every facet counts the whole register
    assert result.total == 4
    assert counts(result, Facet.ORGANISATION) == {"gm0001": 2, "pv0001": 1, "mn0001": 1}
    assert counts(result, Facet.KIND) == {"ministerie": 1, "provincie": 1, "gemeente": 2}
    assert counts(result, Facet.THEME) == {"Verkeer": 2, "Wonen": 2}
    assert counts(result, Facet.STATUS) == {"In ontwikkeling": 1, "In gebruik": 2, "Buiten gebruik": 1}
    assert counts(result, Facet.CATEGORY) == {
        "Hoog-risico AI-systeem": 1,
        "Impactvolle algoritmes": 2,
        "Overige algoritmes": 1,
    }
    assert counts(result, Facet.ASSESSMENT) == {"yes": 2, "no": 2}
    assert counts(result, Facet.ASSESSMENT_TITLE) == {"DPIA": 2, "IAMA": 1}
    assert next(v.label for v in result.facet(Facet.ORGANISATION).values) == "Gemeente Voorbeeld"


def test_values_within_a_facet_or_and_facets_and(factory: Factory, varied: None) -> None:
    # when two themes are selected, then either theme is enough
    assert sorted(names(find(factory, filters={"theme": ["Verkeer", "Wonen"]}))) == ["A1", "A2", "B1"]
    # when a theme and a status are selected, then both must hold
    assert names(find(factory, filters={"theme": ["Wonen"], "status": ["In gebruik"]})) == ["B1"]
    # and kind, assessment and assessment title filter too
    assert names(find(factory, filters={"kind": ["ministerie"]})) == ["C1"]
    assert sorted(names(find(factory, filters={"assessment": ["yes"]}))) == ["A2", "B1"]
    assert sorted(names(find(factory, filters={"assessment": ["no"]}))) == ["A1", "C1"]
    assert find(factory, filters={"assessment": ["yes", "no"]}).total == 4
    assert names(find(factory, filters={"assessment_title": ["IAMA"]})) == ["A2"]
    assert find(factory, filters={"organisation": ["gm0001", "pv0001"]}).total == 3


def test_a_facets_counts_apply_the_other_filters_but_not_its_own(factory: Factory, varied: None) -> None:
    # when one status and one organisation are selected
    result = find(factory, filters={"status": ["In gebruik"], "organisation": ["gm0001"]})
    # then the result is their intersection
    assert names(result) == ["A1"]
    # and the status counts apply only the organisation filter (gm0001 has A1 in use, A2 in development)
    assert counts(result, Facet.STATUS) == {"In ontwikkeling": 1, "In gebruik": 1}
    # and the organisation counts apply only the status filter (A1 and B1 are in use)
    assert counts(result, Facet.ORGANISATION) == {"gm0001": 1, "pv0001": 1}
    # and the other facets apply both
    assert counts(result, Facet.THEME) == {"Verkeer": 1}
    selected = {v.value for v in result.facet(Facet.STATUS).values if v.selected}
    assert selected == {"In gebruik"}


def test_facets_follow_the_text_query(factory: Factory, varied: None) -> None:
    # given an extra algorithm with a distinct word
    register(factory, "pv0001", name="Bijzondere zoekterm", status="In gebruik")
    # when searching for it
    result = find(factory, "zoektermen")
    # then the counts cover only that match
    assert result.total == 1
    assert counts(result, Facet.ORGANISATION) == {"pv0001": 1}
    assert counts(result, Facet.STATUS) == {"In gebruik": 1}


def test_selected_values_without_matches_stay_visible(factory: Factory, varied: None) -> None:
    # when a selection leaves nothing
    result = find(factory, "a1", filters={"status": ["Buiten gebruik"]})
    # then there are no results but the selected value is still offered, with its count
    assert result.total == 0 and result.items == []
    status = {v.value: (v.count, v.selected) for v in result.facet(Facet.STATUS).values}
    assert status["Buiten gebruik"] == (0, True)


def test_english_labels_of_the_standards_values(factory: Factory, varied: None) -> None:
    # when searching in English
    with transaction(factory) as session:
        result = search(session, SearchQuery(), lang="en")
    # then enum values stay as the standard spells them, with English labels
    status = {v.value: v.label for v in result.facet(Facet.STATUS).values}
    assert status["In gebruik"] != "In gebruik" and "In gebruik" in status
    assert all(item.status_label != item.status for item in result.items)


# --- sorting and pages -----------------------------------------------------------------------------


def test_sorting_by_name_and_newest_and_pages(factory: Factory, orgs: None) -> None:
    # given 25 published algorithms, published one after another
    for number in range(25):
        register(factory, name=f"Algoritme {number:02d}")
    # when sorting by name, page 2
    page_two = find(factory, sort=SortOrder.NAME, page=2)
    # then it holds items 21 to 25
    assert page_two.total == 25 and page_two.page.count == 2
    assert names(page_two) == [f"Algoritme {n:02d}" for n in range(20, 25)]
    assert (page_two.page.first_item, page_two.page.last_item) == (21, 25)
    assert page_two.page.has_previous and not page_two.page.has_next
    # and the newest first puts the last published first
    assert names(find(factory, sort=SortOrder.NEWEST))[0] == "Algoritme 24"
    # and a page beyond the last gives the last, a page below one the first
    assert find(factory, sort=SortOrder.NAME, page=99).page.number == 2
    assert find(factory, sort=SortOrder.NAME, page=-3).page.number == 1
    # and relevance without words falls back to the name
    assert find(factory, sort=SortOrder.RELEVANCE).sort is SortOrder.NAME


def test_page_window_marks_gaps() -> None:
    from algoreg.register.search import PageInfo

    assert PageInfo(5, 20, 10, 81, 100).window() == [1, None, 3, 4, 5, 6, 7, None, 10]
    assert PageInfo(1, 20, 1, 1, 3).window() == [1]
    assert PageInfo(1, 20, 0, 0, 0).window() == []


# --- the index follows the register ----------------------------------------------------------------


def entries(factory: Factory) -> int:
    with transaction(factory) as session:
        return int(session.scalar(select(func.count()).select_from(SearchEntry)) or 0)


def test_index_follows_publish_retract_archive_and_unarchive(factory: Factory, orgs: None) -> None:
    # given a concept: not searchable
    public_id = register(factory, "gm0001", Action.SUBMIT, name="Woningtoewijzing")
    assert find(factory, "woning").total == 0 and entries(factory) == 0
    # when it is published, then it is found
    for action in (Action.APPROVE, Action.PUBLISH):
        with transaction(factory) as session:
            algorithms.perform(session, SYSTEM, public_id, action)
    assert names(find(factory, "woningen")) == ["Woningtoewijzing"]
    # when it is retracted, then it is gone
    with transaction(factory) as session:
        algorithms.perform(session, SYSTEM, public_id, Action.RETRACT)
    assert find(factory, "woning").total == 0 and entries(factory) == 0
    # when it is edited and published again, then the new version is found, not the old
    with transaction(factory) as session:
        lock = algorithms.view(session, SYSTEM, public_id).lock_version
        algorithms.update_algorithm(session, SYSTEM, public_id, sample_record(name="Huurtoeslag"), lock)
    assert find(factory, "woning").total == 0
    for action in PUBLISH:
        with transaction(factory) as session:
            algorithms.perform(session, SYSTEM, public_id, action)
    assert find(factory, "woning").total == 0 and names(find(factory, "huurtoeslagen")) == ["Huurtoeslag"]
    # when it is archived, then it is gone; unarchived, it is back
    with transaction(factory) as session:
        algorithms.perform(session, SYSTEM, public_id, Action.ARCHIVE)
    assert find(factory).total == 0
    with transaction(factory) as session:
        algorithms.perform(session, SYSTEM, public_id, Action.UNARCHIVE)
    assert names(find(factory)) == ["Huurtoeslag"]


def test_a_new_draft_keeps_the_public_version_searchable(factory: Factory, orgs: None) -> None:
    # given a published algorithm
    public_id = register(factory, name="Openbare versie")
    # when a new version is saved but not published
    with transaction(factory) as session:
        lock = algorithms.view(session, SYSTEM, public_id).lock_version
        algorithms.update_algorithm(session, SYSTEM, public_id, sample_record(name="Concept versie"), lock)
        algorithms.perform(session, SYSTEM, public_id, Action.SUBMIT)
    # then search still shows the public version
    assert names(find(factory)) == ["Openbare versie"]


def test_search_shows_what_list_published_shows(factory: Factory, varied: None) -> None:
    # given a concept and a retracted algorithm beside the published ones
    register(factory, "gm0001", Action.SUBMIT, name="Concept")
    retracted = register(factory, name="Ingetrokken")
    with transaction(factory) as session:
        algorithms.perform(session, SYSTEM, retracted, Action.RETRACT)
    # then search and the public list agree
    with transaction(factory) as session:
        listed = {item.public_id for item in algorithms.list_published(session, limit=100).items}
        found = {item.public_id for item in search(session, SearchQuery(page_size=100)).items}
    assert listed == found and len(found) == 4


def test_rebuild_gives_the_same_index(factory: Factory, varied: None) -> None:
    # given the index kept by the workflow
    before = find(factory, "a1")
    with transaction(factory) as session:
        assert rebuild_search_index(session) == 4
    # when rebuilt from scratch, then searches give the same answers
    after = find(factory, "a1")
    assert names(before) == names(after) == ["A1"]
    assert find(factory).facets == find(factory).facets
    assert entries(factory) == 4


def test_matching_records_are_the_public_records(factory: Factory, varied: None) -> None:
    # when the records of a search are taken
    with transaction(factory) as session:
        query = SearchQuery(filters={Facet.ORGANISATION: ("gm0001",)}, sort=SortOrder.NAME)
        records = list(matching_records(session, query))
        expected = [algorithms.get_published(session, r["lars"]).record for r in records]
        assert count_matches(session, query) == 2
        limited = list(matching_records(session, SearchQuery(), limit=3))
    # then they are exactly what the public API gives, in the search's order, within the limit
    assert [r["name"] for r in records] == ["A1", "A2"]
    assert records == expected
    assert len(limited) == 3


# --- migration and benchmark -----------------------------------------------------------------------


def test_migration_fills_the_index_from_what_is_public(tmp_path: Any) -> None:
    from alembic import command

    from algoreg.db.migrate import alembic_config, migrate
    from algoreg.db.session import make_engine, session_factory
    from algoreg.register.organisations import OrganisationIn, OrganisationKind, create_organisation

    # given a register with one published algorithm, taken back to the schema before search
    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    migrate(engine)
    factory = session_factory(engine)
    with transaction(factory) as session:
        create_organisation(
            session,
            SYSTEM,
            OrganisationIn(code="gm0001", name="Gemeente Voorbeeld", kind=OrganisationKind.GEMEENTE),
        )
    register(factory, name="Vergunningen verlenen")
    with engine.begin() as connection:
        config = alembic_config(str(engine.url))
        config.attributes["connection"] = connection
        command.downgrade(config, "0002")
    # when it is migrated to the newest schema again
    migrate(engine)
    # then the index holds the published algorithm
    assert names(find(factory, "vergunning")) == ["Vergunningen verlenen"]
    engine.dispose()


def test_the_benchmark_runs_with_tiny_numbers() -> None:
    import importlib.util
    from pathlib import Path

    # given the search benchmark
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "search.py"
    spec = importlib.util.spec_from_file_location("search_benchmark", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # when it runs on a few rows with a few requests
    results = module.main(["--rows", "40", "--database", "sqlite", "--requests", "5", "--concurrency", "2"])
    # then it measured the search page and the framework's ceiling
    figures = results["sqlite"]
    assert figures["median_ms"] > 0 and figures["search_rps"] > 0 and figures["health_rps"] > 0
