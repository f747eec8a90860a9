"""The same data gives the same metrics as Fairlearn's MetricFrame, overall and per group."""

import numpy as np
import polars as pl
import pytest
from fairlearn.metrics import (
    MetricFrame,
    count,
    demographic_parity_difference,
    demographic_parity_ratio,
    equalized_odds_difference,
    equalized_odds_ratio,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)

from algoreg.bias.counts import count_table
from algoreg.bias.inputs import ColumnRoles
from algoreg.bias.metrics import GroupingMetrics, demographic_parity, equalised_odds, group_metrics

ROWS = 20_000
GROUPS = [f"group {index:02d}" for index in range(10)]


@pytest.fixture(scope="module")
def data() -> pl.DataFrame:
    """20,000 decisions over a 10-group attribute whose selection and error rates differ by group."""
    rng = np.random.default_rng(2024)
    group = rng.choice(
        len(GROUPS), ROWS, p=np.linspace(1, 3, len(GROUPS)) / np.linspace(1, 3, len(GROUPS)).sum()
    )
    label = rng.random(ROWS) < 0.3 + 0.03 * group
    bias = 0.02 * group
    selected = np.where(label, rng.random(ROWS) < 0.6 + bias, rng.random(ROWS) < 0.1 + bias)
    return pl.DataFrame(
        {
            "group": np.asarray(GROUPS)[group],
            "label": label.astype(np.int8),
            "selected": selected.astype(np.int8),
        }
    )


@pytest.fixture(scope="module")
def ours(data: pl.DataFrame) -> GroupingMetrics:
    table = count_table(data, ColumnRoles(protected=["group"], outcome="selected", label="label"))
    return group_metrics(table, ["group"])


@pytest.fixture(scope="module")
def theirs(data: pl.DataFrame) -> MetricFrame:
    return MetricFrame(
        metrics={
            "count": count,
            "selection_rate": selection_rate,
            "true_positive_rate": true_positive_rate,
            "false_positive_rate": false_positive_rate,
        },
        y_true=data["label"].to_numpy(),
        y_pred=data["selected"].to_numpy(),
        sensitive_features=data["group"].to_numpy(),
    )


RATES = ("selection_rate", "true_positive_rate", "false_positive_rate")


def test_overall_rates_equal_fairlearn(ours: GroupingMetrics, theirs: MetricFrame) -> None:
    assert ours.overall.counts.n == ROWS == theirs.overall["count"]
    for name in RATES:
        rate = ours.overall.rates.get(name)
        assert rate is not None and rate.value is not None
        assert rate.value == pytest.approx(theirs.overall[name], abs=1e-12, rel=0), name


def test_rates_per_group_equal_fairlearn(ours: GroupingMetrics, theirs: MetricFrame) -> None:
    by_group = theirs.by_group
    assert [found.group[0] for found in ours.groups] == GROUPS == sorted(by_group.index)
    for found in ours.groups:
        expected = by_group.loc[found.group[0]]
        assert found.counts.n == expected["count"]
        for name in RATES:
            rate = found.rates.get(name)
            assert rate is not None and rate.value is not None
            assert rate.value == pytest.approx(expected[name], abs=1e-12, rel=0), (found.group, name)


def test_criteria_equal_fairlearn(ours: GroupingMetrics, data: pl.DataFrame) -> None:
    arguments = {
        "y_true": data["label"].to_numpy(),
        "y_pred": data["selected"].to_numpy(),
        "sensitive_features": data["group"].to_numpy(),
    }
    parity, odds = demographic_parity(ours), equalised_odds(ours)
    assert parity.difference == pytest.approx(demographic_parity_difference(**arguments), abs=1e-12, rel=0)
    assert parity.ratio == pytest.approx(demographic_parity_ratio(**arguments), abs=1e-12, rel=0)
    assert odds.difference == pytest.approx(equalized_odds_difference(**arguments), abs=1e-12, rel=0)
    assert odds.ratio == pytest.approx(equalized_odds_ratio(**arguments), abs=1e-12, rel=0)
    assert parity.difference is not None and parity.difference > 0.05  # the data is not trivially fair
