"""The one aggregation: a hand-checked table of counts, its checks, and the same table on every engine."""

from collections.abc import Iterator
from typing import Any

import dask
import dask.dataframe as dd
import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from sqlalchemy import Boolean, Column, Engine, Float, Integer, MetaData, Table, Text, create_engine, event

from algoreg.bias.counts import CountTable, count_table
from algoreg.bias.inputs import ColumnRoles, SqlQuery
from algoreg.bias.metrics import metrics_by_grouping
from algoreg.errors import InvalidInput

pytestmark = pytest.mark.filterwarnings("ignore:Dask support is moving:FutureWarning")

ROLES = ColumnRoles(protected=["sex"], outcome="outcome", label="label", score="score")

TINY = pl.DataFrame(
    {
        "sex": ["f", "f", "f", "m", "m", None, "f", "m"],
        "outcome": [1, 1, 0, 0, 1, 1, None, 0],
        "label": [1, 1, 1, 0, None, 1, 0, 0],
        "score": [0.8, 0.8, 0.3004, 0.3, 0.5, 0.9, 0.1, 0.2996],
    }
)


def _problem(error: pytest.ExceptionInfo[InvalidInput], field: str) -> str:
    return next(problem.reason for problem in error.value.problems if problem.field == field)


# --- the table, by hand --------------------------------------------------------------------------------


def test_the_table_holds_the_hand_counted_cells() -> None:
    # when
    table = count_table(TINY, ROLES)

    # then: 0.3004, 0.3 and 0.2996 share the bin of 0.300; rows missing an outcome or label are left out
    expected = pl.DataFrame(
        {
            "sex": ["(missing)", "f", "f", "m"],
            "selected": [1, 0, 1, 0],
            "label": [1, 1, 1, 0],
            "score_bin": [900, 300, 800, 300],
            "n": [1, 1, 2, 2],
            "score_sum": [0.9, 0.3004, 1.6, 0.5996],
            "score_min": [0.9, 0.3004, 0.8, 0.2996],
            "score_max": [0.9, 0.3004, 0.8, 0.3],
        },
        schema_overrides={"selected": pl.Int8, "label": pl.Int8},
    )
    assert_frame_equal(table.counts, expected, rel_tol=1e-12)
    assert table.rows == 6


def test_excluded_rows_are_counted_per_group_and_per_column() -> None:
    # when
    table = count_table(TINY, ROLES)

    # then
    assert table.excluded.to_dicts() == [
        {"sex": "f", "n": 1, "missing_outcome": 1, "missing_label": 0, "missing_score": 0},
        {"sex": "m", "n": 1, "missing_outcome": 0, "missing_label": 1, "missing_score": 0},
    ]
    assert table.excluded_rows == 2
    assert table.missing == {"outcome": 1, "label": 1, "score": 0}


def test_a_score_bin_is_the_score_rounded_to_the_grid() -> None:
    # when
    table = count_table(TINY, ROLES, score_decimals=1)

    # then
    assert table.score_decimals == 1
    assert table.score_resolution == pytest.approx(0.1)
    assert sorted(set(table.counts["score_bin"].to_list())) == [3, 8, 9]
    assert table.score_of_bin(3) == 0.3
    assert table.score_bin_edges(3) == pytest.approx((0.25, 0.35))


def test_a_threshold_turns_the_score_into_a_selection() -> None:
    # when: selected when score >= 0.5
    roles = ColumnRoles(protected=["sex"], score="score", threshold=0.5)
    table = count_table(TINY, roles)

    # then
    selected = table.counts.group_by("selected").agg(pl.col("n").sum()).sort("selected")
    assert selected.to_dicts() == [{"selected": 0, "n": 4}, {"selected": 1, "n": 4}]
    assert table.counts["label"].is_null().all()
    assert table.missing == {"score": 0}


def test_without_a_score_the_score_columns_are_empty() -> None:
    table = count_table(TINY, ColumnRoles(protected=["sex"], outcome="outcome"))
    assert table.score_decimals is None and table.score_resolution is None
    score_columns = table.counts.select("score_bin", "score_sum", "score_min", "score_max")
    assert score_columns.null_count().row(0) == (5, 5, 5, 5)
    assert table.counts["n"].sum() == 7
    assert table.missing == {"outcome": 1}


def test_protected_values_of_any_type_become_text_and_intersections_are_kept() -> None:
    # given
    frame = TINY.with_columns(age=pl.Series([30, 30, 41, 41, 30, 30, 41, None]), flag=pl.lit(True))

    # when
    table = count_table(frame, ColumnRoles(protected=["sex", "age", "flag"], outcome="outcome"))

    # then
    cells = table.counts.group_by("sex", "age", "flag").agg(pl.col("n").sum()).sort("sex", "age").rows()
    assert cells == [
        ("(missing)", "30", "true", 1),
        ("f", "30", "true", 2),
        ("f", "41", "true", 1),
        ("m", "(missing)", "true", 1),
        ("m", "30", "true", 1),
        ("m", "41", "true", 1),
    ]


# --- what is refused -----------------------------------------------------------------------------------


def test_an_outcome_that_is_not_zero_or_one_says_how_many_rows_and_shows_one() -> None:
    # given
    frame = TINY.with_columns(outcome=pl.Series([1, 2, 0, 0, 1, 7, None, 0]))

    # when
    with pytest.raises(InvalidInput) as error:
        count_table(frame, ROLES)

    # then
    reason = _problem(error, "outcome")
    assert "column 'outcome' (outcome) has 2 rows whose value is not 0, 1 or a boolean" in reason
    assert "for example 2" in reason or "for example 7" in reason


def test_a_text_label_is_refused_with_its_kind() -> None:
    with pytest.raises(InvalidInput) as error:
        count_table(TINY.with_columns(label=pl.col("label").cast(pl.String)), ROLES)
    reason = _problem(error, "label")
    assert "has 7 rows whose value is not 0, 1 or a boolean (the column holds text values)" in reason
    assert "for example '" in reason


def test_a_score_that_is_not_a_number_or_not_finite_is_refused() -> None:
    with pytest.raises(InvalidInput) as text:
        count_table(TINY.with_columns(score=pl.col("score").cast(pl.String)), ROLES)
    assert "holds text values; the score must be a number" in _problem(text, "score")

    with pytest.raises(InvalidInput) as infinite:
        count_table(TINY.with_columns(score=pl.Series([0.1, float("inf")] * 4)), ROLES)
    assert "has 4 rows whose value is not a finite number" in _problem(infinite, "score")
    assert "for example inf" in _problem(infinite, "score")


def test_every_problem_is_reported_at_once() -> None:
    # given
    frame = TINY.with_columns(outcome=pl.lit(3), label=pl.lit(-1))

    # when
    with pytest.raises(InvalidInput) as error:
        count_table(frame, ROLES)

    # then
    assert [problem.field for problem in error.value.problems] == ["outcome", "label"]
    assert "has 8 rows" in _problem(error, "outcome")


def test_a_missing_column_is_named_with_the_columns_there_are() -> None:
    with pytest.raises(InvalidInput) as error:
        count_table(TINY, ColumnRoles(protected=["gender"], outcome="outcome"))
    assert _problem(error, "protected.0") == (
        "column 'gender' (protected) is not in the data; the columns are: sex, outcome, label, score"
    )


def test_empty_data_and_data_without_a_usable_row_are_refused() -> None:
    with pytest.raises(InvalidInput) as empty:
        count_table(TINY.head(0), ROLES)
    assert _problem(empty, "source") == "the data has no rows"

    with pytest.raises(InvalidInput) as unusable:
        count_table(TINY.with_columns(outcome=pl.lit(None, dtype=pl.Int64)), ROLES)
    assert "every row misses a value: outcome (8 rows)" in _problem(unusable, "outcome")


def test_the_score_grid_is_bounded() -> None:
    with pytest.raises(InvalidInput) as error:
        count_table(TINY, ROLES, score_decimals=12)
    assert [problem.field for problem in error.value.problems] == ["score_decimals"]


# --- the same table on every engine ---------------------------------------------------------------------

ENGINE_ROLES = ColumnRoles(protected=["sex", "region"], outcome="outcome", label="label", score="score")


def _generated(rows: int = 3000) -> pl.DataFrame:
    """Decision data with gaps everywhere; scores are multiples of 1/8, so every sum is exact."""
    rng = np.random.default_rng(7)

    def with_gaps(values: Any, share: float) -> list[Any]:
        return [None if gap else value for value, gap in zip(values, rng.random(rows) < share, strict=True)]

    return pl.DataFrame(
        {
            "sex": with_gaps(rng.choice(["f", "m", "x"], rows).tolist(), 0.03),
            "region": with_gaps(
                rng.choice(["north", "east", "south", "west", "zeeland"], rows).tolist(), 0.02
            ),
            "outcome": with_gaps(rng.integers(0, 2, rows).tolist(), 0.02),
            "label": with_gaps((rng.random(rows) < 0.4).tolist(), 0.02),
            "score": with_gaps((rng.integers(0, 9, rows) / 8).tolist(), 0.01),
        },
        schema={
            "sex": pl.String,
            "region": pl.String,
            "outcome": pl.Int64,
            "label": pl.Boolean,
            "score": pl.Float64,
        },
    )


GENERATED = _generated()


@pytest.fixture(scope="module")
def database(database_url: str) -> Iterator[Engine]:
    """The test database (SQLite, or PostgreSQL with ALGOREG_TEST_DATABASE_URL) holding the data."""
    engine = create_engine(database_url)
    metadata = MetaData()
    decisions = Table(
        "bias_counts_decisions",
        metadata,
        Column("sex", Text),
        Column("region", Text),
        Column("outcome", Integer),
        Column("label", Boolean),
        Column("score", Float),
    )
    odd = Table(
        "bias_counts_odd",
        metadata,
        Column("sex", Text),
        Column("outcome", Integer),
        Column("answer", Text),
        Column("score", Float),
    )
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(decisions.insert(), GENERATED.to_dicts())
        connection.execute(
            odd.insert(),
            [
                {"sex": "f", "outcome": 1, "answer": "yes", "score": 0.5},
                {"sex": "m", "outcome": 2, "answer": "no", "score": 0.25},
                {"sex": "m", "outcome": 0, "answer": None, "score": None},
            ],
        )
    yield engine
    metadata.drop_all(engine)
    engine.dispose()


def _sources(database: Engine) -> dict[str, Any]:
    return {
        "pandas": GENERATED.to_pandas(),
        "pandas (Arrow)": GENERATED.to_pandas(use_pyarrow_extension_array=True),
        "duckdb": duckdb.from_arrow(GENERATED.to_arrow()),
        "dask": dd.from_pandas(GENERATED.to_pandas(use_pyarrow_extension_array=True), npartitions=3),
        "sql table": SqlQuery(database, "bias_counts_decisions"),
        "sql query": SqlQuery(database, "SELECT * FROM bias_counts_decisions WHERE 1 = 1"),
    }


@pytest.fixture(scope="module")
def reference() -> CountTable:
    return count_table(GENERATED.lazy(), ENGINE_ROLES)


@pytest.mark.parametrize("engine", ["pandas", "pandas (Arrow)", "duckdb", "dask", "sql table", "sql query"])
def test_every_engine_gives_the_same_table_and_the_same_metrics(
    engine: str, database: Engine, reference: CountTable
) -> None:
    # when
    with dask.config.set(scheduler="synchronous"):
        table = count_table(_sources(database)[engine], ENGINE_ROLES)

    # then
    assert_frame_equal(table.counts, reference.counts, check_exact=True)
    assert_frame_equal(table.excluded, reference.excluded, check_exact=True)
    assert table.roles == reference.roles and table.score_decimals == reference.score_decimals
    assert metrics_by_grouping(table) == metrics_by_grouping(reference)


def test_the_reference_table_matches_a_direct_count(reference: CountTable) -> None:
    # given: every row with an outcome, a label and a score, counted by polars without us
    complete = GENERATED.drop_nulls(["outcome", "label", "score"]).with_columns(
        pl.col("sex").fill_null("(missing)")
    )

    # then
    expected = complete.group_by("sex").len().sort("sex")
    assert reference.counts.group_by("sex").agg(pl.col("n").sum()).sort("sex").rows() == expected.rows()
    assert reference.excluded_rows == GENERATED.height - complete.height
    assert reference.missing == {
        "outcome": GENERATED["outcome"].null_count(),
        "label": GENERATED["label"].null_count(),
        "score": GENERATED["score"].null_count(),
    }


def test_the_database_runs_the_aggregation_itself(database: Engine) -> None:
    # given
    statements: list[str] = []

    def remember(*arguments: Any) -> None:
        statements.append(arguments[2])

    event.listen(database, "before_cursor_execute", remember)
    try:
        # when
        table = count_table(SqlQuery(database, "bias_counts_decisions"), ENGINE_ROLES)
    finally:
        event.remove(database, "before_cursor_execute", remember)

    # then: one look at the columns (no rows), one GROUP BY over the data as a subquery
    assert len(statements) == 2
    assert "LIMIT" in statements[0].upper()
    assert "GROUP BY" in statements[1].upper() and "bias_counts_decisions" in statements[1]
    assert table.rows + table.excluded_rows == GENERATED.height


def test_the_database_checks_values_in_the_same_pass(database: Engine) -> None:
    # when
    with pytest.raises(InvalidInput) as bad_outcome:
        count_table(SqlQuery(database, "bias_counts_odd"), ColumnRoles(protected=["sex"], outcome="outcome"))
    with pytest.raises(InvalidInput) as text_label:
        count_table(
            SqlQuery(database, "SELECT * FROM bias_counts_odd"),
            ColumnRoles(protected=["sex"], outcome="score", label="answer"),
        )
    with pytest.raises(InvalidInput) as text_score:
        count_table(SqlQuery(database, "bias_counts_odd"), ColumnRoles(protected=["sex"], score="answer"))

    # then
    assert "has 1 row whose value is not 0, 1 or a boolean" in _problem(bad_outcome, "outcome")
    assert "for example 2" in _problem(bad_outcome, "outcome")
    assert "2 rows whose value is not 0, 1 or a boolean" in _problem(text_label, "label")
    assert "score" in [problem.field for problem in text_score.value.problems]


def test_a_database_that_cannot_be_used_is_invalid_input(database: Engine) -> None:
    cases = [
        (SqlQuery("nosuchdialect://somewhere/db", "t"), "database"),
        (SqlQuery("postgresql+psycopg://nobody@127.0.0.1:1/none", "t"), "database"),
        (SqlQuery(database, "SELECT nothing FROM nowhere"), "query"),
    ]
    for source, field in cases:
        with pytest.raises(InvalidInput) as error:
            count_table(source, ENGINE_ROLES)
        assert [problem.field for problem in error.value.problems] == [field]

    with pytest.raises(InvalidInput) as unknown:
        count_table(SqlQuery(database, "bias_counts_odd"), ENGINE_ROLES)
    assert "column 'region' (protected) is not in the data" in _problem(unknown, "protected.1")


def test_files_are_counted_like_frames(tmp_path: Any, reference: CountTable) -> None:
    GENERATED.write_parquet(tmp_path / "decisions.parquet")
    table = count_table(tmp_path / "decisions.parquet", ENGINE_ROLES)
    assert_frame_equal(table.counts, reference.counts, check_exact=True)


def test_pandas_missing_values_count_as_missing() -> None:
    # given: NaN is pandas' missing value
    frame = pd.DataFrame({"sex": ["f", "m", None], "outcome": [1.0, np.nan, 0.0]})

    # when
    table = count_table(frame, ColumnRoles(protected=["sex"], outcome="outcome"))

    # then
    assert table.counts.select("sex", "selected", "n").rows() == [("(missing)", 0, 1), ("f", 1, 1)]
    assert table.missing == {"outcome": 1}
