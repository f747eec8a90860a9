"""Text for the search index: what of a record is searchable, and Dutch words reduced to their stems.

PostgreSQL stems with its own ``dutch`` text-search configuration. SQLite's FTS5 has no Dutch
stemmer, so for SQLite the text and the query are stemmed here with the Snowball Dutch (Porter)
stemmer, the same algorithm PostgreSQL's ``dutch`` configuration uses, so that both engines find
the same inflections. Query words are reduced to plain letters and digits before they reach
either engine: no quote, operator or syntax character of a user's query is ever passed on.
"""

import html
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import snowballstemmer  # type: ignore[import-untyped]

#: Longest query that is read; the rest is ignored.
MAX_QUERY_CHARS = 200
#: Most words of a query that are used.
MAX_QUERY_TERMS = 16

_WORD = re.compile(r"[^\W_]+")
_TAG = re.compile(r"<[^>]*>")

#: Very common Dutch function words; they carry no meaning of their own in a search. The set is the
#: one PostgreSQL's ``dutch`` configuration leaves out, so that both engines treat them alike.
STOP_WORDS: frozenset[str] = frozenset(
    """
    aan al alles altijd als andere ben bij daar dan dat de der deze die dit doch doen door dus een
    eens en er ge geen geweest haar had heb hebben heeft hem het hier hij hoe hun iemand iets ik in
    is ja je kan kon kunnen maar me meer men met mij mijn moet na naar niet niets nog nu of om omdat
    onder ons ook op over reeds te tegen toch toen tot u uit uw van veel voor want waren was wat
    werd wezen wie wil worden wordt zal ze zelf zich zij zijn zo zonder zou
    """.split()  # noqa: SIM905
)

#: Fields whose text weighs most (A), much (B) or normally (C) in relevance.
NAME_FIELDS = ("name",)
SUMMARY_FIELDS = ("description_short", "organization", "tags", "provider")
BODY_FIELDS = (
    "goal",
    "proportionality",
    "human_intervention",
    "risks",
    "lawful_basis",
    "impacttoetsen",
    "source_data",
    "methods_and_models",
)
GROUPING_FIELDS = ("lawful_basis_grouping", "impacttoetsen_grouping", "source_data_grouping")


@dataclass(frozen=True)
class SearchableText:
    """The searchable text of a record in three parts of falling weight, without markup."""

    name: str
    summary: str
    body: str


def plain_text(value: str | None) -> str:
    """Return the visible text of a (rich) text value: tags become spaces, entities are decoded."""
    if not value:
        return ""
    return " ".join(html.unescape(_TAG.sub(" ", value)).split())


def searchable_text(record: Mapping[str, Any]) -> SearchableText:
    """Return the text of ``record`` that search looks at: every text field, grouping titles, themes."""

    def joined(parts: Iterable[str]) -> str:
        return " ".join(part for part in parts if part)

    body_parts = [plain_text(_text(record.get(field))) for field in BODY_FIELDS]
    for grouping in GROUPING_FIELDS:
        for row in record.get(grouping) or []:
            if isinstance(row, Mapping):
                body_parts.append(plain_text(_text(row.get("title"))))
    themes = [str(theme) for theme in record.get("category") or []]
    return SearchableText(
        name=plain_text(_text(record.get("name"))),
        summary=joined([*(plain_text(_text(record.get(f))) for f in SUMMARY_FIELDS), *themes]),
        body=joined(body_parts),
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def fold(text: str) -> str:
    """Return ``text`` in lower case without diacritics (``"Café"`` → ``"cafe"``)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def words(text: str) -> list[str]:
    """Return the words of ``text``: runs of letters and digits, folded to lower case."""
    return _WORD.findall(fold(text))


#: Terms shorter than this match whole words only, not as the beginning of longer words.
MIN_PREFIX_CHARS = 3


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    return snowballstemmer.stemmer("dutch_porter")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Return the Snowball Dutch stem of one folded word (``"vergunningen"`` → ``"vergunn"``)."""
    result: str = _stemmer().stemWord(word)
    return result


def stemmed(text: str) -> str:
    """Return ``text`` as space-separated stems, as the SQLite index stores it."""
    return " ".join(stem(word) for word in words(text))


def query_words(query: str | None) -> list[str]:
    """Return the meaningful words of a user's query, in lower case, without stop words and duplicates.

    Words are runs of letters and digits; every other character separates words. Diacritics are
    kept (PostgreSQL's index keeps them); :func:`fts5_query` folds them for SQLite.
    """
    seen: list[str] = []
    for word in _WORD.findall((query or "")[:MAX_QUERY_CHARS].casefold()):
        if fold(word) not in STOP_WORDS and word not in seen:
            seen.append(word)
    return seen[:MAX_QUERY_TERMS]


def fts5_query(terms: list[str]) -> str:
    """Return an FTS5 MATCH expression that needs every term's stem, also as a word's beginning."""
    parts = []
    for term in terms:
        for word in words(term):
            star = "*" if len(word) >= MIN_PREFIX_CHARS else ""
            parts.append(f'"{stem(word)}"{star}')
    return " AND ".join(parts)


def tsquery(terms: list[str]) -> str:
    """Return a PostgreSQL ``to_tsquery`` text that needs every term (stemmed there), as prefix too."""
    return " & ".join(f"{term}:*" if len(term) >= MIN_PREFIX_CHARS else term for term in terms)
