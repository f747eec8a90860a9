"""Search totals, facet counts and pages agree with counting the register by hand, for many selections."""

import random
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.session import transaction
from algoreg.register import algorithms
from algoreg.register.roles import SYSTEM
from algoreg.register.search import Facet, SearchQuery, SortOrder, search
from algoreg.register.workflow import Action
from algoreg.standard.enums import Category, PublicationCategory, Status
from tests.samples import sample_record

Factory = sessionmaker[Session]

ORGANISATIONS = {
    "gm0001": ("Gemeente Voorbeeld", "gemeente"),
    "gm0002": ("Gemeente Anders", "gemeente"),
    "pv0001": ("Provincie Proef", "provincie"),
    "mn0001": ("Ministerie X", "ministerie"),
}
THEMES = ["Verkeer", "Wonen", "Werk"]
TITLES = ["DPIA", "IAMA", "Risicoanalyse"]
WORD = "zeldzaam"


@pytest.fixture
def register(factory: Factory, make_organisation: Callable[..., str]) -> list[dict[str, Any]]:
    """Twenty published algorithms with varied facets; each as the test knows it."""
    for code, (name, kind) in ORGANISATIONS.items():
        make_organisation(code, name, kind)
    rng = random.Random(3)
    known = []
    for number in range(20):
        code = rng.choice(list(ORGANISATIONS))
        themes = rng.sample(THEMES, k=rng.choice((0, 1, 2)))
        titles = rng.sample(TITLES, k=rng.choice((0, 0, 1, 2)))
        facts: dict[str, Any] = {
            Facet.ORGANISATION: {code},
            Facet.KIND: {ORGANISATIONS[code][1]},
            Facet.THEME: set(themes),
            Facet.STATUS: {rng.choice([s.value for s in Status])},
            Facet.CATEGORY: {rng.choice([c.value for c in PublicationCategory])},
            Facet.ASSESSMENT: {"yes" if titles else "no"},
            Facet.ASSESSMENT_TITLE: set(titles),
        }
        # Some names share a word, and two algorithms share a name (ties in the order).
        name = f"{WORD.capitalize() if number % 3 == 0 else 'Gewoon'} algoritme {min(number, 18):02d}"
        record = sample_record(
            name=name,
            organization=ORGANISATIONS[code][0],
            category=themes or None,
            status=next(iter(facts[Facet.STATUS])),
            publication_category=next(iter(facts[Facet.CATEGORY])),
            impacttoetsen_grouping=[{"title": title} for title in titles] or None,
        )
        with transaction(factory) as session:
            public_id = algorithms.create_algorithm(session, SYSTEM, code, record).public_id
            for action in (Action.SUBMIT, Action.APPROVE, Action.PUBLISH):
                algorithms.perform(session, SYSTEM, public_id, action)
        known.append({"id": public_id, "text": WORD in name.lower(), **facts})
    return known


def selections(rng: random.Random) -> dict[Facet, tuple[str, ...]]:
    """A random selection of values in a random set of facets (some values match nothing)."""
    choices = {
        Facet.ORGANISATION: [*ORGANISATIONS, "xx9999"],
        Facet.KIND: ["gemeente", "provincie", "ministerie", "waterschap"],
        Facet.THEME: [*THEMES, Category.LAW.value],
        Facet.STATUS: [s.value for s in Status],
        Facet.CATEGORY: [c.value for c in PublicationCategory],
        Facet.ASSESSMENT: ["yes", "no"],
        Facet.ASSESSMENT_TITLE: [*TITLES, "Onbekend"],
    }
    chosen = {}
    for facet, values in choices.items():
        if rng.random() < 0.35:
            chosen[facet] = tuple(rng.sample(values, k=rng.choice((1, 1, 2))))
    return chosen


def passes(
    item: dict[str, Any], filters: dict[Facet, tuple[str, ...]], text: bool, leave_out: Facet | None
) -> bool:
    if text and not item["text"]:
        return False
    return all(item[facet] & set(values) for facet, values in filters.items() if facet is not leave_out)


def test_totals_counts_and_pages_match_counting_by_hand(
    factory: Factory, register: list[dict[str, Any]]
) -> None:
    rng = random.Random(11)
    for _ in range(60):
        # given a random selection, with or without the word, in a random order
        filters = selections(rng)
        text = rng.random() < 0.4
        sort = rng.choice([None, *SortOrder])
        query = SearchQuery(text=WORD if text else "", filters=filters, sort=sort, page=1, page_size=3)
        # when searching, page by page
        with transaction(factory) as session:
            first = search(session, query)
            pages = [first] + [
                search(session, SearchQuery(**{**query.__dict__, "page": number}))
                for number in range(2, first.page.count + 2)
            ]
        # then the total is the number of algorithms that pass every selection and the word
        expected = {item["id"] for item in register if passes(item, filters, text, None)}
        assert first.total == len(expected), (filters, text)
        # and every facet counts its values applying every selection but its own
        for facet in Facet:
            wanted: dict[str, int] = {}
            for item in register:
                if passes(item, filters, text, facet):
                    for value in item[facet]:
                        wanted[value] = wanted.get(value, 0) + 1
            found = {value.value: value.count for value in first.facet(facet).values if value.count}
            assert found == wanted, (facet, filters, text)
        # and the pages hold every match once; a page past the last gives the last page again
        shown = [hit.public_id for page in pages[:-1] for hit in page.items]
        assert sorted(shown) == sorted(expected), (filters, text, sort)
        if first.total:
            assert pages[-1].page.number == first.page.count
            assert [h.public_id for h in pages[-1].items] == [h.public_id for h in pages[-2].items]
