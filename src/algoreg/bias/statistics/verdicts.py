"""Verdicts on disparities: found, within tolerance, inconclusive, or too few cases to say.

A verdict combines the test of equal rates (Benjamini–Hochberg adjusted over a family of
comparisons), the equivalence test against the tolerance, and the power calculations.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from algoreg.bias.statistics._checks import (
    _check_proportion,
    _is_integer,
    _is_real,
    _open_unit_problem,
    _raise_if,
)
from algoreg.bias.statistics.equivalence import (
    DEFAULT_TOLERANCE,
    EquivalenceTest,
    Scale,
    Tolerance,
    equivalence_test,
)
from algoreg.bias.statistics.multiple import benjamini_hochberg
from algoreg.bias.statistics.power import (
    CasesForEquivalence,
    CasesToDetect,
    DetectableDisparity,
    cases_for_equivalence,
    cases_to_detect,
    detectable_disparity,
)
from algoreg.bias.statistics.proportions import ProportionComparison, compare_proportions
from algoreg.errors import FieldProblem, InvalidInput


class Verdict(StrEnum):
    """What may be concluded about one disparity.

    Absence of evidence is not evidence of absence: a test that finds no significant difference
    gives ``INCONCLUSIVE``, unless equivalence within the tolerance is shown as well.
    """

    DISPARITY_FOUND = "disparity_found"
    NO_DISPARITY_BEYOND_TOLERANCE = "no_disparity_beyond_tolerance"
    INCONCLUSIVE = "inconclusive"
    TOO_FEW_CASES = "too_few_cases"


@dataclass(frozen=True)
class JudgementSettings:
    """How disparities are judged.

    ``q`` is the false discovery rate for the Benjamini–Hochberg adjusted tests of equal rates;
    ``alpha`` the level of each one-sided test of equivalence; ``power`` the power for the numbers of
    cases needed; ``confidence`` the level of the reported intervals; and ``min_group_size`` the
    number of trials each of the two groups needs before any conclusion is drawn.
    """

    tolerance: Tolerance = DEFAULT_TOLERANCE
    q: float = 0.05
    alpha: float = 0.05
    power: float = 0.8
    confidence: float = 0.95
    min_group_size: int = 30

    def __post_init__(self) -> None:
        problems: list[FieldProblem | None] = [
            None
            if isinstance(self.tolerance, Tolerance)
            else FieldProblem("tolerance", "must be a Tolerance"),
            _open_unit_problem("q", self.q),
            _open_unit_problem("alpha", self.alpha, upper=0.5),
            _open_unit_problem("power", self.power),
            _open_unit_problem("confidence", self.confidence),
        ]
        if not _is_integer(self.min_group_size) or self.min_group_size < 1:
            problems.append(
                FieldProblem(
                    "min_group_size", f"must be a whole number of at least 1; got {self.min_group_size!r}"
                )
            )
        _raise_if(problems, "The settings for judging disparities are not valid.")


DEFAULT_SETTINGS = JudgementSettings()


@dataclass(frozen=True)
class DisparityVerdict:
    """The verdict on one group's rate against a reference rate, with everything it rests on.

    * ``TOO_FEW_CASES``: either group has fewer than ``settings.min_group_size`` trials; no test is
      counted and no conclusion drawn (estimates are still given when both groups have cases).
    * ``DISPARITY_FOUND``: the test of equal rates is significant after Benjamini–Hochberg
      adjustment (``adjusted_p_value <= settings.q``). ``equivalence`` may still show the disparity to
      be within the tolerance: significant, yet small.
    * ``NO_DISPARITY_BEYOND_TOLERANCE``: not significant, and equivalence within the tolerance shown.
    * ``INCONCLUSIVE``: neither. ``cases_for_equivalence`` says how many cases per group would show
      equivalence if the rates were equal at the reference rate, and ``cases_to_detect`` how many
      would detect a disparity at the edge of the tolerance, on the side the estimate lies.

    ``detectable`` (the smallest disparities these group sizes detect) and ``cases_to_detect`` take
    ``settings.q`` as the two-sided level of a single test; with many tests in a Benjamini–Hochberg
    family the effective level is lower, so they are optimistic there.
    """

    successes: int
    trials: int
    reference_successes: int
    reference_trials: int
    settings: JudgementSettings
    verdict: Verdict
    p_value: float | None
    adjusted_p_value: float | None
    comparison: ProportionComparison | None
    equivalence: EquivalenceTest | None
    detectable: DetectableDisparity | None
    cases_for_equivalence: CasesForEquivalence | None
    cases_to_detect: CasesToDetect | None


def _enough_cases(trials: int, reference_trials: int, settings: JudgementSettings) -> bool:
    return min(trials, reference_trials) >= settings.min_group_size


def _cases_needed(
    comparison: ProportionComparison | None, reference_rate: float | None, settings: JudgementSettings
) -> tuple[CasesForEquivalence | None, CasesToDetect | None]:
    if reference_rate is None or not 0.0 < reference_rate < 1.0:
        return None, None
    tolerance = settings.tolerance
    for_equivalence = cases_for_equivalence(reference_rate, tolerance, settings.alpha, settings.power)
    below = comparison is None or comparison.rate <= comparison.reference_rate
    bound = tolerance.lower if below else tolerance.upper
    edge_rate = reference_rate * bound if tolerance.scale is Scale.RATIO else reference_rate + bound
    if not 0.0 <= edge_rate <= 1.0:
        return for_equivalence, None
    to_detect = cases_to_detect(
        reference_rate, difference=edge_rate - reference_rate, alpha=settings.q, power=settings.power
    )
    return for_equivalence, to_detect


def judge_disparity(
    successes: int,
    trials: int,
    reference_successes: int,
    reference_trials: int,
    *,
    adjusted_p_value: float | None = None,
    settings: JudgementSettings = DEFAULT_SETTINGS,
) -> DisparityVerdict:
    """The verdict on one group's rate against a reference rate (see :class:`DisparityVerdict`).

    ``adjusted_p_value`` is this comparison's Benjamini–Hochberg adjusted p-value within its family
    of tests; when it is not given, the comparison is taken to be the only test and its own p-value
    is used. To judge many comparisons at once, use :func:`judge_disparities`.
    """
    _raise_if(
        [
            *_check_proportion(successes, trials),
            *_check_proportion(reference_successes, reference_trials, "reference_"),
            None
            if adjusted_p_value is None or (_is_real(adjusted_p_value) and 0.0 <= adjusted_p_value <= 1.0)
            else FieldProblem("adjusted_p_value", f"must be between 0 and 1; got {adjusted_p_value!r}"),
            None if isinstance(settings, JudgementSettings) else FieldProblem("settings", "must be settings"),
        ],
        "The disparity cannot be judged.",
    )
    return _judged(successes, trials, reference_successes, reference_trials, adjusted_p_value, settings)


def _judged(
    successes: int,
    trials: int,
    reference_successes: int,
    reference_trials: int,
    adjusted_p_value: float | None,
    settings: JudgementSettings,
    comparison: ProportionComparison | None = None,
) -> DisparityVerdict:
    """:func:`judge_disparity` on checked input; ``comparison``, when given, of these same counts."""
    x1, n1, x0, n0 = int(successes), int(trials), int(reference_successes), int(reference_trials)
    if comparison is None and min(n1, n0) >= 1:
        comparison = compare_proportions(x1, n1, x0, n0, settings.confidence)
    detectable = (
        detectable_disparity(n1, n0, x0 / n0, alpha=settings.q, power=settings.power)
        if comparison is not None
        else None
    )
    reference_rate = x0 / n0 if n0 else None
    p_value: float | None = None
    adjusted: float | None = None
    equivalence: EquivalenceTest | None = None
    needed: tuple[CasesForEquivalence | None, CasesToDetect | None] = (None, None)
    if comparison is None or not _enough_cases(n1, n0, settings):
        verdict = Verdict.TOO_FEW_CASES
        needed = _cases_needed(comparison, reference_rate, settings)
    else:
        p_value = comparison.test.p_value
        adjusted = p_value if adjusted_p_value is None else float(adjusted_p_value)
        equivalence = equivalence_test(x1, n1, x0, n0, settings.tolerance, settings.alpha)
        if adjusted <= settings.q:
            verdict = Verdict.DISPARITY_FOUND
        elif equivalence.equivalent:
            verdict = Verdict.NO_DISPARITY_BEYOND_TOLERANCE
        else:
            verdict = Verdict.INCONCLUSIVE
            needed = _cases_needed(comparison, reference_rate, settings)
    return DisparityVerdict(
        successes=x1,
        trials=n1,
        reference_successes=x0,
        reference_trials=n0,
        settings=settings,
        verdict=verdict,
        p_value=p_value,
        adjusted_p_value=adjusted,
        comparison=comparison,
        equivalence=equivalence,
        detectable=detectable,
        cases_for_equivalence=needed[0],
        cases_to_detect=needed[1],
    )


def judge_disparities(
    successes: Sequence[int],
    trials: Sequence[int],
    reference_successes: Sequence[int],
    reference_trials: Sequence[int],
    *,
    settings: JudgementSettings = DEFAULT_SETTINGS,
) -> tuple[DisparityVerdict, ...]:
    """Verdicts on many comparisons, the i-th from the i-th item of each sequence.

    The tests of equal rates of all comparisons with enough cases form one family, adjusted together
    by Benjamini–Hochberg; comparisons with too few cases are left out of the family.
    """
    if not isinstance(settings, JudgementSettings):
        raise InvalidInput(
            [FieldProblem("settings", "must be JudgementSettings")], "The disparities cannot be judged."
        )
    lengths = {len(successes), len(trials), len(reference_successes), len(reference_trials)}
    if len(lengths) != 1:
        raise InvalidInput(
            [FieldProblem("successes", "successes, trials and the reference counts must be equally long")],
            "The disparities cannot be judged.",
        )
    rows = list(zip(successes, trials, reference_successes, reference_trials, strict=True))
    for index, (x1, n1, x0, n0) in enumerate(rows):
        try:
            _raise_if(
                [*_check_proportion(x1, n1), *_check_proportion(x0, n0, "reference_")],
                "The disparities cannot be judged.",
            )
        except InvalidInput as error:
            raise InvalidInput(
                [FieldProblem(p.field, p.reason, record=index) for p in error.problems], error.summary
            ) from None
    tested = [
        index
        for index, (_, n1, _, n0) in enumerate(rows)
        if min(int(n1), int(n0)) >= 1 and _enough_cases(int(n1), int(n0), settings)
    ]
    comparisons = {i: compare_proportions(*rows[i], confidence=settings.confidence) for i in tested}
    p_values = [comparisons[i].test.p_value for i in tested]
    adjusted = dict(zip(tested, benjamini_hochberg(p_values, settings.q).adjusted, strict=True))
    return tuple(
        _judged(*row, adjusted.get(index), settings, comparisons.get(index)) for index, row in enumerate(rows)
    )
