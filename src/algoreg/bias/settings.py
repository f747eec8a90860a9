"""The settings of a bias analysis: column roles, groupings, rates, tolerance and the statistics.

:class:`AnalysisSettings` is a Pydantic model: it validates on construction (from keyword arguments
or a mapping, for instance JSON from the web interface) and raises
:class:`~algoreg.errors.InvalidInput` naming every field that is wrong and what is allowed. It is
stored with every result, so that a report says exactly how the analysis was made.
"""

from collections.abc import Mapping
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core.core_schema import ValidatorFunctionWrapHandler

from algoreg.bias.counts import SCORE_DECIMALS
from algoreg.bias.inputs import ColumnRoles
from algoreg.bias.metrics import CONFUSION_RATES, RATE_NAMES
from algoreg.bias.statistics import MIN_BOOTSTRAP_RESAMPLES, JudgementSettings, Scale, Tolerance
from algoreg.errors import FieldProblem, InvalidInput

Comparison = Literal["reference", "rest"]
"""What a group's rate is compared with: the reference group's rate, or that of every other row."""

DEFAULT_RATES_WITH_LABEL = ("selection_rate", "true_positive_rate", "false_positive_rate", "precision")
"""The rates tested by default when the data has a selection and a label (without a label: the first)."""

_SUMMARY = "The settings of the bias analysis are not valid."


def frozen_model_config() -> ConfigDict:
    """The configuration of every settings and result model: strict fields, frozen, finite numbers."""
    return ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class GroupingChoice(BaseModel):
    """One grouping to analyse: its attributes (one, or several for their intersection).

    ``reference`` gives the values of the reference group, one per attribute (default: the largest
    group). A plain name (``"sex"``) or list of names (``["sex", "age"]``) is accepted for a grouping
    without a chosen reference, and a plain value for the reference of a one-attribute grouping.
    """

    model_config = frozen_model_config()

    attributes: tuple[str, ...] = Field(min_length=1)
    reference: tuple[str, ...] | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"attributes": (data,)}
        if isinstance(data, list | tuple):
            return {"attributes": tuple(data)}
        if isinstance(data, Mapping):
            data = dict(data)
            for name in ("attributes", "reference"):
                if isinstance(data.get(name), str):
                    data[name] = (data[name],)
        return data


class ToleranceChoice(BaseModel):
    """The range of disparities the organisation accepts, on the ratio or the difference scale.

    The default, a ratio of 0.8 to 1.25, takes its lower bound from the four-fifths rule (US EEOC
    Uniform Guidelines, 29 CFR 1607.4(D)), the most widely used first screen for adverse impact,
    and its upper bound as 1/0.8, so that the band is symmetric on the log scale: a group selected
    1.25 times as often is judged like one selected 0.8 times as often, whichever group is the
    reference. (The same 80–125 % band is the usual margin for equivalence in bioequivalence.) It is
    a default, not a legal norm: the organisation states — and justifies — its own tolerance.
    """

    model_config = frozen_model_config()

    scale: Literal["ratio", "difference"] = "ratio"
    lower: float = 0.8
    upper: float = 1.25

    def tolerance(self) -> Tolerance:
        """The tolerance as the statistics module takes it."""
        return Tolerance(Scale(self.scale), self.lower, self.upper)


class ScoreChoice(BaseModel):
    """The score-based parts: AUC per group with a bootstrap interval, and calibration bins.

    ``bootstrap_resamples`` and ``seed`` fix the bootstrap (the same seed gives the same interval);
    ``calibration_bins`` is the number of equal-width calibration bins; ``score_decimals`` the grid
    of the score bins of the table of counts (see :mod:`.counts`).

    The bootstrap is the one costly step after the aggregation: per group it draws
    ``2 × bootstrap_resamples × occupied score bins`` binomials — about 0.2 s for a large group at
    the default 1000 resamples and 1001 bins, whatever the number of rows. 1000 resamples suit a
    95 % percentile interval (Efron & Tibshirani 1993, ch. 13); with many groups, fewer score
    decimals or ``auc=False`` keep the analysis quick.
    """

    model_config = frozen_model_config()

    auc: bool = True
    bootstrap_resamples: int = Field(default=1000, ge=MIN_BOOTSTRAP_RESAMPLES)
    seed: int = Field(default=0, ge=0)
    calibration_bins: int = Field(default=10, ge=1, le=100)
    score_decimals: int = Field(default=SCORE_DECIMALS, ge=0, le=9)


class OriginChoice(BaseModel):
    """Whether to flag protected columns that hold origin-related data, and how large a sample to read.

    The sample is drawn (seeded) from the table of counts, so the data is not read again.
    """

    model_config = frozen_model_config()

    check: bool = False
    sample_rows: int = Field(default=10_000, ge=100)
    seed: int = Field(default=0, ge=0)


class AnalysisSettings(BaseModel):
    """Everything :func:`analyse` needs to know; every problem raises :class:`InvalidInput`.

    * ``roles``: which column is which (:class:`~algoreg.bias.inputs.ColumnRoles`).
    * ``groupings``: the groupings to analyse (default: each protected attribute alone, then all of
      them together when there are several), each with an optional reference group.
    * ``compare_with``: ``"reference"`` (a group against the reference group), ``"rest"`` (against
      every other row), or both. Default: the reference group.
    * ``rates``: the rates to test (default: the selection rate; with a label also the true and
      false positive rates and precision). Names as in :data:`~algoreg.bias.metrics.RATE_NAMES`.
    * ``tolerance``: the accepted range of disparities (see :class:`ToleranceChoice`).
    * ``q``: the false discovery rate of the Benjamini–Hochberg correction over all tests;
      ``alpha``: the level of each one-sided equivalence test; ``power``: the power for the cases
      needed; ``confidence``: the level of every interval.
    * ``min_group_size``: below this many cases on either side of a comparison (the denominator of
      the rate) no test is counted and no conclusion drawn.
    * ``score``, ``origin``: see :class:`ScoreChoice` and :class:`OriginChoice`.
    """

    model_config = frozen_model_config()

    roles: ColumnRoles
    groupings: tuple[GroupingChoice, ...] | None = None
    compare_with: tuple[Comparison, ...] = ("reference",)
    rates: tuple[str, ...] | None = None
    tolerance: ToleranceChoice = ToleranceChoice()
    q: float = Field(default=0.05, gt=0.0, lt=1.0)
    alpha: float = Field(default=0.05, gt=0.0, lt=0.5)
    power: float = Field(default=0.8, gt=0.0, lt=1.0)
    confidence: float = Field(default=0.95, gt=0.0, lt=1.0)
    min_group_size: int = Field(default=30, ge=1)
    score: ScoreChoice = ScoreChoice()
    origin: OriginChoice = OriginChoice()

    @model_validator(mode="wrap")
    @classmethod
    def _as_invalid_input(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> "AnalysisSettings":
        try:
            settings = handler(data)
        except ValidationError as invalid:
            problems = [
                FieldProblem(
                    field=".".join(str(part) for part in error["loc"]) or "settings", reason=error["msg"]
                )
                for error in invalid.errors()
            ]
            raise InvalidInput(problems=problems, summary=_SUMMARY) from None
        assert isinstance(settings, AnalysisSettings)
        return settings

    @field_validator("roles", mode="before")
    @classmethod
    def _roles(cls, value: Any) -> Any:
        if isinstance(value, ColumnRoles):
            return value
        try:
            return ColumnRoles.model_validate(value)
        except InvalidInput as invalid:
            raise InvalidInput(
                problems=[
                    FieldProblem(f"roles.{problem.field}", problem.reason) for problem in invalid.problems
                ],
                summary=_SUMMARY,
            ) from None

    @field_validator("compare_with", mode="before")
    @classmethod
    def _one_comparison(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value

    @field_validator("rates", mode="before")
    @classmethod
    def _one_rate(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _check_combination(self) -> Self:
        problems = (
            _grouping_problems(self)
            + _rate_problems(self)
            + _comparison_problems(self)
            + _tolerance_problems(self)
        )
        if problems:
            raise InvalidInput(problems=problems, summary=_SUMMARY)
        return self

    def chosen_groupings(self) -> tuple[GroupingChoice, ...]:
        """The groupings to analyse: those given, or each attribute alone and all together."""
        if self.groupings is not None:
            return self.groupings
        protected = tuple(self.roles.protected)
        alone = tuple(GroupingChoice(attributes=(name,)) for name in protected)
        return alone + ((GroupingChoice(attributes=protected),) if len(protected) > 1 else ())

    def chosen_rates(self) -> tuple[str, ...]:
        """The rates to test: those given, or the defaults the data supports."""
        if self.rates is not None:
            return self.rates
        if not self.roles.has_selection:
            return ()
        return DEFAULT_RATES_WITH_LABEL if self.roles.has_label else ("selection_rate",)

    def judgement(self) -> JudgementSettings:
        """The settings for judging disparities, as the statistics module takes them."""
        return JudgementSettings(
            tolerance=self.tolerance.tolerance(),
            q=self.q,
            alpha=self.alpha,
            power=self.power,
            confidence=self.confidence,
            min_group_size=self.min_group_size,
        )


def settings_of(settings: AnalysisSettings | Mapping[str, Any]) -> AnalysisSettings:
    """Settings as given, or validated from a mapping (raising :class:`InvalidInput`)."""
    if isinstance(settings, AnalysisSettings):
        return settings
    if not isinstance(settings, Mapping):
        raise InvalidInput(
            problems=[
                FieldProblem("settings", f"must be AnalysisSettings or a mapping; got {type(settings)}")
            ],
            summary=_SUMMARY,
        )
    return AnalysisSettings.model_validate(dict(settings))


def _grouping_problems(settings: AnalysisSettings) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    protected = list(settings.roles.protected)
    seen: set[frozenset[str]] = set()
    for index, choice in enumerate(settings.groupings or ()):
        unknown = [name for name in choice.attributes if name not in protected]
        if unknown:
            problems.append(
                FieldProblem(
                    f"groupings.{index}.attributes",
                    f"{unknown} are not protected attributes; choose from {protected}",
                )
            )
        if len(set(choice.attributes)) != len(choice.attributes):
            problems.append(
                FieldProblem(f"groupings.{index}.attributes", "each attribute may appear only once")
            )
        key = frozenset(choice.attributes)
        if key in seen:
            problems.append(FieldProblem(f"groupings.{index}", "this grouping is already listed"))
        seen.add(key)
        if choice.reference is not None and len(choice.reference) != len(choice.attributes):
            problems.append(
                FieldProblem(
                    f"groupings.{index}.reference",
                    f"give one value per attribute ({len(choice.attributes)}); got {len(choice.reference)}",
                )
            )
    if settings.groupings is not None and not settings.groupings:
        problems.append(FieldProblem("groupings", "name at least one grouping, or leave it out"))
    return problems


def supported_rates(roles: ColumnRoles) -> tuple[str, ...]:
    """The rates that data with these column roles can give (see :mod:`.metrics`)."""
    names: list[str] = []
    if roles.has_selection:
        names.append("selection_rate")
    if roles.has_label:
        names.append("base_rate")
    if roles.has_selection and roles.has_label:
        names.extend(CONFUSION_RATES)
    return tuple(name for name in RATE_NAMES if name in names)


def _rate_problems(settings: AnalysisSettings) -> list[FieldProblem]:
    if settings.rates is None:
        return []
    problems: list[FieldProblem] = []
    supported = supported_rates(settings.roles)
    for index, name in enumerate(settings.rates):
        if name not in RATE_NAMES:
            problems.append(
                FieldProblem(
                    f"rates.{index}", f"unknown rate '{name}'; the rates are {', '.join(RATE_NAMES)}"
                )
            )
        elif name not in supported:
            needs = "an outcome (or a score with a threshold)"
            if name != "selection_rate":
                needs = "a label" if name == "base_rate" else "an outcome (or threshold) and a label"
            problems.append(FieldProblem(f"rates.{index}", f"'{name}' needs {needs} in the column roles"))
    if len(set(settings.rates)) != len(settings.rates):
        problems.append(FieldProblem("rates", "each rate may be named only once"))
    return problems


def _comparison_problems(settings: AnalysisSettings) -> list[FieldProblem]:
    if not settings.compare_with:
        return [FieldProblem("compare_with", "choose 'reference', 'rest' or both")]
    if len(set(settings.compare_with)) != len(settings.compare_with):
        return [FieldProblem("compare_with", "each comparison may be named only once")]
    return []


def _tolerance_problems(settings: AnalysisSettings) -> list[FieldProblem]:
    try:
        settings.tolerance.tolerance()
    except InvalidInput as invalid:
        return [FieldProblem(f"tolerance.{problem.field}", problem.reason) for problem in invalid.problems]
    return []
