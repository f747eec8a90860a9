"""Public search: full text with Dutch stemming, facets with counts, sorting and pages.

Searches what the public can see (the same algorithms as ``algorithms.list_published``), through
the index that ``algoreg.register.search_index`` keeps. Facet counts follow the usual rule of
faceted search: the counts of one facet apply the query and every *other* facet's selection, so
they say how many results ticking that value would add. Values within a facet combine with OR,
facets with AND. Any text may be searched for: it is reduced to words before it reaches the
database, so quotes, operators and syntax characters never cause an error.
"""

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Float,
    Select,
    String,
    bindparam,
    cast,
    column,
    false,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    table,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.orm import Session

from algoreg.db.models import (
    Algorithm,
    AlgorithmVersion,
    Organisation,
    SearchAssessment,
    SearchDocument,
    SearchEntry,
    SearchTheme,
)
from algoreg.register.organisations import OrganisationKind
from algoreg.register.search_index import BIAS_TEST_ASSESSMENT, stems_in_python
from algoreg.register.search_text import fts5_query, query_words, tsquery
from algoreg.standard.enums import Category, PublicationCategory, Status
from algoreg.standard.metadata import Language, enum_labels

#: Results per page.
PAGE_SIZE = 20
#: Most algorithms one download holds.
MAX_DOWNLOAD_ROWS = 100_000
#: Most assessment titles shown as facet values (the most frequent ones).
MAX_ASSESSMENT_TITLES = 10


class Facet(StrEnum):
    """The properties by which results can be narrowed down; the value is the URL parameter."""

    ORGANISATION = "organisation"
    KIND = "kind"
    THEME = "theme"
    STATUS = "status"
    CATEGORY = "category"
    ASSESSMENT = "assessment"
    ASSESSMENT_TITLE = "assessment_title"


class SortOrder(StrEnum):
    """How results are ordered; the value is the URL parameter."""

    RELEVANCE = "relevance"
    NAME = "name"
    NEWEST = "newest"


#: Values of the "impact assessment done" facet.
ASSESSMENT_DONE = "yes"
ASSESSMENT_NONE = "no"

#: Labels of values that are not data of the standard: English source text, translated by the UI.
KIND_LABELS: dict[str, str] = {
    OrganisationKind.MINISTERIE.value: "Ministry",
    OrganisationKind.PROVINCIE.value: "Province",
    OrganisationKind.GEMEENTE.value: "Municipality",
    OrganisationKind.WATERSCHAP.value: "Water authority",
    OrganisationKind.ZBO.value: "Independent administrative body (ZBO)",
    OrganisationKind.OTHER.value: "Other organisation",
}
ASSESSMENT_LABELS: dict[str, str] = {ASSESSMENT_DONE: "Yes", ASSESSMENT_NONE: "No"}

#: Facets whose labels are interface text to translate (the others are data or names).
TRANSLATED_FACETS: frozenset[Facet] = frozenset({Facet.KIND, Facet.ASSESSMENT})

#: English labels of the assessment titles the register gives itself (record titles are shown as written).
ASSESSMENT_TITLE_LABELS_EN: dict[str, str] = {BIAS_TEST_ASSESSMENT: "Bias test"}


def assessment_title_label(title: str, lang: Language) -> str:
    """How an assessment title is shown in ``lang``: as written, but the register's own titles in English."""
    return ASSESSMENT_TITLE_LABELS_EN.get(title, title) if lang == "en" else title


@dataclass(frozen=True)
class SearchQuery:
    """What to search for: words, selected facet values, order and page (1-based)."""

    text: str = ""
    filters: Mapping[Facet, tuple[str, ...]] = field(default_factory=dict)
    sort: SortOrder | None = None
    page: int = 1
    page_size: int = PAGE_SIZE

    @property
    def words(self) -> list[str]:
        """The words that are searched for (stop words and syntax left out)."""
        return query_words(self.text)

    @property
    def effective_sort(self) -> SortOrder:
        """The order used: relevance only when there are words to be relevant to, else by name."""
        if self.sort is SortOrder.RELEVANCE and not self.words:
            return SortOrder.NAME
        if self.sort is None:
            return SortOrder.RELEVANCE if self.words else SortOrder.NAME
        return self.sort

    def selected(self, facet: Facet) -> tuple[str, ...]:
        """The values selected in ``facet``."""
        return tuple(self.filters.get(facet, ()))


@dataclass(frozen=True)
class FacetValue:
    """One value of a facet, with the number of results it gives together with the other filters."""

    value: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True)
class FacetResult:
    """The values of one facet, in display order; ``translate`` says the labels are interface text."""

    facet: Facet
    values: list[FacetValue]
    translate: bool


@dataclass(frozen=True)
class SearchHit:
    """One algorithm in a result list."""

    public_id: str
    name: str
    description_short: str
    organisation_code: str
    organisation_name: str
    status: str
    status_label: str
    publication_category: str
    publication_category_label: str
    published_at: datetime


@dataclass(frozen=True)
class PageInfo:
    """Where a page lies in the results: its number (1-based), their count, first and last item."""

    number: int
    size: int
    count: int
    first_item: int
    last_item: int

    @property
    def has_previous(self) -> bool:
        """Whether there is a page before this one."""
        return self.number > 1

    @property
    def has_next(self) -> bool:
        """Whether there is a page after this one."""
        return self.number < self.count

    def window(self, width: int = 2) -> list[int | None]:
        """Page numbers to link to: first, last and ``width`` around this one; ``None`` marks a gap."""
        if self.count <= 1:
            return [1] if self.count == 1 else []
        wanted = {1, self.count, *range(self.number - width, self.number + width + 1)}
        numbers = sorted(n for n in wanted if 1 <= n <= self.count)
        shown: list[int | None] = []
        for number in numbers:
            previous = shown[-1] if shown else None
            if previous is not None and number - previous > 1:
                shown.append(None)
            shown.append(number)
        return shown


@dataclass(frozen=True)
class SearchResult:
    """One page of results, the total that matched, every facet with counts, and the page info."""

    items: list[SearchHit]
    total: int
    facets: list[FacetResult]
    page: PageInfo
    sort: SortOrder
    words: list[str]

    def facet(self, facet: Facet) -> FacetResult:
        """The result of one facet."""
        for result in self.facets:
            if result.facet is facet:
                return result
        raise KeyError(facet)


# --- building the SQL ------------------------------------------------------------------------------

#: Columns of an entry that filtering, counting and ordering need.
_COLUMNS = (
    "algorithm_id",
    "organisation_id",
    "status",
    "publication_category",
    "has_impact_assessment",
    "sort_name",
    "published_at",
)


#: The name of the branch that gives a page's ids in the statement that counts the facets.
_PAGE = "#page"
#: Facets held in tables of their own (an entry may have several values); the rest are entry columns.
_SET_FACETS = (Facet.THEME, Facet.ASSESSMENT_TITLE)
#: The entry columns that the other facets read, by which entries are grouped for counting.
_GROUP_COLUMNS = ("organisation_id", "status", "publication_category", "has_impact_assessment")
#: The facets read from those columns, each with the position of its column in a group's key.
_ROW_FACETS = (
    (Facet.ORGANISATION, 0),
    (Facet.KIND, 0),
    (Facet.STATUS, 1),
    (Facet.CATEGORY, 2),
    (Facet.ASSESSMENT, 3),
)


@dataclass(frozen=True)
class _Organisations:
    """The organisations, by id: code, name and kind (a small table, read once per search)."""

    by_id: dict[int, tuple[str, str, str]]

    @classmethod
    def load(cls, session: Session) -> "_Organisations":
        rows = session.execute(
            select(Organisation.id, Organisation.code, Organisation.name, Organisation.kind)
        )
        return cls({row[0]: (row[1], row[2], row[3]) for row in rows})

    def ids(self, facet: Facet, values: tuple[str, ...]) -> list[int]:
        """Ids of the organisations with one of ``values`` as code (organisation) or kind."""
        position = 0 if facet is Facet.ORGANISATION else 2
        wanted = set(values)
        return [id_ for id_, info in self.by_id.items() if info[position] in wanted]


class _Plan:
    """The SQL of one search: the matching entries as a source, and the facet conditions on it.

    Without words the source is the entry table itself; with words it is a materialised set of the
    entries that match, with their relevance, so that the text is searched once per statement.
    """

    def __init__(self, session: Session, query: SearchQuery, organisations: _Organisations) -> None:
        self.query = query
        self.words = query.words
        self.organisations = organisations
        self.source: Any = SearchEntry.__table__
        self.rank: Any = None
        if self.words:
            # Relevance is computed for every match, so only when the results are ordered by it.
            ranked = query.effective_sort is SortOrder.RELEVANCE
            self.source = self._matched(session, ranked)
            self.rank = self.source.c.rank if ranked else None

    def _matched(self, session: Session, ranked: bool) -> CTE:
        entry = SearchEntry.__table__
        columns = [entry.c[name] for name in _COLUMNS]
        if stems_in_python(session):
            fts = table("search_fts", column("rowid"), column("search_fts"))
            rank = func.bm25(fts.c.search_fts, 10.0, 4.0, 1.0, type_=Float).label("rank")
            text_match = (
                select(fts.c.rowid.label("id"), *([rank] if ranked else []))
                .where(fts.c.search_fts.op("MATCH")(bindparam("fts_query", fts5_query(self.words))))
                .subquery("text_match")
            )
            statement = select(*columns, *([text_match.c.rank] if ranked else [])).join_from(
                entry, text_match, text_match.c.id == entry.c.algorithm_id
            )
        else:
            vector: ColumnElement[Any] = literal_column("search_document.search_vector")
            words: Any = bindparam("ts_query", tsquery(self.words))
            ts_query = func.to_tsquery(literal("dutch", REGCONFIG), words)
            ts_rank = (-func.ts_rank(vector, ts_query, type_=Float)).label("rank")
            statement = (
                select(*columns, *([ts_rank] if ranked else []))
                .join_from(entry, SearchDocument, SearchDocument.algorithm_id == entry.c.algorithm_id)
                .where(or_(func.numnode(ts_query) == 0, vector.op("@@")(ts_query)))
            )
        return statement.cte("matched").prefix_with("MATERIALIZED")

    def conditions(self, leave_out: Facet | None = None) -> list[ColumnElement[bool]]:
        """The conditions of every selected facet except ``leave_out``."""
        result = []
        for facet in Facet:
            values = self.query.selected(facet)
            if facet is not leave_out and values:
                result.append(self._condition(facet, values))
        return result

    def _condition(self, facet: Facet, values: tuple[str, ...]) -> ColumnElement[bool]:
        source = self.source.c
        if facet in (Facet.ORGANISATION, Facet.KIND):
            return source.organisation_id.in_(self.organisations.ids(facet, values))  # type: ignore[no-any-return]
        if facet is Facet.STATUS:
            return source.status.in_(values)  # type: ignore[no-any-return]
        if facet is Facet.CATEGORY:
            return source.publication_category.in_(values)  # type: ignore[no-any-return]
        if facet is Facet.THEME:
            themed = select(SearchTheme.algorithm_id).where(SearchTheme.theme.in_(values))
            return source.algorithm_id.in_(themed)  # type: ignore[no-any-return]
        if facet is Facet.ASSESSMENT_TITLE:
            assessed = select(SearchAssessment.algorithm_id).where(SearchAssessment.title.in_(values))
            return source.algorithm_id.in_(assessed)  # type: ignore[no-any-return]
        wanted = {value == ASSESSMENT_DONE for value in values if value in ASSESSMENT_LABELS}
        if len(wanted) == 1:
            return source.has_impact_assessment.is_(true() if wanted.pop() else false())  # type: ignore[no-any-return]
        return true() if wanted else false()

    def allowed(self, facet: Facet) -> frozenset[Any] | None:
        """The group-column values that pass ``facet``'s selection (``None``: no selection, all pass).

        Only for the facets read from an entry's own columns (not themes or assessment titles):
        organisation ids for organisation and kind, texts for status and category, and booleans
        for the assessment facet.
        """
        values = self.query.selected(facet)
        if not values:
            return None
        if facet in (Facet.ORGANISATION, Facet.KIND):
            return frozenset(self.organisations.ids(facet, values))
        if facet is Facet.ASSESSMENT:
            return frozenset(value == ASSESSMENT_DONE for value in values if value in ASSESSMENT_LABELS)
        return frozenset(values)

    def grouped_branch(self) -> "Select[*tuple[Any, ...]]":
        """Entries counted per combination of the columns the row facets read.

        Only the theme and assessment-title selections (and the words) apply here; every other
        facet is a function of the group's columns and is applied in Python (:meth:`allowed`).
        """
        source = self.source.c
        conditions = [
            self._condition(facet, self.query.selected(facet))
            for facet in _SET_FACETS
            if self.query.selected(facet)
        ]
        keys = [source[name] for name in _GROUP_COLUMNS]
        statement = select(literal("").label("facet"), cast(null(), String).label("value"), *keys)
        statement = statement.add_columns(func.count().label("n"))
        return statement.select_from(self.source).where(*conditions).group_by(*keys)

    def count_branch(self, facet: Facet | None) -> "Select[*tuple[Any, ...]]":
        """Counts of one facet's values (``None``: the total), applying every other facet's selection."""
        source = self.source
        conditions = self.conditions(leave_out=facet)
        label = literal(facet.value if facet else "")
        if facet is None:
            total = select(label.label("facet"), literal("").label("value"), func.count().label("n"))
            return total.select_from(source).where(*conditions)
        if facet in (Facet.THEME, Facet.ASSESSMENT_TITLE):
            model: Any = SearchTheme if facet is Facet.THEME else SearchAssessment
            value = model.theme if facet is Facet.THEME else model.title
            statement = select(label.label("facet"), value.label("value"), func.count().label("n"))
            statement = statement.select_from(model)
            if conditions or self.words:
                # A semi-join from the matching entries: SQLite then looks up the values of just
                # those entries, rather than reading every value to join it with an entry.
                matching = select(source.c.algorithm_id).select_from(source).where(*conditions)
                statement = statement.where(model.algorithm_id.in_(matching))
            return statement.group_by(value)
        value = {
            Facet.ORGANISATION: cast(source.c.organisation_id, String),
            Facet.KIND: cast(source.c.organisation_id, String),
            Facet.STATUS: source.c.status,
            Facet.CATEGORY: source.c.publication_category,
            Facet.ASSESSMENT: cast(source.c.has_impact_assessment, String),
        }[facet]
        statement = select(label.label("facet"), value.label("value"), func.count().label("n"))
        return statement.select_from(source).where(*conditions).group_by(value)

    def ordered_ids(self, sort: SortOrder) -> Select[Any]:
        """The ids of the matching entries in the order ``sort``."""
        source = self.source.c
        statement = select(source.algorithm_id).select_from(self.source).where(*self.conditions())
        return statement.order_by(*self._order(sort, source))

    def _order(self, sort: SortOrder, columns: Any) -> list[ColumnElement[Any]]:
        """The order ``sort`` over ``columns`` (those of the source, or of a subquery of it)."""
        if sort is SortOrder.RELEVANCE and self.rank is not None:
            return [columns.rank, columns.sort_name, columns.algorithm_id]
        if sort is SortOrder.NEWEST:
            return [columns.published_at.desc(), columns.algorithm_id.desc()]
        return [columns.sort_name, columns.algorithm_id]

    def page_branch(self, sort: SortOrder, offset: int, limit: int) -> "Select[*tuple[Any, ...]]":
        """The ids of one page in the order ``sort``, each with its place on the page (1, 2, …)."""
        source = self.source.c
        wanted = ["algorithm_id", "sort_name", "published_at", *(["rank"] if self.rank is not None else [])]
        page = (
            select(*(source[name] for name in wanted))
            .select_from(self.source)
            .where(*self.conditions())
            .order_by(*self._order(sort, source))
            .offset(offset)
            .limit(limit)
            .subquery("page")
        )
        place = func.row_number().over(order_by=self._order(sort, page.c))
        return select(literal(_PAGE).label("facet"), cast(page.c.algorithm_id, String).label("value"), place)


def _facet_counts(
    session: Session, plan: _Plan, page: tuple[SortOrder, int, int]
) -> tuple[int, dict[Facet, dict[str, int]], list[int] | None]:
    """Count the total and every facet's values in one statement.

    With words, the same statement also gives the ids of the page ``(sort, offset, limit)``, so
    that the text is searched once; without words it gives ``None`` for them.
    """
    # Branches: the entries grouped by the columns of the row facets (from which the total and
    # those facets' counts follow in Python, each leaving out its own selection); the theme and
    # assessment-title counts, which need their own tables; and, with words, the page's ids.
    grouped = plan.grouped_branch()
    padding = [cast(null(), column.type).label(column.key) for column in grouped.selected_columns[2:-1]]
    branches = [grouped]
    others = [plan.count_branch(facet) for facet in _SET_FACETS]
    ids: dict[int, int] | None = None
    if plan.words:
        ids = {}
        others.append(plan.page_branch(*page))
    for branch in others:
        name_column, value_column, count_column = branch.selected_columns
        branches.append(
            branch.with_only_columns(
                name_column, value_column, *padding, count_column, maintain_column_froms=True
            )
        )
    checks = [(number, position, plan.allowed(facet)) for number, (facet, position) in enumerate(_ROW_FACETS)]
    checks = [check for check in checks if check[2] is not None]
    every = [(number, position) for number, (_, position) in enumerate(_ROW_FACETS)]
    # Counts per row facet, by the raw column value (organisation id, text, boolean).
    raw: list[dict[Any, int]] = [{} for _ in _ROW_FACETS]
    total = 0
    counts: dict[Facet, dict[str, int]] = {facet: {} for facet in Facet}
    for facet_name, value, *key, count in session.execute(union_all(*branches)).all():
        if facet_name == _PAGE and ids is not None:
            ids[int(count)] = int(value)
            continue
        if facet_name:
            counts[Facet(facet_name)][str(value)] = int(count)
            continue
        key[3] = bool(key[3])
        count = int(count)
        failed = [(n, p) for n, p, allowed in checks if key[p] not in allowed]  # type: ignore[operator]
        if len(failed) > 1:
            continue
        if not failed:
            total += count
        # A group counts for a facet's values when it passes every *other* facet's selection.
        for number, position in failed or every:
            found = raw[number]
            column = key[position]
            found[column] = found.get(column, 0) + count
    # Organisations are counted by id: named by their code (organisation) or kind (kind).
    organisations = plan.organisations.by_id
    for number, (facet, _) in enumerate(_ROW_FACETS):
        labelled: dict[str, int] = {}
        for raw_value, found_count in raw[number].items():
            if facet in (Facet.ORGANISATION, Facet.KIND):
                info = organisations.get(raw_value)
                if info is None:
                    continue
                label = info[0] if facet is Facet.ORGANISATION else info[2]
            elif facet is Facet.ASSESSMENT:
                label = ASSESSMENT_DONE if raw_value else ASSESSMENT_NONE
            else:
                label = str(raw_value)
            labelled[label] = labelled.get(label, 0) + found_count
        counts[facet] = labelled
    return total, counts, None if ids is None else [ids[place] for place in sorted(ids)]


def _facets(
    query: SearchQuery, counts: dict[Facet, dict[str, int]], organisations: _Organisations, lang: Language
) -> list[FacetResult]:
    def values(facet: Facet, labels: Mapping[str, str], keep_order: bool) -> list[FacetValue]:
        selected = set(query.selected(facet))
        found = counts[facet]
        keys = [key for key in labels if found.get(key) or key in selected]
        if not keep_order:
            keys.sort(key=lambda key: (-found.get(key, 0), labels[key].casefold()))
        return [FacetValue(key, labels[key], found.get(key, 0), key in selected) for key in keys]

    names = {code: name for code, name, _ in organisations.by_id.values()}
    titles = sorted(counts[Facet.ASSESSMENT_TITLE].items(), key=lambda item: (-item[1], item[0]))
    shown_titles = [title for title, _ in titles[:MAX_ASSESSMENT_TITLES]]
    shown_titles += [t for t in query.selected(Facet.ASSESSMENT_TITLE) if t not in shown_titles]
    return [
        FacetResult(Facet.ORGANISATION, values(Facet.ORGANISATION, names, keep_order=False), False),
        FacetResult(Facet.KIND, values(Facet.KIND, KIND_LABELS, keep_order=True), True),
        FacetResult(Facet.THEME, values(Facet.THEME, enum_labels(Category, lang), keep_order=False), False),
        FacetResult(Facet.STATUS, values(Facet.STATUS, enum_labels(Status, lang), keep_order=True), False),
        FacetResult(
            Facet.CATEGORY,
            values(Facet.CATEGORY, enum_labels(PublicationCategory, lang), keep_order=True),
            False,
        ),
        FacetResult(Facet.ASSESSMENT, values(Facet.ASSESSMENT, ASSESSMENT_LABELS, keep_order=True), True),
        FacetResult(
            Facet.ASSESSMENT_TITLE,
            values(
                Facet.ASSESSMENT_TITLE,
                {t: assessment_title_label(t, lang) for t in shown_titles},
                keep_order=False,
            ),
            False,
        ),
    ]


def search(session: Session, query: SearchQuery, lang: Language = "nl") -> SearchResult:
    """Return one page of public algorithms matching ``query``, with the total and facet counts.

    Labels of the standard's values are given in ``lang``; a page number beyond the last page
    gives the last page. Never raises for any text in the query.
    """
    organisations = _Organisations.load(session)
    plan = _Plan(session, query, organisations)
    page_size = max(1, query.page_size)
    sort = query.effective_sort
    wanted = max(1, query.page)
    total, counts, ids = _facet_counts(session, plan, (sort, (wanted - 1) * page_size, page_size))
    page_count = max(1, math.ceil(total / page_size))
    number = min(wanted, page_count)
    if ids is None or number != wanted:
        ids = list(session.scalars(plan.ordered_ids(sort).offset((number - 1) * page_size).limit(page_size)))
    rows = session.execute(
        select(
            SearchEntry.algorithm_id,
            SearchEntry.public_id,
            SearchEntry.name,
            SearchDocument.description_short,
            SearchEntry.organisation_id,
            SearchEntry.status,
            SearchEntry.publication_category,
            SearchEntry.published_at,
        )
        .join(SearchDocument, SearchDocument.algorithm_id == SearchEntry.algorithm_id)
        .where(SearchEntry.algorithm_id.in_(ids))
    )
    by_id = {row[0]: row for row in rows}
    status_labels = enum_labels(Status, lang)
    category_labels = enum_labels(PublicationCategory, lang)
    items = []
    for algorithm_id in ids:
        row = by_id.get(algorithm_id)
        if row is None:
            continue
        code, organisation_name, _ = organisations.by_id.get(row[4], ("", "", ""))
        items.append(
            SearchHit(
                public_id=row[1],
                name=row[2],
                description_short=row[3],
                organisation_code=code,
                organisation_name=organisation_name,
                status=row[5],
                status_label=status_labels.get(row[5]) or row[5],
                publication_category=row[6],
                publication_category_label=category_labels.get(row[6]) or row[6],
                published_at=row[7],
            )
        )
    first = (number - 1) * page_size + 1 if total else 0
    return SearchResult(
        items=items,
        total=total,
        facets=_facets(query, counts, organisations, lang),
        page=PageInfo(
            number=number,
            size=page_size,
            count=page_count if total else 0,
            first_item=first,
            last_item=first + len(items) - 1 if total else 0,
        ),
        sort=sort,
        words=plan.words,
    )


def matching_records(
    session: Session, query: SearchQuery, limit: int = MAX_DOWNLOAD_ROWS
) -> Iterator[dict[str, Any]]:
    """Yield the public records (as ``algorithms.get_published`` gives them) of every match, in order.

    At most ``limit`` records are given; the query's page is ignored.
    """
    plan = _Plan(session, query, _Organisations.load(session))
    ordered = list(session.scalars(plan.ordered_ids(query.effective_sort).limit(limit)))
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        versions = session.execute(
            select(Algorithm.id, Algorithm.public_id, AlgorithmVersion.record, AlgorithmVersion.published_at)
            .join(AlgorithmVersion, AlgorithmVersion.algorithm_id == Algorithm.id)
            .where(Algorithm.id.in_(chunk), AlgorithmVersion.number == Algorithm.public_version_number)
        )
        by_id = {row[0]: row for row in versions}
        for algorithm_id in chunk:
            if algorithm_id in by_id:
                _, public_id, record, published_at = by_id[algorithm_id]
                published = published_at.isoformat() if published_at else None
                yield {**record, "lars": public_id, "publication_dt": published}


def count_matches(session: Session, query: SearchQuery) -> int:
    """Return how many public algorithms match ``query``."""
    plan = _Plan(session, query, _Organisations.load(session))
    return int(session.scalar(plan.count_branch(None).with_only_columns(func.count())) or 0)
