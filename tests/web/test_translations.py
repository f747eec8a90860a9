"""Every interface text in the templates has a Dutch translation, and translations agree."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from algoreg.web.i18n import LOCALE_DIR, catalog
from algoreg.web.templating import TEMPLATES


def template_messages() -> set[str]:
    found = extract_from_dir(
        str(TEMPLATES),
        method_map=[("**.html", "jinja2")],
        options_map={"**.html": {"extensions": "jinja2.ext.i18n"}},
        keywords={"_": None, "gettext": None, "ngettext": (1, 2)},
    )
    messages: set[str] = set()
    for _filename, _lineno, message, _comments, _context in found:
        # a plural message is found under its singular text
        messages.add(message if isinstance(message, str) else message[0])
    return messages


def test_every_template_text_has_a_dutch_translation() -> None:
    # given every literal text passed to _() in the templates
    messages = template_messages()
    assert len(messages) > 100
    # then each has a Dutch translation
    dutch = catalog("nl")
    missing = sorted(m for m in messages if m not in dutch or not dutch[m].string)
    assert not missing, f"texts without Dutch translation: {missing}"


def test_a_text_has_one_translation_across_all_files() -> None:
    seen: dict[str, tuple[str, Path]] = {}
    conflicts = []
    for path in sorted((LOCALE_DIR / "nl").glob("*.po")):
        with path.open("rb") as handle:
            for message in read_po(handle):
                if not message.id or not message.string:
                    continue
                if message.id in seen and seen[message.id][0] != message.string:
                    conflicts.append(f"{message.id!r}: {seen[message.id][1].name} vs {path.name}")
                seen.setdefault(message.id, (str(message.string), path))
    assert not conflicts, conflicts
