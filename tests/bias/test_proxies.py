"""Proxy detection: association measures against hand-computed and library values, and the model."""

import math

import numpy as np
import polars as pl
import pytest
from scipy.stats.contingency import association
from sklearn.metrics import mutual_info_score

from algoreg.bias.proxies import (
    MIN_ROWS,
    correlation_ratio,
    cramers_v,
    detect_proxies,
    feature_associations,
    mutual_information,
    proxy_model,
    strength_label,
    uncertainty_coefficient,
)
from algoreg.errors import InvalidInput

# A hand-made 3×2 table: rows are feature values a, b, c; columns protected groups x, y.
TABLE = [[10, 20], [30, 5], [8, 12]]


def _frame_from_table(table: list[list[int]]) -> pl.DataFrame:
    features, groups = [], []
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            features += ["abc"[i]] * count
            groups += ["xy"[j]] * count
    return pl.DataFrame({"feature": features, "group": groups})


def _hand_cramers_v(table: list[list[int]]) -> tuple[float, float]:
    """Pearson's χ² by the textbook loop, then Cramér's V and Bergsma's (2013) correction."""
    r, k = len(table), len(table[0])
    n = sum(sum(row) for row in table)
    row_sums = [sum(row) for row in table]
    col_sums = [sum(table[i][j] for i in range(r)) for j in range(k)]
    chi2 = 0.0
    for i in range(r):
        for j in range(k):
            expected = row_sums[i] * col_sums[j] / n
            chi2 += (table[i][j] - expected) ** 2 / expected
    phi2 = chi2 / n
    plain = math.sqrt(phi2 / min(r - 1, k - 1))
    phi2_tilde = max(0.0, phi2 - (k - 1) * (r - 1) / (n - 1))
    k_tilde = k - (k - 1) ** 2 / (n - 1)
    r_tilde = r - (r - 1) ** 2 / (n - 1)
    corrected = math.sqrt(phi2_tilde / min(k_tilde - 1, r_tilde - 1))
    return corrected, plain


def test_cramers_v_matches_the_hand_computed_bias_corrected_formula() -> None:
    # given
    corrected, plain = _hand_cramers_v(TABLE)

    # when / then
    assert cramers_v(TABLE) == pytest.approx(corrected, rel=1e-12)
    assert cramers_v(TABLE, bias_corrected=False) == pytest.approx(plain, rel=1e-12)
    assert corrected < plain  # the correction shrinks V towards 0


def test_uncorrected_cramers_v_matches_scipy() -> None:
    rng = np.random.default_rng(3)
    for shape in [(2, 2), (3, 2), (5, 4)]:
        table = rng.integers(1, 40, size=shape)
        assert cramers_v(table, bias_corrected=False) == pytest.approx(
            association(table, method="cramer", correction=False), rel=1e-12
        )


def test_cramers_v_of_degenerate_tables_is_zero() -> None:
    assert cramers_v([[5, 7]]) == 0.0  # a single feature value
    assert cramers_v([[5], [7]]) == 0.0  # a single group
    assert cramers_v([[1, 0], [0, 1], [1, 0]]) == 0.0  # as many categories as rows: nothing to estimate
    assert cramers_v([[0, 0, 0], [4, 0, 6], [3, 0, 1]]) == pytest.approx(cramers_v([[4, 6], [3, 1]]))


def test_a_contingency_table_must_be_two_dimensional_counts() -> None:
    with pytest.raises(InvalidInput) as raised:
        cramers_v([1, 2, 3])
    assert raised.value.problems[0].field == "table"
    with pytest.raises(InvalidInput):
        cramers_v([[1, -2], [3, 4]])


def test_frame_associations_reproduce_the_hand_computed_table() -> None:
    # given the hand-made table written out as 85 rows
    frame = _frame_from_table(TABLE)
    corrected, plain = _hand_cramers_v(TABLE)

    # when
    report = feature_associations(frame, "group")

    # then
    (result,) = report.associations
    assert result.feature == "feature"
    assert result.kind == "categorical"
    assert result.levels == 3
    assert result.quantile_bins is None
    assert result.correlation_ratio is None
    assert result.cramers_v == pytest.approx(corrected, rel=1e-12)
    assert result.cramers_v_uncorrected == pytest.approx(plain, rel=1e-12)
    assert report.groups == ("x", "y")
    assert not report.sample.sampled
    assert report.sample.rows_used == 85


def test_correlation_ratio_matches_the_hand_computation() -> None:
    # given group A: 2, 4, 6 (mean 4), group B: 8, 10, 12 (mean 10); grand mean 7
    values = [2, 4, 6, 8, 10, 12]
    groups = ["A", "A", "A", "B", "B", "B"]
    between = 3 * (4 - 7) ** 2 + 3 * (10 - 7) ** 2  # 54
    total = sum((v - 7) ** 2 for v in values)  # 70
    expected = math.sqrt(between / total)

    # when / then
    assert correlation_ratio(values, groups) == pytest.approx(expected, rel=1e-12)
    assert correlation_ratio([1.0, float("nan"), 1.0], ["a", "b", "b"]) == 0.0  # no variation
    # the same data, repeated to 30 rows with a missing value, through the frame path
    frame = pl.DataFrame({"x": [*values * 5, None], "group": [*groups * 5, "A"]})
    (result,) = feature_associations(frame, "group").associations
    assert result.kind == "numeric"
    assert result.correlation_ratio == pytest.approx(expected, rel=1e-12)
    assert result.missing == 1
    assert result.levels == 7  # six distinct values used as they are, plus "missing"
    assert result.quantile_bins is None


def test_mutual_information_matches_sklearn_and_is_normalised_by_the_protected_entropy() -> None:
    # given a feature that depends partly on a three-valued protected attribute
    rng = np.random.default_rng(11)
    group = rng.integers(0, 3, 600)
    feature = np.where(rng.random(600) < 0.5, group, rng.integers(0, 4, 600))
    frame = pl.DataFrame({"group": group.astype(str), "feature": feature.astype(str)})

    # when
    (result,) = feature_associations(frame, "group").associations

    # then
    expected_mi = mutual_info_score(group, feature)
    shares = np.bincount(group) / group.size
    entropy = -float(np.sum(shares * np.log(shares)))
    assert result.mutual_information == pytest.approx(expected_mi, rel=1e-10)
    assert result.uncertainty_coefficient == pytest.approx(expected_mi / entropy, rel=1e-10)
    table = np.histogram2d(feature, group, bins=[4, 3])[0]
    assert mutual_information(table) == pytest.approx(expected_mi, rel=1e-10)
    assert uncertainty_coefficient(table) == pytest.approx(expected_mi / entropy, rel=1e-10)


def test_independent_features_score_near_zero_and_a_copy_near_one_strongest_first() -> None:
    # given
    rng = np.random.default_rng(5)
    n = 2000
    group = rng.choice(["nl", "ma", "tr"], n)
    frame = pl.DataFrame(
        {
            "group": group,
            "noise_text": rng.choice(["a", "b", "c", "d"], n),
            "noise_number": rng.normal(size=n),
            "copy": group,
            "outcome": rng.integers(0, 2, n),
        }
    )

    # when
    report = feature_associations(frame, "group", exclude=["outcome"])

    # then
    by_name = {a.feature: a for a in report.associations}
    assert set(by_name) == {"noise_text", "noise_number", "copy"}
    assert report.associations[0].feature == "copy"
    assert by_name["copy"].cramers_v == pytest.approx(1.0, abs=1e-3)
    assert by_name["copy"].uncertainty_coefficient == pytest.approx(1.0)
    assert by_name["copy"].strength == "strong"
    for name in ("noise_text", "noise_number"):
        assert by_name[name].cramers_v < 0.05
        assert by_name[name].uncertainty_coefficient < 0.01
        assert by_name[name].strength == "negligible"
    assert by_name["noise_number"].quantile_bins == 10
    assert by_name["noise_number"].levels == 10
    assert by_name["noise_number"].correlation_ratio is not None
    assert by_name["noise_number"].correlation_ratio < 0.07


def test_missingness_is_a_category_of_its_own() -> None:
    # given a feature that is filled in for one group only
    frame = pl.DataFrame({"group": ["a", "b"] * 50, "feature": ["x", None] * 50})

    # when
    (result,) = feature_associations(frame, "group").associations

    # then
    assert result.missing == 50
    assert result.levels == 2
    assert result.cramers_v == pytest.approx(1.0)


def test_numeric_features_are_binned_into_the_requested_quantiles() -> None:
    rng = np.random.default_rng(2)
    group = rng.integers(0, 2, 1000)
    frame = pl.DataFrame({"group": group, "score": group + rng.normal(size=1000)})

    (result,) = feature_associations(frame, "group", quantile_bins=4).associations

    assert result.quantile_bins == 4
    assert result.levels == 4
    assert result.strength in {"moderate", "strong"}
    assert result.correlation_ratio == pytest.approx(
        abs(np.corrcoef(group, frame["score"].to_numpy())[0, 1]), rel=1e-9
    )  # for two groups η is the absolute point-biserial correlation


def test_strength_labels_follow_the_stated_thresholds() -> None:
    assert [strength_label(v) for v in (0.0, 0.099, 0.1, 0.29, 0.3, 0.5, 1.0)] == [
        "negligible",
        "negligible",
        "weak",
        "weak",
        "moderate",
        "strong",
        "strong",
    ]


def test_large_frames_are_sampled_deterministically() -> None:
    rng = np.random.default_rng(8)
    frame = pl.DataFrame({"group": rng.integers(0, 2, 5000), "x": rng.normal(size=5000)})

    first = feature_associations(frame, "group", max_rows=1000, seed=4)
    second = feature_associations(frame, "group", max_rows=1000, seed=4)

    assert first.sample.rows_total == 5000
    assert first.sample.rows_used == 1000
    assert first.sample.sampled
    assert first == second


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"protected": "missing"}, "protected"),
        ({"protected": "group", "features": ["x", "nope"]}, "features"),
        ({"protected": "group", "exclude": ["nope"]}, "exclude"),
        ({"protected": "group", "features": ["group", "x"]}, "features"),
        ({"protected": "group", "exclude": ["x", "y", "tags"]}, "features"),
        ({"protected": "group", "features": ["tags"]}, "tags"),
        ({"protected": "group", "quantile_bins": 1}, "quantile_bins"),
    ],
)
def test_bad_columns_and_parameters_are_named(arguments: dict[str, object], field: str) -> None:
    frame = pl.DataFrame({"group": ["a", "b"] * 20, "x": range(40), "y": ["p"] * 40, "tags": [["t"]] * 40})
    with pytest.raises(InvalidInput) as raised:
        feature_associations(frame, **arguments)  # type: ignore[arg-type]
    assert field in [problem.field for problem in raised.value.problems]


def test_a_protected_attribute_with_one_value_is_refused() -> None:
    frame = pl.DataFrame({"group": ["a"] * 40, "x": range(40)})
    with pytest.raises(InvalidInput) as raised:
        feature_associations(frame, "group")
    assert raised.value.problems[0].field == "group"
    assert "single value" in raised.value.problems[0].reason


def test_too_few_rows_are_refused() -> None:
    rows = MIN_ROWS - 1
    frame = pl.DataFrame({"group": ["ab"[i % 2] for i in range(rows)], "x": range(rows)})
    with pytest.raises(InvalidInput) as raised:
        feature_associations(frame, "group")
    assert raised.value.problems[0].field == "frame"
    assert str(MIN_ROWS) in raised.value.problems[0].reason


def test_a_lazy_frame_is_refused() -> None:
    frame = pl.DataFrame({"group": ["a", "b"] * 20, "x": range(40)})
    with pytest.raises(InvalidInput) as raised:
        feature_associations(frame.lazy(), "group")  # type: ignore[arg-type]
    assert raised.value.problems[0].field == "frame"


# --- the model -------------------------------------------------------------------------------------


def test_the_model_scores_chance_on_noise() -> None:
    # given features unrelated to the group, including an identifier with more values than trees bin
    rng = np.random.default_rng(21)
    n = 2000
    frame = pl.DataFrame(
        {
            "group": rng.choice(["a", "b"], n),
            "x": rng.normal(size=n),
            "kind": [None if value == "-" else value for value in rng.choice(["p", "q", "r", "-"], n)],
            "id": [f"id{i}" for i in range(n)],
        }
    )

    # when
    model = proxy_model(frame, "group", permutation_repeats=2)

    # then
    assert frame["kind"].null_count() > 0
    assert abs(model.roc_auc - 0.5) < 0.06
    assert model.strength == "negligible"
    assert model.averaging == "binary"
    assert len(model.fold_roc_auc) == 5
    assert model.roc_auc == pytest.approx(float(np.mean(model.fold_roc_auc)))
    assert all(abs(item.auc_drop) < 0.05 for item in model.importances)


def test_the_model_finds_a_planted_proxy_among_three_groups() -> None:
    # given a postcode area that mostly follows the group, and noise
    rng = np.random.default_rng(22)
    n = 900
    group = rng.choice(["nl", "ma", "tr"], n)
    area = np.where(rng.random(n) < 0.85, np.char.add("area-", group), rng.choice(["area-x", "area-y"], n))
    frame = pl.DataFrame({"group": group, "area": area, "income": rng.normal(size=n)})

    # when
    model = proxy_model(frame, "group", permutation_repeats=2)

    # then
    assert model.averaging == "macro one-vs-rest"
    assert model.groups == ("ma", "nl", "tr")
    assert model.roc_auc > 0.9
    assert model.strength == "very strong"
    assert model.importances[0].feature == "area"
    assert model.importances[0].auc_drop > 0.2
    assert model.sample.rows_used == n


def test_a_combination_of_individually_weak_features_is_found() -> None:
    # given two features each independent of the group, but whose combination (exclusive or) gives
    # the group away for 90% of the rows, and a noise feature
    rng = np.random.default_rng(23)
    n = 1200
    group = rng.integers(0, 2, n)
    first = rng.integers(0, 2, n)
    second = np.where(rng.random(n) < 0.9, group ^ first, 1 - (group ^ first))
    frame = pl.DataFrame(
        {
            "group": np.where(group == 1, "migration background", "none"),
            "school_type": np.where(first == 1, "vmbo", "havo"),
            "distance_to_parents": second * 30.0 + rng.normal(size=n),
            "noise": rng.normal(size=n),
        }
    )

    # when
    report = detect_proxies(frame, "group", permutation_repeats=3)

    # then each feature alone looks harmless ...
    for association_ in report.associations.associations:
        assert association_.strength == "negligible"
    # ... while together they stand in for the group
    assert report.model.roc_auc > 0.85
    top_two = {item.feature for item in report.model.importances[:2]}
    assert top_two == {"school_type", "distance_to_parents"}
    assert report.model.importances[2].feature == "noise"
    assert report.model.importances[2].auc_drop < 0.05
    assert min(item.auc_drop for item in report.model.importances[:2]) > 0.15


def test_groups_smaller_than_the_folds_are_refused_by_the_model() -> None:
    frame = pl.DataFrame({"group": ["a"] * 40 + ["b"] * 3, "x": range(43)})
    with pytest.raises(InvalidInput) as raised:
        proxy_model(frame, "group")
    assert raised.value.problems[0].field == "group"
    assert "'b': 3" in raised.value.problems[0].reason


def test_the_model_is_deterministic_for_a_seed() -> None:
    rng = np.random.default_rng(24)
    frame = pl.DataFrame({"group": rng.integers(0, 2, 200), "x": rng.normal(size=200)})

    first = proxy_model(frame, "group", folds=3, permutation_repeats=1, seed=7)
    second = proxy_model(frame, "group", folds=3, permutation_repeats=1, seed=7)

    assert first == second
