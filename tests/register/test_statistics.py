"""Figures of the public register: only what the public sees counts, by its public version."""

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.models import Algorithm, AlgorithmVersion
from algoreg.db.session import transaction
from algoreg.register import algorithms
from algoreg.register.roles import SYSTEM
from algoreg.register.statistics import Count, MonthCount, months_of, register_statistics
from algoreg.register.workflow import Action
from tests.samples import sample_record

Factory = sessionmaker[Session]
PUBLISH = (Action.SUBMIT, Action.APPROVE, Action.PUBLISH)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def add_algorithm(factory: Factory, organisation: str, *actions: Action, **fields: Any) -> str:
    """Register an algorithm for ``organisation`` and take ``actions``; returns its public id."""
    record = sample_record(**fields)
    record.pop("organization")
    if record.get("category") is None:
        record.pop("category")
    with transaction(factory) as session:
        public_id = algorithms.create_algorithm(session, SYSTEM, organisation, record).public_id
    for action in actions:
        with transaction(factory) as session:
            algorithms.perform(session, SYSTEM, public_id, action)
    return public_id


def edit(factory: Factory, public_id: str, *actions: Action, **fields: Any) -> None:
    """Store a new version with ``fields`` changed, then take ``actions``."""
    with transaction(factory) as session:
        current = algorithms.view(session, SYSTEM, public_id).latest.record
        record = {key: value for key, value in current.items() if value is not None}
        algorithms.update_algorithm(session, SYSTEM, public_id, {**record, **fields}, None)
    for action in actions:
        with transaction(factory) as session:
            algorithms.perform(session, SYSTEM, public_id, action)


def published_on(factory: Factory, public_id: str, number: int, moment: datetime) -> None:
    """Pretend version ``number`` was published at ``moment``."""
    with transaction(factory) as session:
        algorithm_id = session.query(Algorithm.id).filter(Algorithm.public_id == public_id).scalar_subquery()
        session.execute(
            update(AlgorithmVersion)
            .where(AlgorithmVersion.algorithm_id == algorithm_id, AlgorithmVersion.number == number)
            .values(published_at=moment)
        )


def build_known_register(factory: Factory, make_organisation: Callable[..., str]) -> None:
    """Five visible algorithms and four that must not count (see the expectations below)."""
    make_organisation("gm0001", "Gemeente Voorbeeld", "gemeente")
    make_organisation("gm0002", "Gemeente Anders", "gemeente")
    make_organisation("pv0001", "Provincie Voorbeeld", "provincie")
    make_organisation("mn0001", "Ministerie van Voorbeelden", "ministerie")
    make_organisation("ws0001", "Waterschap Voorbeeld", "waterschap")
    first = add_algorithm(
        factory,
        "gm0001",
        *PUBLISH,
        name="Parkeren",
        category=["Verkeer", "Wonen"],
        status="In gebruik",
        publication_category="Impactvolle algoritmes",
    )
    published_on(factory, first, 1, _at("2024-01-15T10:00:00"))
    second = add_algorithm(
        factory,
        "gm0001",
        *PUBLISH,
        name="Verkeerslichten",
        category=["Verkeer"],
        status="In ontwikkeling",
        publication_category="Hoog-risico AI-systeem",
    )
    # 31 March 23:30 UTC is 1 April 01:30 in Amsterdam: an April publication
    published_on(factory, second, 1, _at("2024-03-31T23:30:00"))
    third = add_algorithm(
        factory,
        "gm0002",
        *PUBLISH,
        name="Zonder thema",
        category=None,
        status="Buiten gebruik",
        publication_category="Overige algoritmes",
    )
    published_on(factory, third, 1, _at("2024-04-10T09:00:00"))
    # published in January while in development, republished in May in use: counts as in use, January
    fourth = add_algorithm(
        factory,
        "pv0001",
        *PUBLISH,
        name="Zorgtoewijzing",
        category=["Zorg en gezondheid", "Verkeer"],
        status="In ontwikkeling",
        publication_category="Impactvolle algoritmes",
    )
    edit(factory, fourth, *PUBLISH, status="In gebruik")
    published_on(factory, fourth, 1, _at("2024-01-20T12:00:00"))
    published_on(factory, fourth, 2, _at("2024-05-02T12:00:00"))
    # published, then a newer concept that is not published: the public version counts
    fifth = add_algorithm(
        factory,
        "mn0001",
        *PUBLISH,
        name="Subsidies",
        category=["Recht"],
        status="In gebruik",
        publication_category="Hoog-risico AI-systeem",
    )
    published_on(factory, fifth, 1, _at("2024-06-05T08:00:00"))
    edit(
        factory, fifth, status="Buiten gebruik", category=["Werk"], publication_category="Overige algoritmes"
    )
    # none of these may count: a concept, a retracted, an archived and an approved algorithm
    add_algorithm(factory, "gm0001", name="Concept", category=["Werk"])
    retracted = add_algorithm(
        factory, "gm0002", *PUBLISH, Action.RETRACT, name="Ingetrokken", category=["Werk"]
    )
    published_on(factory, retracted, 1, _at("2023-11-01T12:00:00"))
    add_algorithm(factory, "pv0001", *PUBLISH, Action.ARCHIVE, name="Gearchiveerd", category=["Werk"])
    add_algorithm(factory, "ws0001", Action.SUBMIT, Action.APPROVE, name="Goedgekeurd", category=["Werk"])


@pytest.fixture
def known_register(factory: Factory, make_organisation: Callable[..., str]) -> None:
    build_known_register(factory, make_organisation)


def test_the_figures_count_only_visible_algorithms_by_their_public_version(
    factory: Factory, known_register: None
) -> None:
    # when the figures are computed
    with transaction(factory) as session:
        stats = register_statistics(session)
    # then concept, approved, retracted and archived algorithms are left out
    assert stats.total == 5
    assert stats.by_organisation_kind == [
        Count("ministerie", 1),
        Count("provincie", 1),
        Count("gemeente", 3),
        Count("waterschap", 0),
        Count("zbo", 0),
        Count("other", 0),
    ]
    # and an algorithm counts under every theme it names
    themes = {item.value: item.count for item in stats.by_theme}
    assert len(themes) == 16
    assert {theme: count for theme, count in themes.items() if count} == {
        "Verkeer": 3,
        "Wonen": 1,
        "Zorg en gezondheid": 1,
        "Recht": 1,
    }
    assert stats.without_theme == 1
    # and status and publication category come from the public version, not a newer concept
    assert stats.by_status == [
        Count("In ontwikkeling", 1),
        Count("In gebruik", 3),
        Count("Buiten gebruik", 1),
    ]
    assert stats.by_publication_category == [
        Count("Hoog-risico AI-systeem", 2),
        Count("Impactvolle algoritmes", 2),
        Count("Overige algoritmes", 1),
    ]
    # and each algorithm counts in the month of its first publication, in Dutch time
    assert stats.by_month == [
        MonthCount(date(2024, 1, 1), 2, 2),
        MonthCount(date(2024, 2, 1), 0, 2),
        MonthCount(date(2024, 3, 1), 0, 2),
        MonthCount(date(2024, 4, 1), 2, 4),
        MonthCount(date(2024, 5, 1), 0, 4),
        MonthCount(date(2024, 6, 1), 1, 5),
    ]


def test_an_empty_register_has_zero_counts_and_no_months(factory: Factory) -> None:
    # given nothing is published
    # when the figures are computed
    with transaction(factory) as session:
        stats = register_statistics(session)
    # then every count is zero and there is no time line
    assert stats.total == 0 and stats.without_theme == 0 and stats.by_month == []
    assert all(item.count == 0 for item in stats.by_status + stats.by_theme + stats.by_organisation_kind)


def test_months_run_across_the_turn_of_the_year() -> None:
    # given publications in November and February
    moments = [_at("2023-11-03T10:00:00"), _at("2024-02-29T10:00:00"), _at("2024-02-01T10:00:00")]
    # when counted per month
    months = months_of(moments)
    # then December and January are there with zero
    assert [(m.month, m.count, m.cumulative) for m in months] == [
        (date(2023, 11, 1), 1, 1),
        (date(2023, 12, 1), 0, 1),
        (date(2024, 1, 1), 0, 1),
        (date(2024, 2, 1), 2, 3),
    ]
