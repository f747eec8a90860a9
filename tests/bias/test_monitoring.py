"""Bias per period: one aggregation with the period as a key, the trend per group and rate, and whether
the latest period differs — a disparity appearing in the last month is found and checked by hand."""

import datetime as dt
import json
import math
from collections.abc import Iterator
from typing import Any

import pandas as pd
import polars as pl
import pytest
from scipy import stats
from sqlalchemy import Column, Date, Engine, Integer, MetaData, Table, Text, create_engine

import algoreg.bias.monitoring as monitoring_module
from algoreg.bias.document import from_document, to_document
from algoreg.bias.inputs import SqlQuery
from algoreg.bias.messages import render
from algoreg.bias.monitoring import MonitoringAnalysis, analyse_periods
from algoreg.bias.statistics import Verdict
from algoreg.errors import InvalidInput

SETTINGS = {"roles": {"protected": ["group"], "outcome": "selected"}}
Z95 = 1.959963984540054


def months(plan: dict[int, dict[str, tuple[int, int]]]) -> pl.DataFrame:
    """Rows per month and group: ``{month: {group: (rows, selected)}}``, dated the 3rd of 2024's month."""
    days: list[dt.date] = []
    groups: list[str] = []
    selected: list[int] = []
    for month, per_group in plan.items():
        for group, (rows, chosen) in per_group.items():
            days += [dt.date(2024, month, 3)] * rows
            groups += [group] * rows
            selected += [1] * chosen + [0] * (rows - chosen)
    return pl.DataFrame({"day": days, "group": groups, "selected": selected})


# Months 1 and 2: A and B both 40 %; month 3: B drops to 25 %.
APPEARING = months(
    {
        1: {"A": (1500, 600), "B": (1500, 600)},
        2: {"A": (1500, 600), "B": (1500, 600)},
        3: {"A": (1500, 600), "B": (1500, 375)},
    }
)


def trend_of(result: MonitoringAnalysis, group: str) -> Any:
    return next(trend for trend in result.trends if trend.group == (group,))


def test_a_disparity_appearing_in_the_last_period_is_found() -> None:
    # when
    result = analyse_periods(APPEARING, SETTINGS, "day", "month")

    # then: three periods, each analysed on its own
    assert [period.period for period in result.periods] == ["2024-01", "2024-02", "2024-03"]
    assert [period.rows for period in result.periods] == [3000, 3000, 3000]
    assert result.latest_period == "2024-03" and result.rows_without_period == 0
    b = trend_of(result, "B")
    assert [point.rate.value for point in b.points] == [0.4, 0.4, 0.25]
    assert [point.comparisons[0].verdict for point in b.points] == [
        Verdict.NO_DISPARITY_BEYOND_TOLERANCE,
        Verdict.NO_DISPARITY_BEYOND_TOLERANCE,
        Verdict.DISPARITY_FOUND,
    ]
    wilson = stats.binomtest(375, 1500).proportion_ci(method="wilson")
    assert (b.points[2].rate.lower, b.points[2].rate.upper) == pytest.approx((wilson.low, wilson.high))
    # the reference group is A throughout, and has no verdict against itself
    a = trend_of(result, "A")
    assert all(point.comparisons == () for point in a.points)
    assert a.gap_changes == ()

    # the latest month against the earlier ones together: B changed, A did not
    change = b.latest_change
    assert change is not None and change.verdict is Verdict.DISPARITY_FOUND
    assert (change.rate.successes, change.rate.trials) == (375, 1500)
    assert (change.reference_rate.successes, change.reference_rate.trials) == (1200, 3000)
    assert a.latest_change is not None and a.latest_change.verdict is Verdict.NO_DISPARITY_BEYOND_TOLERANCE
    raw = [a.latest_change.p_value, change.p_value]
    assert [a.latest_change.adjusted_p_value, change.adjusted_p_value] == pytest.approx(
        list(stats.false_discovery_control(raw, method="bh"))
    )
    assert result.summary.disparity_found == 1 and result.summary.tests_in_family == 2
    assert render(change.message).startswith(
        "Group 'B' has a selection rate in period 2024-03 of 25% (22.9%–27.3%; n = 1,500), 0.62 times that "
        "of the same group in the earlier periods together (40%"
    )

    # and its ratio to A changed from 1 to 0.625: checked by hand (Katz standard errors)
    [gap] = b.gap_changes
    assert gap.against == "reference" and gap.reference_group == ("A",)
    assert gap.latest_ratio.estimate == pytest.approx(0.625)
    assert gap.earlier_ratio.estimate == pytest.approx(1.0)
    se_latest = math.sqrt(1 / 375 - 1 / 1500 + 1 / 600 - 1 / 1500)
    se_earlier = math.sqrt(2 * (1 / 1200 - 1 / 3000))
    se = math.hypot(se_latest, se_earlier)
    assert gap.change.estimate == pytest.approx(0.625)
    assert gap.change.lower == pytest.approx(0.625 * math.exp(-Z95 * se))
    assert gap.p_value == pytest.approx(2 * stats.norm.sf(abs(math.log(0.625)) / se))
    assert gap.adjusted_p_value == pytest.approx(gap.p_value)  # the only gap change
    assert gap.changed and gap.enough_cases
    assert render(gap.message) == (
        "For the selection rate, the ratio of group 'B' to the reference group 'A' was 0.62 in period "
        "2024-03 against 1.0 in the earlier periods together: a change by a factor of 0.62 "
        f"({0.625 * math.exp(-Z95 * se):.2f}–{0.625 * math.exp(Z95 * se):.2f}; adjusted p < 0.0001)."
    )


def test_the_data_is_aggregated_once_with_the_period_as_one_more_key(monkeypatch: pytest.MonkeyPatch) -> None:
    # given
    calls: list[Any] = []
    real = monitoring_module.count_table

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(monitoring_module, "count_table", counted)

    # when
    analyse_periods(APPEARING.lazy(), SETTINGS, "day", "month")

    # then: one group-by, keyed by the group and the period
    assert len(calls) == 1
    assert calls[0].protected == ["group", "algoreg_period"]


def test_the_reference_is_the_largest_group_over_all_periods_and_stays_fixed() -> None:
    # given: C is the largest over both months, B the largest in the second month
    data = months(
        {
            1: {"A": (100, 40), "B": (50, 20), "C": (400, 160)},
            2: {"A": (100, 40), "B": (300, 120), "C": (200, 80)},
        }
    )

    # when
    result = analyse_periods(data, SETTINGS, "day", "month")

    # then
    assert result.settings.groupings is not None
    assert result.settings.groupings[0].reference == ("C",)
    for period in result.periods:
        assert period.analysis is not None
        assert {finding.reference_group for finding in period.analysis.findings} == {("C",)}


def test_quarters_values_and_other_engines() -> None:
    # given: months 1, 2, 4 and 7
    data = months(
        {
            1: {"A": (40, 10), "B": (40, 10)},
            2: {"A": (40, 10), "B": (40, 10)},
            4: {"A": (40, 10), "B": (40, 10)},
            7: {"A": (40, 10), "B": (40, 10)},
        }
    )

    # when
    quarters = analyse_periods(data.to_pandas(), SETTINGS, "day", "quarter")
    weeks = analyse_periods(
        data.with_columns(week=pl.col("day").dt.month().replace({1: 2, 2: 10, 4: 1, 7: 30})),
        SETTINGS,
        "week",
        "values",
    )

    # then
    assert [(period.period, period.rows) for period in quarters.periods] == [
        ("2024-Q1", 160),
        ("2024-Q2", 80),
        ("2024-Q3", 80),
    ]
    assert [period.period for period in weeks.periods] == ["1", "2", "10", "30"]  # in number order
    assert weeks.period == "values" and weeks.latest_period == "30"


def test_iso_text_dates_are_read_and_unreadable_periods_are_counted_apart() -> None:
    # given
    data = pl.DataFrame(
        {
            "when": ["2024-01-15", "2024-01-31T23:59:00", "2024-02-01", "15-02-2024", "2024-13-01", None],
            "group": ["A", "B", "A", "B", "A", "B"],
            "selected": [1, 0, 1, 1, 0, 0],
        }
    )

    # when
    result = analyse_periods(data, SETTINGS, "when", "month")

    # then
    assert [(period.period, period.rows) for period in result.periods] == [("2024-01", 2), ("2024-02", 1)]
    assert result.rows_without_period == 3


def test_fewer_than_two_periods_have_no_latest_change() -> None:
    result = analyse_periods(months({5: {"A": (50, 10), "B": (50, 10)}}), SETTINGS, "day", "month")
    assert [period.period for period in result.periods] == ["2024-05"]
    assert all(trend.latest_change is None and trend.gap_changes == () for trend in result.trends)
    assert result.summary.comparisons == 0


@pytest.mark.parametrize(
    ("column", "period", "field"),
    [
        ("moment", "month", "period_column"),
        ("selected", "month", "period_column"),
        ("group", "month", "period_column"),
        ("day", "week", "period"),
        ("count", "month", "period_column"),
        ("n", "values", "period_column"),
    ],
)
def test_a_period_that_cannot_be_used_is_refused(column: str, period: str, field: str) -> None:
    data = APPEARING.head(10).with_columns(count=pl.lit(3), n=pl.lit(1))
    with pytest.raises(InvalidInput) as error:
        analyse_periods(data, SETTINGS, column, period)  # type: ignore[arg-type]
    assert [problem.field for problem in error.value.problems] == [field]


def test_the_monitoring_document_round_trips() -> None:
    # given
    result = analyse_periods(APPEARING, {**SETTINGS, "compare_with": ["reference", "rest"]}, "day", "month")

    # when
    document = to_document(result, created=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    again = from_document(json.loads(json.dumps(document)))

    # then
    assert document["mode"] == "monitoring" and document["format"] == "algoreg-bias/1"
    assert again == result
    b = trend_of(result, "B")
    assert [gap.against for gap in b.gap_changes] == ["reference", "rest"]


# --- in a database --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def database(database_url: str) -> Iterator[Engine]:
    """The test database (SQLite, or PostgreSQL with ALGOREG_TEST_DATABASE_URL) holding APPEARING."""
    engine = create_engine(database_url)
    metadata = MetaData()
    table = Table(
        "bias_monitoring_decisions",
        metadata,
        Column("day", Date),
        Column("group", Text),
        Column("selected", Integer),
    )
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(table.insert(), APPEARING.to_dicts())
    yield engine
    metadata.drop_all(engine)
    engine.dispose()


@pytest.mark.parametrize("period", ["month", "quarter", "values"])
def test_a_database_gives_the_same_periods_and_trends_as_a_frame(database: Engine, period: str) -> None:
    # given
    frame = APPEARING.with_columns(pl.col("day").cast(pl.String)) if period == "values" else APPEARING

    # when
    in_sql = analyse_periods(
        SqlQuery(database, "SELECT * FROM bias_monitoring_decisions"),
        SETTINGS,
        "day",
        period,  # type: ignore[arg-type]
    )
    in_frame = analyse_periods(frame, SETTINGS, "day", period)  # type: ignore[arg-type]

    # then
    assert [(p.period, p.rows) for p in in_sql.periods] == [(p.period, p.rows) for p in in_frame.periods]
    assert in_sql.trends == in_frame.trends


def test_a_database_url_is_opened_and_closed_by_the_analysis(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'decisions.db'}"
    writer = create_engine(url)
    pd.DataFrame(APPEARING.with_columns(pl.col("day").cast(pl.String)).to_dicts()).to_sql(
        "decisions", writer, index=False
    )
    writer.dispose()
    result = analyse_periods(SqlQuery(url, "decisions"), SETTINGS, "day", "month")
    assert [period.period for period in result.periods] == ["2024-01", "2024-02", "2024-03"]


def test_a_database_that_cannot_be_reached_or_lacks_the_column_is_refused(database: Engine) -> None:
    with pytest.raises(InvalidInput) as error:
        analyse_periods(SqlQuery("postgresql+psycopg://nobody@127.0.0.1:1/none", "t"), SETTINGS, "day")
    assert [problem.field for problem in error.value.problems] == ["database"]
    with pytest.raises(InvalidInput) as error:
        analyse_periods(SqlQuery(database, "bias_monitoring_decisions"), SETTINGS, "moment")
    assert [problem.field for problem in error.value.problems] == ["period_column"]
