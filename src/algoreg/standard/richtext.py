"""Rich text of the standard: a small safe HTML subset, measured without its markup."""

import html
import re

import nh3

#: The tags the standard allows in its rich-text fields (``allowed_html_tags``).
ALLOWED_TAGS: frozenset[str] = frozenset({"div", "br", "p", "ul", "ol", "li"})

_TAG = re.compile(r"<[^>]*>")


def sanitise(value: str) -> str:
    """Return ``value`` with every tag, attribute and comment outside the allowed subset removed.

    Text content is kept; dangerous elements such as ``script`` and ``style`` are dropped with
    their content. The result is safe to place in a page unescaped.
    """
    return nh3.clean(
        value,
        tags=set(ALLOWED_TAGS),
        attributes={},
        strip_comments=True,
        link_rel=None,
    )


def text_without_markup(value: str) -> str:
    """Return the visible text of an HTML fragment: tags removed, entities decoded."""
    return html.unescape(_TAG.sub("", value))


def text_length(value: str) -> int:
    """Return the number of characters of ``value`` not counting markup, as the standard counts."""
    return len(text_without_markup(value))
