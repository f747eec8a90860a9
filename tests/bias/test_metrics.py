"""Rates, AUC, calibration, disparities and named criteria, checked by hand and against scikit-learn."""

from fractions import Fraction

import numpy as np
import polars as pl
import pytest
from sklearn.metrics import roc_auc_score

from algoreg.bias.counts import count_table
from algoreg.bias.inputs import ColumnRoles
from algoreg.bias.metrics import (
    RATE_NAMES,
    ConfusionCounts,
    Rate,
    available_rates,
    criterion,
    default_calibration_edges,
    default_groupings,
    demographic_parity,
    disparities,
    equal_opportunity,
    equalised_odds,
    fairness_criteria,
    four_fifths_rule,
    group_metrics,
    metrics_by_grouping,
    predictive_parity,
    rates_of,
    spread,
)
from algoreg.errors import InvalidInput

# Group a: six rows, b: four, c: one, d: one whose outcome is missing (so it is excluded).
ROWS = [
    # sex, age, outcome, label, score
    ("a", "young", 1, 1, 0.9),
    ("a", "young", 1, 1, 0.8),
    ("a", "old", 1, 0, 0.7),
    ("a", "old", 0, 1, 0.4),
    ("a", "young", 0, 0, 0.2),
    ("a", "old", 0, 0, 0.4),
    ("b", "young", 1, 1, 0.6),
    ("b", "young", 0, 1, 0.3),
    ("b", "young", 0, 0, 0.3),
    ("b", "young", 0, 0, 0.1),
    ("c", "old", 0, 0, 0.5),
    ("d", "young", None, 1, 0.5),
]
FRAME = pl.DataFrame(ROWS, schema=["sex", "age", "outcome", "label", "score"], orient="row")
ROLES = ColumnRoles(protected=["sex", "age"], outcome="outcome", label="label", score="score")
TABLE = count_table(FRAME, ROLES)
BY_SEX = group_metrics(TABLE, ["sex"])


def _value(rate: Rate | None) -> float | None:
    assert rate is not None
    return rate.value


# --- rates ---------------------------------------------------------------------------------------------


def test_every_rate_of_a_group_is_its_hand_counted_fraction() -> None:
    # given: a has tp 2, fp 1, fn 1, tn 2
    a = BY_SEX.group("a")

    # then
    assert a.counts == ConfusionCounts(n=6, selected=3, positives=3, tp=2, fp=1, fn=1, tn=2)
    expected = {
        "selection_rate": (3, 6),
        "base_rate": (3, 6),
        "true_positive_rate": (2, 3),
        "false_positive_rate": (1, 3),
        "false_negative_rate": (1, 3),
        "true_negative_rate": (2, 3),
        "precision": (2, 3),
        "false_discovery_rate": (1, 3),
        "false_omission_rate": (1, 3),
    }
    for name, (numerator, denominator) in expected.items():
        rate = a.rates.get(name)
        assert rate == Rate(numerator, denominator), name
        assert _value(rate) == numerator / denominator


def test_a_second_group_and_everyone() -> None:
    b = BY_SEX.group("b")
    assert b.counts == ConfusionCounts(n=4, selected=1, positives=2, tp=1, fp=0, fn=1, tn=2)
    assert [(b.rates.get(n) or Rate(-1, 1)).numerator for n in RATE_NAMES] == [1, 2, 1, 0, 1, 2, 1, 0, 1]
    assert [(b.rates.get(n) or Rate(-1, 1)).denominator for n in RATE_NAMES] == [4, 4, 2, 2, 2, 2, 1, 1, 3]
    assert BY_SEX.overall.counts == ConfusionCounts(n=11, selected=4, positives=5, tp=3, fp=1, fn=2, tn=5)
    assert BY_SEX.overall.excluded == 1


def test_a_group_of_one_has_no_rate_whose_denominator_is_empty() -> None:
    # given: c is one unselected negative
    c = BY_SEX.group("c")

    # then: no positives, nobody selected: those rates are None, not NaN
    assert c.counts == ConfusionCounts(n=1, selected=0, positives=0, tp=0, fp=0, fn=0, tn=1)
    assert _value(c.rates.true_positive_rate) is None
    assert _value(c.rates.false_negative_rate) is None
    assert _value(c.rates.precision) is None
    assert _value(c.rates.false_discovery_rate) is None
    assert _value(c.rates.selection_rate) == 0.0
    assert _value(c.rates.true_negative_rate) == 1.0
    assert c.auc is not None and c.auc.value is None and c.auc.negatives == 1


def test_a_group_whose_rows_were_all_excluded_is_listed_empty() -> None:
    d = BY_SEX.group("d")
    assert d.counts.n == 0 and d.excluded == 1
    assert all(_value(d.rates.get(name)) is None for name in RATE_NAMES)
    assert [found.group for found in BY_SEX.groups] == [("a",), ("b",), ("c",), ("d",)]


def test_intersections_and_their_empty_combinations() -> None:
    # when
    seen = group_metrics(TABLE, ["sex", "age"])
    every = group_metrics(TABLE, ["sex", "age"], all_combinations=True)

    # then
    assert [g.group for g in seen.groups] == [
        ("a", "old"),
        ("a", "young"),
        ("b", "young"),
        ("c", "old"),
        ("d", "young"),
    ]
    assert seen.group("a", "old").counts == ConfusionCounts(
        n=3, selected=1, positives=1, tp=0, fp=1, fn=1, tn=1
    )
    assert seen.group("a", "young").counts == ConfusionCounts(
        n=3, selected=2, positives=2, tp=2, fp=0, fn=0, tn=1
    )
    empty = {g.group for g in every.groups} - {g.group for g in seen.groups}
    assert empty == {("b", "old"), ("c", "young"), ("d", "old")}
    assert every.group("b", "old").counts.n == 0
    assert every.group("b", "old").rates.selection_rate == Rate(0, 0)
    assert _value(every.group("b", "old").rates.selection_rate) is None


def test_default_groupings_are_each_attribute_and_their_intersection() -> None:
    assert default_groupings(TABLE) == (("sex",), ("age",), ("sex", "age"))
    assert [m.attributes for m in metrics_by_grouping(TABLE)] == [("sex",), ("age",), ("sex", "age")]
    with pytest.raises(InvalidInput) as error:
        group_metrics(TABLE, ["income"])
    assert error.value.problems[0].field == "attributes"


def test_all_zero_outcomes() -> None:
    # given
    table = count_table(FRAME.with_columns(outcome=pl.lit(0)), ROLES)

    # when
    metrics = group_metrics(table, ["sex"])

    # then
    assert _value(metrics.group("a").rates.selection_rate) == 0.0
    assert _value(metrics.group("a").rates.precision) is None
    assert _value(metrics.group("a").rates.false_omission_rate) == 3 / 6
    parity = demographic_parity(metrics)
    assert parity.difference == 0.0 and parity.ratio is None
    rule = four_fifths_rule(metrics)
    assert rule.flagged == () and all(found.ratio is None for found in rule.ratios)


def test_rates_of_counts_without_a_label() -> None:
    rates = rates_of(ConfusionCounts(n=5, selected=2, positives=None, tp=None, fp=None, fn=None, tn=None))
    assert rates.selection_rate == Rate(2, 5)
    assert all(rates.get(name) is None for name in RATE_NAMES[1:])
    with pytest.raises(InvalidInput):
        rates.get("accuracy")


# --- AUC and calibration -------------------------------------------------------------------------------


def test_auc_by_hand_with_ties_counting_half() -> None:
    # a: positives 0.9, 0.8, 0.4; negatives 0.7, 0.2, 0.4 → 3 + 3 + (0 + 1 + ½) = 7.5 of 9 pairs
    a = BY_SEX.group("a").auc
    assert a is not None
    assert (a.u_statistic, a.pairs, a.value, a.error_bound) == (7.5, 9, 7.5 / 9, 0.0)
    b = BY_SEX.group("b").auc
    assert b is not None and b.value == 3.5 / 4


def test_auc_per_group_equals_scikit_learn() -> None:
    # given: 3000 rows, scores with two decimals (exact) and unrounded (binned)
    rng = np.random.default_rng(11)
    rows = 3000
    group = rng.choice(["p", "q", "r", "s"], rows)
    label = rng.integers(0, 2, rows)
    raw = np.clip(0.5 + 0.2 * (label - 0.5) + rng.normal(0, 0.25, rows), 0, 1)
    frame = pl.DataFrame({"group": group, "label": label, "exact": raw.round(2), "raw": raw})

    for column in ("exact", "raw"):
        # when
        table = count_table(frame, ColumnRoles(protected=["group"], label="label", score=column))
        metrics = group_metrics(table)

        # then
        for found in [*metrics.groups, metrics.overall]:
            rows_of = frame if not found.group else frame.filter(pl.col("group") == found.group[0])
            expected = roc_auc_score(rows_of["label"].to_numpy(), rows_of[column].to_numpy())
            assert found.auc is not None and found.auc.value is not None
            if column == "exact":
                assert found.auc.error_bound == 0.0
                assert found.auc.value == pytest.approx(expected, abs=1e-12)
            else:
                assert 0.0 < found.auc.error_bound < 0.005
                assert abs(found.auc.value - expected) <= found.auc.error_bound + 1e-12


def test_calibration_bins_by_hand() -> None:
    # when
    overall = group_metrics(TABLE, ["sex"], calibration_edges=[0.0, 0.5, 1.0]).overall

    # then: [0, 0.5) holds 0.4, 0.2, 0.4, 0.3, 0.3, 0.1 (positives: 0.4 of a, 0.3 of b); [0.5, 1] the rest
    assert overall.calibration is not None
    low, high = overall.calibration.bins
    assert (low.lower, low.upper, low.n, low.observed_rate) == (0.0, 0.5, 6, Rate(2, 6))
    assert low.mean_score == pytest.approx(1.7 / 6, abs=1e-15)
    assert (high.n, high.observed_rate) == (5, Rate(3, 5))
    assert high.mean_score == pytest.approx(3.5 / 5, abs=1e-15)
    assert overall.calibration.outside == 0


def test_calibration_edges_are_closed_at_the_top_and_count_what_lies_outside() -> None:
    metrics = group_metrics(TABLE, ["sex"], calibration_edges=[0.2, 0.5])
    assert metrics.overall.calibration is not None
    (only,) = metrics.overall.calibration.bins
    assert (only.n, only.observed_rate) == (6, Rate(2, 6))  # 0.4, 0.2, 0.4, 0.3, 0.3 and 0.5 itself
    assert metrics.overall.calibration.outside == 5
    c = metrics.group("c").calibration
    assert c is not None and c.bins[0].n == 1
    d = metrics.group("d").calibration
    assert d is not None and d.bins[0].n == 0 and d.bins[0].mean_score is None
    with pytest.raises(InvalidInput):
        group_metrics(TABLE, calibration_edges=[0.5, 0.2])


def test_default_calibration_edges_span_the_scores_on_the_grid() -> None:
    # when
    edges = default_calibration_edges(TABLE)
    calibration = group_metrics(TABLE, ["sex"]).overall.calibration

    # then
    assert edges == pytest.approx([0.1 + 0.08 * step for step in range(11)], abs=1e-15)
    assert calibration is not None
    assert [found.n for found in calibration.bins] == [1, 1, 2, 2, 0, 1, 1, 1, 1, 1]
    assert calibration.bins[4].mean_score is None


def test_without_label_or_score_those_metrics_are_omitted() -> None:
    # given
    no_label = count_table(FRAME, ColumnRoles(protected=["sex"], outcome="outcome", score="score"))
    no_score = count_table(FRAME, ColumnRoles(protected=["sex"], outcome="outcome", label="label"))
    scores_only = count_table(FRAME, ColumnRoles(protected=["sex"], label="label", score="score"))

    # then
    assert available_rates(no_label) == ("selection_rate",)
    a = group_metrics(no_label).group("a")
    assert a.counts.positives is None and a.rates.true_positive_rate is None and a.auc is None
    assert group_metrics(no_score).group("a").auc is None
    assert group_metrics(no_score).group("a").calibration is None
    assert available_rates(scores_only) == ("base_rate",)
    only = group_metrics(scores_only).group("a")
    assert only.rates.selection_rate is None and only.auc is not None and only.auc.value == 7.5 / 9


# --- disparities ---------------------------------------------------------------------------------------


def test_gaps_against_the_largest_group_by_default() -> None:
    # when
    found = disparities(BY_SEX)

    # then: a (six rows) is the reference
    assert found.reference == ("a",)
    b = found.group("b")
    assert b.gap("selection_rate").difference == pytest.approx(1 / 4 - 1 / 2)
    assert b.gap("selection_rate").ratio == pytest.approx(0.5)
    assert b.gap("true_positive_rate").ratio == pytest.approx(0.75)
    assert b.gap("false_positive_rate").ratio == 0.0
    assert found.group("a").gap("selection_rate").difference == 0.0
    assert found.group("a").gap("selection_rate").ratio == 1.0
    c = found.group("c")
    assert c.gap("precision").difference is None and c.gap("precision").ratio is None


def test_gaps_against_the_rest() -> None:
    # given: everyone but b has n 7, selected 3, tp 2, fp 1, fn 1, tn 3
    found = disparities(BY_SEX)

    # then
    b = found.group("b").gap("selection_rate", "rest")
    assert b.other_rate == Rate(3, 7)
    assert b.difference == pytest.approx(1 / 4 - 3 / 7)
    assert b.ratio == pytest.approx(7 / 12)
    # everyone but a has no false positives: the ratio against 0 is None, the difference is not
    a = found.group("a").gap("false_positive_rate", "rest")
    assert a.other_rate == Rate(0, 3) and a.ratio is None and a.difference == pytest.approx(1 / 3)


def test_a_chosen_reference_group() -> None:
    found = disparities(BY_SEX, reference=["b"])
    assert found.reference == ("b",)
    assert found.group("a").gap("selection_rate").ratio == pytest.approx(2.0)
    assert found.group("a").gap("false_positive_rate").ratio is None  # b has no false positives
    with pytest.raises(InvalidInput):
        disparities(BY_SEX, reference=["z"])


# --- named criteria ------------------------------------------------------------------------------------


def test_named_criteria_by_hand() -> None:
    # demographic parity: a 1/2 … c 0; d (no rows) is left out
    parity = demographic_parity(BY_SEX)
    assert (parity.difference, parity.ratio) == (0.5, 0.0)
    assert parity.spreads[0].highest == ("a",) and parity.spreads[0].lowest == ("c",)
    assert parity.spreads[0].left_out == (("d",),)

    # equal opportunity: a 2/3, b 1/2; c and d have no positives
    opportunity = equal_opportunity(BY_SEX)
    assert opportunity.difference == pytest.approx(1 / 6) and opportunity.ratio == pytest.approx(0.75)
    assert opportunity.spreads[0].left_out == (("c",), ("d",))

    # equalised odds: the larger of the TPR gap (1/6) and the FPR gap (a 1/3 against 0)
    odds = equalised_odds(BY_SEX)
    assert odds.difference == pytest.approx(1 / 3) and odds.ratio == 0.0

    # predictive parity: b 1/1, a 2/3
    precision = predictive_parity(BY_SEX)
    assert precision.difference == pytest.approx(1 / 3) and precision.ratio == pytest.approx(2 / 3)
    assert [c.name for c in fairness_criteria(BY_SEX)] == [
        "demographic_parity",
        "equal_opportunity",
        "equalised_odds",
        "predictive_parity",
    ]


def test_four_fifths_rule_by_hand() -> None:
    rule = four_fifths_rule(BY_SEX)
    assert rule.highest == ("a",)
    assert [(r.group, r.ratio, r.below_threshold) for r in rule.ratios] == [
        (("a",), 1.0, False),
        (("b",), 0.5, True),
        (("c",), 0.0, True),
        (("d",), None, False),
    ]
    assert rule.flagged == (("b",), ("c",))


def test_four_fifths_is_exact_at_the_threshold() -> None:
    # given: selection rates 4/10 and 5/10 (ratio exactly 0.8), and 39/100 against 1/2 (0.78)
    def frame(selected: list[int], groups: list[str]) -> pl.DataFrame:
        return pl.DataFrame({"g": groups, "y": selected})

    at = frame([1] * 4 + [0] * 6 + [1] * 5 + [0] * 5, ["x"] * 10 + ["y"] * 10)
    below = frame([1] * 39 + [0] * 61 + [1] * 50 + [0] * 50, ["x"] * 100 + ["y"] * 100)
    roles = ColumnRoles(protected=["g"], outcome="y")

    # when
    exactly = four_fifths_rule(group_metrics(count_table(at, roles)))
    under = four_fifths_rule(group_metrics(count_table(below, roles)))

    # then
    assert exactly.ratios[0].ratio == float(Fraction(4, 5)) and exactly.flagged == ()
    assert under.flagged == (("x",),)


def test_criteria_the_data_cannot_support_are_refused_or_left_out() -> None:
    # given
    no_label = group_metrics(count_table(FRAME, ColumnRoles(protected=["sex"], outcome="outcome")))
    no_selection = group_metrics(
        count_table(FRAME, ColumnRoles(protected=["sex"], label="label", score="score"))
    )

    # then
    for refused in (equal_opportunity, equalised_odds, predictive_parity):
        with pytest.raises(InvalidInput) as error:
            refused(no_label)
        assert [p.field for p in error.value.problems] == ["label"]
    with pytest.raises(InvalidInput) as parity:
        demographic_parity(no_selection)
    assert [p.field for p in parity.value.problems] == ["outcome"]
    with pytest.raises(InvalidInput):
        four_fifths_rule(no_selection)
    with pytest.raises(InvalidInput):
        criterion(BY_SEX, "calibration_within_groups")
    assert [c.name for c in fairness_criteria(no_label)] == ["demographic_parity"]
    assert fairness_criteria(no_selection) == ()
    assert spread(no_label, "selection_rate").highest == ("a",)
