"""Column roles, loading decision data from files and frames, and asking a database for its columns."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dask.dataframe as dd
import duckdb
import narwhals as nw
import openpyxl
import pandas as pd
import polars as pl
import pytest
from sqlalchemy import Boolean, Column, Engine, Float, Integer, MetaData, Table, Text, create_engine

from algoreg.bias.inputs import (
    ColumnKind,
    ColumnRoles,
    SqlQuery,
    column_problems,
    frame_columns,
    load_frame,
    sql_columns,
)
from algoreg.errors import InvalidInput

pytestmark = pytest.mark.filterwarnings("ignore:Dask support is moving:FutureWarning")

DATA = {
    "sex": ["f", "m", None],
    "outcome": [1, 0, 1],
    "score": [0.5, 0.25, 0.125],
    "label": [True, False, True],
}


def _fields(error: pytest.ExceptionInfo[InvalidInput]) -> list[str]:
    return [problem.field for problem in error.value.problems]


# --- roles ---------------------------------------------------------------------------------------------


def test_roles_accept_a_single_protected_name_and_say_what_the_data_has() -> None:
    # when
    roles = ColumnRoles(protected="sex", score="score", threshold=0.5, label="label")

    # then
    assert roles.protected == ["sex"]
    assert (roles.has_selection, roles.has_label, roles.has_score) == (True, True, True)
    assert roles.columns() == {"sex": "protected", "score": "score", "label": "label"}
    assert not ColumnRoles(protected=["sex"], score="score").has_selection


@pytest.mark.parametrize(
    ("roles", "field", "words"),
    [
        ({"protected": [], "outcome": "y"}, "protected", "at least one"),
        ({"protected": ["sex"]}, "outcome", "outcome column, a score column"),
        ({"protected": ["sex"], "outcome": "y", "score": "s", "threshold": 0.5}, "threshold", "not both"),
        ({"protected": ["sex"], "outcome": "y", "label": "y"}, "label", "already"),
        ({"protected": ["sex", "sex"], "outcome": "y"}, "protected", "only once"),
        ({"protected": ["sex", "n"], "outcome": "y"}, "protected.1", "table of counts uses"),
        ({"protected": ["sex"], "outcome": ""}, "outcome", "empty"),
        ({"protected": ["sex"], "score": "s", "threshold": float("nan")}, "threshold", "finite"),
        ({"protected": 3, "outcome": "y"}, "protected", "valid list"),
        ({"protected": ["sex"], "outcome": "y", "weight": "w"}, "weight", "Extra inputs"),
    ],
)
def test_bad_roles_name_the_field(roles: dict[str, Any], field: str, words: str) -> None:
    # when
    with pytest.raises(InvalidInput) as error:
        ColumnRoles(**roles)

    # then
    problem = next(problem for problem in error.value.problems if problem.field == field)
    assert words in problem.reason


def test_a_threshold_without_a_score_is_refused_with_every_reason() -> None:
    # when
    with pytest.raises(InvalidInput) as error:
        ColumnRoles.model_validate({"protected": ["sex"], "outcome": "y", "threshold": 0.5})

    # then
    reasons = [problem.reason for problem in error.value.problems]
    assert _fields(error) == ["threshold", "threshold"]
    assert "a threshold needs a score column to apply to" in reasons
    assert any("not both" in reason for reason in reasons)


# --- files and frames ----------------------------------------------------------------------------------


def _natives() -> dict[str, Any]:
    frame = pl.DataFrame(DATA)
    return {
        "polars": frame,
        "polars lazy": frame.lazy(),
        "pandas": frame.to_pandas(),
        "duckdb": duckdb.from_arrow(frame.to_arrow()),
        "dask": dd.from_pandas(frame.to_pandas(), npartitions=2),
        "narwhals": nw.from_native(frame),
    }


@pytest.mark.parametrize("engine", list(_natives()))
def test_every_supported_frame_becomes_a_lazy_frame_with_the_same_rows(engine: str) -> None:
    # when
    frame = load_frame(_natives()[engine])

    # then
    assert isinstance(frame, nw.LazyFrame)
    assert frame.collect(backend="polars").to_native().sort("score").equals(pl.DataFrame(DATA).sort("score"))


def test_a_polars_lazy_frame_is_passed_through_without_being_collected() -> None:
    lazy = pl.DataFrame(DATA).lazy()
    assert load_frame(lazy).to_native() is lazy


def test_files_are_read_by_their_type(tmp_path: Path) -> None:
    # given
    frame = pl.DataFrame(DATA)
    frame.write_csv(tmp_path / "d.csv")
    frame.write_parquet(tmp_path / "d.parquet")
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(DATA))
    for row in frame.iter_rows():
        sheet.append(list(row))
    book.save(tmp_path / "d.xlsx")

    # when
    csv, parquet, excel = (load_frame(tmp_path / name) for name in ("d.csv", "d.parquet", "d.xlsx"))

    # then: CSV and Parquet are scanned lazily; every file gives the same rows
    assert isinstance(csv.to_native(), pl.LazyFrame)
    assert isinstance(parquet.to_native(), pl.LazyFrame)
    for loaded in (csv, parquet, excel):
        collected = loaded.collect(backend="polars").to_native()
        assert collected.columns == list(DATA)
        assert collected["outcome"].to_list() == DATA["outcome"]
        assert collected["sex"].to_list() == DATA["sex"]
    assert load_frame(str(tmp_path / "d.csv")).collect().shape == (3, 4)


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("nowhere.csv", "no file"),
        ("data.json", "'.json' are not read"),
        (42, "int is not decision data"),
        (pd.Series([1, 2]), "a Series is not decision data"),
        (SqlQuery("sqlite://", "t"), "counted in the database"),
    ],
)
def test_what_cannot_be_loaded_is_refused_clearly(source: Any, words: str, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as error:
        load_frame(tmp_path / source if isinstance(source, str) else source)
    assert words in error.value.problems[0].reason
    assert _fields(error) == ["source"]


def test_the_kind_of_each_column_comes_from_the_schema() -> None:
    # given
    frame = pl.DataFrame(DATA).with_columns(
        when=pl.date(2024, 1, 1), group=pl.col("sex").cast(pl.Categorical)
    )

    # when
    kinds = frame_columns(nw.from_native(frame.lazy()))

    # then
    assert kinds == {
        "sex": ColumnKind.TEXT,
        "outcome": ColumnKind.NUMERIC,
        "score": ColumnKind.NUMERIC,
        "label": ColumnKind.BOOLEAN,
        "when": ColumnKind.OTHER,
        "group": ColumnKind.TEXT,
    }
    assert frame_columns(nw.from_native(pd.DataFrame({"x": [object()]})).lazy()) == {"x": ColumnKind.UNKNOWN}


def test_column_problems_name_the_missing_column_and_list_the_columns_there_are() -> None:
    # given
    kinds = {"sex": ColumnKind.TEXT, "outcome": ColumnKind.NUMERIC, "score": ColumnKind.TEXT}
    roles = ColumnRoles(protected=["sex", "age"], outcome="decision", score="score")

    # when
    problems = column_problems(kinds, roles)

    # then
    assert [p.field for p in problems] == ["protected.1", "outcome", "score"]
    assert (
        "column 'age' (protected) is not in the data; the columns are: sex, outcome, score"
        in problems[0].reason
    )
    assert "column 'decision' (outcome)" in problems[1].reason
    assert "holds text values; the score must be a number" in problems[2].reason


def test_a_score_of_unknown_kind_passes_only_where_values_are_checked_later() -> None:
    kinds = {"sex": ColumnKind.TEXT, "score": ColumnKind.UNKNOWN}
    roles = ColumnRoles(protected=["sex"], score="score")
    assert [p.field for p in column_problems(kinds, roles)] == ["score"]
    assert column_problems(kinds, roles, values_checked_later=True) == []


# --- databases -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def database(database_url: str) -> Iterator[Engine]:
    """The test database (SQLite, or PostgreSQL with ALGOREG_TEST_DATABASE_URL) with a small table."""
    engine = create_engine(database_url)
    metadata = MetaData()
    table = Table(
        "bias_inputs_decisions",
        metadata,
        Column("sex", Text),
        Column("outcome", Integer),
        Column("score", Float),
        Column("label", Boolean),
    )
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(
            table.insert(), [dict(zip(DATA, row, strict=True)) for row in zip(*DATA.values(), strict=True)]
        )
    yield engine
    metadata.drop_all(engine)
    engine.dispose()


@pytest.mark.parametrize(
    "query", ["bias_inputs_decisions", "SELECT sex, outcome, score, label FROM bias_inputs_decisions;"]
)
def test_a_database_names_its_columns_without_reading_rows(database: Engine, query: str) -> None:
    # when
    with database.connect() as connection:
        columns = sql_columns(connection, query)

    # then
    assert list(columns.kinds) == ["sex", "outcome", "score", "label"]
    assert [c.name for c in columns.source.c] == ["sex", "outcome", "score", "label"]
    if database.dialect.name == "postgresql":  # its driver says what each column holds
        assert columns.kinds == {
            "sex": ColumnKind.TEXT,
            "outcome": ColumnKind.NUMERIC,
            "score": ColumnKind.NUMERIC,
            "label": ColumnKind.UNKNOWN,
        }
    else:  # SQLite's columns have no fixed type: values are checked while counting
        assert set(columns.kinds.values()) == {ColumnKind.UNKNOWN}


@pytest.mark.parametrize("query", ["no_such_table", "SELEC sex FROM bias_inputs_decisions", "  ;"])
def test_a_query_the_database_refuses_is_invalid_input(database: Engine, query: str) -> None:
    with database.connect() as connection, pytest.raises(InvalidInput) as error:
        sql_columns(connection, query)
    assert _fields(error) == ["query"]
