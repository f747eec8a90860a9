"""Bias-aware clustering: finds a planted segment, tests it honestly on held-out rows, explains it."""

from dataclasses import replace
from datetime import date

import numpy as np
import polars as pl
import pytest
from kmodes.kmodes import KModes
from kmodes.kprototypes import KPrototypes
from scipy import stats

from algoreg.bias.clustering import (
    BiasClusteringResult,
    CategoricalDifference,
    ClusteringSettings,
    HeldOutTest,
    NumericDifference,
    bias_aware_clustering,
    describe,
    k_prototypes,
)
from algoreg.errors import InvalidInput


def planted_mixed(rows: int, seed: int, biased: bool = True) -> tuple[pl.DataFrame, np.ndarray]:
    """x1 ~ N(0, 1), cat uniform over A/B/C; rows with x1 > 1 and cat == 'B' err at 0.5, others at 0.1."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=rows)
    cat = rng.choice(["A", "B", "C"], size=rows)
    segment = (x1 > 1) & (cat == "B")
    rate = np.where(segment, 0.5, 0.1) if biased else np.full(rows, 0.1)
    error = (rng.random(rows) < rate).astype(np.int64)
    return pl.DataFrame({"x1": x1, "cat": cat, "error": error}), segment


def jaccard(found: np.ndarray, planted: np.ndarray) -> float:
    return float((found & planted).sum() / (found | planted).sum())


def top_rows(result: BiasClusteringResult) -> np.ndarray:
    """Whether each row is in the top cluster (label 0)."""
    return np.asarray(result.labels.to_numpy() == 0, dtype=np.bool_)


SETTINGS = ClusteringSettings(min_cluster_size=0.02)


# --- finding a planted segment --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mixed_data_recovers_the_planted_segment_and_the_held_out_test_is_significant(seed: int) -> None:
    # given
    frame, segment = planted_mixed(6000, seed)
    # when
    result = bias_aware_clustering(
        frame, "error", higher_is_worse=True, settings=ClusteringSettings(min_cluster_size=0.02, seed=seed)
    )
    # then
    assert result.method == "k-prototypes"
    assert jaccard(top_rows(result), segment) >= 0.6
    assert result.test is not None
    assert result.test.method == "fisher_exact"
    assert result.test.alternative == "greater"
    assert result.test.significant and result.test.p_value < 1e-6
    assert result.test.cluster_mean > 0.3 > 0.15 > result.test.rest_mean
    by_feature = {difference.feature: difference for difference in result.differences}
    cat, x1 = by_feature["cat"], by_feature["x1"]
    assert isinstance(cat, CategoricalDifference) and cat.significant and cat.value == "B"
    assert cat.cluster_share > 0.7 and cat.rest_share < 0.4
    assert isinstance(x1, NumericDifference) and x1.significant and x1.cluster_mean > 1 > 0 > x1.rest_mean
    assert "more often has cat = 'B'" in result.description
    assert "has a higher x1" in result.description
    assert "significantly higher" in result.description


def test_no_bias_is_rarely_significant_on_held_out_rows() -> None:
    # given 20 data sets where every row errs at 0.1, whatever its features
    significant = 0
    for seed in range(20):
        frame, _ = planted_mixed(1200, seed, biased=False)
        # when
        result = bias_aware_clustering(
            frame,
            "error",
            higher_is_worse=True,
            settings=ClusteringSettings(max_iterations=10, min_cluster_size=0.05, seed=seed),
        )
        significant += bool(result.test is not None and result.test.significant)
    # then the held-out test keeps (about) its 5% error rate, although every cluster was chosen as worst
    assert significant <= 2


def test_numeric_features_use_k_means_and_find_the_segment() -> None:
    # given x1, x2 ~ N(0, 1); rows with x1 > 1 err at 0.5, the others at 0.1 (x2 is noise)
    recovered = 0
    for seed in range(5):
        rng = np.random.default_rng(seed)
        x1, x2 = rng.normal(size=4000), rng.normal(size=4000)
        segment = x1 > 1
        error = (rng.random(4000) < np.where(segment, 0.5, 0.1)).astype(np.int64)
        frame = pl.DataFrame({"x1": x1, "x2": x2, "error": error})
        # when
        result = bias_aware_clustering(
            frame,
            "error",
            higher_is_worse=True,
            settings=ClusteringSettings(min_cluster_size=0.02, seed=seed),
        )
        # then
        assert result.method == "k-means"
        assert result.test is not None and result.test.significant
        recovered += jaccard(top_rows(result), segment) >= 0.5
    # k-means cells do not always follow the segment's edge (a split across it freezes that leaf)
    assert recovered >= 3


def test_categorical_features_use_k_modes_and_find_the_segment() -> None:
    # given three categorical features; rows with c1 == 'B' and c2 == 'P' err at 0.5, others at 0.1
    rng = np.random.default_rng(3)
    c1 = rng.choice(["A", "B", "C"], size=6000)
    c2 = rng.choice(["P", "Q", "R", "S"], size=6000)
    c3 = rng.choice(["X", "Y"], size=6000)
    segment = (c1 == "B") & (c2 == "P")
    error = (rng.random(6000) < np.where(segment, 0.5, 0.1)).astype(np.int64)
    frame = pl.DataFrame({"c1": c1, "c2": c2, "c3": c3, "error": error})
    # when
    result = bias_aware_clustering(frame, "error", higher_is_worse=True, settings=SETTINGS)
    # then
    assert result.method == "k-modes"
    assert jaccard(top_rows(result), segment) >= 0.9
    assert result.test is not None and result.test.significant
    assert "more often has c1 = 'B'" in result.description
    assert "more often has c2 = 'P'" in result.description
    assert "c3" not in result.description


def test_lower_is_worse_and_a_continuous_metric_use_a_one_sided_welch_test() -> None:
    # given a score where lower is worse; the planted segment scores 1 lower on average
    frame, segment = planted_mixed(6000, 4)
    rng = np.random.default_rng(40)
    score = rng.normal(size=6000) - np.where(segment, 1.0, 0.0)
    frame = frame.drop("error").with_columns(score=score)
    # when
    result = bias_aware_clustering(frame, "score", higher_is_worse=False, settings=SETTINGS)
    # then
    test = result.test
    assert test is not None
    assert test.method == "welch_t" and test.alternative == "less"
    assert test.difference < 0 and test.bias == -test.difference
    held_out = result.held_out.to_numpy()
    inside = top_rows(result)[held_out]
    reference = stats.ttest_ind(
        score[held_out][inside], score[held_out][~inside], equal_var=False, alternative="less"
    )
    assert test.statistic == pytest.approx(reference.statistic)
    assert test.p_value == pytest.approx(reference.pvalue)
    assert test.significant
    assert "significantly lower" in result.description
    assert jaccard(top_rows(result), segment) >= 0.5


# --- the held-out test and the feature comparison, against SciPy --------------------------------------


def test_the_held_out_figures_match_scipy_computed_from_the_labels() -> None:
    # given
    frame, _ = planted_mixed(6000, 5)
    result = bias_aware_clustering(frame, "error", higher_is_worse=True, settings=SETTINGS)
    labels, held_out = result.labels.to_numpy(), result.held_out.to_numpy()
    error, x1, cat = frame["error"].to_numpy(), frame["x1"].to_numpy(), frame["cat"].to_numpy()
    inside = labels[held_out] == 0
    # then the test on held-out rows
    held_error = error[held_out]
    ones_in, ones_out = int(held_error[inside].sum()), int(held_error[~inside].sum())
    table = np.array([[ones_in, int(inside.sum()) - ones_in], [ones_out, int((~inside).sum()) - ones_out]])
    fisher = stats.fisher_exact(table, alternative="greater")
    assert result.test is not None
    assert result.test.cluster_rows == inside.sum() and result.test.rest_rows == (~inside).sum()
    assert result.test.p_value == pytest.approx(fisher.pvalue)
    assert result.test.statistic == pytest.approx(fisher.statistic)
    assert result.test.difference == pytest.approx(held_error[inside].mean() - held_error[~inside].mean())
    # and the feature comparison, with Benjamini–Hochberg over both features
    welch = stats.ttest_ind(x1[held_out][inside], x1[held_out][~inside], equal_var=False)
    values = sorted(set(cat))
    counts = np.array(
        [[(cat[held_out][part] == value).sum() for value in values] for part in (inside, ~inside)]
    )
    chi = stats.chi2_contingency(counts)
    q = stats.false_discovery_control([welch.pvalue, chi.pvalue], method="bh")
    by_feature = {difference.feature: difference for difference in result.differences}
    assert by_feature["x1"].p_value == pytest.approx(welch.pvalue)
    assert by_feature["x1"].q_value == pytest.approx(q[0])
    assert by_feature["cat"].p_value == pytest.approx(chi.pvalue)
    assert by_feature["cat"].q_value == pytest.approx(q[1])
    shares = counts / counts.sum(axis=1, keepdims=True)
    top = int(np.argmax(shares[0] - shares[1]))
    categorical = by_feature["cat"]
    assert isinstance(categorical, CategoricalDifference)
    assert categorical.value == values[top]
    assert categorical.cluster_share == pytest.approx(shares[0, top])
    assert categorical.dof == len(values) - 1


def test_cluster_summaries_add_up_and_respect_the_settings() -> None:
    # given
    frame, _ = planted_mixed(3000, 6)
    settings = ClusteringSettings(max_iterations=6, min_cluster_size=100, held_out_share=0.4, seed=6)
    # when
    result = bias_aware_clustering(frame, "error", higher_is_worse=True, settings=settings)
    # then
    labels, held_out = result.labels.to_numpy(), result.held_out.to_numpy()
    error = frame["error"].to_numpy().astype(float)
    assert held_out.sum() == 1200
    assert result.iterations <= 6 and result.min_cluster_rows == 100
    assert [cluster.label for cluster in result.clusters] == list(range(len(result.clusters)))
    assert sum(cluster.fit_rows for cluster in result.clusters) == 1800
    for cluster in result.clusters:
        fit = (labels == cluster.label) & ~held_out
        assert cluster.fit_rows == fit.sum() >= 100
        assert cluster.fit_mean == pytest.approx(error[fit].mean())
        assert cluster.bias == pytest.approx(error[fit].mean() - error[~fit & ~held_out].mean())
        assert cluster.held_out_rows == ((labels == cluster.label) & held_out).sum()
    others = [cluster.bias for cluster in result.clusters[1:]]
    assert others == sorted(others, reverse=True)


def test_plain_hbac_reports_the_leaf_with_the_highest_bias() -> None:
    # given
    frame, _ = planted_mixed(3000, 7)
    settings = ClusteringSettings(min_cluster_size=0.03, merge_leaves=False, seed=7)
    # when
    result = bias_aware_clustering(frame, "error", higher_is_worse=True, settings=settings)
    # then
    assert len(result.clusters) > 2
    assert all(cluster.leaves == 1 for cluster in result.clusters)
    assert result.clusters[0].bias == max(cluster.bias for cluster in result.clusters)


def test_the_same_seed_gives_the_same_result_and_another_seed_another_split() -> None:
    frame, _ = planted_mixed(2000, 8)
    first = bias_aware_clustering(frame, "error", higher_is_worse=True, settings=ClusteringSettings(seed=1))
    again = bias_aware_clustering(frame, "error", higher_is_worse=True, settings=ClusteringSettings(seed=1))
    other = bias_aware_clustering(frame, "error", higher_is_worse=True, settings=ClusteringSettings(seed=2))
    assert first.labels.equals(again.labels) and first.held_out.equals(again.held_out)
    assert first.description == again.description
    assert not first.held_out.equals(other.held_out)


def test_a_constant_metric_gives_one_cluster_and_no_test() -> None:
    frame, _ = planted_mixed(1000, 9)
    result = bias_aware_clustering(frame.with_columns(error=pl.lit(0)), "error", higher_is_worse=True)
    assert len(result.clusters) == 1 and result.top_cluster is None
    assert result.test is None and result.differences == ()
    assert (result.labels.to_numpy() == 0).all()
    assert result.description.startswith("No cluster was found")


def test_missing_categories_booleans_and_a_boolean_metric_are_accepted() -> None:
    # given a segment marked by a missing value and a boolean feature; the metric is boolean
    rng = np.random.default_rng(10)
    region = rng.choice(np.array(["north", "south", None], dtype=object), size=4000)
    flag = rng.random(4000) < 0.5
    segment = (region == None) & flag  # noqa: E711 - element-wise comparison with None
    selected = rng.random(4000) < np.where(segment, 0.6, 0.1)
    frame = pl.DataFrame({"region": region.tolist(), "flag": flag, "selected": selected})
    # when
    result = bias_aware_clustering(frame, "selected", higher_is_worse=True, settings=SETTINGS)
    # then
    assert result.method == "k-modes"
    assert jaccard(top_rows(result), segment) >= 0.9
    assert result.test is not None and result.test.method == "fisher_exact" and result.test.significant
    assert "more often has region missing" in result.description
    assert "more often has flag = 'true'" in result.description


# --- the English sentence and the splitting routine ----------------------------------------------------


def test_describe_builds_one_plain_sentence() -> None:
    test = HeldOutTest("fisher_exact", "greater", 200, 1800, 0.48, 0.11, 0.37, 0.37, 7.4, 3e-12, True)
    differences = (
        CategoricalDifference("education", "mbo", 0.62, 0.21, 80.0, 3, 1e-9, 2e-9, True),
        NumericDifference("distance_to_parents", 3.1, 1.2, 9.0, 1e-8, 1e-8, True),
        NumericDifference("age", 40.0, 41.0, 0.5, 0.6, 0.6, False),
    )
    sentence = describe("error", True, test, differences, 0.05)
    assert sentence == (
        "On the held-out rows, the cluster (200 rows) has a mean error of 0.48 against 0.11 for the other "
        "1,800 rows, significantly higher (one-sided Fisher's exact test, p = 3e-12). Compared with the "
        "rest, the cluster more often has education = 'mbo' (62% vs 21%) and has a higher "
        "distance_to_parents (mean 3.1 vs 1.2)."
    )
    underflow = describe("error", True, replace(test, p_value=0.0), (), 0.05)
    assert "(one-sided Fisher's exact test, p < 1e-300)" in underflow
    quiet = describe("error", True, test, differences[2:], 0.05)
    assert quiet.endswith("No feature sets the cluster apart significantly (Benjamini–Hochberg, 0.05).")


def test_k_prototypes_costs_no_more_than_the_kmodes_package() -> None:
    # given two overlapping groups in two numeric and two categorical features
    rng = np.random.default_rng(11)
    group = rng.random(600) < 0.4
    numeric = rng.normal(size=(600, 2)) + np.where(group, 1.5, 0.0)[:, None]
    codes = np.column_stack(
        [np.where(group, rng.choice(3, 600, p=[0.7, 0.2, 0.1]), rng.choice(3, 600)), rng.choice(4, 600)]
    ).astype(np.int64)
    # when
    split = k_prototypes(numeric, codes, np.random.default_rng(0), gamma=2.0)
    assert split is not None
    assignment, centres, modes = split
    ours = sum(
        ((numeric[members] - centres[cluster]) ** 2).sum() + 2.0 * (codes[members] != modes[cluster]).sum()
        for cluster, members in enumerate((~assignment, assignment))
    )
    mixed = np.column_stack([numeric, codes]).astype(object)
    package = min(
        KPrototypes(n_clusters=2, gamma=2.0, init=init, n_init=3, random_state=0)
        .fit(mixed, categorical=[2, 3])
        .cost_
        for init in ("Cao", "Huang")
    )
    # then it lands within 1% of the package's better start (both find local optima of the same cost)
    assert ours <= package * 1.01
    assert min(assignment.mean(), 1 - assignment.mean()) > 0.25

    # and with categorical features only it is k-modes
    only = k_prototypes(np.zeros((600, 0)), codes, np.random.default_rng(0), gamma=1.0)
    assert only is not None
    kmodes_cost = sum(
        (codes[members] != only[2][cluster]).sum() for cluster, members in enumerate((~only[0], only[0]))
    )
    package_modes = min(
        KModes(n_clusters=2, init=init, n_init=3, random_state=0).fit(codes).cost_
        for init in ("Cao", "Huang")
    )
    assert kmodes_cost <= package_modes * 1.01


def test_k_prototypes_cannot_split_identical_rows() -> None:
    assert k_prototypes(np.ones((10, 1)), np.zeros((10, 1), dtype=np.int64), np.random.default_rng(0)) is None


# --- bad input ------------------------------------------------------------------------------------------


def fields_of(error: InvalidInput) -> list[str]:
    return [problem.field for problem in error.problems]


GOOD = pl.DataFrame({"x1": [0.1, 0.5, 0.9, 1.3] * 25, "cat": ["A", "B"] * 50, "error": [0, 1] * 50})


@pytest.mark.parametrize(
    ("frame", "metric", "features", "field", "words"),
    [
        (GOOD, "missing", None, "metric", "'missing', which is not a column"),
        (GOOD.with_columns(error=pl.lit("yes")), "error", None, "metric", "type String"),
        (
            GOOD.with_columns(error=pl.when(pl.col("x1") > 1).then(None).otherwise(1)),
            "error",
            None,
            "metric",
            "25 missing",
        ),
        (GOOD.with_columns(error=pl.lit(float("nan"))), "error", None, "metric", "100 missing"),
        (GOOD.with_columns(error=pl.lit(float("inf"))), "error", None, "metric", "infinite"),
        (GOOD, "error", ["x1", "nope"], "features", "'nope', which is not a column"),
        (GOOD, "error", [], "features", "is empty"),
        (GOOD.select("error"), "error", None, "features", "is empty"),
        (GOOD, "error", ["x1", "error"], "features", "includes the metric"),
        (GOOD, "error", ["x1", "x1"], "features", "more than once"),
        (GOOD.with_columns(day=pl.lit(date(2024, 1, 1))), "error", ["day"], "features", "type Date"),
        (
            GOOD.with_columns(x1=pl.when(pl.col("error") == 1).then(None).otherwise(pl.col("x1"))),
            "error",
            None,
            "features",
            "'x1' has 50 missing",
        ),
        (GOOD.head(1), "error", None, "frame", "has 1 rows"),
    ],
)
def test_bad_data_is_refused_naming_the_field(
    frame: pl.DataFrame, metric: str, features: list[str] | None, field: str, words: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        bias_aware_clustering(frame, metric, higher_is_worse=True, features=features)
    assert field in fields_of(raised.value)
    assert any(words in problem.reason for problem in raised.value.problems)


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        (ClusteringSettings(max_iterations=0), "settings.max_iterations"),
        (ClusteringSettings(min_cluster_size=0), "settings.min_cluster_size"),
        (ClusteringSettings(min_cluster_size=1.5), "settings.min_cluster_size"),
        (ClusteringSettings(min_cluster_size=0.0), "settings.min_cluster_size"),
        (ClusteringSettings(held_out_share=0.0), "settings.held_out_share"),
        (ClusteringSettings(held_out_share=1.0), "settings.held_out_share"),
        (ClusteringSettings(alpha=1.0), "settings.alpha"),
        (ClusteringSettings(categorical_weight=0.0), "settings.categorical_weight"),
        (ClusteringSettings(seed=-1), "settings.seed"),
    ],
)
def test_bad_settings_are_refused_naming_the_setting(settings: ClusteringSettings, field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        bias_aware_clustering(GOOD, "error", higher_is_worse=True, settings=settings)
    assert fields_of(raised.value) == [field]


def test_too_few_rows_for_the_minimum_cluster_size() -> None:
    # 100 rows, 50 for fitting: a minimum of 30 rows per cluster cannot split once
    with pytest.raises(InvalidInput) as raised:
        bias_aware_clustering(
            GOOD, "error", higher_is_worse=True, settings=ClusteringSettings(min_cluster_size=30)
        )
    assert fields_of(raised.value) == ["settings.min_cluster_size"]
    assert "needs at least 60 fitting rows" in raised.value.problems[0].reason
    assert "50 are for fitting" in raised.value.problems[0].reason


def test_every_problem_is_listed_at_once() -> None:
    with pytest.raises(InvalidInput) as raised:
        bias_aware_clustering(
            GOOD.with_columns(error=pl.lit("x")),
            "error",
            higher_is_worse=True,
            features=["nope"],
            settings=ClusteringSettings(alpha=2.0),
        )
    assert sorted(fields_of(raised.value)) == ["features", "metric", "settings.alpha"]


def test_a_lazy_frame_is_refused() -> None:
    with pytest.raises(InvalidInput) as raised:
        bias_aware_clustering(GOOD.lazy(), "error", higher_is_worse=True)  # type: ignore[arg-type]
    assert fields_of(raised.value) == ["frame"]
    assert "LazyFrame" in raised.value.problems[0].reason
