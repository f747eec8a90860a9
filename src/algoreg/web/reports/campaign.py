"""A campaign's progress as a standalone page or PDF, for a letter to parliament.

The summary shows the campaign, totals (organisations asked and answered, algorithms in scope, each
action per state, support requests per state with the budget asked) and a table per organisation.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from babel.dates import format_datetime

from algoreg.inventory.campaigns.action_states import ActionState
from algoreg.inventory.campaigns.progress import CampaignView
from algoreg.web.i18n import Language
from algoreg.web.reports.documents import html_to_pdf, report_environment, translator

_ACTION_WORDS = {
    ActionState.DONE: "Done",
    ActionState.IN_PROGRESS: "In progress",
    ActionState.NOT_STARTED: "Not started",
    ActionState.NOT_APPLICABLE: "Not applicable",
}
_SUPPORT_WORDS = {"requested": "Awaiting a decision", "granted": "Granted", "declined": "Declined"}
_CAMPAIGN_WORDS = {"draft": "Draft", "open": "Open", "closed": "Closed"}


@dataclass
class SupportTotal:
    """Support requests in one state: how many, how many ask expertise, and the budget asked."""

    count: int = 0
    expertise: int = 0
    budget: int = 0


@dataclass
class Totals:
    """Totals over all organisations shown."""

    support: dict[str, SupportTotal] = field(default_factory=dict)


def totals(view: CampaignView) -> Totals:
    """Support requests per state (every state listed, also when none are in it)."""
    found = Totals({state: SupportTotal() for state in _SUPPORT_WORDS})
    for target in view.targets:
        for request in target.support:
            row = found.support[request.state]
            row.count += 1
            row.expertise += int(request.expertise)
            row.budget += request.budget_euros or 0
    return found


def render_summary_html(view: CampaignView, lang: Language = "nl", now: datetime | None = None) -> str:
    """The summary as a complete page in ``lang``; every value escaped, nothing loaded from outside."""
    _ = translator(lang)
    words = {
        "actions": {state.value: _(text) for state, text in _ACTION_WORDS.items()},
        "support": {state: _(text) for state, text in _SUPPORT_WORDS.items()},
    } | {state: _(text) for state, text in _CAMPAIGN_WORDS.items()}
    moment = format_datetime(now or datetime.now(UTC), "d MMMM yyyy, HH:mm 'UTC'", tzinfo=UTC, locale=lang)
    html: str = (
        report_environment()
        .get_template("campaign/summary.html")
        .render(view=view, lang=lang, _=_, moment=moment, state_words=_Words(words), total=totals(view))
    )
    return html


class _Words(dict[str, object]):
    """Words by key, also reachable as attributes in templates (``state_words.actions``)."""

    def __getattr__(self, name: str) -> object:
        return self[name]


def render_summary_pdf(view: CampaignView, lang: Language = "nl") -> bytes:
    """The summary printed to a tagged PDF (A4, page numbers)."""
    return html_to_pdf(render_summary_html(view, lang))
