"""Unsupervised bias detection: find the group of rows an algorithm treats worst, without protected data.

Hierarchical bias-aware clustering (HBAC) after J. Misztal-Radecka and B. Indurkhya, "Bias-Aware
Hierarchical Clustering for detecting the discriminated groups of users in recommendation systems",
*Information Processing & Management* 58(3), 2021. The rows are clustered on their features alone
(never on the metric), but a split is only kept when it isolates a group on which the per-row
metric (an error, a selection, a score) is worse than on the rest. The group found this way is a
*candidate*: a statistical test on rows the clustering never saw says whether it holds up, and a
per-feature comparison says in plain words what sets it apart, so that people can judge it.

Choices, and why:

* **Which cluster is split next**: the leaf with the highest bias that may still be split (ties: the
  larger). We look for the most deviating group, so the search refines where the deviation is; a
  leaf whose split is rejected, or that is too small to split, is final, and the next one gets its
  turn. One split attempt is one iteration.
* **Acceptance**: a split into two is kept when both children have at least the minimum size and one
  child's bias exceeds its parent's. The bias of a cluster is the mean metric inside minus the mean
  outside (on the fitting part), with the sign turned so that positive means "worse"; the whole data
  set has bias 0.
* **Splitting**: numeric features only → k-means (scikit-learn, k-means++ starts, best of three) on
  features standardised with the fitting part's mean and standard deviation; otherwise k-prototypes
  (Z. Huang, "Extensions to the k-means algorithm for clustering large data sets with categorical
  values", *Data Mining and Knowledge Discovery* 2, 1998): squared Euclidean distance on the
  standardised numeric features plus ``categorical_weight`` (γ) times the number of differing
  categories; with categorical features only this is k-modes. γ = 2 by default: a differing category
  then weighs what it weighs for k-means on one-hot columns, so categorical features can steer the
  splits (with Huang's suggested γ ≈ 0.5 they barely did, and a segment marked by a category was
  not found). k-prototypes is written here, vectorised, because the ``kmodes`` package assigns rows
  one by one in Python: one two-way split of 10,000 mixed rows took it 4 to 9 s from one start, and
  takes about 0.04 s per start here, so ten seeded starts (k-means++ style) are affordable and reach
  the package's cost (the tests compare the two).
* **The most deviating cluster**: plain HBAC reports the leaf with the highest bias, but k-means cells
  rarely follow a group's edges, so a deviating group usually ends up spread over a few leaves and
  the best leaf holds only part of it. With ``merge_leaves`` (the default) the leaves are ordered
  from worst to best mean metric and the top cluster is the union of the first k of them, k
  maximising the two-sample z-score of the union against the rest on the fitting part (a subset scan
  over the leaves; a larger group needs less bias per row to stand out). On generated data with a
  planted segment this recovers the segment several times as often as the best leaf does
  (``benchmarks/bias_unsupervised.py``, figures in ``docs/benchmarks.md``). ``merge_leaves=False``
  gives plain HBAC.
* **Honest p-value**: the rows are split at random (seeded) into a fitting part and a held-out part.
  The clustering, the choice of the most deviating cluster and its bias use the fitting part only;
  the held-out rows are then routed down the same tree (nearest centroid or prototype at each split)
  and the test of the cluster against the rest uses the held-out rows alone. Because the held-out
  rows played no part in choosing the cluster, the usual test on them keeps its promised error rate;
  a test on the fitting rows would not (the cluster was chosen *because* it looked worst there).
* **What sets the cluster apart**, on the held-out part: Welch's t-test per numeric feature,
  a chi-square test of independence per categorical feature, then Benjamini–Hochberg across the
  features; the English sentence names the significant ones.
"""

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import numpy.typing as npt
import polars as pl
from scipy import stats
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from algoreg.errors import FieldProblem, InvalidInput

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

Method = Literal["k-means", "k-modes", "k-prototypes"]
KMEANS_RESTARTS = 3
PROTOTYPE_RESTARTS = 10
MAX_LLOYD_STEPS = 50
MAX_DESCRIBED = 5


@dataclass(frozen=True)
class ClusteringSettings:
    """Settings of the bias-aware clustering.

    ``min_cluster_size`` is a count of fitting rows (an ``int`` ≥ 1) or a share of them (a ``float``
    between 0 and 1). ``max_iterations`` bounds the number of split attempts. ``held_out_share`` of the
    rows is kept apart for the test. ``alpha`` is the significance level of the held-out test and the
    false-discovery rate of the feature comparison. ``merge_leaves`` joins the worst leaves of the tree
    into the top cluster (see the module's notes); without it the top cluster is the leaf with the
    highest bias, as in plain HBAC. ``categorical_weight`` is the cost of one differing category
    against squared distances of standardised numeric features.
    """

    max_iterations: int = 20
    min_cluster_size: int | float = 0.02
    seed: int = 0
    held_out_share: float = 0.5
    alpha: float = 0.05
    merge_leaves: bool = True
    categorical_weight: float = 2.0


@dataclass(frozen=True)
class Cluster:
    """One final cluster: its size and mean metric on both parts, and its bias on the fitting part.

    Label 0 is the most deviating cluster (made of ``leaves`` leaves of the tree); the others are
    single leaves, labelled in order of decreasing bias. ``held_out_mean`` is ``None`` when no
    held-out row fell in the cluster.
    """

    label: int
    leaves: int
    fit_rows: int
    fit_mean: float
    bias: float
    held_out_rows: int
    held_out_mean: float | None


@dataclass(frozen=True)
class HeldOutTest:
    """The test, on held-out rows only, of whether the top cluster's metric is worse than the rest's.

    ``method`` is Fisher's exact test for a 0/1 metric (``statistic`` is the odds ratio) or Welch's
    t-test otherwise (``statistic`` is t); one-sided, ``alternative`` being the harmful direction.
    ``difference`` is cluster mean minus rest mean; ``bias`` is the same with the sign turned so that
    positive means the cluster fares worse.
    """

    method: Literal["fisher_exact", "welch_t"]
    alternative: Literal["greater", "less"]
    cluster_rows: int
    rest_rows: int
    cluster_mean: float
    rest_mean: float
    difference: float
    bias: float
    statistic: float
    p_value: float
    significant: bool


@dataclass(frozen=True)
class NumericDifference:
    """How a numeric feature differs between the top cluster and the rest (held-out rows, Welch's t)."""

    feature: str
    cluster_mean: float
    rest_mean: float
    statistic: float
    p_value: float
    q_value: float
    significant: bool


@dataclass(frozen=True)
class CategoricalDifference:
    """How a categorical feature differs between the top cluster and the rest (held-out rows, chi-square).

    ``value`` is the most over-represented value in the cluster (largest share in the cluster minus
    share in the rest; ``None`` stands for a missing value), with its two shares.
    """

    feature: str
    value: str | None
    cluster_share: float
    rest_share: float
    statistic: float
    dof: int
    p_value: float
    q_value: float
    significant: bool


FeatureDifference = NumericDifference | CategoricalDifference


@dataclass(frozen=True)
class BiasClusteringResult:
    """The outcome of :func:`bias_aware_clustering`.

    ``labels`` gives every input row's cluster (input order), ``held_out`` whether the row was in the
    held-out part. ``top_cluster`` (label 0), ``test`` and ``differences`` are absent or empty when no
    split was accepted; ``test`` is also ``None`` when the top cluster or the rest has fewer than two
    held-out rows. ``differences`` is ordered by q-value. ``description`` is a plain English sentence.
    """

    metric: str
    higher_is_worse: bool
    features: tuple[str, ...]
    method: Method
    settings: ClusteringSettings
    min_cluster_rows: int
    iterations: int
    clusters: tuple[Cluster, ...]
    top_cluster: int | None
    labels: pl.Series
    held_out: pl.Series
    test: HeldOutTest | None
    differences: tuple[FeatureDifference, ...]
    description: str


@dataclass
class _Features:
    """Features as arrays: standardised numeric columns and integer codes of categorical columns."""

    raw: FloatArray
    numeric: FloatArray
    codes: IntArray
    values: list[list[str | None]]
    numeric_names: list[str]
    categorical_names: list[str]


@dataclass(eq=False)
class _Node:
    rows: IntArray
    bias: float
    centre: FloatArray
    modes: IntArray
    children: "tuple[_Node, _Node] | None" = None
    final: bool = False


def bias_aware_clustering(
    frame: pl.DataFrame,
    metric: str,
    *,
    higher_is_worse: bool,
    features: Sequence[str] | None = None,
    settings: ClusteringSettings | None = None,
) -> BiasClusteringResult:
    """Find the cluster of rows on which ``metric`` is worst, and test it on rows kept apart.

    ``frame`` holds one row per case; ``metric`` names a numeric column without missing values (an
    error indicator, a 0/1 selection, a score); ``higher_is_worse`` says its harmful direction.
    ``features`` (default: every other column) may be numeric, or categorical (string, categorical,
    enum or boolean; a missing value counts as a value of its own); numeric features may not have
    missing values. The result is reproducible for a given ``settings.seed``. Raises
    :class:`~algoreg.errors.InvalidInput` naming every problem with the input.
    """
    settings = settings or ClusteringSettings()
    names = _check(frame, metric, features, settings)
    metric_values = frame.get_column(metric).cast(pl.Float64).to_numpy()
    sign = 1.0 if higher_is_worse else -1.0

    rng = np.random.default_rng(settings.seed)
    rows = frame.height
    held_count = min(rows - 1, max(1, round(rows * settings.held_out_share)))
    held_out = np.zeros(rows, dtype=np.bool_)
    held_out[rng.permutation(rows)[:held_count]] = True
    fit_index = np.flatnonzero(~held_out)
    min_rows = _min_rows(settings.min_cluster_size, fit_index.size)
    if fit_index.size < 2 * min_rows:
        raise InvalidInput(
            [
                FieldProblem(
                    "settings.min_cluster_size",
                    f"needs at least {2 * min_rows} fitting rows to split once, but the data has "
                    f"{rows} rows of which {fit_index.size} are for fitting; use a smaller minimum "
                    "cluster size or a smaller held-out share, or more rows",
                )
            ],
            summary="Too few rows for the minimum cluster size.",
        )

    data = _features(frame, names, fit_index)
    method: Method = (
        "k-means" if not data.categorical_names else "k-modes" if not data.numeric_names else "k-prototypes"
    )
    fit_metric = metric_values[fit_index]
    # many small k-means fits: OpenMP threads cost more than they bring, and spin badly on a busy
    # machine (one limit for the whole growth: setting it scans the loaded libraries)
    with threadpool_limits(limits=1, user_api="openmp"):
        root, iterations = _grow(data, fit_metric, fit_index, sign, min_rows, settings, rng)
    groups = _groups(_leaves(root), fit_metric, sign, settings.merge_leaves)

    labels = np.zeros(rows, dtype=np.uint32)
    held_index = np.flatnonzero(held_out)
    label_of = {id(leaf): label for label, group in enumerate(groups) for leaf in group}
    for leaf in _leaves(root):
        labels[fit_index[leaf.rows]] = label_of[id(leaf)]
    for leaf_id, members in _route(root, data, held_index, settings.categorical_weight).items():
        labels[held_index[members]] = label_of[leaf_id]

    clusters = tuple(
        _summary(label, group, fit_metric, sign, metric_values[held_index], labels[held_index])
        for label, group in enumerate(groups)
    )
    test: HeldOutTest | None = None
    differences: tuple[FeatureDifference, ...] = ()
    if len(groups) > 1:
        in_cluster = labels[held_index] == 0
        binary = bool(np.isin(metric_values, (0.0, 1.0)).all())
        test = _test(metric_values[held_index], in_cluster, binary, higher_is_worse, settings.alpha)
        if test is not None:
            differences = _differences(data, held_index, in_cluster, settings.alpha)
    return BiasClusteringResult(
        metric=metric,
        higher_is_worse=higher_is_worse,
        features=tuple(names),
        method=method,
        settings=settings,
        min_cluster_rows=min_rows,
        iterations=iterations,
        clusters=clusters,
        top_cluster=0 if len(groups) > 1 else None,
        labels=pl.Series("cluster", labels),
        held_out=pl.Series("held_out", held_out),
        test=test,
        differences=differences,
        description=describe(metric, higher_is_worse, test, differences, settings.alpha),
    )


def describe(
    metric: str,
    higher_is_worse: bool,
    test: HeldOutTest | None,
    differences: Sequence[FeatureDifference],
    alpha: float,
) -> str:
    """A plain English account of the top cluster: how its metric compares, and what sets it apart.

    Names at most five significant features, most significant first (the structured ``differences``
    hold them all).
    """
    if test is None:
        return (
            "No cluster was found whose held-out rows can be compared with the rest: no split was "
            "accepted, or too few held-out rows fell on one side."
        )
    worse = "higher" if higher_is_worse else "lower"
    verdict = "significantly" if test.significant else "not significantly"
    method = "Fisher's exact test" if test.method == "fisher_exact" else "Welch's t-test"
    opening = (
        f"On the held-out rows, the cluster ({test.cluster_rows:,} rows) has a mean {metric} of "
        f"{_number(test.cluster_mean)} against {_number(test.rest_mean)} for the other "
        f"{test.rest_rows:,} rows, {verdict} {worse} (one-sided {method}, {_p_value(test.p_value)})."
    )
    significant = [difference for difference in differences if difference.significant]
    if not significant:
        return f"{opening} No feature sets the cluster apart significantly (Benjamini–Hochberg, {alpha:g})."
    phrases = [_phrase(difference) for difference in significant[:MAX_DESCRIBED]]
    more = len(significant) - MAX_DESCRIBED
    if more > 0:
        phrases.append(f"{more} more feature{'s' if more > 1 else ''}")
    listed = phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " and " + phrases[-1]
    return f"{opening} Compared with the rest, the cluster {listed}."


# --- input checks --------------------------------------------------------------------------------------


def _check(
    frame: pl.DataFrame, metric: str, features: Sequence[str] | None, settings: ClusteringSettings
) -> list[str]:
    if not isinstance(frame, pl.DataFrame):
        raise InvalidInput(
            [FieldProblem("frame", f"is a {type(frame).__name__}; pass an eager polars DataFrame")],
            summary="The data is not an eager polars DataFrame.",
        )
    problems = _setting_problems(settings)
    columns = frame.columns
    if metric not in columns:
        problems.append(
            FieldProblem("metric", f"names '{metric}', which is not a column; columns: {columns}")
        )
    else:
        series = frame.get_column(metric)
        if not (series.dtype.is_numeric() or series.dtype == pl.Boolean):
            problems.append(
                FieldProblem(
                    "metric", f"column '{metric}' has type {series.dtype}; it must be numeric or boolean"
                )
            )
        else:
            values = series.cast(pl.Float64)
            missing = values.null_count() + int(values.is_nan().sum() or 0)
            if missing:
                problems.append(
                    FieldProblem(
                        "metric", f"column '{metric}' has {missing} missing values; fill or drop them"
                    )
                )
            elif not values.is_finite().all():
                problems.append(FieldProblem("metric", f"column '{metric}' has infinite values"))
    names = [column for column in columns if column != metric] if features is None else list(features)
    if not names:
        problems.append(FieldProblem("features", "is empty; name at least one feature column"))
    if len(set(names)) != len(names):
        problems.append(FieldProblem("features", "names a column more than once"))
    for name in dict.fromkeys(names):
        if name == metric:
            problems.append(
                FieldProblem("features", f"includes the metric '{metric}'; a feature cannot be it")
            )
        elif name not in columns:
            problems.append(
                FieldProblem("features", f"names '{name}', which is not a column; columns: {columns}")
            )
        else:
            problems.extend(_feature_problems(frame.get_column(name)))
    if frame.height < 2:
        problems.append(FieldProblem("frame", f"has {frame.height} rows; at least 2 are needed"))
    if problems:
        raise InvalidInput(problems, summary="The data or settings for bias-aware clustering are not valid.")
    return names


def _setting_problems(settings: ClusteringSettings) -> list[FieldProblem]:
    problems = []
    if isinstance(settings.max_iterations, bool) or not isinstance(settings.max_iterations, int):
        problems.append(FieldProblem("settings.max_iterations", "must be a whole number"))
    elif settings.max_iterations < 1:
        problems.append(
            FieldProblem("settings.max_iterations", f"is {settings.max_iterations}; it must be ≥ 1")
        )
    size = settings.min_cluster_size
    if isinstance(size, bool) or not isinstance(size, int | float):
        problems.append(FieldProblem("settings.min_cluster_size", "must be a count or a share"))
    elif isinstance(size, int) and size < 1:
        problems.append(FieldProblem("settings.min_cluster_size", f"is {size}; a count must be ≥ 1"))
    elif isinstance(size, float) and not 0 < size < 1:
        problems.append(
            FieldProblem(
                "settings.min_cluster_size", f"is {size}; a share must lie between 0 and 1 (exclusive)"
            )
        )
    if not 0 < settings.held_out_share < 1:
        problems.append(
            FieldProblem(
                "settings.held_out_share", f"is {settings.held_out_share}; it must lie between 0 and 1"
            )
        )
    if not 0 < settings.alpha < 1:
        problems.append(FieldProblem("settings.alpha", f"is {settings.alpha}; it must lie between 0 and 1"))
    if not (math.isfinite(settings.categorical_weight) and settings.categorical_weight > 0):
        problems.append(
            FieldProblem(
                "settings.categorical_weight",
                f"is {settings.categorical_weight}; it must be a positive number",
            )
        )
    if isinstance(settings.seed, bool) or not isinstance(settings.seed, int) or settings.seed < 0:
        problems.append(FieldProblem("settings.seed", f"is {settings.seed!r}; it must be a whole number ≥ 0"))
    return problems


def _feature_problems(series: pl.Series) -> list[FieldProblem]:
    dtype = series.dtype
    if dtype.is_numeric():
        values = series.cast(pl.Float64)
        missing = values.null_count() + int(values.is_nan().sum() or 0)
        if missing:
            return [
                FieldProblem(
                    "features",
                    f"numeric column '{series.name}' has {missing} missing values; fill or drop them, "
                    "or cast the column to text to treat 'missing' as a category",
                )
            ]
        if not values.is_finite().all():
            return [FieldProblem("features", f"numeric column '{series.name}' has infinite values")]
        return []
    if dtype in (pl.String, pl.Categorical, pl.Boolean) or isinstance(dtype, pl.Enum):
        return []
    return [
        FieldProblem(
            "features",
            f"column '{series.name}' has type {dtype}; features must be numeric, text, categorical or "
            "boolean (cast dates to numbers or text first)",
        )
    ]


def _min_rows(size: int | float, fit_rows: int) -> int:
    if isinstance(size, float):
        return max(1, math.ceil(size * fit_rows))
    return size


# --- features ------------------------------------------------------------------------------------------


def _features(frame: pl.DataFrame, names: list[str], fit_index: IntArray) -> _Features:
    numeric_names = [name for name in names if frame.schema[name].is_numeric()]
    categorical_names = [name for name in names if name not in numeric_names]
    raw = np.empty((frame.height, len(numeric_names)), dtype=np.float64)
    for column, name in enumerate(numeric_names):
        raw[:, column] = frame.get_column(name).cast(pl.Float64).to_numpy()
    fit = raw[fit_index]
    scale = fit.std(axis=0) if numeric_names else np.ones(0)
    numeric = (raw - fit.mean(axis=0)) / np.where(scale > 0, scale, 1.0) if numeric_names else raw
    codes = np.zeros((frame.height, len(categorical_names)), dtype=np.int64)
    values: list[list[str | None]] = []
    for column, name in enumerate(categorical_names):
        text = frame.get_column(name).cast(pl.String)
        # dense ranks 1..k for the values; 0 is kept for a missing value
        ranks = text.rank("dense").fill_null(0).cast(pl.Int64).to_numpy()
        codes[:, column] = ranks
        value_of: list[str | None] = [None] * (int(ranks.max()) + 1)
        for code, value in pl.DataFrame({"code": ranks, "value": text}).unique("code").iter_rows():
            value_of[code] = value
        values.append(value_of)
    return _Features(raw, numeric, codes, values, numeric_names, categorical_names)


# --- growing the tree ----------------------------------------------------------------------------------


def _grow(
    data: _Features,
    fit_metric: FloatArray,
    fit_index: IntArray,
    sign: float,
    min_rows: int,
    settings: ClusteringSettings,
    rng: np.random.Generator,
) -> tuple[_Node, int]:
    numeric, codes = data.numeric[fit_index], data.codes[fit_index]
    every = np.arange(fit_metric.size, dtype=np.int64)
    root = _Node(every, 0.0, np.zeros(numeric.shape[1]), np.zeros(codes.shape[1], dtype=np.int64))
    leaves = [root]
    iterations = 0
    while iterations < settings.max_iterations:
        open_leaves = [leaf for leaf in leaves if not leaf.final and leaf.rows.size >= 2 * min_rows]
        if not open_leaves:
            break
        parent = max(open_leaves, key=lambda leaf: (leaf.bias, leaf.rows.size))
        iterations += 1
        split = _split(numeric[parent.rows], codes[parent.rows], rng, settings.categorical_weight)
        if split is None:
            parent.final = True
            continue
        assignment, centres, modes = split
        left, right = parent.rows[~assignment], parent.rows[assignment]
        if min(left.size, right.size) < min_rows:
            parent.final = True
            continue
        children = (
            _Node(left, _bias(fit_metric, left, sign), centres[0], modes[0]),
            _Node(right, _bias(fit_metric, right, sign), centres[1], modes[1]),
        )
        if max(child.bias for child in children) <= parent.bias:
            parent.final = True
            continue
        parent.children = children
        leaves.remove(parent)
        leaves.extend(children)
    return root, iterations


def _bias(metric: FloatArray, rows: IntArray, sign: float) -> float:
    """Mean inside minus mean outside, positive when the rows fare worse; 0 for all rows."""
    if rows.size in (0, metric.size):
        return 0.0
    inside = float(metric[rows].sum())
    return sign * (inside / rows.size - (float(metric.sum()) - inside) / (metric.size - rows.size))


def _groups(leaves: list[_Node], fit_metric: FloatArray, sign: float, merge: bool) -> list[list[_Node]]:
    """The final clusters as lists of leaves: first the most deviating, then the rest by bias.

    With ``merge``, the most deviating cluster is the union of the k leaves with the worst mean metric,
    k chosen to maximise the two-sample z-score of the union against the rest on the fitting rows.
    """
    if len(leaves) == 1:
        return [leaves]
    by_bias = sorted(leaves, key=lambda leaf: (-leaf.bias, -leaf.rows.size))
    if not merge:
        return [[leaf] for leaf in by_bias]
    worst_first = sorted(leaves, key=lambda leaf: -sign * float(fit_metric[leaf.rows].mean()))
    sizes = np.cumsum([leaf.rows.size for leaf in worst_first])[:-1].astype(np.float64)
    sums = np.cumsum([float(fit_metric[leaf.rows].sum()) for leaf in worst_first])[:-1]
    count, total = float(fit_metric.size), float(fit_metric.sum())
    spread = float(fit_metric.var()) or 1.0
    gaps = sign * (sums / sizes - (total - sums) / (count - sizes))
    z_scores = gaps / np.sqrt(spread * (1 / sizes + 1 / (count - sizes)))
    chosen = int(np.argmax(z_scores)) + 1
    top = worst_first[:chosen]
    rest = [leaf for leaf in by_bias if all(leaf is not member for member in top)]
    return [top] + [[leaf] for leaf in rest]


def _leaves(node: _Node) -> list[_Node]:
    if node.children is None:
        return [node]
    return _leaves(node.children[0]) + _leaves(node.children[1])


def _split(
    numeric: FloatArray, codes: IntArray, rng: np.random.Generator, gamma: float
) -> tuple[BoolArray, FloatArray, IntArray] | None:
    """Two clusters: a boolean per row (True: the second cluster), their centres and their modes."""
    if codes.shape[1] == 0:
        model = KMeans(n_clusters=2, n_init=KMEANS_RESTARTS, random_state=int(rng.integers(2**31)))
        model.fit(numeric)
        assignment = np.asarray(model.labels_) == 1
        if assignment.all() or not assignment.any():
            return None
        return (
            assignment,
            np.asarray(model.cluster_centers_, dtype=np.float64),
            np.zeros((2, 0), dtype=np.int64),
        )
    return k_prototypes(numeric, codes, rng, gamma=gamma, restarts=PROTOTYPE_RESTARTS)


def k_prototypes(
    numeric: FloatArray,
    codes: IntArray,
    rng: np.random.Generator,
    *,
    gamma: float = 2.0,
    restarts: int = PROTOTYPE_RESTARTS,
) -> tuple[BoolArray, FloatArray, IntArray] | None:
    """Split rows in two with k-prototypes (Huang 1998), the best of ``restarts`` seeded starts.

    The cost of a row to a prototype is the squared Euclidean distance of the numeric features plus
    ``gamma`` times the number of categorical codes that differ from the prototype's modes; with no
    numeric features this is k-modes. Starts are chosen k-means++ style under that cost. Returns a
    boolean per row (True: the second cluster), the two numeric centres and the two rows of modes,
    or ``None`` when the rows cannot be split (all identical).
    """
    rows = numeric.shape[0]
    sizes = codes.max(axis=0) + 1 if codes.shape[1] else np.zeros(0, dtype=np.int64)
    value_counts = [np.bincount(column, minlength=size) for column, size in zip(codes.T, sizes, strict=True)]
    numeric_total = numeric.sum(axis=0)
    best: tuple[float, BoolArray, FloatArray, IntArray] | None = None
    for _ in range(restarts):
        first = int(rng.integers(rows))
        distance = _costs(numeric, codes, numeric[first], codes[first], gamma)
        if distance.sum() <= 0:
            return None
        second = int(rng.choice(rows, p=distance / distance.sum()))
        centres = numeric[[first, second]].copy()
        modes = codes[[first, second]].copy()
        assignment = np.zeros(rows, dtype=np.bool_)
        for step in range(MAX_LLOYD_STEPS):
            new = _closer_to_second(numeric, codes, centres, modes, gamma)
            if (step > 0 and np.array_equal(new, assignment)) or new.all() or not new.any():
                assignment = new
                break
            assignment = new
            weights = assignment.astype(np.float64)
            count = float(weights.sum())
            second_sum = weights @ numeric
            centres[0] = (numeric_total - second_sum) / (rows - count)
            centres[1] = second_sum / count
            for column, (values, total) in enumerate(zip(codes.T, value_counts, strict=True)):
                in_second = np.bincount(values, weights=weights, minlength=total.size)
                modes[0, column] = int(np.argmax(total - in_second))
                modes[1, column] = int(np.argmax(in_second))
        if assignment.all() or not assignment.any():
            continue
        cost = float(
            _costs(numeric[~assignment], codes[~assignment], centres[0], modes[0], gamma).sum()
            + _costs(numeric[assignment], codes[assignment], centres[1], modes[1], gamma).sum()
        )
        if best is None or cost < best[0]:
            best = (cost, assignment, centres, modes)
    return None if best is None else best[1:]


def _costs(
    numeric: FloatArray, codes: IntArray, centre: FloatArray, mode: IntArray, gamma: float
) -> FloatArray:
    """Cost of every row to one prototype."""
    cost = ((numeric - centre) ** 2).sum(axis=1) + gamma * (codes != mode).sum(axis=1)
    return np.asarray(cost, dtype=np.float64)


def _closer_to_second(
    numeric: FloatArray, codes: IntArray, centres: FloatArray, modes: IntArray, gamma: float
) -> BoolArray:
    """Whether each row costs less to the second prototype than to the first (ties: the first).

    The difference of the two costs is linear in the row: -2 x·(c₁ - c₀) + |c₁|² - |c₀|² for the
    numeric part and γ (matches with the first modes - matches with the second) for the categorical.
    """
    difference = numeric @ (-2.0 * (centres[1] - centres[0])) + float(
        centres[1] @ centres[1] - centres[0] @ centres[0]
    )
    if codes.shape[1]:
        difference = difference + gamma * (
            (codes == modes[0]).sum(axis=1) - (codes == modes[1]).sum(axis=1)
        ).astype(np.float64)
    return np.asarray(difference < 0, dtype=np.bool_)


def _route(root: _Node, data: _Features, index: IntArray, gamma: float) -> dict[int, IntArray]:
    """Send rows down the tree to the nearer child at every split; return the rows per leaf id."""
    found: dict[int, IntArray] = {}
    pending = [(root, np.arange(index.size, dtype=np.int64))]
    while pending:
        node, members = pending.pop()
        if node.children is None:
            found[id(node)] = members
            continue
        left, right = node.children
        rows = index[members]
        centres = np.stack([left.centre, right.centre])
        modes = np.stack([left.modes, right.modes])
        to_right = _closer_to_second(data.numeric[rows], data.codes[rows], centres, modes, gamma)
        pending.append((left, members[~to_right]))
        pending.append((right, members[to_right]))
    return found


# --- results -------------------------------------------------------------------------------------------


def _summary(
    label: int,
    group: list[_Node],
    fit_metric: FloatArray,
    sign: float,
    held_metric: FloatArray,
    held_labels: npt.NDArray[np.uint32],
) -> Cluster:
    rows = np.concatenate([leaf.rows for leaf in group])
    held = held_metric[held_labels == label]
    return Cluster(
        label=label,
        leaves=len(group),
        fit_rows=int(rows.size),
        fit_mean=float(fit_metric[rows].mean()),
        bias=_bias(fit_metric, rows, sign),
        held_out_rows=int(held.size),
        held_out_mean=float(held.mean()) if held.size else None,
    )


def _test(
    metric: FloatArray, in_cluster: BoolArray, binary: bool, higher_is_worse: bool, alpha: float
) -> HeldOutTest | None:
    inside, outside = metric[in_cluster], metric[~in_cluster]
    if inside.size < 2 or outside.size < 2:
        return None
    alternative: Literal["greater", "less"] = "greater" if higher_is_worse else "less"
    difference = float(inside.mean() - outside.mean())
    if binary:
        ones_in, ones_out = int(inside.sum()), int(outside.sum())
        table = np.array([[ones_in, inside.size - ones_in], [ones_out, outside.size - ones_out]])
        fisher = stats.fisher_exact(table, alternative=alternative)
        method: Literal["fisher_exact", "welch_t"] = "fisher_exact"
        statistic, p_value = float(fisher.statistic), float(fisher.pvalue)
    else:
        method = "welch_t"
        statistic, p_value = _welch(inside, outside, alternative)
    return HeldOutTest(
        method=method,
        alternative=alternative,
        cluster_rows=int(inside.size),
        rest_rows=int(outside.size),
        cluster_mean=float(inside.mean()),
        rest_mean=float(outside.mean()),
        difference=difference,
        bias=difference if higher_is_worse else -difference,
        statistic=statistic,
        p_value=p_value,
        significant=p_value <= alpha,
    )


def _welch(
    inside: FloatArray, outside: FloatArray, alternative: Literal["two-sided", "greater", "less"]
) -> tuple[float, float]:
    if inside.size < 2 or outside.size < 2:
        return math.nan, 1.0
    if np.ptp(inside) == 0 and np.ptp(outside) == 0 and inside[0] == outside[0]:
        return 0.0, 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = stats.ttest_ind(inside, outside, equal_var=False, alternative=alternative)
    statistic, p_value = float(result.statistic), float(result.pvalue)
    return statistic, 1.0 if math.isnan(p_value) else p_value


def _differences(
    data: _Features, held_index: IntArray, in_cluster: BoolArray, alpha: float
) -> tuple[FeatureDifference, ...]:
    found: list[FeatureDifference] = []
    raw, codes = data.raw[held_index], data.codes[held_index]
    for column, name in enumerate(data.numeric_names):
        inside, outside = raw[in_cluster, column], raw[~in_cluster, column]
        statistic, p_value = _welch(inside, outside, "two-sided")
        found.append(
            NumericDifference(
                name, float(inside.mean()), float(outside.mean()), statistic, p_value, 1.0, False
            )
        )
    for column, name in enumerate(data.categorical_names):
        size = len(data.values[column])
        inside_counts = np.bincount(codes[in_cluster, column], minlength=size)
        outside_counts = np.bincount(codes[~in_cluster, column], minlength=size)
        present = (inside_counts + outside_counts) > 0
        table = np.stack([inside_counts[present], outside_counts[present]])
        if table.shape[1] < 2:
            statistic, p_value, dof = 0.0, 1.0, 0
        else:
            chi = stats.chi2_contingency(table)
            statistic, p_value, dof = float(chi.statistic), float(chi.pvalue), int(chi.dof)
        inside_share = inside_counts / inside_counts.sum()
        outside_share = outside_counts / outside_counts.sum()
        top = int(np.where(present, inside_share - outside_share, -np.inf).argmax())
        found.append(
            CategoricalDifference(
                name,
                data.values[column][top],
                float(inside_share[top]),
                float(outside_share[top]),
                statistic,
                dof,
                p_value,
                1.0,
                False,
            )
        )
    if not found:
        return ()
    q_values = stats.false_discovery_control([difference.p_value for difference in found], method="bh")
    adjusted = [
        replace(difference, q_value=float(q), significant=bool(q <= alpha))
        for difference, q in zip(found, q_values, strict=True)
    ]
    adjusted.sort(key=lambda difference: (difference.q_value, difference.p_value))
    return tuple(adjusted)


def _number(value: float) -> str:
    return f"{value:.3g}"


def _p_value(value: float) -> str:
    # below the smallest normal double the p-value has underflowed to 0
    return "p < 1e-300" if value < 1e-300 else f"p = {value:.2g}"


def _phrase(difference: FeatureDifference) -> str:
    if isinstance(difference, NumericDifference):
        direction = "higher" if difference.cluster_mean > difference.rest_mean else "lower"
        return (
            f"has a {direction} {difference.feature} (mean {_number(difference.cluster_mean)} vs "
            f"{_number(difference.rest_mean)})"
        )
    shares = f"({difference.cluster_share:.0%} vs {difference.rest_share:.0%})"
    if difference.value is None:
        return f"more often has {difference.feature} missing {shares}"
    return f"more often has {difference.feature} = '{difference.value}' {shares}"
