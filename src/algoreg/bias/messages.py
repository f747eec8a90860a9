"""Plain-language sentences about bias analyses, kept as message ids with parameters.

An analysis stores a :class:`Message` — an id and its parameters — rather than finished text, so that
the same result can be read in English now and in Dutch later, through gettext. :data:`TEMPLATES`
holds the English source text of every id, with ``%(name)s`` placeholders (the convention of
:mod:`algoreg.web.i18n`); those texts are the gettext message ids a translator works from. A
parameter is a text, a number, or another message (a phrase such as the name of a rate, rendered
first and put in). Numbers are formatted by :func:`render` for the locale, by the kind
:data:`PARAM_KINDS` gives their name: a rate as a percentage, a ratio with two decimals, a p-value
with two significant digits, a count with digit grouping.

The ids under ``bias.legal.`` are the questions only the organisation can answer — whether a
difference is a direct or an indirect distinction, and whether it is justified by a legitimate aim
through suitable, necessary and proportionate means. No message says that a system is lawful or
free of discrimination: figures cannot establish that.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol, TypeAlias, Union

from babel.numbers import format_decimal, format_percent

from algoreg.errors import FieldProblem, InvalidInput

ParamValue: TypeAlias = Union[str, int, float, bool, "Message", None]  # a forward reference needs Union
"""A parameter of a message: a text, a number, a flag, nothing, or a nested message."""


@dataclass(frozen=True)
class Message:
    """A sentence or phrase to show: the id of its template and the values to put in.

    ``params`` hold plain values (formatted when rendered, for the reader's locale) or other
    messages (rendered first). A message is data: it serialises to ``{"id": ..., "params": {...}}``.
    """

    id: str
    params: dict[str, ParamValue] = field(default_factory=dict)


@dataclass(frozen=True)
class Template:
    """The English source text of a message; ``plural`` is used when ``params[count] != 1``."""

    text: str
    plural: str | None = None
    count: str | None = None


class ParamKind(Enum):
    """How a parameter is formatted."""

    TEXT = "text"
    COUNT = "count"
    PERCENT = "percent"
    RATIO = "ratio"
    POINTS = "points"
    P_VALUE = "p_value"
    MESSAGE = "message"


_SUBJECT = (
    "Group '%(group)s' has a %(rate)s of %(value)s (%(value_lower)s–%(value_upper)s; n = %(n)s), "
    "%(ratio)s times that of %(reference)s (%(reference_value)s, %(reference_lower)s–%(reference_upper)s; "
    "n = %(reference_n)s)."
)

TEMPLATES: Mapping[str, Template] = {
    # One sentence per verdict on a group's rate against a reference (a group, the rest, the past).
    "bias.finding.disparity_found": Template(
        _SUBJECT + " After correction for %(tests)s this is a disparity (adjusted p %(p)s)."
    ),
    "bias.finding.disparity_within_tolerance": Template(
        _SUBJECT + " After correction for %(tests)s this is a disparity (adjusted p %(p)s), but a small "
        "one: it lies within the tolerance (%(tolerance)s; equivalence p %(p_equivalence)s)."
    ),
    "bias.finding.no_disparity_beyond_tolerance": Template(
        _SUBJECT + " No disparity was found (adjusted p %(p)s), and the equivalence test shows that the "
        "difference lies within the tolerance (%(tolerance)s; equivalence p %(p_equivalence)s)."
    ),
    "bias.finding.inconclusive": Template(
        _SUBJECT + " Inconclusive: no disparity was found (adjusted p %(p)s), but the data cannot show "
        "either that the difference lies within the tolerance (%(tolerance)s). About "
        "%(cases_equivalence)s cases on each side would be needed to show that if the rates were "
        "equal, and %(cases_detect)s to detect a disparity at the edge of the tolerance."
    ),
    "bias.finding.inconclusive_equivalence_only": Template(
        _SUBJECT + " Inconclusive: no disparity was found (adjusted p %(p)s), but the data cannot show "
        "either that the difference lies within the tolerance (%(tolerance)s). About "
        "%(cases_equivalence)s cases on each side would be needed to show that if the rates were equal."
    ),
    "bias.finding.inconclusive_no_cases": Template(
        _SUBJECT + " Inconclusive: no disparity was found (adjusted p %(p)s), but the data cannot show "
        "either that the difference lies within the tolerance (%(tolerance)s). How many cases would "
        "be needed cannot be estimated from a reference rate of %(reference_value)s."
    ),
    "bias.finding.too_few_cases": Template(
        "Group '%(group)s' has %(group_cases)s for its %(rate)s and %(reference)s has "
        "%(reference_cases)s; with fewer than %(min_cases)s on either side no conclusion is drawn."
    ),
    # Phrases put into the sentences above.
    "bias.rate.selection_rate": Template("selection rate"),
    "bias.rate.base_rate": Template("base rate (share with label 1)"),
    "bias.rate.true_positive_rate": Template("true positive rate"),
    "bias.rate.false_positive_rate": Template("false positive rate"),
    "bias.rate.false_negative_rate": Template("false negative rate"),
    "bias.rate.true_negative_rate": Template("true negative rate"),
    "bias.rate.precision": Template("precision"),
    "bias.rate.false_discovery_rate": Template("false discovery rate"),
    "bias.rate.false_omission_rate": Template("false omission rate"),
    "bias.rate.stage": Template("share that passed from '%(previous_stage)s' to '%(stage)s'"),
    "bias.rate.in_period": Template("%(rate)s in period %(period)s"),
    "bias.reference.group": Template("the reference group '%(reference_group)s'"),
    "bias.reference.rest": Template("all other groups together"),
    "bias.reference.earlier_periods": Template("the same group in the earlier periods together"),
    "bias.tolerance.ratio": Template("ratio %(ratio_lower)s to %(ratio_upper)s"),
    "bias.tolerance.difference": Template(
        "difference %(points_lower)s to %(points_upper)s percentage points"
    ),
    "bias.count.tests": Template("%(count)s test", "%(count)s tests", "count"),
    "bias.count.cases": Template("%(count)s case", "%(count)s cases", "count"),
    "bias.count.comparisons": Template("%(count)s comparison", "%(count)s comparisons", "count"),
    # Summaries.
    "bias.summary.verdicts": Template(
        "Of %(comparisons)s: disparity found %(disparity_found)s; no disparity beyond the tolerance "
        "%(no_disparity)s; inconclusive %(inconclusive)s; too few cases %(too_few_cases)s."
    ),
    "bias.summary.data": Template(
        "%(rows)s rows were read; %(excluded)s were left out because they lack an outcome, label or "
        "score, so %(counted)s rows were analysed."
    ),
    "bias.stage.goodness_of_fit": Template(
        "At stage '%(stage)s' the mix of groups was compared with that of the first stage, "
        "'%(first_stage)s': chi-square p %(p)s (one test per stage, not corrected for multiple testing)."
    ),
    "bias.monitoring.gap_change": Template(
        "For the %(rate)s, the ratio of group '%(group)s' to %(reference)s was %(latest_ratio)s in period "
        "%(period)s against %(earlier_ratio)s in the earlier periods together: a change by a factor of "
        "%(change)s (%(change_lower)s–%(change_upper)s; adjusted p %(p)s)."
    ),
    # What the figures cannot answer: the questions of the law on equal treatment.
    "bias.legal.intro": Template(
        "These figures show differences between groups and how certain they are. Whether a difference "
        "is prohibited discrimination is a legal judgement that figures cannot make. The organisation "
        "must answer these questions itself, and record its answers:"
    ),
    "bias.legal.direct_or_indirect": Template(
        "Direct or indirect distinction: does the system distinguish on a protected ground itself, or "
        "does an apparently neutral rule or feature put people of a protected group at a particular "
        "disadvantage?"
    ),
    "bias.legal.legitimate_aim": Template(
        "Legitimate aim: which aim does the distinction serve, stated concretely, and is that aim legitimate?"
    ),
    "bias.legal.suitability": Template(
        "Suitability: does the way the system works actually help to reach that aim?"
    ),
    "bias.legal.necessity": Template(
        "Necessity: could the aim be reached in a way that distinguishes less, or not at all?"
    ),
    "bias.legal.proportionality": Template(
        "Proportionality: are the disadvantages for the people concerned in reasonable proportion to the aim?"
    ),
}
"""The English source text of every message id."""

LEGAL_QUESTION_IDS = (
    "bias.legal.direct_or_indirect",
    "bias.legal.legitimate_aim",
    "bias.legal.suitability",
    "bias.legal.necessity",
    "bias.legal.proportionality",
)

LEGAL_QUESTIONS: tuple[Message, ...] = (
    Message("bias.legal.intro"),
    *(Message(message_id) for message_id in LEGAL_QUESTION_IDS),
)
"""The introduction and the five questions the organisation answers itself, in order."""

PARAM_KINDS: Mapping[str, ParamKind] = {
    **dict.fromkeys(
        ("group", "reference_group", "stage", "previous_stage", "first_stage", "period"), ParamKind.TEXT
    ),
    **dict.fromkeys(
        (
            "n",
            "reference_n",
            "count",
            "rows",
            "excluded",
            "counted",
            "disparity_found",
            "no_disparity",
            "inconclusive",
            "too_few_cases",
            "cases_equivalence",
            "cases_detect",
            "min_cases",
        ),
        ParamKind.COUNT,
    ),
    **dict.fromkeys(
        ("value", "value_lower", "value_upper", "reference_value", "reference_lower", "reference_upper"),
        ParamKind.PERCENT,
    ),
    **dict.fromkeys(
        (
            "ratio",
            "ratio_lower",
            "ratio_upper",
            "latest_ratio",
            "earlier_ratio",
            "change",
            "change_lower",
            "change_upper",
        ),
        ParamKind.RATIO,
    ),
    **dict.fromkeys(("points_lower", "points_upper"), ParamKind.POINTS),
    **dict.fromkeys(("p", "p_equivalence"), ParamKind.P_VALUE),
    **dict.fromkeys(
        ("rate", "reference", "tolerance", "tests", "comparisons", "group_cases", "reference_cases"),
        ParamKind.MESSAGE,
    ),
}
"""How each parameter name is formatted; a name not listed is put in as text."""

SMALLEST_P_SHOWN = 0.0001
"""Smaller p-values are shown as "< 0.0001"."""


class Translations(Protocol):
    """What :func:`render` needs of a translation catalogue (``babel.support.Translations`` has it)."""

    def gettext(self, message: str) -> str:
        """The translation of ``message``."""
        ...

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The translation of a message whose form depends on the number ``n``."""
        ...


def render(message: Message, *, locale: str = "en", translations: Translations | None = None) -> str:
    """The text of a message, its numbers formatted for ``locale``.

    Without ``translations`` the English source text is used; with them (for instance
    ``algoreg.web.i18n.translations("nl")``), the template — and every nested message — is looked up
    through ``gettext``/``ngettext`` first. An unknown id, or a template parameter the message lacks,
    raises :class:`~algoreg.errors.InvalidInput`.
    """
    template = TEMPLATES.get(message.id)
    if template is None:
        raise InvalidInput(
            problems=[FieldProblem("id", f"no message has the id '{message.id}'")],
            summary="The message cannot be shown.",
        )
    values = {name: _formatted(name, value, locale, translations) for name, value in message.params.items()}
    if template.plural is not None and template.count is not None:
        count = message.params.get(template.count)
        number = int(count) if isinstance(count, int | float) else 0
        if translations is not None:
            text = translations.ngettext(template.text, template.plural, number)
        else:
            text = template.text if number == 1 else template.plural
    else:
        text = translations.gettext(template.text) if translations is not None else template.text
    try:
        return text % values
    except KeyError as missing:
        raise InvalidInput(
            problems=[FieldProblem("params", f"message '{message.id}' needs the parameter {missing}")],
            summary="The message cannot be shown.",
        ) from None


def _formatted(name: str, value: ParamValue, locale: str, translations: Translations | None) -> str:
    if isinstance(value, Message):
        return render(value, locale=locale, translations=translations)
    if value is None:
        return "–"
    if isinstance(value, bool | str):
        return str(value)
    kind = PARAM_KINDS.get(name, ParamKind.TEXT)
    number = float(value)
    if not math.isfinite(number):
        return "–"
    if kind is ParamKind.COUNT:
        return str(format_decimal(round(number), format="#,##0", locale=locale))
    if kind is ParamKind.PERCENT:
        return str(format_percent(number, format="#,##0.#%", locale=locale))
    if kind is ParamKind.RATIO:
        return str(format_decimal(number, format="#,##0.0#", locale=locale))
    if kind is ParamKind.POINTS:
        return str(format_decimal(100.0 * number, format="+#,##0.#;-#,##0.#", locale=locale))
    if kind is ParamKind.P_VALUE:
        if number < SMALLEST_P_SHOWN:
            return "< " + str(format_decimal(SMALLEST_P_SHOWN, format="0.0###", locale=locale))
        return "= " + str(format_decimal(number, format="@#", locale=locale))
    return str(format_decimal(number, locale=locale))
