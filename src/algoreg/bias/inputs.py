"""Decision data for bias testing: what the columns mean, and where the rows come from.

Decision data has one row per case: an outcome (0/1, or a boolean) and/or a score, optionally the
true label (0/1), and one or more protected or proxy attributes. :class:`ColumnRoles` says which
column plays which part. The rows may live in a file (CSV, Parquet, Excel), in a dataframe of any
engine narwhals supports (polars, pandas, DuckDB, Dask …), or in a database reached through
SQLAlchemy (:class:`SqlQuery`). Nothing here reads the rows themselves: frames stay lazy, and a
database is only asked for its column names and types (a query with ``LIMIT 0``).
"""

import importlib.util
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, TypeAlias

import narwhals as nw
import polars as pl
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator
from pydantic_core.core_schema import ValidatorFunctionWrapHandler
from sqlalchemy import (
    ColumnClause,
    Connection,
    Engine,
    FromClause,
    Select,
    column,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.exc import DBAPIError

from algoreg.errors import FieldProblem, InvalidInput

MISSING_GROUP = "(missing)"
"""The group that rows with no value for a protected attribute fall into."""

RESERVED_NAMES = frozenset(
    {"selected", "label", "score_bin", "n", "score_sum", "score_min", "score_max"}
    | {"missing_outcome", "missing_label", "missing_score"}
)
"""Column names the table of counts uses itself; a protected attribute may not carry one of them."""

FILE_TYPES = (".csv", ".parquet", ".xlsx", ".xls")


class ColumnRoles(BaseModel):
    """Which column of the decision data plays which part.

    ``protected`` lists the protected or proxy attributes (at least one). ``outcome`` is the decision
    or selection (0/1 or boolean); ``score`` a number the decision is, or could be, based on;
    ``label`` the true outcome (0/1 or boolean). ``threshold`` turns the score into a selection
    (``score >= threshold``) when there is no outcome column. At least one of ``outcome`` and
    ``score`` is needed. Any problem raises :class:`~algoreg.errors.InvalidInput` naming the field.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    protected: list[str]
    outcome: str | None = None
    score: str | None = None
    label: str | None = None
    threshold: float | None = None

    @model_validator(mode="wrap")
    @classmethod
    def _as_invalid_input(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> "ColumnRoles":
        try:
            roles = handler(data)
        except ValidationError as invalid:
            problems = [
                FieldProblem(
                    field=".".join(str(part) for part in error["loc"]) or "roles", reason=error["msg"]
                )
                for error in invalid.errors()
            ]
            raise InvalidInput(problems=problems, summary="The column roles are not valid.") from None
        assert isinstance(roles, ColumnRoles)
        return roles

    @field_validator("protected", mode="before")
    @classmethod
    def _one_name_is_a_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _check_combination(self) -> "ColumnRoles":
        problems = _role_problems(self)
        if problems:
            raise InvalidInput(problems=problems, summary="The column roles are not valid.")
        return self

    @property
    def has_selection(self) -> bool:
        """Whether the data says who was selected: an outcome column, or a score with a threshold."""
        return self.outcome is not None or self.threshold is not None

    @property
    def has_label(self) -> bool:
        """Whether the data has the true outcome."""
        return self.label is not None

    @property
    def has_score(self) -> bool:
        """Whether the data has a score."""
        return self.score is not None

    def columns(self) -> dict[str, str]:
        """Every column used, mapped to its role ("protected", "outcome", "score" or "label")."""
        used = dict.fromkeys(self.protected, "protected")
        for role in ("outcome", "score", "label"):
            name = getattr(self, role)
            if name is not None:
                used[name] = role
        return used


def _role_problems(roles: ColumnRoles) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    if not roles.protected:
        problems.append(FieldProblem("protected", "name at least one protected or proxy attribute"))
    for index, name in enumerate(roles.protected):
        if not name.strip():
            problems.append(FieldProblem(f"protected.{index}", "a column name may not be empty"))
        elif name in RESERVED_NAMES or name.startswith("__algoreg"):
            problems.append(
                FieldProblem(
                    f"protected.{index}",
                    f"'{name}' is a name the table of counts uses itself; rename the column "
                    f"(reserved: {', '.join(sorted(RESERVED_NAMES))})",
                )
            )
    if len(set(roles.protected)) != len(roles.protected):
        problems.append(FieldProblem("protected", "each protected attribute may be named only once"))
    for role in ("outcome", "score", "label"):
        name = getattr(roles, role)
        if name is not None and not name.strip():
            problems.append(FieldProblem(role, "a column name may not be empty"))
    if roles.outcome is None and roles.score is None:
        problems.append(FieldProblem("outcome", "give an outcome column, a score column, or both"))
    if roles.threshold is not None:
        if roles.score is None:
            problems.append(FieldProblem("threshold", "a threshold needs a score column to apply to"))
        if roles.outcome is not None:
            problems.append(
                FieldProblem(
                    "threshold",
                    "give either an outcome column or a threshold on the score, not both: "
                    "the outcome column already says who was selected",
                )
            )
        if roles.threshold != roles.threshold or abs(roles.threshold) == float("inf"):
            problems.append(FieldProblem("threshold", "the threshold must be a finite number"))
    seen: dict[str, str] = {}
    for name in roles.protected:
        seen.setdefault(name, "protected")
    for role in ("outcome", "score", "label"):
        name = getattr(roles, role)
        if name is None:
            continue
        if name in seen:
            problems.append(
                FieldProblem(
                    role, f"column '{name}' is already the {seen[name]} column; one column, one role"
                )
            )
        else:
            seen[name] = role
    return problems


@dataclass(frozen=True)
class SqlQuery:
    """Decision data in a database: a SQLAlchemy URL or engine, and a SELECT statement or table name.

    ``query`` is either a table (or view) name, optionally with its schema (``"audit.decisions"``), or
    one SELECT statement. The rows never leave the database: the counting runs there, as SQL.
    """

    database: str | Engine
    query: str


class ColumnKind(Enum):
    """What a column holds, as far as the engine tells before reading any row."""

    BOOLEAN = "boolean"
    NUMERIC = "numeric"
    TEXT = "text"
    OTHER = "other"
    UNKNOWN = "unknown"


DataSource: TypeAlias = str | os.PathLike[str] | SqlQuery | nw.LazyFrame[Any] | nw.DataFrame[Any] | Any
"""A path, a SQL source, a narwhals frame, or a native frame that narwhals supports."""


def load_frame(source: DataSource) -> nw.LazyFrame[Any]:
    """Return the decision data of a file or dataframe as a narwhals LazyFrame, reading no rows.

    Files: ``.csv`` and ``.parquet`` are scanned lazily by polars; ``.xlsx``/``.xls`` are read by
    polars (Excel has no lazy reader). Frames: anything ``narwhals.from_native`` accepts (polars,
    pandas, DuckDB relations, Dask …). A :class:`SqlQuery` is not a frame: count it with
    :func:`algoreg.bias.counts.count_table`, which runs the aggregation in the database.
    """
    if isinstance(source, SqlQuery):
        raise InvalidInput(
            problems=[FieldProblem("source", "a database query is counted in the database, not loaded")],
            summary="A SQL source cannot be loaded as a frame.",
        )
    if isinstance(source, str | os.PathLike):
        return _load_file(Path(source))
    if isinstance(source, nw.LazyFrame):
        return source
    if isinstance(source, nw.DataFrame):
        return source.lazy()
    try:
        frame = nw.from_native(source)
    except TypeError:
        raise InvalidInput(
            problems=[
                FieldProblem(
                    "source",
                    f"a {type(source).__name__} is not decision data; give a file path, a dataframe "
                    "(polars, pandas, DuckDB, Dask …) or a SqlQuery",
                )
            ],
            summary="The decision data could not be read.",
        ) from None
    return frame.lazy() if isinstance(frame, nw.DataFrame) else frame


def _load_file(path: Path) -> nw.LazyFrame[Any]:
    suffix = path.suffix.lower()
    if suffix not in FILE_TYPES:
        raise InvalidInput(
            problems=[
                FieldProblem("source", f"files of type '{suffix}' are not read; use {', '.join(FILE_TYPES)}")
            ],
            summary="The decision data could not be read.",
        )
    if not path.is_file():
        raise InvalidInput(
            problems=[FieldProblem("source", f"there is no file at {path}")],
            summary="The decision data could not be read.",
        )
    if suffix == ".csv":
        return nw.from_native(pl.scan_csv(path))
    if suffix == ".parquet":
        return nw.from_native(pl.scan_parquet(path))
    return nw.from_native(_read_excel(path).lazy())


def _read_excel(path: Path) -> pl.DataFrame:
    if importlib.util.find_spec("fastexcel") is None:  # polars' own Excel engine, when installed
        if path.suffix.lower() == ".xls":
            raise InvalidInput(
                problems=[
                    FieldProblem(
                        "source", "old .xls files need the 'fastexcel' package; save as .xlsx or CSV"
                    )
                ],
                summary="The decision data could not be read.",
            ) from None
        return pl.read_excel(path, engine="openpyxl")
    return pl.read_excel(path, engine="calamine")


def frame_columns(frame: nw.LazyFrame[Any]) -> dict[str, ColumnKind]:
    """The columns of a frame and what each holds, from its schema alone (no rows are read)."""
    return {name: kind_of_dtype(dtype) for name, dtype in frame.collect_schema().items()}


def kind_of_dtype(dtype: Any) -> ColumnKind:
    """What a column of this narwhals data type holds."""
    if dtype == nw.Boolean:
        return ColumnKind.BOOLEAN
    if dtype.is_numeric():
        return ColumnKind.NUMERIC
    if dtype in (nw.String, nw.Categorical) or isinstance(dtype, nw.Enum):
        return ColumnKind.TEXT
    if dtype == nw.Object or dtype == nw.Unknown:
        return ColumnKind.UNKNOWN
    return ColumnKind.OTHER


_TABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?")


@dataclass(frozen=True)
class SqlColumns:
    """A SQL source made ready for counting: a FROM clause over the user's query, and its columns."""

    source: FromClause
    kinds: dict[str, ColumnKind]


def sql_columns(connection: Connection, query: str) -> SqlColumns:
    """Ask the database for the columns of a table name or SELECT statement, reading no rows.

    Returns a FROM clause (the table, or the statement as a subquery) with those columns, and what
    each column holds as far as the database driver tells (``UNKNOWN`` where it does not, as in
    SQLite). A query the database refuses raises :class:`~algoreg.errors.InvalidInput`.
    """
    statement = query.strip().rstrip(";").strip()
    if not statement:
        raise InvalidInput(
            problems=[FieldProblem("query", "give a table name or a SELECT statement")],
            summary="The SQL source is empty.",
        )
    is_table = _TABLE_NAME.fullmatch(statement) is not None
    schema, _, name = statement.rpartition(".")
    if is_table:
        probe_from: FromClause = table(name, schema=schema or None)
    else:
        probe_from = text(statement).columns().subquery("algoreg_probe")
    probe: Select[Any] = select(literal_column("*")).select_from(probe_from).limit(0)
    try:
        result = connection.execute(probe)
        names = list(result.keys())
        description = result.cursor.description if result.cursor is not None else None
        result.close()
    except DBAPIError as refused:
        raise InvalidInput(
            problems=[FieldProblem("query", f"the database could not run it: {_first_line(refused.orig)}")],
            summary="The SQL source could not be read.",
        ) from None
    dbapi = connection.dialect.dbapi
    codes = [entry[1] for entry in description] if description else [None] * len(names)
    kinds = {key: _kind_of_type_code(dbapi, code) for key, code in zip(names, codes, strict=True)}
    columns: list[ColumnClause[Any]] = [column(name) for name in names]
    if is_table:
        source: FromClause = table(name, *columns, schema=schema or None)
    else:
        source = text(statement).columns(*columns).subquery("algoreg_decisions")
    return SqlColumns(source=source, kinds=kinds)


def _kind_of_type_code(dbapi: Any, type_code: Any) -> ColumnKind:
    """Classify a column by the PEP 249 type objects of the driver (SQLite's driver has none)."""
    if type_code is None or dbapi is None:
        return ColumnKind.UNKNOWN
    number, string = getattr(dbapi, "NUMBER", None), getattr(dbapi, "STRING", None)
    if number is None or string is None:
        return ColumnKind.UNKNOWN
    if type_code == number:
        return ColumnKind.NUMERIC
    if type_code == string:
        return ColumnKind.TEXT
    for other in ("DATETIME", "BINARY"):
        type_object = getattr(dbapi, other, None)
        if type_object is not None and type_code == type_object:
            return ColumnKind.OTHER
    return ColumnKind.UNKNOWN


def _first_line(error: BaseException | None) -> str:
    return str(error).strip().splitlines()[0] if error is not None and str(error).strip() else "unknown error"


def column_problems(
    kinds: Mapping[str, ColumnKind], roles: ColumnRoles, *, values_checked_later: bool = False
) -> list[FieldProblem]:
    """Problems with the columns the roles name, judged from the columns' names and kinds alone.

    A column that is not there is named, with the columns that are. A score must be numeric; a score
    column of unknown kind passes only when ``values_checked_later`` (SQLite, whose columns have no
    fixed type, is checked value by value while counting). Outcome and label values (0/1) are always
    checked while counting, so that the error can say how many rows are wrong.
    """
    problems: list[FieldProblem] = []
    available = ", ".join(kinds) or "(none)"
    for name, role in roles.columns().items():
        if name not in kinds:
            field = f"protected.{roles.protected.index(name)}" if role == "protected" else role
            problems.append(
                FieldProblem(
                    field, f"column '{name}' ({role}) is not in the data; the columns are: {available}"
                )
            )
    score = roles.score
    if score is not None and score in kinds:
        allowed = {ColumnKind.NUMERIC, ColumnKind.UNKNOWN} if values_checked_later else {ColumnKind.NUMERIC}
        if kinds[score] not in allowed:
            problems.append(
                FieldProblem(
                    "score",
                    f"column '{score}' (score) holds {kinds[score].value} values; the score must be a number",
                )
            )
    return problems
