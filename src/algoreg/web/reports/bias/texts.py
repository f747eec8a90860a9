"""Texts of a bias report in one language: gettext translations, numbers as the reader writes them.

Numbers follow :mod:`algoreg.bias.messages`, so that a table and a sentence show a figure alike:
rates as percentages with at most one decimal, ratios with two decimals, p-values with two
significant digits (below 0.0001 as "< 0.0001"), counts with digit grouping.
"""

import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from babel.numbers import format_decimal, format_percent

from algoreg.bias.messages import SMALLEST_P_SHOWN, Message, render
from algoreg.bias.results import group_label
from algoreg.bias.statistics import Verdict
from algoreg.web.i18n import Language, translations


@dataclass
class ReportTexts:
    """Translation and number formatting for one language, and unique ids for the page."""

    lang: Language
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def _(self, text: str, **values: object) -> str:
        """``text`` translated, with its ``%(name)s`` placeholders filled in."""
        translated = translations(self.lang).gettext(text)
        return translated % values if values else translated

    def ngettext(self, singular: str, plural: str, count: int, **values: object) -> str:
        """The form of a text for ``count`` (formatted as a count), translated and filled in."""
        translated = translations(self.lang).ngettext(singular, plural, count)
        return translated % {"count": self.count(count), **values}

    def new_id(self, name: str) -> str:
        """An id for an element, unique within the report, starting with ``bias-``."""
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "part"
        return f"bias-{slug}-{next(self.ids)}"

    def message(self, message: Message) -> str:
        """A sentence of the analysis in this language (see :func:`algoreg.bias.messages.render`)."""
        return render(message, locale=self.lang, translations=translations(self.lang))

    def percent(self, value: float | None) -> str:
        """A rate as a percentage with at most one decimal ("23.1%"); "–" for none."""
        return "–" if value is None else str(format_percent(value, format="#,##0.#%", locale=self.lang))

    def interval(self, lower: float | None, upper: float | None) -> str:
        """An interval of rates ("20.6% – 25.7%"); "–" when a bound is missing."""
        if lower is None or upper is None:
            return "–"
        return f"{self.percent(lower)} – {self.percent(upper)}"

    def ratio(self, value: float | None) -> str:
        """A ratio with two decimals; "–" for none."""
        return "–" if value is None else str(format_decimal(value, format="#,##0.00", locale=self.lang))

    def decimal(self, value: float | None, pattern: str = "0.000") -> str:
        """A number in a Babel ``pattern`` (default three decimals); "–" for none."""
        return "–" if value is None else str(format_decimal(value, format=pattern, locale=self.lang))

    def number(self, value: float) -> str:
        """A setting such as q = 0.05, with as many decimals as it has."""
        return str(format_decimal(value, locale=self.lang))

    def count(self, value: int | None) -> str:
        """A count with digit grouping ("1,028"; Dutch "1.028"); "–" for none."""
        return "–" if value is None else str(format_decimal(value, format="#,##0", locale=self.lang))

    def points(self, value: float | None) -> str:
        """A difference of rates in percentage points, with its sign ("+3.4"); "–" for none."""
        if value is None:
            return "–"
        return str(format_decimal(100.0 * value, format="+#,##0.0;-#,##0.0", locale=self.lang))

    def p_value(self, value: float | None) -> str:
        """A p-value with two significant digits, "< 0.0001" below that; "–" for none."""
        if value is None:
            return "–"
        if value < SMALLEST_P_SHOWN:
            return "< " + str(format_decimal(SMALLEST_P_SHOWN, format="0.0###", locale=self.lang))
        return str(format_decimal(value, format="@#", locale=self.lang))

    def yes_no(self, value: bool | None) -> str:
        """ "yes" or "no" in this language; "–" for none."""
        if value is None:
            return "–"
        return self._("yes") if value else self._("no")

    def rate(self, name: str) -> str:
        """The name of a rate (``selection_rate`` …) as words."""
        return self.message(Message(f"bias.rate.{name}"))

    def verdict(self, verdict: Verdict) -> str:
        """A verdict as words."""
        labels = {
            Verdict.DISPARITY_FOUND: self._("Disparity found"),
            Verdict.NO_DISPARITY_BEYOND_TOLERANCE: self._("No disparity beyond the tolerance"),
            Verdict.INCONCLUSIVE: self._("Inconclusive"),
            Verdict.TOO_FEW_CASES: self._("Too few cases"),
        }
        return labels[Verdict(verdict)]

    def against(self, against: str, reference: Sequence[str] | None) -> str:
        """What a rate is compared with: the reference group (named) or all other groups."""
        if against == "rest":
            return self.message(Message("bias.reference.rest"))
        return self.message(
            Message("bias.reference.group", {"reference_group": group_label(reference or ())})
        )

    def grouping(self, attributes: Sequence[str]) -> str:
        """The name of a grouping: its attributes joined by " × "."""
        return " × ".join(attributes)


def capital(text: str) -> str:
    """``text`` with its first letter in upper case (the rest as it is)."""
    return text[:1].upper() + text[1:]
