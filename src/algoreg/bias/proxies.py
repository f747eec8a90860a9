"""Proxy detection: features that, alone or together, stand in for a protected attribute.

A risk model that never sees nationality can still select people by origin through features that
carry the same information: distance to the parents' address, type of education, postcode. This
module measures that in two ways.

1. **One feature at a time** (:func:`feature_associations`): the association of each feature with the
   protected attribute, as

   * bias-corrected Cramér's V (Bergsma 2013) on the contingency table of feature × protected
     attribute — numeric features are cut into quantile bins first (default 10), numeric features
     with at most that many distinct values are used value by value;
   * the correlation ratio η (Pearson; η² = between-group sum of squares / total sum of squares) of
     each numeric feature against the protected groups;
   * mutual information in nats, and normalised as the *uncertainty coefficient*
     U = I(feature; protected) / H(protected) (Theil 1970): the share of the uncertainty about a
     person's protected group that the feature removes (0 = none, 1 = all).

   Missing values are a category of their own, in features and in the protected attribute alike:
   that a value is missing can itself reveal a group.

2. **All features together** (:func:`proxy_model`): a gradient-boosted tree classifier
   (scikit-learn's ``HistGradientBoostingClassifier`` with native categorical support) predicts the
   protected attribute from all features; its cross-validated ROC AUC (macro one-vs-rest for more
   than two groups) says how well the features together stand in for the attribute, and permutation
   importance on the held-out folds says which features drive it. Trees were chosen over one-hot +
   logistic regression because they find *combinations* (interactions) of features without us
   listing them — two features each unrelated to origin can together reveal it, and a linear model
   cannot see that — and because they take categorical features, numeric features on any scale and
   missing values natively, quickly, on hundreds of thousands of rows. Boosting stops early on a
   validation share of each training fold, so the trees do not fit noise.

:func:`detect_proxies` runs both. Large frames are sampled deterministically (``max_rows``,
``seed``) and every result states the sample it used.

Strength labels (conventional, Cohen 1988, *Statistical Power Analysis for the Behavioral
Sciences*, effect size w/r: 0.1 small, 0.3 medium, 0.5 large) on bias-corrected Cramér's V:
below 0.1 "negligible", 0.1 to 0.3 "weak", 0.3 to 0.5 "moderate", 0.5 and above "strong". For the
model's ROC AUC (Hosmer & Lemeshow 2000, *Applied Logistic Regression*, 2nd ed., §5.2.4: 0.7
acceptable, 0.8 excellent, 0.9 outstanding discrimination; the 0.6 boundary is our own convention
to separate chance level): below 0.6 "negligible", 0.6 to 0.7 "weak", 0.7 to 0.8 "moderate", 0.8
to 0.9 "strong", 0.9 and above "very strong".

References:
    Bergsma, W. (2013). A bias-correction for Cramér's V and Tschuprow's T. *Journal of the Korean
    Statistical Society* 42(3), 323-328.
    Theil, H. (1970). On the estimation of relationships involving qualitative variables.
    *American Journal of Sociology* 76(1), 103-154.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import polars as pl
from scipy.stats import chi2_contingency
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.inspection import permutation_importance
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from algoreg.errors import FieldProblem, InvalidInput

DEFAULT_QUANTILE_BINS = 10
"""Numeric features are cut into this many quantile bins (deciles) for Cramér's V and MI."""

MIN_ROWS = 30
"""Fewer rows than this give association estimates too noisy to act on."""

DEFAULT_MAX_ROWS = 1_000_000
"""Rows used for the one-feature measures; larger frames are sampled."""

DEFAULT_MODEL_MAX_ROWS = 100_000
"""Rows used for the model; fitting it per fold is the expensive part."""

STRENGTH_THRESHOLDS: tuple[tuple[float, str], ...] = ((0.5, "strong"), (0.3, "moderate"), (0.1, "weak"))
"""Lower bounds of the labels for bias-corrected Cramér's V; below the last: "negligible"."""

AUC_THRESHOLDS: tuple[tuple[float, str], ...] = (
    (0.9, "very strong"),
    (0.8, "strong"),
    (0.7, "moderate"),
    (0.6, "weak"),
)
"""Lower bounds of the labels for the model's ROC AUC; below the last: "negligible"."""

MI_NORMALISATION = "uncertainty coefficient U = I(feature; protected) / H(protected) (Theil 1970)"

_MAX_MODEL_CATEGORIES = 250
"""Most frequent categories per feature kept for the model; the rest are pooled (tree bin limit)."""

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Sample:
    """Which rows an analysis used: all of them, or a seeded random sample of ``rows_used``."""

    rows_total: int
    rows_used: int
    seed: int

    @property
    def sampled(self) -> bool:
        """Whether fewer rows were used than the frame holds."""
        return self.rows_used < self.rows_total


@dataclass(frozen=True)
class FeatureAssociation:
    """How strongly one feature is associated with the protected attribute.

    ``levels`` is the number of rows of the contingency table (categories, distinct values or
    quantile bins, plus one for missing values when there are any); ``quantile_bins`` is the number
    of non-missing quantile bins when the feature was binned, else ``None``. ``correlation_ratio``
    (η) is given for numeric features only. ``strength`` labels ``cramers_v`` (see
    :data:`STRENGTH_THRESHOLDS`).
    """

    feature: str
    kind: Literal["categorical", "numeric"]
    levels: int
    quantile_bins: int | None
    missing: int
    cramers_v: float
    cramers_v_uncorrected: float
    correlation_ratio: float | None
    mutual_information: float
    uncertainty_coefficient: float
    strength: str


@dataclass(frozen=True)
class AssociationReport:
    """Associations of every feature with the protected attribute, strongest first."""

    protected: str
    groups: tuple[str | None, ...]
    associations: tuple[FeatureAssociation, ...]
    sample: Sample
    quantile_bins: int
    mi_normalisation: str = MI_NORMALISATION


@dataclass(frozen=True)
class FeatureImportance:
    """How much the model's ROC AUC drops when one feature is shuffled in held-out data.

    Mean and standard deviation over all folds and repeats; near 0 means the model does not rely
    on the feature, large means the feature (alone or with others) carries the protected attribute.
    """

    feature: str
    auc_drop: float
    auc_drop_std: float


@dataclass(frozen=True)
class ProxyModel:
    """How well all features together predict the protected attribute, and which ones drive it.

    ``roc_auc`` is the mean over the ``folds`` held-out folds (``fold_roc_auc``); ``averaging`` says
    whether it is the binary AUC or the macro average of one-vs-rest AUCs; ``strength`` labels it
    (see :data:`AUC_THRESHOLDS`). ``importances`` is sorted, largest drop first.
    """

    protected: str
    groups: tuple[str | None, ...]
    features: tuple[str, ...]
    estimator: str
    averaging: str
    folds: int
    seed: int
    roc_auc: float
    roc_auc_std: float
    fold_roc_auc: tuple[float, ...]
    strength: str
    importances: tuple[FeatureImportance, ...]
    permutation_repeats: int
    sample: Sample


@dataclass(frozen=True)
class ProxyReport:
    """Both views on proxies: one feature at a time, and all features together."""

    associations: AssociationReport
    model: ProxyModel


# --- measures on arrays ---------------------------------------------------------------------------


def cramers_v(table: npt.ArrayLike, *, bias_corrected: bool = True) -> float:
    """Cramér's V of a contingency table of counts, bias-corrected after Bergsma (2013) by default.

    With n the total count, r×k the table shape, φ² = χ²/n (Pearson's χ² without continuity
    correction): the corrected V is sqrt(φ̃² / min(k̃−1, r̃−1)) with φ̃² = max(0, φ² − (k−1)(r−1)/(n−1)),
    k̃ = k − (k−1)²/(n−1) and r̃ = r − (r−1)²/(n−1). The uncorrected V is sqrt(φ² / min(k−1, r−1)).
    Rows and columns that are all zero are dropped first. Returns 0.0 when the table has fewer than
    two non-empty rows or columns, or when the corrected denominator is not positive (as many
    categories as observations: no association can be estimated). The result lies in [0, 1].
    """
    counts = _nonempty(np.asarray(table, dtype=np.float64))
    r, k = counts.shape
    n = float(counts.sum())
    if r < 2 or k < 2 or n < 2:
        return 0.0
    chi2 = float(chi2_contingency(counts, correction=False).statistic)
    phi2 = chi2 / n
    if not bias_corrected:
        return float(min(1.0, np.sqrt(phi2 / min(k - 1, r - 1))))
    phi2_corrected = max(0.0, phi2 - (k - 1) * (r - 1) / (n - 1))
    k_corrected = k - (k - 1) ** 2 / (n - 1)
    r_corrected = r - (r - 1) ** 2 / (n - 1)
    denominator = min(k_corrected - 1, r_corrected - 1)
    if denominator <= 0:
        return 0.0
    return float(min(1.0, np.sqrt(phi2_corrected / denominator)))


def mutual_information(table: npt.ArrayLike) -> float:
    """Mutual information (natural log, nats) between the row and column variables of a count table.

    The plug-in estimate Σ p_ij log(p_ij / (p_i· p_·j)); equal to
    ``sklearn.metrics.mutual_info_score`` on the underlying labels.
    """
    counts = np.asarray(table, dtype=np.float64)
    n = counts.sum()
    if n <= 0:
        return 0.0
    p = counts / n
    rows = p.sum(axis=1, keepdims=True)
    cols = p.sum(axis=0, keepdims=True)
    nonzero = p > 0
    expected = (rows @ cols)[nonzero]
    return float(max(0.0, np.sum(p[nonzero] * np.log(p[nonzero] / expected))))


def uncertainty_coefficient(table: npt.ArrayLike) -> float:
    """Share of the column variable's entropy explained by the row variable: I(R; C) / H(C).

    Rows are the feature, columns the protected attribute. 0 when the feature says nothing about
    the group, 1 when it determines it; 0.0 when the columns hold a single group. Like all plug-in
    information measures it grows with the number of feature categories even without association,
    which is why the strength label uses bias-corrected Cramér's V.
    """
    counts = np.asarray(table, dtype=np.float64)
    n = counts.sum()
    if n <= 0:
        return 0.0
    cols = counts.sum(axis=0) / n
    cols = cols[cols > 0]
    entropy = float(-np.sum(cols * np.log(cols)))
    if entropy <= 0:
        return 0.0
    return float(min(1.0, mutual_information(counts) / entropy))


def correlation_ratio(values: npt.ArrayLike, groups: npt.ArrayLike) -> float:
    """Correlation ratio η of a numeric variable over groups: sqrt(SS_between / SS_total).

    ``values`` are numbers (NaN entries are left out), ``groups`` any labels of the same length.
    Returns a value in [0, 1]; 0.0 when the values do not vary.
    """
    x = np.asarray(values, dtype=np.float64)
    labels = np.asarray(groups)
    keep = ~np.isnan(x)
    x = x[keep]
    if x.size == 0:
        return 0.0
    _, codes = np.unique(labels[keep], return_inverse=True)
    counts = np.bincount(codes).astype(np.float64)
    sums = np.bincount(codes, weights=x)
    mean = x.mean()
    total = float(np.sum((x - mean) ** 2))
    if total <= 0:
        return 0.0
    nonempty = counts > 0
    between = float(np.sum((sums[nonempty] / counts[nonempty] - mean) ** 2 * counts[nonempty]))
    return float(min(1.0, np.sqrt(between / total)))


def strength_label(value: float) -> str:
    """Plain-language label for a bias-corrected Cramér's V (see :data:`STRENGTH_THRESHOLDS`)."""
    return _label(value, STRENGTH_THRESHOLDS)


def auc_strength_label(auc: float) -> str:
    """Plain-language label for how well a model predicts the protected attribute (ROC AUC)."""
    return _label(auc, AUC_THRESHOLDS)


def _label(value: float, thresholds: tuple[tuple[float, str], ...]) -> str:
    for lower, label in thresholds:
        if value >= lower:
            return label
    return "negligible"


def _nonempty(counts: FloatArray) -> FloatArray:
    if counts.ndim != 2 or bool(np.any(counts < 0)):
        raise InvalidInput(
            problems=[
                FieldProblem(
                    field="table",
                    reason=f"must be a 2-D table of non-negative counts; got shape {counts.shape}",
                )
            ],
            summary="A contingency table is not valid.",
        )
    kept: FloatArray = counts[counts.sum(axis=1) > 0][:, counts.sum(axis=0) > 0]
    return kept


# --- frames ---------------------------------------------------------------------------------------


def feature_associations(
    frame: pl.DataFrame,
    protected: str,
    features: Sequence[str] | None = None,
    *,
    exclude: Sequence[str] = (),
    quantile_bins: int = DEFAULT_QUANTILE_BINS,
    max_rows: int = DEFAULT_MAX_ROWS,
    seed: int = 0,
) -> AssociationReport:
    """Measure every feature's association with the protected attribute, strongest first.

    ``features`` defaults to all columns except ``protected`` and those in ``exclude`` (pass the
    outcome, label and score columns there). Frames longer than ``max_rows`` are sampled with
    ``seed``. Sorted by bias-corrected Cramér's V, then by uncertainty coefficient, then by name.
    Raises :class:`InvalidInput` for unknown columns, unsupported column types, no features, fewer
    than :data:`MIN_ROWS` rows or a protected attribute with a single value.
    """
    problems = _check_parameters(max_rows=max_rows, quantile_bins=quantile_bins)
    chosen = _resolve_features(frame, protected, features, exclude, problems)
    data, sample = _prepare(frame, protected, chosen, max_rows, seed)
    group_codes, groups = _codes(data[protected])
    k = len(groups)
    associations = [_associate(data[name], group_codes, k, quantile_bins) for name in chosen]
    associations.sort(key=lambda a: (-a.cramers_v, -a.uncertainty_coefficient, a.feature))
    return AssociationReport(
        protected=protected,
        groups=groups,
        associations=tuple(associations),
        sample=sample,
        quantile_bins=quantile_bins,
    )


def proxy_model(
    frame: pl.DataFrame,
    protected: str,
    features: Sequence[str] | None = None,
    *,
    exclude: Sequence[str] = (),
    folds: int = 5,
    permutation_repeats: int = 5,
    max_rows: int = DEFAULT_MODEL_MAX_ROWS,
    seed: int = 0,
    threads: int | None = 1,
) -> ProxyModel:
    """Predict the protected attribute from all features together and say which features drive it.

    Stratified ``folds``-fold cross-validation (shuffled with ``seed``) of a
    ``HistGradientBoostingClassifier`` (native categorical features; numeric features as numbers;
    missing values as their own category). Reports the mean and spread of the held-out ROC AUC
    (binary, or macro one-vs-rest for more than two groups) and, per feature, the drop in held-out
    AUC when that feature is shuffled (permutation importance, ``permutation_repeats`` shuffles per
    fold). Boosting stops early on 10 % of each training fold (when that holds at least two rows
    per group), which keeps the trees from learning noise. An AUC near 0.5 means the features
    reveal nothing about the group; near 1 that together they stand in for it. Raises
    :class:`InvalidInput` like :func:`feature_associations`, and when a group has fewer rows than
    ``folds``.

    ``threads`` caps the trees' OpenMP threads (``None``: all cores). It is 1 by default because
    those threads busy-wait, and on a machine shared with other work (a web server, parallel tests)
    more threads than free cores made fitting tens of times slower in our measurements.
    """
    problems = _check_parameters(
        max_rows=max_rows, folds=folds, permutation_repeats=permutation_repeats, threads=threads
    )
    chosen = _resolve_features(frame, protected, features, exclude, problems)
    data, sample = _prepare(frame, protected, chosen, max_rows, seed)
    y, groups = _codes(data[protected])
    _check_group_sizes(y, groups, protected, folds, sample)
    x, categorical = _model_matrix(data, chosen)

    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    multiclass = len(groups) > 2
    scoring = "roc_auc_ovr" if multiclass else "roc_auc"
    fold_auc: list[float] = []
    drops: list[FloatArray] = []
    with threadpool_limits(limits=threads, user_api="openmp"):
        for train, test in splitter.split(x, y):
            model = HistGradientBoostingClassifier(
                categorical_features=categorical,
                early_stopping=len(train) // 10 >= 2 * len(groups),
                random_state=seed,
            )
            model.fit(x[train], y[train])
            fold_auc.append(_auc(model, x[test], y[test], multiclass))
            result = permutation_importance(
                model, x[test], y[test], scoring=scoring, n_repeats=permutation_repeats, random_state=seed
            )
            drops.append(np.asarray(result.importances, dtype=np.float64))
    all_drops = np.concatenate(drops, axis=1)
    importances = [
        FeatureImportance(feature=name, auc_drop=float(row.mean()), auc_drop_std=float(row.std()))
        for name, row in zip(chosen, all_drops, strict=True)
    ]
    importances.sort(key=lambda item: (-item.auc_drop, item.feature))
    auc = float(np.mean(fold_auc))
    return ProxyModel(
        protected=protected,
        groups=groups,
        features=tuple(chosen),
        estimator="HistGradientBoostingClassifier (scikit-learn), native categorical features",
        averaging="macro one-vs-rest" if multiclass else "binary",
        folds=folds,
        seed=seed,
        roc_auc=auc,
        roc_auc_std=float(np.std(fold_auc)),
        fold_roc_auc=tuple(fold_auc),
        strength=auc_strength_label(auc),
        importances=tuple(importances),
        permutation_repeats=permutation_repeats,
        sample=sample,
    )


def detect_proxies(
    frame: pl.DataFrame,
    protected: str,
    features: Sequence[str] | None = None,
    *,
    exclude: Sequence[str] = (),
    quantile_bins: int = DEFAULT_QUANTILE_BINS,
    folds: int = 5,
    permutation_repeats: int = 5,
    max_rows: int = DEFAULT_MAX_ROWS,
    model_max_rows: int = DEFAULT_MODEL_MAX_ROWS,
    seed: int = 0,
    threads: int | None = 1,
) -> ProxyReport:
    """Run :func:`feature_associations` and :func:`proxy_model` on the same columns and seed."""
    return ProxyReport(
        associations=feature_associations(
            frame,
            protected,
            features,
            exclude=exclude,
            quantile_bins=quantile_bins,
            max_rows=max_rows,
            seed=seed,
        ),
        model=proxy_model(
            frame,
            protected,
            features,
            exclude=exclude,
            folds=folds,
            permutation_repeats=permutation_repeats,
            max_rows=model_max_rows,
            seed=seed,
            threads=threads,
        ),
    )


# --- validation and preparation -------------------------------------------------------------------


def _check_parameters(
    *,
    max_rows: int,
    quantile_bins: int | None = None,
    folds: int | None = None,
    permutation_repeats: int | None = None,
    threads: int | None = None,
) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    if threads is not None and threads < 1:
        problems.append(FieldProblem(field="threads", reason=f"must be at least 1 or None; got {threads}"))
    if max_rows < MIN_ROWS:
        problems.append(FieldProblem(field="max_rows", reason=f"must be at least {MIN_ROWS}; got {max_rows}"))
    if quantile_bins is not None and quantile_bins < 2:
        problems.append(
            FieldProblem(field="quantile_bins", reason=f"must be at least 2; got {quantile_bins}")
        )
    if folds is not None and folds < 2:
        problems.append(FieldProblem(field="folds", reason=f"must be at least 2; got {folds}"))
    if permutation_repeats is not None and permutation_repeats < 1:
        problems.append(
            FieldProblem(field="permutation_repeats", reason=f"must be at least 1; got {permutation_repeats}")
        )
    return problems


def _resolve_features(
    frame: pl.DataFrame,
    protected: str,
    features: Sequence[str] | None,
    exclude: Sequence[str],
    problems: list[FieldProblem],
) -> list[str]:
    if not isinstance(frame, pl.DataFrame):
        raise InvalidInput(
            problems=[
                FieldProblem(
                    field="frame",
                    reason=f"must be an eager polars DataFrame; got {type(frame).__name__} "
                    "(collect a LazyFrame first, sampling it if it is large)",
                )
            ],
            summary="Proxy detection needs an eager polars DataFrame.",
        )
    columns = set(frame.columns)
    if protected not in columns:
        problems.append(FieldProblem(field="protected", reason=f"column {protected!r} is not in the data"))
    for name in exclude:
        if name not in columns:
            problems.append(FieldProblem(field="exclude", reason=f"column {name!r} is not in the data"))
    if features is None:
        skip = {protected, *exclude}
        chosen = [name for name in frame.columns if name not in skip]
    else:
        chosen = list(dict.fromkeys(features))
        for name in chosen:
            if name not in columns:
                problems.append(FieldProblem(field="features", reason=f"column {name!r} is not in the data"))
        if protected in chosen:
            problems.append(
                FieldProblem(
                    field="features",
                    reason=f"the protected attribute {protected!r} cannot also be a feature",
                )
            )
        chosen = [name for name in chosen if name in columns and name != protected and name not in exclude]
    if not chosen:
        problems.append(
            FieldProblem(
                field="features",
                reason="no feature columns are left to test; name at least one column other than the "
                "protected attribute and the excluded ones",
            )
        )
    for name in [protected, *chosen]:
        if name in columns and _kind(frame.schema[name]) is None:
            problems.append(
                FieldProblem(
                    field=name,
                    reason=f"column type {frame.schema[name]} is not supported; allowed are text, "
                    "categorical, boolean, numeric and date/time columns",
                )
            )
    if problems:
        raise InvalidInput(problems=problems, summary="The columns for proxy detection are not valid.")
    return chosen


def _prepare(
    frame: pl.DataFrame, protected: str, features: list[str], max_rows: int, seed: int
) -> tuple[pl.DataFrame, Sample]:
    data = frame.select([protected, *features])
    total = data.height
    if total > max_rows:
        data = data.sample(n=max_rows, seed=seed)
    sample = Sample(rows_total=total, rows_used=data.height, seed=seed)
    problems: list[FieldProblem] = []
    if data.height < MIN_ROWS:
        problems.append(
            FieldProblem(
                field="frame",
                reason=f"has {data.height} rows; proxy detection needs at least {MIN_ROWS}",
            )
        )
    distinct = data[protected].n_unique()
    if distinct < 2:
        problems.append(
            FieldProblem(
                field=protected,
                reason="the protected attribute has a single value (counting missing as a value); "
                "at least two groups are needed to compare",
            )
        )
    if problems:
        raise InvalidInput(problems=problems, summary="The data cannot be tested for proxies.")
    return data, sample


def _check_group_sizes(
    y: IntArray, groups: tuple[str | None, ...], protected: str, folds: int, sample: Sample
) -> None:
    sizes = np.bincount(y, minlength=len(groups))
    small = [(group, int(size)) for group, size in zip(groups, sizes, strict=True) if size < folds]
    if small:
        where = f" in the sample of {sample.rows_used} rows" if sample.sampled else ""
        listed = ", ".join(f"{group!r}: {size}" for group, size in small)
        raise InvalidInput(
            problems=[
                FieldProblem(
                    field=protected,
                    reason=f"groups with fewer rows than the {folds} cross-validation folds{where} "
                    f"({listed}); merge or drop rare groups, or use fewer folds",
                )
            ],
            summary="Some protected groups are too small for a cross-validated model.",
        )


def _kind(dtype: pl.DataType) -> Literal["categorical", "numeric"] | None:
    if dtype in (pl.String, pl.Boolean, pl.Null) or isinstance(dtype, pl.Categorical | pl.Enum):
        return "categorical"
    if dtype.is_numeric() or dtype.is_temporal():
        return "numeric"
    return None


def _codes(series: pl.Series) -> tuple[IntArray, tuple[str | None, ...]]:
    """Contiguous integer codes 0..k-1 of a column's values as text (missing is a value), and labels."""
    text = series.cast(pl.String)
    ranks = text.rank("dense").fill_null(0).to_numpy().astype(np.int64)
    _, first, codes = np.unique(ranks, return_index=True, return_inverse=True)
    labels: list[str | None] = text.gather(first).to_list()
    return codes.reshape(-1).astype(np.int64), tuple(labels)


def _numeric_values(series: pl.Series) -> FloatArray:
    if series.dtype.is_temporal():
        series = series.to_physical()
    return series.cast(pl.Float64).fill_nan(None).to_numpy().astype(np.float64)


def _numeric_levels(values: FloatArray, quantile_bins: int) -> tuple[IntArray, int | None]:
    """Codes for a numeric feature: missing is 0, values or quantile bins 1..; and bins used."""
    present = ~np.isnan(values)
    codes = np.zeros(values.shape, dtype=np.int64)
    observed = values[present]
    if observed.size == 0:
        return codes, None
    distinct = np.unique(observed)
    if distinct.size <= quantile_bins:
        codes[present] = np.searchsorted(distinct, observed) + 1
        return codes, None
    cuts = np.unique(np.quantile(observed, np.linspace(0.0, 1.0, quantile_bins + 1)[1:-1]))
    bins = np.searchsorted(cuts, observed, side="right")
    codes[present] = bins + 1
    return codes, int(np.unique(bins).size)


def _table(feature_codes: IntArray, group_codes: IntArray, k: int) -> FloatArray:
    _, rows = np.unique(feature_codes, return_inverse=True)
    r = int(rows.max()) + 1
    flat = np.bincount(rows * k + group_codes, minlength=r * k)
    return flat.reshape(r, k).astype(np.float64)


def _associate(series: pl.Series, group_codes: IntArray, k: int, quantile_bins: int) -> FeatureAssociation:
    kind = _kind(series.dtype)
    eta: float | None = None
    bins: int | None = None
    if kind == "numeric":
        values = _numeric_values(series)
        feature_codes, bins = _numeric_levels(values, quantile_bins)
        eta = correlation_ratio(values, group_codes)
        missing = int(np.isnan(values).sum())
    else:
        feature_codes, _ = _codes(series)
        missing = series.null_count()
    table = _table(feature_codes, group_codes, k)
    v = cramers_v(table)
    return FeatureAssociation(
        feature=series.name,
        kind="numeric" if kind == "numeric" else "categorical",
        levels=int(table.shape[0]),
        quantile_bins=bins,
        missing=missing,
        cramers_v=v,
        cramers_v_uncorrected=cramers_v(table, bias_corrected=False),
        correlation_ratio=eta,
        mutual_information=mutual_information(table),
        uncertainty_coefficient=uncertainty_coefficient(table),
        strength=strength_label(v),
    )


def _model_matrix(data: pl.DataFrame, features: list[str]) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """Feature matrix for the tree model and the mask of its categorical columns.

    Categorical features become codes by frequency (0 = missing; beyond the most frequent
    :data:`_MAX_MODEL_CATEGORIES` pooled into one code, because the trees bin at most 255 values);
    numeric ones stay numbers with NaN for missing, which the trees route as a category of its own.
    """
    columns: list[FloatArray] = []
    categorical: list[bool] = []
    for name in features:
        series = data[name]
        if _kind(series.dtype) == "numeric":
            columns.append(_numeric_values(series))
            categorical.append(False)
        else:
            columns.append(_frequency_codes(series).astype(np.float64))
            categorical.append(True)
    return np.column_stack(columns), np.asarray(categorical, dtype=np.bool_)


def _frequency_codes(series: pl.Series) -> IntArray:
    codes, _ = _codes(series)
    counts = np.bincount(codes)
    order = np.argsort(-counts, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    result = np.minimum(rank[codes] + 1, _MAX_MODEL_CATEGORIES + 1)
    result[series.is_null().to_numpy()] = 0
    return result.astype(np.int64)


def _auc(model: HistGradientBoostingClassifier, x: FloatArray, y: IntArray, multiclass: bool) -> float:
    probabilities = model.predict_proba(x)
    if multiclass:
        return float(roc_auc_score(y, probabilities, multi_class="ovr", average="macro"))
    return float(roc_auc_score(y, probabilities[:, 1]))
