"""What the campaign pages share: words for states, problems placed at their form fields in the
reader's language, the texts of a form, and the chart of an action's progress.

Labels and messages are English source texts, translated through ``locale/nl/campaigns.po``. The
domain's reasons and refusals are recognised by pattern (a :class:`~.form_problems.Reasons` table)
and translated; any other is shown as it is, in English, marked so (a refusal by
:func:`conflict_text`, a problem's reason by the templates).
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from babel.numbers import format_decimal
from markupsafe import Markup
from starlette.datastructures import FormData

from algoreg.errors import Conflict, FieldProblem
from algoreg.inventory.campaigns.action_states import ActionState
from algoreg.inventory.campaigns.progress import ActionView
from algoreg.web import i18n
from algoreg.web.charts import Bar, BarChart
from algoreg.web.pages.form_problems import Reasons, reason
from algoreg.web.pages.manage_common import STATE_LABELS

#: Words for a campaign's states.
CAMPAIGN_STATE_LABELS: dict[str, str] = {"draft": "Draft", "open": "Open", "closed": "Closed"}

#: Words for an asked action's states, in the order charts and tables show them.
ACTION_STATE_LABELS: dict[ActionState, str] = {
    ActionState.DONE: "Done",
    ActionState.IN_PROGRESS: "In progress",
    ActionState.NOT_STARTED: "Not started",
    ActionState.NOT_APPLICABLE: "Not applicable",
}

#: Words for a support request's states.
SUPPORT_STATE_LABELS: dict[str, str] = {
    "requested": "Awaiting a decision",
    "granted": "Granted",
    "declined": "Declined",
}

#: Confirmations after a step, by the value of ``?gedaan=``.
DONE_MESSAGES: dict[str, str] = {
    "aangemaakt": "The campaign was created as a draft. Add organisations and open it when it is ready.",
    "geopend": "The campaign is open; the organisations it asks can now answer.",
    "gesloten": "The campaign is closed; the answers are kept and no more are taken.",
    "organisaties": "The organisations were added to the campaign.",
    "besloten": "The decision on the support request was saved.",
    "toegevoegd": "The algorithm was added to your answer.",
    "risicos": "The risks for human rights were saved.",
    "verwijderd": "The algorithm was taken out of your answer.",
    "gemeld": "The state of the action was saved.",
    "steun": "Your request for support was sent to the organisation that runs the campaign.",
    "verklaard": "Your list of algorithms is declared complete.",
    "teruggenomen": "Your list of algorithms is no longer declared complete.",
}


@dataclass(frozen=True)
class FormProblem:
    """A problem as a page shows it: the form and field it belongs to, the field's element id, the
    field's label, the message, and whether the message is translated."""

    form: str
    name: str
    anchor: str
    label: str
    message: str
    translated: bool


#: The domain's and the validator's reasons, and the domain's refusals (Conflict), with their English
#: source texts (translated in .po); any other text is shown as it is, in English.
_REASONS = Reasons(
    reason(r"Field required|String should have at least 1 character", "This field is required; fill it in."),
    reason(
        r"String should have at most (?P<maximum>\d+) characters?",
        "This text is too long; at most %(maximum)s characters are allowed.",
    ),
    reason(r"Input should be a valid date.*", "Enter a date, such as 2027-03-01."),
    reason(r"Input should be a valid (integer|number).*", "Enter a whole number of euros, such as 25000."),
    reason(r"Input should be greater than or equal to 1", "Enter an amount of at least 1 euro."),
    reason(
        r"Input should be less than or equal to (?P<maximum>\d+)",
        "Enter an amount of at most %(maximum)s euros.",
    ),
    reason(r"Input should be .*", "Choose one of the options."),
    reason(
        r"give an e-mail address such as .*",
        "Enter an e-mail address, such as algoritmes@organisatie.nl.",
    ),
    reason(
        r"give a web address starting with https://",
        "Enter a complete web address that starts with https:// or http://.",
    ),
    reason(
        r"ask for expertise, for a budget \(with its amount\), or for both",
        "Ask for expertise, for a budget (with its amount), or for both.",
    ),
    reason(
        r"say in the note why the action does not apply", "Say in the note why the action does not apply."
    ),
    reason(
        r"there is no organisation with code '(?P<code>.*)'", "There is no organisation with code '%(code)s'."
    ),
    reason(
        r"the organisation that runs the campaign does not ask itself",
        "The organisation that runs the campaign cannot ask itself.",
    ),
    reason(r"name at least one organisation by its code", "Name at least one organisation by its code."),
    reason(
        r"add at least one organisation before opening the campaign",
        "Add at least one organisation before you open the campaign.",
    ),
    reason(r"'.*' is not an algorithm of your organisation", "Choose one of your organisation's algorithms."),
    reason(r"choose one of the organisations where you may start a campaign", "Choose an organisation."),
    # refusals (Conflict) shown as the page's alert
    reason(
        r"The campaign is \w+; answers are taken only while it is open\.",
        "Answers are taken only while the campaign is open.",
    ),
    reason(r"Algorithm '.*' is already in your answer\.", "This algorithm is already in your answer."),
    reason(
        r"The campaign is \w+; you can .* only while it is a draft\.",
        "This is possible only while the campaign is a draft.",
    ),
    reason(
        r"The campaign is \w+; only an open campaign can be closed\.", "Only an open campaign can be closed."
    ),
    reason(
        r"The campaign is closed; no organisations can be added\.",
        "The campaign is closed; no organisations can be added.",
    ),
    reason(r"Support request \d+ was already \w+\.", "This support request was already decided."),
)

#: Where an action's status was read from (the domain's words), and their English source texts.
_SOURCES = Reasons(
    reason(r"assessment (?P<id>\d+) signed off", "Assessment %(id)s signed off"),
    reason(r"assessment (?P<id>\d+) \w+", "Assessment %(id)s is not signed off yet"),
    reason(r"no assessment", "No assessment yet"),
    reason(r"version (?P<number>\d+) is public", "Version %(number)s is public"),
    reason(r"in the register, (?P<state>\w+), not public", "In the register (%(state)s), not public"),
    reason(r"nothing reported", "Nothing reported yet"),
    reason(r"reported by (?P<name>.*)", "Reported by %(name)s"),
)


def reason_text(lang: i18n.Language, reason: str) -> tuple[str, bool]:
    """A problem's reason in ``lang``, and whether it was translated (else it is the English original)."""
    return _REASONS.translate(lang, reason)


def conflict_text(lang: i18n.Language, conflict: Conflict) -> Markup:
    """A refusal's message as the page's alert: translated, or the English original marked as English."""
    return _REASONS.shown(lang, conflict.message)


def source_text(lang: i18n.Language, source: str) -> tuple[str, bool]:
    """Where an action's status was read from, in ``lang``, and whether it was translated."""
    found = _SOURCES.match(source)
    if found is None:
        return source, False
    pattern, values = found
    if "state" in values:  # a workflow state of the register, in words
        values["state"] = i18n.gettext(lang, STATE_LABELS.get(values["state"], values["state"]))
    return i18n.gettext(lang, pattern.message, **values), True


def shown_problems(
    problems: list[FieldProblem],
    lang: i18n.Language,
    form: str,
    anchor_prefix: str,
    labels: Mapping[str, str],
    field_of: Callable[[str], str] = lambda field: field,
) -> list[FormProblem]:
    """The problems of one form in ``lang``, each under the form field ``field_of`` places it at.

    A field's element id is ``anchor_prefix`` followed by its name; problems of a field the form
    does not have are placed at its first field.
    """
    first = next(iter(labels))
    shown = []
    for problem in problems:
        name = field_of(problem.field)
        if name not in labels:
            name = first
        message, translated = reason_text(lang, problem.reason)
        shown.append(
            FormProblem(
                form=form,
                name=name,
                anchor=f"{anchor_prefix}{name}",
                label=i18n.gettext(lang, labels[name]),
                message=message,
                translated=translated,
            )
        )
    return shown


def texts(form: FormData, names: tuple[str, ...]) -> dict[str, str]:
    """The form's text values for ``names``; a field that was not sent (an unticked box) is ``""``."""
    return {name: value if isinstance(value := form.get(name), str) else "" for name in names}


_THOUSANDS = re.compile(r"\d{1,3}(\.\d{3})+")


def euros(text: str) -> str | None:
    """An amount of euros as typed (``€ 25.000`` or ``25000``) as digits for the validator; ``None`` if empty.

    Anything else is passed on as typed, so that the validator names the problem.
    """
    amount = text.replace("€", "").replace(" ", "").replace("\u00a0", "").strip()
    if not amount:
        return None
    if _THOUSANDS.fullmatch(amount):
        amount = amount.replace(".", "")
    return amount


def euro_formatter(lang: i18n.Language) -> Callable[[int], str]:
    """A function writing an amount of euros as the reader writes it (``€ 25.000`` in Dutch)."""
    return lambda amount: f"€ {format_decimal(amount, locale=lang)}"


def codes_of(text: str) -> list[str]:
    """Organisation codes written one per line or separated by commas, without empty ones."""
    return [code.strip() for code in re.split(r"[,;\n\r]+", text) if code.strip()]


@dataclass(frozen=True)
class StateRow:
    """One row of an action's table: the state's words and the number of algorithms in it."""

    state: str
    label: str
    count: int
    shown: str


@dataclass(frozen=True)
class ActionChart:
    """An action's progress: its chart, the chart's text alternative, and the same numbers as rows."""

    key: str
    title: str
    alt: str
    rows: list[StateRow]
    chart: BarChart


def action_chart(action: ActionView, counts: Mapping[ActionState, int], lang: i18n.Language) -> ActionChart:
    """The chart of how many algorithms are in each state of ``action``, with its table's rows."""
    _ = i18n.gettext
    rows = [
        StateRow(
            state.value,
            _(lang, label),
            counts.get(state, 0),
            format_decimal(counts.get(state, 0), locale=lang),
        )
        for state, label in ACTION_STATE_LABELS.items()
    ]
    title = _(lang, "%(action)s: algorithms per state", action=action.title)
    chart = BarChart(
        title=title,
        description="; ".join(f"{row.label}: {row.shown}" for row in rows),
        category_title=_(lang, "State"),
        value_title=_(lang, "Number of algorithms"),
        bars=tuple(Bar(row.label, row.count, row.shown) for row in rows),
        lang=lang,
    )
    alt = _(
        lang,
        "%(kind)s: %(title)s. The numbers are in the table below.",
        kind=_(lang, "Bar chart"),
        title=title,
    )
    return ActionChart(action.key, title, alt, rows, chart)
