"""The search index: one denormalised row per algorithm the public can see, and nothing else.

The register's workflow calls :func:`refresh_search_entry` after every step, inside the same
transaction, so the index always shows what is public (published, not retracted, not archived),
in its public version. :func:`rebuild_search_index` builds it anew from the register.

A published bias report counts as an impact assessment of its algorithm: while one is published,
the algorithm's assessments include :data:`BIAS_TEST_ASSESSMENT` (publishing and withdrawing a
report refresh the entry). The algorithm's record itself is not changed.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, column, delete, insert, inspect, select, table
from sqlalchemy.orm import Session

from algoreg.db.models import (
    Algorithm,
    AlgorithmVersion,
    BiasReport,
    SearchAssessment,
    SearchDocument,
    SearchEntry,
    SearchTheme,
)
from algoreg.register.search_text import fold, searchable_text, stemmed

#: The FTS5 table of SQLite databases (created by migration 0003; rowid = algorithm id).
SEARCH_FTS = table(
    "search_fts", column("rowid"), column("terms_name"), column("terms_summary"), column("terms_body")
)

#: The impact-assessment title of an algorithm with a published bias report (Dutch, as record titles are).
BIAS_TEST_ASSESSMENT = "Biastoets"
#: The state of a bias report the public can see (``algoreg.register.bias_reports.ReportState``).
PUBLISHED_REPORT_STATE = "published"


@dataclass(frozen=True)
class IndexRows:
    """The rows that represent one public algorithm in the index tables."""

    entry: dict[str, Any]
    document: dict[str, Any]
    terms: dict[str, Any] | None
    themes: list[dict[str, Any]]
    assessments: list[dict[str, Any]]


def index_rows(
    *,
    algorithm_id: int,
    organisation_id: int,
    public_id: str,
    published_at: datetime,
    record: Mapping[str, Any],
    stem_words: bool,
    extra_assessments: Iterable[str] = (),
) -> IndexRows:
    """Return the index rows of one public algorithm from its public record.

    With ``stem_words`` (SQLite) the text is given as Snowball stems for the FTS5 table; without
    it (PostgreSQL) as plain text from which the database builds its Dutch ``tsvector``.
    ``extra_assessments`` are assessment titles the register knows of besides the record's own
    (such as :data:`BIAS_TEST_ASSESSMENT`); they count as impact assessments too.
    """
    text = searchable_text(record)
    titles = sorted(
        {
            str(row["title"]).strip()[:500]
            for row in record.get("impacttoetsen_grouping") or []
            if isinstance(row, Mapping) and str(row.get("title") or "").strip()
        }
        | {title.strip()[:500] for title in extra_assessments if title.strip()}
    )
    themes = sorted({str(theme) for theme in record.get("category") or []})
    name = str(record.get("name") or "")
    entry: dict[str, Any] = {
        "algorithm_id": algorithm_id,
        "organisation_id": organisation_id,
        "public_id": public_id,
        "name": name[:200],
        "sort_name": fold(name)[:200],
        "status": str(record.get("status") or ""),
        "publication_category": str(record.get("publication_category") or ""),
        "has_impact_assessment": bool(titles),
        "published_at": published_at,
    }
    document: dict[str, Any] = {
        "algorithm_id": algorithm_id,
        "name": name[:200],
        "description_short": str(record.get("description_short") or ""),
        "summary_text": None if stem_words else text.summary,
        "body_text": None if stem_words else text.body,
    }
    terms = (
        {
            "rowid": algorithm_id,
            "terms_name": stemmed(text.name),
            "terms_summary": stemmed(text.summary),
            "terms_body": stemmed(text.body),
        }
        if stem_words
        else None
    )
    return IndexRows(
        entry=entry,
        document=document,
        terms=terms,
        themes=[{"algorithm_id": algorithm_id, "theme": theme} for theme in themes],
        assessments=[{"algorithm_id": algorithm_id, "title": title} for title in titles],
    )


def stems_in_python(session: Session) -> bool:
    """Tell whether this database needs stemmed text from Python (SQLite) rather than its own (PostgreSQL)."""
    return session.get_bind().dialect.name != "postgresql"


def _public_rows(session: Session, algorithm_ids: Iterable[int] | None) -> Iterable[Any]:
    query = (
        select(
            Algorithm.id,
            Algorithm.organisation_id,
            Algorithm.public_id,
            AlgorithmVersion.published_at,
            AlgorithmVersion.record,
        )
        .join(
            AlgorithmVersion,
            (AlgorithmVersion.algorithm_id == Algorithm.id)
            & (AlgorithmVersion.number == Algorithm.public_version_number),
        )
        .where(
            Algorithm.retracted_at.is_(None),
            Algorithm.archived_at.is_(None),
            AlgorithmVersion.published_at.is_not(None),
        )
        .order_by(Algorithm.id)
    )
    if algorithm_ids is not None:
        query = query.where(Algorithm.id.in_(list(algorithm_ids)))
    return session.execute(query).all()


def _bias_tested(session: Session, algorithm_ids: list[int]) -> set[int]:
    """The ids among ``algorithm_ids`` of algorithms with at least one published bias report."""
    query = select(BiasReport.algorithm_id).where(
        BiasReport.state == PUBLISHED_REPORT_STATE, BiasReport.algorithm_id.in_(algorithm_ids)
    )
    return set(session.scalars(query.distinct()))


def _extra_assessments(algorithm_id: int, tested: set[int]) -> tuple[str, ...]:
    return (BIAS_TEST_ASSESSMENT,) if algorithm_id in tested else ()


def write_index_rows(session: Session | Connection, rows: list[IndexRows]) -> None:
    """Insert the index rows of algorithms that have none yet (also used for bulk loading)."""
    if not rows:
        return
    session.execute(insert(SearchEntry), [row.entry for row in rows])
    session.execute(insert(SearchDocument), [row.document for row in rows])
    terms = [row.terms for row in rows if row.terms is not None]
    if terms:
        session.execute(insert(SEARCH_FTS), terms)
    themes = [theme for row in rows for theme in row.themes]
    if themes:
        session.execute(insert(SearchTheme), themes)
    assessments = [assessment for row in rows for assessment in row.assessments]
    if assessments:
        session.execute(insert(SearchAssessment), assessments)


def _remove(session: Session, algorithm_id: int | None) -> None:
    # Deleting an entry removes its FTS5 row too (a trigger of migration 0003).
    for model in (SearchAssessment, SearchTheme, SearchDocument, SearchEntry):
        statement = delete(model)
        if algorithm_id is not None:
            statement = statement.where(model.algorithm_id == algorithm_id)
        session.execute(statement)


def refresh_search_entry(session: Session, algorithm_id: int) -> bool:
    """Make the index show algorithm ``algorithm_id`` exactly as the public sees it now.

    The algorithm's rows are replaced by rows of its public version, or removed when nothing of
    it is public. Runs in the caller's transaction. Returns whether the algorithm is searchable.
    """
    session.flush()
    _remove(session, algorithm_id)
    stem_words = stems_in_python(session)
    tested = _bias_tested(session, [algorithm_id])
    rows = [
        index_rows(
            algorithm_id=row.id,
            organisation_id=row.organisation_id,
            public_id=row.public_id,
            published_at=row.published_at,
            record=row.record,
            stem_words=stem_words,
            extra_assessments=_extra_assessments(row.id, tested),
        )
        for row in _public_rows(session, [algorithm_id])
    ]
    write_index_rows(session, rows)
    return bool(rows)


def rebuild_search_index(session: Session, batch_size: int = 1000) -> int:
    """Empty the index and fill it again from everything public now; return how many entries it holds."""
    session.flush()
    _remove(session, None)
    stem_words = stems_in_python(session)
    ids = list(session.scalars(select(Algorithm.id).where(Algorithm.public_version_number.is_not(None))))
    # Migration 0003 rebuilds the index before the bias report table exists (migration 0008).
    reports_exist = inspect(session.connection()).has_table(BiasReport.__tablename__)
    count = 0
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        tested = _bias_tested(session, chunk) if reports_exist else set()
        batch = [
            index_rows(
                algorithm_id=row.id,
                organisation_id=row.organisation_id,
                public_id=row.public_id,
                published_at=row.published_at,
                record=row.record,
                stem_words=stem_words,
                extra_assessments=_extra_assessments(row.id, tested),
            )
            for row in _public_rows(session, chunk)
        ]
        write_index_rows(session, batch)
        count += len(batch)
    session.flush()
    return count
