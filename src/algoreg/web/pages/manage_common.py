"""What the management pages share: words for states and actions, moments, translated reasons.

Labels are English source texts, translated on the page through the ``.po`` files. The domain's
reasons are English sentences with values in them; :func:`translate_reason` recognises the
common ones and translates them, and passes any other reason on unchanged (shown as English).
"""

import re
from datetime import datetime
from typing import Any

from babel.dates import format_datetime, get_timezone
from fastapi import Request

from algoreg.register.workflow import Action, State
from algoreg.web import i18n
from algoreg.web.pages.form_problems import Reasons, confirmation
from algoreg.web.pages.form_problems import reason as _pattern

#: Words for each workflow state, so that a state is never shown by colour alone.
STATE_LABELS: dict[str, str] = {
    State.CONCEPT: "Concept",
    State.IN_REVIEW: "In review",
    State.APPROVED: "Approved",
    State.PUBLISHED: "Published",
    State.RETRACTED: "Retracted",
    State.ARCHIVED: "Archived",
}

#: Button texts of the workflow actions.
ACTION_LABELS: dict[str, str] = {
    Action.SUBMIT: "Submit for review",
    Action.REJECT: "Send back to concept",
    Action.APPROVE: "Approve",
    Action.PUBLISH: "Publish",
    Action.RETRACT: "Retract the publication",
    Action.ARCHIVE: "Archive",
    Action.UNARCHIVE: "Take out of the archive",
}

#: Confirmations after an action, by the value of ``?gedaan=``.
DONE_MESSAGES: dict[str, str] = {
    "aangemaakt": "The algorithm was registered as a concept.",
    "opgeslagen": "Your changes were saved as a new version; the algorithm is a concept again.",
    "ongewijzigd": "Nothing was changed, so no new version was stored.",
    Action.SUBMIT: "The algorithm was submitted for review.",
    Action.REJECT: "The algorithm was sent back to concept.",
    Action.APPROVE: "The algorithm was approved.",
    Action.PUBLISH: "The algorithm was published; the public can now read it.",
    Action.RETRACT: "The publication was retracted; the public can no longer read it.",
    Action.ARCHIVE: "The algorithm was archived.",
    Action.UNARCHIVE: "The algorithm was taken out of the archive.",
}

#: Role names (English source texts).
ROLE_LABELS: dict[str, str] = {
    "viewer": "Viewer",
    "editor": "Editor",
    "publisher": "Publisher",
    "admin": "Admin",
}

_TIMEZONE = get_timezone("Europe/Amsterdam")


def format_moment(moment: datetime | None, lang: str) -> str:
    """Return a moment as day and time in the Netherlands' time zone, written for ``lang``."""
    if moment is None:
        return ""
    return format_datetime(moment, "d MMM y, HH:mm", tzinfo=_TIMEZONE, locale=lang)


def done_message(request: Request) -> str | None:
    """Return the confirmation named by ``?gedaan=``, if it names one."""
    return confirmation(request, DONE_MESSAGES)


def common_context(request: Request) -> dict[str, Any]:
    """Return what every management page needs before its own values."""
    return {
        "section": "manage",
        "state_labels": STATE_LABELS,
        "action_labels": ACTION_LABELS,
        "role_labels": ROLE_LABELS,
        "format_moment": format_moment,
        "done": done_message(request),
    }


#: Reasons of the domain and their English source texts with placeholders (translated in .po).
_REASONS = Reasons(
    _pattern(
        r"This field is required by standard 1\.0 but is missing; give a value for it\.",
        "This field is required; fill it in.",
    ),
    _pattern(
        r"This key is required in each entry but is missing; give a value for it\.",
        "Fill this in for every row you use.",
    ),
    _pattern(r"This value may not be empty; give at least 1 character\.", "This may not be empty."),
    _pattern(
        r"This value is (?P<length>\d+) characters long; "
        r"at most (?P<maximum>\d+)(?: characters)? are allowed\.",
        "This text is %(length)s characters long; at most %(maximum)s are allowed.",
    ),
    _pattern(
        r"This value is (?P<length>\d+) characters of text \(markup not counted\) long; "
        r"at most (?P<maximum>\d+) are allowed\.",
        "This text is %(length)s characters long (markup not counted); at most %(maximum)s are allowed.",
    ),
    _pattern(
        r"This value must be an absolute web address starting with https:// or http://\.",
        "Enter a complete web address that starts with https:// or http://.",
    ),
    _pattern(
        r"This value must be an e-mail address such as algoritmes@organisatie\.nl\.",
        "Enter an e-mail address, such as algoritmes@organisatie.nl.",
    ),
    _pattern(
        r"This value must be a month written as YYYY-MM, such as 2023-01\.",
        "Enter a month as YYYY-MM, for example 2023-01.",
    ),
    _pattern(
        r"end_date lies before begin_date; the end month must be on or after the begin month\.",
        "The end date lies before the start date; "
        "the end month must be the same as or later than the start month.",
    ),
    _pattern(
        r"(?P<given>'.*') is not one of the allowed values; use one of: (?P<allowed>.*)\.",
        "%(given)s is not one of the allowed values; choose one of: %(allowed)s.",
    ),
    _pattern(
        r"(?P<given>'.*') is not allowed here; the only allowed value is (?P<allowed>.*)\.",
        "%(given)s is not allowed here; the only allowed value is %(allowed)s.",
    ),
    _pattern(
        r"is (?P<given>'.*'), but this register entry belongs to (?P<name>'.*'); "
        r"use that name or leave the field empty",
        "%(given)s is not this organisation; use its name %(name)s or leave the field empty.",
    ),
    _pattern(
        r"(?P<name>'.*') is not a field of publication standard 1\.0; "
        r"remove it or correct its name\.(?P<rest>.*)",
        "%(name)s is not a field of publication standard 1.0; remove it or correct its name.%(rest)s",
    ),
    _pattern(
        r"(?P<id>'.*') belongs to another organisation's algorithm",
        "%(id)s belongs to an algorithm of another organisation.",
    ),
    _pattern(
        r"'(?P<action>[a-z_]+)' is not possible while the algorithm is (?P<state>[a-z_]+); "
        r"possible now: (?P<allowed>.*)\.",
        "This step is not possible in the algorithm's current state (%(state)s); possible now: %(allowed)s.",
    ),
    _pattern(
        r"Nothing of this algorithm is public, so there is nothing to retract\.",
        "Nothing of this algorithm is public, so there is nothing to retract.",
    ),
    _pattern(
        r"(?P<id>'.*') also occurs in row (?P<row>\d+)",
        "%(id)s also occurs in row %(row)s.",
    ),
)


def translate_reason(lang: str, reason: str) -> tuple[str, bool]:
    """Return ``reason`` in ``lang`` and whether it was translated (else it is the English original)."""
    language = i18n.pick_language(lang) or i18n.DEFAULT_LANGUAGE
    found = _REASONS.match(reason)
    if found is None:
        return reason, False
    pattern, variables = found
    rest = variables.get("rest")
    if rest:
        close = re.fullmatch(r" Did you mean (?P<name>'.*')\?", rest)
        variables["rest"] = (
            " " + i18n.gettext(language, "Did you mean %(name)s?", name=close["name"]) if close else rest
        )
    return i18n.gettext(language, pattern.message, **variables), True
