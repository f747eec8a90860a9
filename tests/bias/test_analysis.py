"""The whole analysis in one call: verdicts on planted and absent disparities, BH over the whole family,
hand-checked figures, settings that are refused, the score-based parts and the origin flags."""

import math
from typing import Any

import numpy as np
import polars as pl
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score

import algoreg.bias.analysis as analysis_module
from algoreg.bias.analysis import AnalysisSettings, analyse, analyse_counts, calibration_edges
from algoreg.bias.counts import count_table
from algoreg.bias.inputs import ColumnRoles
from algoreg.bias.messages import render
from algoreg.bias.statistics import Verdict, cases_for_equivalence, cases_to_detect
from algoreg.errors import InvalidInput

ROLES = {"protected": ["group"], "outcome": "selected"}


def decisions(**groups: tuple[int, int]) -> pl.DataFrame:
    """Rows per group: ``name=(rows, selected)``; the selected rows come first."""
    names: list[str] = []
    selected: list[int] = []
    for name, (rows, chosen) in groups.items():
        names += [name] * rows
        selected += [1] * chosen + [0] * (rows - chosen)
    return pl.DataFrame({"group": names, "selected": selected})


def fields_of(error: pytest.ExceptionInfo[InvalidInput]) -> list[str]:
    return [problem.field for problem in error.value.problems]


def only(findings: Any, **wanted: Any) -> Any:
    found = [f for f in findings if all(getattr(f, key) == value for key, value in wanted.items())]
    assert len(found) == 1, found
    return found[0]


# --- verdicts ----------------------------------------------------------------------------------------


def test_a_planted_disparity_is_found_with_hand_checked_figures() -> None:
    # given: A selected 500 of 1000 (50 %), B 300 of 1000 (30 %)
    data = decisions(A=(1000, 500), B=(1000, 300))

    # when
    result = analyse(data, {"roles": ROLES})

    # then: A is the largest (first among equals) and so the reference
    finding = only(result.findings, group=("B",))
    assert finding.verdict is Verdict.DISPARITY_FOUND
    assert finding.reference_group == ("A",) and finding.against == "reference"
    assert (finding.rate.successes, finding.rate.trials, finding.rate.value) == (300, 1000, 0.3)
    wilson = stats.binomtest(300, 1000).proportion_ci(method="wilson")
    assert (finding.rate.lower, finding.rate.upper) == pytest.approx((wilson.low, wilson.high), rel=1e-9)
    assert finding.difference.estimate == pytest.approx(-0.2)
    assert finding.ratio.estimate == pytest.approx(0.6)
    # Katz: se of log ratio = sqrt(1/300 - 1/1000 + 1/500 - 1/1000)
    se = math.sqrt(1 / 300 - 1 / 1000 + 1 / 500 - 1 / 1000)
    assert finding.ratio.lower == pytest.approx(0.6 * math.exp(-1.959963984540054 * se))
    chi2 = stats.chi2_contingency([[300, 700], [500, 500]], correction=False)
    assert finding.p_value == pytest.approx(chi2.pvalue)
    assert finding.test.method == "pearson_chi_square_without_continuity_correction"
    assert finding.adjusted_p_value == pytest.approx(chi2.pvalue)  # the only test
    assert finding.equivalence is not None and not finding.equivalence.equivalent
    assert finding.detectable is not None and finding.detectable.ratio_below is not None
    assert finding.cases_needed is None
    assert result.summary.disparity_found == 1 and result.summary.tests_in_family == 1
    assert render(finding.message) == (
        "Group 'B' has a selection rate of 30% (27.2%–32.9%; n = 1,000), 0.6 times that of the reference "
        "group 'A' (50%, 46.9%–53.1%; n = 1,000). After correction for 1 test this is a disparity "
        "(adjusted p < 0.0001)."
    )


def test_equal_rates_on_large_groups_show_no_disparity_beyond_the_tolerance() -> None:
    # given
    data = decisions(A=(3000, 1200), B=(2000, 800))

    # when
    result = analyse(data, {"roles": ROLES})

    # then
    finding = only(result.findings, group=("B",))
    assert finding.verdict is Verdict.NO_DISPARITY_BEYOND_TOLERANCE
    assert finding.ratio.estimate == pytest.approx(1.0)
    assert finding.p_value == pytest.approx(1.0)
    assert finding.equivalence.equivalent and finding.equivalence.p_value < 0.05
    assert finding.message.id == "bias.finding.no_disparity_beyond_tolerance"
    assert "lies within the tolerance (ratio 0.8 to 1.25" in render(finding.message)


def test_small_groups_get_too_few_cases_and_stay_out_of_the_family() -> None:
    # given: C has 12 rows, fewer than the minimum of 30
    data = decisions(A=(1000, 500), B=(1000, 300), C=(12, 2))

    # when
    result = analyse(data, {"roles": ROLES})

    # then
    small = only(result.findings, group=("C",))
    assert small.verdict is Verdict.TOO_FEW_CASES
    assert small.p_value is None and small.adjusted_p_value is None and small.test is None
    assert small.rate.value == pytest.approx(2 / 12)  # estimates are still given
    assert result.summary.tests_in_family == 1 and result.summary.too_few_cases == 1
    assert render(small.message) == (
        "Group 'C' has 12 cases for its selection rate and the reference group 'A' has 1,000 cases; "
        "with fewer than 30 on either side no conclusion is drawn."
    )
    group_c = next(group for group in result.groupings[0].groups if group.values == ("C",))
    assert group_c.below_min_group_size and group_c.counts.n == 12


def test_medium_equal_groups_are_inconclusive_and_say_how_many_cases_are_needed() -> None:
    # given: 20 of 40 in both groups — equal, but too few to show equivalence
    data = decisions(A=(40, 20), B=(40, 20))

    # when
    result = analyse(data, {"roles": ROLES})

    # then
    finding = only(result.findings, group=("B",))
    assert finding.verdict is Verdict.INCONCLUSIVE
    needed = finding.cases_needed
    assert needed.for_equivalence == cases_for_equivalence(0.5).cases_per_group
    assert needed.for_equivalence > 40
    # equal rates count as the lower side: a disparity at the lower edge, 0.8 × 50 %
    assert needed.to_detect == cases_to_detect(0.5, ratio=0.8, alpha=0.05).cases_per_group
    assert needed.to_detect > 40
    text = render(finding.message)
    assert f"About {needed.for_equivalence} cases on each side would be needed" in text
    assert f"{needed.to_detect:,} to detect a disparity" in text


def test_a_significant_but_small_disparity_is_said_to_lie_within_the_tolerance() -> None:
    # given: 45 % against 50 % on 20 000 rows each: significant, yet a ratio of 0.9
    data = decisions(A=(20_000, 10_000), B=(20_000, 9_000))

    # when
    finding = only(analyse(data, {"roles": ROLES}).findings, group=("B",))

    # then
    assert finding.verdict is Verdict.DISPARITY_FOUND and finding.equivalence.equivalent
    assert finding.message.id == "bias.finding.disparity_within_tolerance"


# --- the family of tests ----------------------------------------------------------------------------


def labelled(seed: int = 3) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    rows = 3000
    sex = rng.choice(["f", "m"], rows)
    region = rng.choice(["north", "south", "east"], rows, p=[0.5, 0.3, 0.2])
    label = rng.random(rows) < 0.4
    bias = np.where(sex == "f", 0.15, 0.0) + np.where(region == "east", 0.1, 0.0)
    selected = rng.random(rows) < np.where(label, 0.7, 0.2) - bias
    score = np.round(np.clip(0.5 * label + 0.5 * rng.random(rows) - bias, 0, 1), 3)
    return pl.DataFrame(
        {"sex": sex, "region": region, "label": label.astype(int), "selected": selected, "score": score}
    )


def test_benjamini_hochberg_runs_over_every_test_of_the_analysis_as_one_family() -> None:
    # given: two attributes and their intersection, four rates, against the reference and the rest
    settings = {
        "roles": {"protected": ["sex", "region"], "outcome": "selected", "label": "label"},
        "compare_with": ["reference", "rest"],
    }

    # when
    result = analyse(labelled(), settings)

    # then: the adjusted p-values are scipy's BH over all raw p-values together
    tested = [finding for finding in result.findings if finding.p_value is not None]
    raw = [finding.p_value for finding in tested]
    expected = stats.false_discovery_control(raw, method="bh")
    assert [finding.adjusted_p_value for finding in tested] == pytest.approx(list(expected), rel=1e-12)
    assert result.summary.tests_in_family == len(raw) > 40
    assert {finding.grouping for finding in tested} == {("sex",), ("region",), ("sex", "region")}
    assert {finding.rate_name for finding in tested} == {
        "selection_rate",
        "true_positive_rate",
        "false_positive_rate",
        "precision",
    }
    # and it is not per grouping: adjusting the sex findings alone gives other values
    sex_only = [finding for finding in tested if finding.grouping == ("sex",)]
    alone = stats.false_discovery_control([finding.p_value for finding in sex_only], method="bh")
    assert [finding.adjusted_p_value for finding in sex_only] != pytest.approx(list(alone))
    counts = result.summary
    assert (
        counts.comparisons
        == len(result.findings)
        == (
            counts.disparity_found
            + counts.no_disparity_beyond_tolerance
            + counts.inconclusive
            + counts.too_few_cases
        )
    )
    assert f"After correction for {len(raw)} tests" in render(
        next(f for f in result.findings if f.verdict is Verdict.DISPARITY_FOUND).message
    )


def test_the_data_is_aggregated_exactly_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # given
    calls: list[object] = []
    real = analysis_module.count_table

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(analysis_module, "count_table", counted)
    settings = {
        "roles": {"protected": ["sex", "region"], "outcome": "selected", "label": "label", "score": "score"},
        "compare_with": ["reference", "rest"],
        "origin": {"check": True},
        "score": {"bootstrap_resamples": 200},
    }

    # when
    result = analyse(labelled().lazy(), settings)

    # then
    assert len(calls) == 1
    assert result.origin is not None and result.groupings[0].groups[0].auc is not None


# --- comparisons, references and the data's description -------------------------------------------


def test_a_given_reference_and_the_rest_are_compared_by_hand() -> None:
    # given
    data = decisions(A=(600, 300), B=(300, 90), C=(100, 50))

    # when
    settings = {
        "roles": ROLES,
        "groupings": [{"attributes": "group", "reference": "B"}],
        "compare_with": ["reference", "rest"],
    }
    result = analyse(data, settings)

    # then: against B (90/300), and against the rest of the rows
    grouping = result.groupings[0]
    assert grouping.reference == ("B",) and grouping.reference_chosen == "given"
    a_vs_b = only(result.findings, group=("A",), against="reference")
    assert (a_vs_b.reference_rate.successes, a_vs_b.reference_rate.trials) == (90, 300)
    assert a_vs_b.ratio.estimate == pytest.approx(0.5 / 0.3)
    c_vs_rest = only(result.findings, group=("C",), against="rest")
    assert (c_vs_rest.reference_rate.successes, c_vs_rest.reference_rate.trials) == (390, 900)
    assert (
        c_vs_rest.reference_group is None
        and c_vs_rest.message.params["reference"].id == "bias.reference.rest"
    )
    assert not [f for f in result.findings if f.group == ("B",) and f.against == "reference"]
    assert len([f for f in result.findings if f.against == "rest"]) == 3


def test_the_data_description_counts_rows_left_out_and_why() -> None:
    # given: two rows without an outcome, one without a group
    data = pl.DataFrame(
        {
            "group": ["A"] * 40 + ["B"] * 40 + [None],
            "selected": [1] * 20 + [0] * 18 + [None, None] + [1] * 40 + [0],
        }
    )

    # when
    result = analyse(data, {"roles": ROLES})

    # then
    assert result.data.rows == 81 and result.data.rows_counted == 79 and result.data.rows_excluded == 2
    assert result.data.excluded_for_missing == {"outcome": 2}
    groups = {group.label: group.counts for group in result.groupings[0].groups}
    assert groups["A"].n == 38 and groups["A"].excluded == 2 and groups["A"].selected == 20
    assert groups["(missing)"].n == 1
    assert render(result.data.message) == (
        "81 rows were read; 2 were left out because they lack an outcome, label or score, "
        "so 79 rows were analysed."
    )


def test_default_groupings_rates_and_the_named_criteria() -> None:
    # given
    settings = AnalysisSettings(
        roles=ColumnRoles(protected=["sex", "region"], outcome="selected", label="label")
    )

    # when
    result = analyse(labelled(), settings)

    # then
    assert [grouping.attributes for grouping in result.groupings] == [
        ("sex",),
        ("region",),
        ("sex", "region"),
    ]
    assert result.rates == ("selection_rate", "true_positive_rate", "false_positive_rate", "precision")
    sex = result.groupings[0]
    rates = {group.label: group.rates["selection_rate"] for group in sex.groups}
    assert sex.four_fifths is not None
    ratio = min(rates["f"].value, rates["m"].value) / max(rates["f"].value, rates["m"].value)
    low = "f" if rates["f"].value < rates["m"].value else "m"
    assert next(item.ratio for item in sex.four_fifths.ratios if item.group == (low,)) == pytest.approx(ratio)
    assert [criterion.name for criterion in sex.criteria] == [
        "demographic_parity",
        "equal_opportunity",
        "equalised_odds",
        "predictive_parity",
    ]
    parity = sex.criteria[0]
    assert parity.ratio == pytest.approx(ratio)
    assert parity.difference == pytest.approx(abs(rates["f"].value - rates["m"].value))
    assert AnalysisSettings(roles={"protected": ["g"], "outcome": "y"}).chosen_rates() == ("selection_rate",)
    assert AnalysisSettings(roles={"protected": ["g"], "score": "s", "label": "y"}).chosen_rates() == ()


# --- settings that are refused ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"groupings": [["sex", "age"]]}, "groupings.0.attributes"),
        ({"groupings": [{"attributes": ["sex"], "reference": ["f", "x"]}]}, "groupings.0.reference"),
        ({"groupings": ["sex", "sex"]}, "groupings.1"),
        ({"rates": ["true_positive_rate"]}, "rates.0"),
        ({"rates": ["hit_rate"]}, "rates.0"),
        ({"tolerance": {"lower": 1.2}}, "tolerance.lower"),
        ({"tolerance": {"scale": "difference", "lower": -0.05, "upper": 1.5}}, "tolerance.upper"),
        ({"q": 0}, "q"),
        ({"alpha": 0.6}, "alpha"),
        ({"min_group_size": 0}, "min_group_size"),
        ({"compare_with": ["everyone"]}, "compare_with.0"),
        ({"compare_with": []}, "compare_with"),
        ({"roles": {"protected": [], "outcome": "selected"}}, "roles.protected"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_settings_name_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        AnalysisSettings.model_validate({"roles": {"protected": ["sex"], "outcome": "selected"}, **changes})
    assert field in fields_of(error)


def test_a_reference_group_the_data_lacks_is_refused() -> None:
    with pytest.raises(InvalidInput) as error:
        analyse(
            decisions(A=(50, 10), B=(50, 20)),
            {"roles": ROLES, "groupings": [{"attributes": "group", "reference": "Z"}]},
        )
    assert fields_of(error) == ["groupings.0.reference"]
    assert "'A'" in error.value.problems[0].reason


def test_a_table_made_with_other_roles_is_refused() -> None:
    table = count_table(decisions(A=(50, 10)), ColumnRoles(**ROLES))
    with pytest.raises(InvalidInput) as error:
        analyse_counts(
            table, {"roles": {"protected": ["group"], "outcome": "selected", "label": "selected2"}}
        )
    assert fields_of(error) == ["roles"]


# --- the score-based parts --------------------------------------------------------------------------


def test_auc_per_group_matches_scikit_learn_and_has_a_bootstrap_interval() -> None:
    # given
    data = labelled()
    roles = {"protected": ["sex"], "outcome": "selected", "label": "label", "score": "score"}

    # when
    result = analyse(data, {"roles": roles, "score": {"bootstrap_resamples": 300, "seed": 7}})

    # then
    for group in result.groupings[0].groups:
        part = data.filter(pl.col("sex") == group.values[0])
        auc = group.auc
        assert auc is not None
        assert auc.value == pytest.approx(roc_auc_score(part["label"], part["score"]), abs=1e-12)
        assert auc.lower < auc.value < auc.upper and auc.resamples == 300 and auc.seed == 7
        assert auc.positives == part["label"].sum() and auc.enough_cases
        assert auc.error_bound == 0.0  # scores have three decimals: every bin holds one score


def test_calibration_bins_lie_on_a_fixed_grid_and_withhold_the_mean_of_few_scores() -> None:
    # given: one group of 100 in [0, 1], a lone high score in its own bin
    scores = [round(0.05 + 0.001 * index, 3) for index in range(99)] + [0.987]
    data = pl.DataFrame({"group": ["A"] * 100, "label": [0, 1] * 50, "score": scores})
    roles = {"protected": ["group"], "label": "label", "score": "score"}

    # when
    result = analyse(data, {"roles": roles})

    # then
    bins = result.groupings[0].groups[0].calibration
    assert bins is not None
    assert [item.lower for item in bins] == pytest.approx([index / 10 for index in range(10)])
    assert [item.n for item in bins] == [50, 49, 0, 0, 0, 0, 0, 0, 0, 1]
    assert bins[0].mean_score == pytest.approx(sum(scores[:50]) / 50)
    assert bins[-1].mean_score is None  # one score: its mean would be the person's own score
    assert result.findings == ()


def test_calibration_edges_outside_zero_to_one_are_round_numbers() -> None:
    data = pl.DataFrame({"group": ["A"] * 3, "label": [0, 1, 1], "score": [3.7, 12.2, 41.9]})
    table = count_table(data, ColumnRoles(protected=["group"], label="label", score="score"))
    assert calibration_edges(table, 10) == pytest.approx(
        [0.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0, 35.0, 40.0, 45.0]
    )


# --- origin flags ------------------------------------------------------------------------------------


def test_origin_flags_come_from_the_names_and_a_sample_of_the_counted_values() -> None:
    # given
    data = pl.DataFrame(
        {
            "nationaliteit": ["Nederlandse", "Turkse", "Marokkaanse", None] * 30,
            "herkomst_code": ["Nederland", "Turkije", "Marokko", "Suriname"] * 30,
            "sex": ["f", "m"] * 60,
            "selected": [1, 0, 0] * 40,
        }
    )
    settings = {
        "roles": {"protected": ["nationaliteit", "herkomst_code", "sex"], "outcome": "selected"},
        "groupings": ["sex"],
        "origin": {"check": True, "sample_rows": 100},
    }

    # when
    result = analyse(data, settings)

    # then
    assert result.origin is not None
    flags = {flag.column: flag for flag in result.origin.columns}
    assert flags["nationaliteit"].flagged and "nationality" in flags["nationaliteit"].categories
    assert flags["herkomst_code"].flagged and flags["herkomst_code"].content_flagged
    assert not flags["sex"].flagged
    assert result.origin.sample_rows == 100
    assert analyse(data, {**settings, "origin": {"check": False}}).origin is None
