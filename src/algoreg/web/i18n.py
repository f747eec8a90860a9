"""Translations of the interface: Dutch by default, English as well.

Source strings in code and templates are English; ``locale/<lang>/*.po`` files hold the
translations. Every ``.po`` file of a language is read at start-up and merged, so each part of the
web interface keeps its own file. Values of the standard (such as "In gebruik") are never put
through translation: they are data, not interface text.
"""

from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Literal, get_args

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

Language = Literal["nl", "en"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
DEFAULT_LANGUAGE: Language = "nl"
LOCALE_DIR = Path(__file__).with_name("locale")


def catalog(lang: Language) -> Catalog:
    """Return all messages of ``lang`` from its ``.po`` files, merged into one catalog."""
    merged = Catalog(locale=lang)
    for path in sorted((LOCALE_DIR / lang).glob("*.po")):
        with path.open("rb") as handle:
            for message in read_po(handle, locale=lang):
                if message.id and message.string:
                    merged[message.id] = message
    return merged


@lru_cache(maxsize=len(LANGUAGES))
def translations(lang: Language) -> Translations:
    """Return the compiled translations of ``lang``, loaded once."""
    buffer = BytesIO()
    write_mo(buffer, catalog(lang))
    buffer.seek(0)
    return Translations(fp=buffer)


def gettext(lang: Language, message: str, **variables: object) -> str:
    """Translate ``message`` into ``lang`` and fill in ``%(name)s`` placeholders."""
    translated = translations(lang).gettext(message)
    return translated % variables if variables else translated


def ngettext(lang: Language, singular: str, plural: str, count: int, **variables: object) -> str:
    """Translate a message that depends on a number; ``%(count)s`` and other placeholders are filled in."""
    translated = translations(lang).ngettext(singular, plural, count)
    return translated % {"count": count, **variables}


def pick_language(requested: str | None) -> Language | None:
    """Return ``requested`` when it is a supported language, else ``None``."""
    for lang in LANGUAGES:
        if requested == lang:
            return lang
    return None
