"""Bias analysis when only counts exist: how many people of each group reached each process stage.

An audit often gets no decision data, only a table from a statistics office: per group, how many
people were in the population, in a risk category, selected, checked, found — stages in order, each
a subset of the one before (a funnel). :class:`StageCounts` holds such a table; :func:`analyse_stages`
asks at every stage after the first whether the groups' mix has shifted from the population's, and
per group whether the group passed on more or less often than all others — from the previous stage
and from the population — with intervals, false-discovery control and a verdict.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray
from scipy import stats

from algoreg.bias.statistics import (
    DEFAULT_SETTINGS,
    DisparityVerdict,
    JudgementSettings,
    Method,
    judge_disparities,
)
from algoreg.errors import FieldProblem, InvalidInput

_SUMMARY = "The counts per group and stage are not valid."


def _invalid(field: str, reason: str) -> InvalidInput:
    return InvalidInput(problems=[FieldProblem(field, reason)], summary=_SUMMARY)


def _names_problems(field: str, names: tuple[Any, ...], kind: str) -> list[FieldProblem]:
    problems = []
    if len(names) < 2:
        problems.append(FieldProblem(field, f"needs at least two {kind}s; got {len(names)}"))
    for name in names:
        if not isinstance(name, str) or not name.strip():
            problems.append(FieldProblem(field, f"each {kind} name must be a non-empty text; got {name!r}"))
    duplicates = sorted({str(name) for name in names if names.count(name) > 1})
    if duplicates:
        problems.append(
            FieldProblem(field, f"{kind} names must be unique; repeated: {', '.join(duplicates)}")
        )
    return problems


@dataclass(frozen=True)
class StageCounts:
    """Counts per group per process stage; ``counts[g][s]`` is group ``groups[g]`` at ``stages[s]``.

    Promises on construction: at least two stages and two groups with unique, non-empty names; every
    count a non-negative whole number; and a funnel — no group has more at a stage than at the stage
    before. Lists are accepted and stored as tuples.
    """

    stages: tuple[str, ...]
    groups: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]

    def __post_init__(self) -> None:
        # Normalise sequences to tuples so the value is immutable and hashable.
        object.__setattr__(self, "stages", tuple(self.stages))
        object.__setattr__(self, "groups", tuple(self.groups))
        problems = _names_problems("stages", self.stages, "stage") + _names_problems(
            "groups", self.groups, "group"
        )
        rows = tuple(tuple(row) if isinstance(row, Sequence) else row for row in self.counts)
        object.__setattr__(self, "counts", rows)
        if len(rows) != len(self.groups) or any(
            not isinstance(row, tuple) or len(row) != len(self.stages) for row in rows
        ):
            problems.append(
                FieldProblem(
                    "counts",
                    f"must hold one row per group ({len(self.groups)}) with one count per stage "
                    f"({len(self.stages)})",
                )
            )
        if problems:
            raise InvalidInput(problems=problems, summary=_SUMMARY)
        for group, row in zip(self.groups, rows, strict=True):
            for stage, count in zip(self.stages, row, strict=True):
                if not isinstance(count, int | np.integer) or isinstance(count, bool | np.bool_):
                    problems.append(
                        FieldProblem(
                            "counts", f"group '{group}', stage '{stage}': {count!r} is not a whole number"
                        )
                    )
                elif count < 0:
                    problems.append(
                        FieldProblem("counts", f"group '{group}', stage '{stage}': {count} is negative")
                    )
        if problems:
            raise InvalidInput(problems=problems, summary=_SUMMARY)
        object.__setattr__(self, "counts", tuple(tuple(int(c) for c in row) for row in rows))
        for group, row in zip(self.groups, self.counts, strict=True):
            for index in range(1, len(self.stages)):
                if row[index] > row[index - 1]:
                    problems.append(
                        FieldProblem(
                            "counts",
                            f"group '{group}': stage '{self.stages[index]}' ({row[index]}) is larger "
                            f"than the stage before it, '{self.stages[index - 1]}' ({row[index - 1]}); "
                            "each stage must be a part of the one before",
                        )
                    )
        if problems:
            raise InvalidInput(problems=problems, summary=_SUMMARY)

    @property
    def matrix(self) -> NDArray[np.int64]:
        """The counts as a groups × stages integer array."""
        return np.array(self.counts, dtype=np.int64)

    def count(self, group: str, stage: str) -> int:
        """The count of ``group`` at ``stage``."""
        return self.counts[self.groups.index(group)][self.stages.index(stage)]

    @classmethod
    def from_long(
        cls,
        frame: pl.DataFrame,
        *,
        group: str = "group",
        stage: str = "stage",
        count: str = "count",
        stages: Sequence[str] | None = None,
    ) -> "StageCounts":
        """Counts from a frame with one row per group and stage.

        Stages are in the order given by ``stages``, or else in the order they first appear; groups
        in the order they first appear. Every group needs exactly one row for every stage.
        """
        _require_frame(frame, [group, stage, count])
        _require_integer_column(frame, count)
        for column in (group, stage):
            if frame[column].null_count():
                raise _invalid(column, "must not be empty in any row")
        group_names = [str(v) for v in frame[group].unique(maintain_order=True).to_list()]
        seen_stages = [str(v) for v in frame[stage].unique(maintain_order=True).to_list()]
        stage_names = _stage_order(stages, seen_stages)
        cells: dict[tuple[str, str], int] = {}
        for group_value, stage_value, value in frame.select(group, stage, count).iter_rows():
            key = (str(group_value), str(stage_value))
            if key in cells:
                raise _invalid(stage, f"group '{key[0]}' has more than one row for stage '{key[1]}'")
            cells[key] = int(value)
        missing = [f"'{g}' at '{s}'" for g in group_names for s in stage_names if (g, s) not in cells]
        if missing:
            raise _invalid(count, f"a count is missing for {', '.join(missing[:10])}")
        rows = tuple(tuple(cells[(g, s)] for s in stage_names) for g in group_names)
        return cls(stages=tuple(stage_names), groups=tuple(group_names), counts=rows)

    @classmethod
    def from_wide(
        cls, frame: pl.DataFrame, *, group: str = "group", stages: Sequence[str] | None = None
    ) -> "StageCounts":
        """Counts from a frame with one row per group and one column per stage.

        The stage columns are ``stages`` in that order, or else every column but ``group`` in the
        frame's order.
        """
        _require_frame(frame, [group])
        stage_names = list(stages) if stages is not None else [c for c in frame.columns if c != group]
        _require_frame(frame, stage_names)
        if frame[group].null_count():
            raise _invalid(group, "must not be empty in any row")
        for column in stage_names:
            _require_integer_column(frame, column)
        group_names = [str(v) for v in frame[group].to_list()]
        rows = tuple(tuple(int(v) for v in row) for row in frame.select(stage_names).iter_rows())
        return cls(stages=tuple(stage_names), groups=tuple(group_names), counts=rows)


def _require_frame(frame: object, columns: Sequence[str]) -> None:
    if not isinstance(frame, pl.DataFrame):
        raise _invalid("frame", f"must be a polars DataFrame; got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise _invalid(missing[0], f"is not a column of the frame; its columns are {frame.columns}")


def _require_integer_column(frame: pl.DataFrame, column: str) -> None:
    dtype = frame.schema[column]
    if not dtype.is_integer():
        raise _invalid(column, f"must hold whole numbers (an integer column); it has type {dtype}")
    if frame[column].null_count():
        raise _invalid(column, "must not be empty in any row")


def _stage_order(given: Sequence[str] | None, seen: list[str]) -> list[str]:
    if given is None:
        return seen
    ordered = [str(s) for s in given]
    unknown = sorted(set(seen) - set(ordered))
    if unknown:
        raise _invalid("stages", f"does not list the stages {unknown} that appear in the frame")
    return ordered


@dataclass(frozen=True)
class GoodnessOfFit:
    """Pearson's chi-square test of a stage's group mix against the population's mix.

    Groups with nobody in the population are left out (they cannot appear later). ``expected`` is
    the population share of each group times the stage's total. The test treats the stage as a sample
    drawn from the population's mix; when the stage is a large part of the population it is
    conservative (the statistic of the equivalent 2×k table is larger by ``N/(N-n)``). The
    approximation is poor when ``min_expected_count`` is below 5.
    """

    groups: tuple[str, ...]
    observed: tuple[int, ...]
    expected: tuple[float, ...]
    statistic: float
    degrees_of_freedom: int
    p_value: float
    min_expected_count: float
    method: Method = Method.PEARSON_GOODNESS_OF_FIT


@dataclass(frozen=True)
class GroupAtStage:
    """One group at one stage.

    ``expected`` is the count the population's mix predicts and ``adjusted_residual`` the adjusted
    standardised residual ``(observed - expected) / √(expected·(1 - population share))``, about
    standard normal when the mix has not shifted (``None`` when the group is absent from the
    population or the stage is empty). ``from_previous`` compares the share of the group that passed
    from the previous stage with the same share for all other groups together; ``from_population``
    does the same from the first stage. At the second stage both are the same comparison.
    """

    group: str
    stage: str
    count: int
    expected: float | None
    adjusted_residual: float | None
    from_previous: DisparityVerdict
    from_population: DisparityVerdict


@dataclass(frozen=True)
class StageResult:
    """The analysis of one stage after the first."""

    stage: str
    previous_stage: str
    total: int
    goodness_of_fit: GoodnessOfFit | None
    groups: tuple[GroupAtStage, ...]


@dataclass(frozen=True)
class StageAnalysis:
    """The analysis of every stage after the first, and the settings it was made with.

    ``tests_in_family`` is the number of distinct group × stage tests of equal rates that were
    adjusted together by Benjamini–Hochberg (those with at least ``settings.min_group_size`` cases on
    both sides). Goodness-of-fit p-values are per stage and not adjusted.
    """

    counts: StageCounts
    settings: JudgementSettings
    stages: tuple[StageResult, ...]
    tests_in_family: int


def _goodness_of_fit(counts: StageCounts, stage: int) -> GoodnessOfFit | None:
    matrix = counts.matrix
    population = matrix[:, 0]
    present = population > 0
    observed = matrix[present, stage]
    total = int(observed.sum())
    if total == 0 or int(present.sum()) < 2:
        return None
    expected = population[present] / population.sum() * total
    result = stats.chisquare(observed, expected)
    return GoodnessOfFit(
        groups=tuple(g for g, keep in zip(counts.groups, present, strict=True) if keep),
        observed=tuple(int(v) for v in observed),
        expected=tuple(float(v) for v in expected),
        statistic=float(result.statistic),
        degrees_of_freedom=len(observed) - 1,
        p_value=float(result.pvalue),
        min_expected_count=float(expected.min()),
    )


def _residual(matrix: NDArray[np.int64], group: int, stage: int) -> tuple[float | None, float | None]:
    population = matrix[:, 0]
    share = population[group] / population.sum() if population.sum() else 0.0
    total = int(matrix[:, stage].sum())
    if share == 0.0:
        return None, None
    expected = float(share * total)
    if total == 0 or share == 1.0:
        return expected, None
    return expected, float((matrix[group, stage] - expected) / np.sqrt(expected * (1.0 - share)))


def analyse_stages(counts: StageCounts, *, settings: JudgementSettings = DEFAULT_SETTINGS) -> StageAnalysis:
    """Analyse every stage after the first for shifts in the group mix and per-group disparities.

    Per stage: Pearson's goodness of fit of the stage's group mix against the population's (first
    stage's) mix, with expected counts, and per group the adjusted standardised residual. Per group
    and stage: the rate of passing from the previous stage, and from the population, compared with
    the same rate of all other groups together (ratio with Katz interval, difference with Newcombe
    interval, Fisher or chi-square test) and judged as in
    :func:`~algoreg.bias.statistics.judge_disparity`. All these tests form one Benjamini–Hochberg
    family (a comparison that appears twice — at the second stage, from the previous stage and from
    the population — is counted once); a side with fewer than ``settings.min_group_size`` cases gives
    ``TOO_FEW_CASES`` and no test.
    """
    if not isinstance(counts, StageCounts):
        raise _invalid("counts", f"must be StageCounts; got {type(counts).__name__}")
    if not isinstance(settings, JudgementSettings):
        raise _invalid("settings", f"must be JudgementSettings; got {type(settings).__name__}")
    matrix = counts.matrix
    totals = matrix.sum(axis=0)
    # Every group × stage comparison once, as (successes, trials, reference successes, reference trials);
    # layout[stage - 1][group] holds the positions of its comparisons from the previous stage and from
    # the population, which at the second stage are the same comparison.
    comparisons: list[tuple[int, int, int, int]] = []
    layout: list[list[tuple[int, int]]] = []
    for stage in range(1, len(counts.stages)):
        row = []
        for group in range(len(counts.groups)):
            here = int(matrix[group, stage])
            others_here = int(totals[stage]) - here
            for base in sorted({stage - 1, 0}, reverse=True):
                comparisons.append(
                    (here, int(matrix[group, base]), others_here, int(totals[base] - matrix[group, base]))
                )
            row.append((len(comparisons) - 1 if stage == 1 else len(comparisons) - 2, len(comparisons) - 1))
        layout.append(row)
    verdicts = judge_disparities(
        [c[0] for c in comparisons],
        [c[1] for c in comparisons],
        [c[2] for c in comparisons],
        [c[3] for c in comparisons],
        settings=settings,
    )
    results = []
    for stage, row in enumerate(layout, start=1):
        groups = []
        for group, (previous, population) in enumerate(row):
            expected, residual = _residual(matrix, group, stage)
            groups.append(
                GroupAtStage(
                    group=counts.groups[group],
                    stage=counts.stages[stage],
                    count=int(matrix[group, stage]),
                    expected=expected,
                    adjusted_residual=residual,
                    from_previous=verdicts[previous],
                    from_population=verdicts[population],
                )
            )
        results.append(
            StageResult(
                stage=counts.stages[stage],
                previous_stage=counts.stages[stage - 1],
                total=int(totals[stage]),
                goodness_of_fit=_goodness_of_fit(counts, stage),
                groups=tuple(groups),
            )
        )
    tested = sum(1 for verdict in verdicts if verdict.adjusted_p_value is not None)
    return StageAnalysis(counts=counts, settings=settings, stages=tuple(results), tests_in_family=tested)
