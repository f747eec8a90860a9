"""The one aggregation: decision data folded into a small table of counts, in the data's own engine.

:func:`count_table` runs a single group-by where the data lives — polars, pandas, DuckDB or Dask
through narwhals, or the database itself as SQL (SQLAlchemy Core, the user's query as a subquery)
— keyed by every protected attribute, the selection (0/1), the label (0/1) and the score bin, with
the number of rows and the sum, minimum and maximum of the score per key. The same pass also
counts invalid values (an outcome of 2, an infinite score), so that checking costs no extra scan;
only when something is wrong is the data asked once more, for one example value.
Everything downstream (groups, intersections, confusion counts, AUC, calibration) is a sum over
this small table.

**Score bins.** A score is put in the bin of its value rounded half up to ``score_decimals``
decimals (default 3): bin ``k`` holds the scores in ``[(k − ½)·10⁻ᵈ, (k + ½)·10⁻ᵈ)``. The grid
does not depend on the data, so one pass suffices and every engine gives the same bins. When
every score has at most ``d`` decimals, each bin holds one distinct score and the AUC computed from
the bins is exact (ties count half, as in the Mann–Whitney statistic). Otherwise scores that differ
but share a bin count as ties; rounding never reverses the order of two scores, so only such pairs
can change, each by ½, and the AUC is off by at most half the share of positive–negative pairs
that share a bin holding different scores. That bound is computed from the table (each bin also
records its smallest and largest score) and reported with the AUC; for scores in ``[0, 1]`` at the
default grid it is at most a few thousandths and usually far less. Mean scores per calibration bin
are exact, from the score sums. Scores must be finite with ``|score|·10ᵈ < 2⁵³``, so that the bin
number is an exact integer in every engine.

**Missing and invalid values.** Rows without a value for a protected attribute form the group
:data:`~algoreg.bias.inputs.MISSING_GROUP`. Rows without an outcome, label or score (null, or NaN
in a dataframe) are excluded from every metric, so that all metrics describe the same rows; how
many, per group and per column, is kept in :attr:`CountTable.excluded`. Any other value that is not
0/1 or boolean (outcome, label), or not a finite number (score), is an error naming the column,
the number of rows and an example. In SQL, a NaN score counts as invalid (SQL has no portable
NaN test); in SQLite, text in an outcome, label or score column is invalid, like a text column
elsewhere.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import narwhals as nw
import polars as pl
from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Float,
    FromClause,
    Integer,
    String,
    and_,
    case,
    cast,
    create_engine,
    func,
    literal,
    not_,
    null,
    select,
)
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from algoreg.bias.inputs import (
    MISSING_GROUP,
    ColumnKind,
    ColumnRoles,
    DataSource,
    SqlQuery,
    column_problems,
    kind_of_dtype,
    load_frame,
    sql_columns,
)
from algoreg.errors import FieldProblem, InvalidInput

SCORE_DECIMALS = 3
"""Default number of decimals of the score grid."""

MAX_SCORE_DECIMALS = 9

KEY_COLUMNS = ("selected", "label", "score_bin")
"""Key columns of :attr:`CountTable.counts` after the protected attributes."""

VALUE_COLUMNS = ("n", "score_sum", "score_min", "score_max")
"""Value columns of :attr:`CountTable.counts`."""

_MISSING = -1
_INVALID = -2
_SCORE_MISSING = -(2.0**60)
_SCORE_INVALID = -(2.0**61)
_SELECTED, _LABEL, _BIN, _VALUE = "__algoreg_selected", "__algoreg_label", "__algoreg_bin", "__algoreg_value"
_N, _SUM, _MIN, _MAX = "__algoreg_n", "__algoreg_sum", "__algoreg_min", "__algoreg_max"


@dataclass(frozen=True)
class CountTable:
    """Decision data folded into counts; everything the metrics need, and nothing per person.

    ``counts`` has one row per combination of the protected attributes (as text, missing values as
    ``"(missing)"``), ``selected`` (0/1, null when the data has no selection), ``label`` (0/1, null
    when there is no label) and ``score_bin`` (the score rounded to ``score_decimals`` decimals,
    times ``10**score_decimals``; null without a score), with ``n`` rows and the ``score_sum``,
    ``score_min`` and ``score_max`` of their scores. Only rows with every value needed are in it.
    ``excluded`` has, per combination of the protected attributes, the ``n`` rows left out and,
    per role present, ``missing_outcome``, ``missing_label`` and ``missing_score`` (a row may miss
    more than one value).
    """

    counts: pl.DataFrame
    excluded: pl.DataFrame
    roles: ColumnRoles
    score_decimals: int | None

    @property
    def attributes(self) -> tuple[str, ...]:
        """The protected attributes, in the order the roles name them."""
        return tuple(self.roles.protected)

    @property
    def rows(self) -> int:
        """Number of rows counted (not excluded)."""
        return int(self.counts["n"].sum())

    @property
    def excluded_rows(self) -> int:
        """Number of rows left out because they miss an outcome, label or score."""
        return int(self.excluded["n"].sum())

    @property
    def missing(self) -> dict[str, int]:
        """Rows missing a value, per role present ("outcome", "label", "score")."""
        return {
            name.removeprefix("missing_"): int(self.excluded[name].sum())
            for name in self.excluded.columns
            if name.startswith("missing_")
        }

    @property
    def score_resolution(self) -> float | None:
        """Width of a score bin (``10**-score_decimals``), or None without a score."""
        return None if self.score_decimals is None else 10.0**-self.score_decimals

    def score_of_bin(self, score_bin: int) -> float:
        """The rounded score a bin stands for (the middle of the bin)."""
        if self.score_decimals is None:
            raise ValueError("this table has no score")
        return float(score_bin / 10**self.score_decimals)

    def score_bin_edges(self, score_bin: int) -> tuple[float, float]:
        """The scores a bin holds: ``[lower, upper)``."""
        middle, half = self.score_of_bin(score_bin), 0.5 * (self.score_resolution or 0.0)
        return (middle - half, middle + half)


def count_table(
    source: DataSource, roles: ColumnRoles, *, score_decimals: int = SCORE_DECIMALS
) -> CountTable:
    """Fold decision data into a :class:`CountTable` with one group-by, run where the data lives.

    ``source`` is a file path, a dataframe narwhals supports, or a :class:`SqlQuery`. Frames stay
    lazy until the small result is collected; a SQL source is aggregated by the database. Raises
    :class:`~algoreg.errors.InvalidInput` for an unknown column, a non-numeric score, an outcome or
    label that is not 0/1 or boolean, a non-finite score, or data without usable rows.
    """
    if not 0 <= score_decimals <= MAX_SCORE_DECIMALS:
        raise InvalidInput(
            problems=[FieldProblem("score_decimals", f"use 0 to {MAX_SCORE_DECIMALS} decimals")],
            summary="The score grid is not valid.",
        )
    if isinstance(source, SqlQuery):
        return _count_sql(source, roles, score_decimals)
    frame = load_frame(source)
    schema = frame.collect_schema()
    kinds = {name: kind_of_dtype(dtype) for name, dtype in schema.items()}
    _raise_if(column_problems(kinds, roles), "The decision data does not fit the roles.")
    raw, example = _aggregate_frame(frame, schema, kinds, roles, score_decimals)
    return _finish(raw, roles, score_decimals, example, kinds)


def _raise_if(problems: list[FieldProblem], summary: str) -> None:
    if problems:
        raise InvalidInput(problems=problems, summary=summary)


# --- dataframes, through narwhals -------------------------------------------------------------------


def _frame_code(name: str, kind: ColumnKind, dtype: Any) -> nw.Expr:
    """0 or 1 for a valid value, -1 for a missing one, -2 for anything else."""
    value = nw.col(name)
    if kind is ColumnKind.BOOLEAN:
        return nw.when(value.is_null()).then(_MISSING).otherwise(nw.when(value == True).then(1).otherwise(0))  # noqa: E712
    if kind in (ColumnKind.NUMERIC, ColumnKind.UNKNOWN):
        missing = value.is_null()
        if dtype.is_float():
            missing = missing | value.is_nan().fill_null(False)
        return (
            nw.when(missing)
            .then(_MISSING)
            .otherwise(nw.when(value == 1).then(1).otherwise(nw.when(value == 0).then(0).otherwise(_INVALID)))
        )
    return nw.when(value.is_null()).then(_MISSING).otherwise(_INVALID)


def _aggregate_frame(
    frame: nw.LazyFrame[Any],
    schema: Mapping[str, Any],
    kinds: Mapping[str, ColumnKind],
    roles: ColumnRoles,
    decimals: int,
) -> tuple[pl.DataFrame, Callable[[str], object]]:
    tests: dict[str, tuple[nw.Expr, float]] = {}
    keys: dict[str, nw.Expr] = {}
    if roles.outcome is not None:
        keys[_SELECTED] = _frame_code(roles.outcome, kinds[roles.outcome], schema[roles.outcome])
        tests["outcome"] = (keys[_SELECTED], _INVALID)
    if roles.label is not None:
        keys[_LABEL] = _frame_code(roles.label, kinds[roles.label], schema[roles.label])
        tests["label"] = (keys[_LABEL], _INVALID)
    aggregations = [nw.len().alias(_N)]
    values: dict[str, nw.Expr] = {}
    if roles.score is not None:
        score = nw.col(roles.score).cast(nw.Float64)
        missing = score.is_null() | score.is_nan().fill_null(False)
        limit = _score_limit(decimals)
        in_range = (score > -limit) & (score < limit)
        keys[_BIN] = (
            nw.when(missing)
            .then(_SCORE_MISSING)
            .otherwise(
                nw.when(in_range).then((score * float(10**decimals) + 0.5).floor()).otherwise(_SCORE_INVALID)
            )
        )
        tests["score"] = (keys[_BIN], _SCORE_INVALID)
        values[_VALUE] = nw.when(~missing & in_range).then(score)
        aggregations += [
            nw.col(_VALUE).sum().alias(_SUM),
            nw.col(_VALUE).min().alias(_MIN),
            nw.col(_VALUE).max().alias(_MAX),
        ]
        if roles.threshold is not None:
            keys[_SELECTED] = (
                nw.when(missing)
                .then(_MISSING)
                .otherwise(nw.when(score >= roles.threshold).then(1).otherwise(0))
            )
    prepared = frame.with_columns(**keys, **values)
    raw = prepared.group_by(*roles.protected, *keys).agg(*aggregations).collect(backend="polars").to_native()

    def example(role: str) -> object:
        expression, invalid = tests[role]
        column = getattr(roles, role)
        found = frame.filter(expression == invalid).select(column).head(1).collect(backend="polars")
        return found.to_native()[column][0] if len(found) else None

    return raw, example


def _score_limit(decimals: int) -> float:
    return float(2.0**53 / 10**decimals)


# --- databases, as SQL ------------------------------------------------------------------------------


def _count_sql(query: SqlQuery, roles: ColumnRoles, decimals: int) -> CountTable:
    engine, owned = _engine(query.database)
    try:
        try:
            connection = engine.connect()
        except DBAPIError as refused:
            raise InvalidInput(
                problems=[FieldProblem("database", f"could not connect: {_first_line(refused.orig)}")],
                summary="The database could not be reached.",
            ) from None
        with connection:
            return _count_on(connection, query.query, roles, decimals)
    finally:
        if owned:
            engine.dispose()


def _engine(database: str | Engine) -> tuple[Engine, bool]:
    if isinstance(database, Engine):
        return database, False
    try:
        return create_engine(database), True
    except (ArgumentError, NoSuchModuleError, ValueError) as wrong:
        raise InvalidInput(
            problems=[FieldProblem("database", f"not a usable database URL: {wrong}")],
            summary="The database could not be reached.",
        ) from None


def _count_on(connection: Connection, query: str, roles: ColumnRoles, decimals: int) -> CountTable:
    sqlite = connection.dialect.name == "sqlite"
    columns = sql_columns(connection, query)
    _raise_if(
        column_problems(columns.kinds, roles, values_checked_later=sqlite),
        "The decision data does not fit the roles.",
    )
    source = columns.source
    keys: dict[str, ColumnElement[Any]] = {}
    tests: dict[str, tuple[ColumnElement[Any], float]] = {}
    if roles.outcome is not None:
        keys[_SELECTED] = _sql_code(source, roles.outcome, columns.kinds[roles.outcome], sqlite)
        tests["outcome"] = (keys[_SELECTED], _INVALID)
    if roles.label is not None:
        keys[_LABEL] = _sql_code(source, roles.label, columns.kinds[roles.label], sqlite)
        tests["label"] = (keys[_LABEL], _INVALID)
    values: dict[str, ColumnElement[Any]] = {}
    if roles.score is not None:
        raw_score = source.c[roles.score]
        score = cast(raw_score, Float)
        limit = _score_limit(decimals)
        valid = and_(score > literal(-limit, Float), score < literal(limit, Float))
        if sqlite:
            valid = and_(func.typeof(raw_score).in_(["integer", "real"]), valid)
        keys[_BIN] = case(
            (raw_score.is_(None), literal(_SCORE_MISSING, Float)),
            (not_(valid), literal(_SCORE_INVALID, Float)),
            else_=_sql_floor(score * literal(float(10**decimals), Float) + literal(0.5, Float), sqlite),
        )
        tests["score"] = (keys[_BIN], _SCORE_INVALID)
        values[_VALUE] = case((and_(raw_score.is_not(None), valid), score), else_=null())
        if roles.threshold is not None:
            keys[_SELECTED] = case(
                (raw_score.is_(None), _MISSING),
                (score >= literal(roles.threshold, Float), 1),
                else_=0,
            )
    protected = {f"__algoreg_p{index}": source.c[name] for index, name in enumerate(roles.protected)}
    keyed = select(*(value.label(label) for label, value in (protected | keys | values).items())).subquery(
        "algoreg_keyed"
    )
    group = [keyed.c[label] for label in (*protected, *keys)]
    aggregations = [func.count().label(_N)]
    if values:
        aggregations += [
            func.sum(keyed.c[_VALUE]).label(_SUM),
            func.min(keyed.c[_VALUE]).label(_MIN),
            func.max(keyed.c[_VALUE]).label(_MAX),
        ]
    statement = select(*group, *aggregations).group_by(*group)
    try:
        result = connection.execute(statement)
        names = list(result.keys())
        rows = result.all()
    except DBAPIError as refused:
        raise InvalidInput(
            problems=[FieldProblem("query", f"the database could not count it: {_first_line(refused.orig)}")],
            summary="The SQL source could not be counted.",
        ) from None
    raw = _rows_to_frame(names, rows).rename(dict(zip(protected, roles.protected, strict=True)))

    def example(role: str) -> object:
        expression, invalid = tests[role]
        found = connection.execute(
            select(source.c[getattr(roles, role)]).where(expression == invalid).limit(1)
        ).first()
        return None if found is None else found[0]

    return _finish(raw, roles, decimals, example, columns.kinds)


def _sql_code(source: FromClause, name: str, kind: ColumnKind, sqlite: bool) -> ColumnElement[int]:
    """0 or 1 for a valid value, -1 for a missing one, -2 for anything else, in portable SQL."""
    value = source.c[name]
    if sqlite:
        return case(
            (value.is_(None), _MISSING),
            (func.typeof(value).not_in(["integer", "real"]), _INVALID),
            (value == 1, 1),
            (value == 0, 0),
            else_=_INVALID,
        )
    if kind is ColumnKind.NUMERIC:
        return case((value.is_(None), _MISSING), (value == 1, 1), (value == 0, 0), else_=_INVALID)
    if kind in (ColumnKind.TEXT, ColumnKind.OTHER):
        return case((value.is_(None), _MISSING), else_=_INVALID)
    # Booleans (PostgreSQL's compare with neither 0 nor 1) and columns the driver does not classify:
    # compare their text, which every database can produce from any type.
    spelled = func.lower(cast(value, String))
    return case(
        (value.is_(None), _MISSING),
        (spelled.in_(["1", "true"]), 1),
        (spelled.in_(["0", "false"]), 0),
        else_=_INVALID,
    )


def _sql_floor(value: ColumnElement[float], sqlite: bool) -> ColumnElement[Any]:
    if not sqlite:
        return func.floor(value)
    # SQLite's floor() needs its optional maths functions; a cast truncates towards zero on every build.
    truncated = cast(value, Integer)
    return truncated - case((value < truncated, 1), else_=0)


def _rows_to_frame(names: list[str], rows: Any) -> pl.DataFrame:
    columns: dict[str, pl.Series] = {}
    for index, name in enumerate(names):
        cells = [row[index] for row in rows]
        try:
            columns[name] = pl.Series(name, cells, strict=False)
        except (TypeError, pl.exceptions.PolarsError):
            columns[name] = pl.Series(name, [None if cell is None else str(cell) for cell in cells])
    return pl.DataFrame(columns)


def _first_line(error: BaseException | None) -> str:
    text = str(error).strip() if error is not None else ""
    return text.splitlines()[0] if text else "unknown error"


# --- the common end: checks, exclusions, the final table ------------------------------------------


def _finish(
    raw: pl.DataFrame,
    roles: ColumnRoles,
    decimals: int,
    example: Callable[[str], object],
    kinds: Mapping[str, ColumnKind],
) -> CountTable:
    raw = _normalise(raw, roles).filter(pl.col(_N) > 0)  # engines may list unseen categories
    if raw.height == 0:
        raise InvalidInput(
            problems=[FieldProblem("source", "the data has no rows")], summary="The decision data is empty."
        )
    _raise_if(
        _value_problems(raw, roles, decimals, example, kinds),
        "The decision data has values that cannot be counted.",
    )
    attributes = list(roles.protected)
    missing = {
        role: flag
        for role, flag in (
            ("outcome", pl.col(_SELECTED) == _MISSING if roles.outcome is not None else None),
            ("label", pl.col(_LABEL) == _MISSING if roles.label is not None else None),
            ("score", pl.col(_BIN) == _SCORE_MISSING if roles.score is not None else None),
        )
        if flag is not None
    }
    excluded_flag = pl.any_horizontal(*missing.values()) if missing else pl.lit(False)
    included = raw.filter(~excluded_flag)
    counts = (
        included.select(
            *attributes,
            _key(_SELECTED, roles.has_selection, pl.Int8).alias("selected"),
            _key(_LABEL, roles.has_label, pl.Int8).alias("label"),
            _key(_BIN, roles.has_score, pl.Int64).alias("score_bin"),
            pl.col(_N).alias("n"),
            *(
                _key(source, roles.has_score, pl.Float64).alias(name)
                for source, name in ((_SUM, "score_sum"), (_MIN, "score_min"), (_MAX, "score_max"))
            ),
        )
        .group_by(*attributes, *KEY_COLUMNS)
        .agg(
            pl.col("n").sum(), pl.col("score_sum").sum(), pl.col("score_min").min(), pl.col("score_max").max()
        )
        .with_columns(_key("score_sum", roles.has_score, pl.Float64).alias("score_sum"))
        .sort(*attributes, *KEY_COLUMNS, nulls_last=True)
    )
    excluded = (
        raw.filter(excluded_flag)
        .group_by(*attributes)
        .agg(
            pl.col(_N).sum().alias("n"),
            *(pl.col(_N).filter(flag).sum().alias(f"missing_{role}") for role, flag in missing.items()),
        )
        .sort(*attributes)
    )
    if counts.height == 0:
        lacking = ", ".join(f"{name} ({count} rows)" for name, count in _missing_totals(excluded).items())
        raise InvalidInput(
            problems=[FieldProblem(role, f"every row misses a value: {lacking}") for role in missing],
            summary="No row of the decision data has every value needed.",
        )
    return CountTable(
        counts=counts,
        excluded=excluded,
        roles=roles,
        score_decimals=decimals if roles.has_score else None,
    )


def _normalise(raw: pl.DataFrame, roles: ColumnRoles) -> pl.DataFrame:
    """Give every engine's result the same types; protected values become text, null "(missing)"."""
    types = {_SELECTED: pl.Int8, _LABEL: pl.Int8, _BIN: pl.Float64, _N: pl.Int64}
    types |= {_SUM: pl.Float64, _MIN: pl.Float64, _MAX: pl.Float64}
    try:
        return raw.with_columns(
            *(pl.col(name).cast(dtype) for name, dtype in types.items() if name in raw.columns),
            *(pl.col(name).cast(pl.String).fill_null(MISSING_GROUP) for name in roles.protected),
        )
    except pl.exceptions.PolarsError as wrong:
        raise InvalidInput(
            problems=[
                FieldProblem("protected", f"a protected attribute cannot be used to form groups: {wrong}")
            ],
            summary="The decision data does not fit the roles.",
        ) from None


def _key(name: str, present: bool, dtype: pl.DataType | type[pl.DataType]) -> pl.Expr:
    return pl.col(name).cast(dtype) if present else pl.lit(None, dtype=dtype)


def _value_problems(
    raw: pl.DataFrame,
    roles: ColumnRoles,
    decimals: int,
    example: Callable[[str], object],
    kinds: Mapping[str, ColumnKind],
) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    checks = (
        ("outcome", _SELECTED, _INVALID, "whose value is not 0, 1 or a boolean"),
        ("label", _LABEL, _INVALID, "whose value is not 0, 1 or a boolean"),
        ("score", _BIN, _SCORE_INVALID, "whose value is not a finite number"),
    )
    for role, column, invalid, what in checks:
        name = getattr(roles, role)
        if name is None or column not in raw.columns:
            continue
        count = int(raw.filter(pl.col(column) == invalid)[_N].sum())
        if count:
            extra = f" below {_score_limit(decimals):.3g} in size" if role == "score" else ""
            if kinds.get(name) in (ColumnKind.TEXT, ColumnKind.OTHER):
                extra += f" (the column holds {kinds[name].value} values)"
            rows = "1 row" if count == 1 else f"{count} rows"
            problems.append(
                FieldProblem(
                    role,
                    f"column '{name}' ({role}) has {rows} {what}{extra}, "
                    f"for example {example(role)!r}; "
                    "missing values are allowed and leave the row out",
                )
            )
    return problems


def _missing_totals(excluded: pl.DataFrame) -> dict[str, int]:
    return {
        name.removeprefix("missing_"): int(excluded[name].sum())
        for name in excluded.columns
        if name.startswith("missing_")
    }
