"""Problems of the domain shown on management forms: each reason in the reader's language, at its field.

The domain refuses bad input with :class:`~algoreg.errors.InvalidInput`, whose problems each name a
field and give a reason: an English sentence with values in it. A page lists the reasons it knows
as :class:`Reasons` (patterns and the English source texts shown for them, translated through the
``.po`` files); a reason none of them knows goes to the table's fallback (usually
:func:`algoreg.web.pages.manage_common.translate_reason`, the reasons every management page knows)
and is otherwise shown as it is, in English, which the templates mark. :func:`shown_problems` puts
each problem at the form's input with the input's label, and :func:`confirmation` finds the
confirmation a page shows after a redirect with ``?gedaan=``. :meth:`Reasons.shown` gives a reason
(such as a refusal shown as the page's alert) as ready markup, every part marked with its language.
"""

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from fastapi import Request
from markupsafe import Markup, escape

from algoreg.errors import FieldProblem
from algoreg.web import i18n

#: Translates a text into a language: the text shown and whether it is translated.
Translator = Callable[[i18n.Language, str], tuple[str, bool]]


@dataclass(frozen=True)
class Reason:
    """A reason of the domain, recognised when ``regex`` matches all of it (spaces around it aside),
    and the English source text shown for it, whose ``%(name)s`` placeholders take the named groups.

    ``data`` names groups that hold Dutch data (such as an instrument's own texts), marked as Dutch
    on a page in another language; ``nested`` names groups that hold a reason of their own, shown
    through the same table (see :meth:`Reasons.shown`).
    """

    regex: re.Pattern[str]
    message: str
    data: tuple[str, ...] = ()
    nested: tuple[str, ...] = ()


def reason(regex: str, message: str, *, data: tuple[str, ...] = (), nested: tuple[str, ...] = ()) -> Reason:
    """A :class:`Reason` whose ``regex`` may span lines (its ``.`` matches a line break as well)."""
    return Reason(re.compile(regex, re.DOTALL), message, data, nested)


def marked(lang: i18n.Language, text: str, translated: bool) -> Markup:
    """``text`` escaped for a page in ``lang``; marked as English (``lang="en"``) when it is not
    translated and the page is in another language."""
    if translated or lang == "en":
        return escape(text)
    return Markup('<span lang="en">{}</span>').format(text)


def _dutch(lang: i18n.Language, text: str) -> Markup:
    return escape(text) if lang == "nl" else Markup('<span lang="nl">{}</span>').format(text)


def untranslated(lang: i18n.Language, text: str) -> tuple[str, bool]:
    """``text`` as it is, not translated: the fallback of a table that passes nothing on."""
    return text, False


class Reasons:
    """A table of known reasons, tried in the order given; the first that matches is shown.

    A reason none of them matches is given to ``fallback``, whose answer is shown instead.
    """

    def __init__(self, *patterns: Reason, fallback: Translator = untranslated) -> None:
        self.patterns = patterns
        self.fallback = fallback

    def match(self, text: str) -> tuple[Reason, dict[str, str]] | None:
        """The first known reason ``text`` is, with the values its named groups found; else ``None``."""
        for pattern in self.patterns:
            found = pattern.regex.fullmatch(text.strip())
            if found:
                return pattern, found.groupdict()
        return None

    def translate(self, lang: i18n.Language, text: str) -> tuple[str, bool]:
        """``text`` in ``lang`` and whether it was translated (else it is the English original).

        A known reason is its message translated with the values filled in; any other text is what
        the fallback makes of it.
        """
        found = self.match(text)
        if found is None:
            return self.fallback(lang, text)
        pattern, values = found
        return i18n.gettext(lang, pattern.message, **values), True

    def shown(self, lang: i18n.Language, text: str) -> Markup:
        """``text`` as markup for a page in ``lang``: a known reason translated, its values escaped
        (its ``data`` marked as Dutch, its ``nested`` reasons shown the same way); any other text
        as the fallback makes it, marked as English when it is not translated."""
        found = self.match(text)
        if found is None:
            return marked(lang, *self.fallback(lang, text))
        pattern, values = found
        filled: dict[str, str] = {}
        for name, value in values.items():
            if name in pattern.data:
                filled[name] = _dutch(lang, value)
            elif name in pattern.nested:
                filled[name] = self.shown(lang, value)
            else:
                filled[name] = value
        return escape(i18n.gettext(lang, pattern.message)) % filled


@dataclass(frozen=True)
class ShownProblem:
    """A problem as a form shows it, at one input of the page.

    ``field`` is the field as the domain named it and ``name`` the page's name of the input it is
    shown at; ``label`` is that input's label and ``message`` the reason, both in the reader's
    language unless ``translated`` is false (then the message is the domain's English original).
    The input's element id is :attr:`anchor`; a list of the problems links to :attr:`href`.
    """

    field: str
    name: str
    label: str
    message: str
    translated: bool
    anchor_prefix: str = ""
    link: str = ""

    @property
    def anchor(self) -> str:
        """The element id of the input the problem is shown at: the prefix and the input's name."""
        return f"{self.anchor_prefix}{self.name}"

    @property
    def target(self) -> str:
        """The same as :attr:`anchor` (the name some templates use)."""
        return self.anchor

    @property
    def href(self) -> str:
        """Where a list of problems links to: ``link`` when given (such as another page), else the input."""
        return self.link or f"#{self.anchor}"


def _as_named(field: str) -> str:
    return field


def shown_problems(
    problems: Iterable[FieldProblem],
    lang: i18n.Language,
    reasons: Reasons,
    labels: Mapping[str, str],
    *,
    anchor_prefix: str = "",
    name_of: Callable[[str], str] = _as_named,
) -> list[ShownProblem]:
    """The problems in ``lang``, in the order given, each at the input ``name_of`` gives its field.

    ``labels`` gives the English source text of each input's label by the input's name; an input
    without one is labelled with its name. Each input's element id is ``anchor_prefix`` and its
    name. Reasons are translated by ``reasons``.
    """
    shown = []
    for problem in problems:
        name = name_of(problem.field)
        message, translated = reasons.translate(lang, problem.reason)
        label = i18n.gettext(lang, labels.get(name) or name)
        shown.append(ShownProblem(problem.field, name, label, message, translated, anchor_prefix))
    return shown


def by_anchor(problems: Iterable[ShownProblem]) -> dict[str, list[ShownProblem]]:
    """The problems grouped by the input they are shown at (its element id), each group in order."""
    grouped: dict[str, list[ShownProblem]] = {}
    for problem in problems:
        grouped.setdefault(problem.anchor, []).append(problem)
    return grouped


def confirmation(request: Request, messages: Mapping[str, str]) -> str | None:
    """The confirmation among ``messages`` that the request's ``?gedaan=`` names; ``None`` when it
    names none of them (or is absent). It is an English source text, translated by the template."""
    return messages.get(request.query_params.get("gedaan", ""))
