"""Turning records and their changes into labelled display values."""

from datetime import UTC, datetime

from algoreg.register.diff import ChangeKind, diff_records
from algoreg.register.presentation import (
    SECTION_FIELDS,
    ValueKind,
    change_rows,
    covers_every_field,
    format_day,
    format_month,
    record_sections,
)
from algoreg.standard.v1_0 import FIELD_NAMES
from tests.samples import sample_record


def test_the_sections_hold_every_field_once() -> None:
    listed = [name for _, names in SECTION_FIELDS for name in names]
    assert covers_every_field() and len(listed) == len(set(listed)) == len(FIELD_NAMES) == 31


def test_values_become_readable_in_each_language() -> None:
    # given a record with an enum, a month, a grouping and an empty field
    record = sample_record(lawful_basis_grouping=[{"title": "Wet", "link": "https://wetten.example/w"}])
    # when it is shown in English and Dutch
    english = {f.name: f for s in record_sections(record, "en") for f in s.fields}
    dutch = {f.name: f for s in record_sections(record, "nl") for f in s.fields}
    # then enum values get labels in the reader's language, record text is marked Dutch
    assert (english["status"].kind, english["status"].value, english["status"].value_lang) == (
        ValueKind.TEXT,
        "In use",
        None,
    )
    assert dutch["status"].value == "In gebruik"
    assert english["category"].kind is ValueKind.LABELS and english["category"].value == [
        "Traffic and transport"
    ]
    assert english["begin_date"].value == "March 2024" and dutch["begin_date"].value == "maart 2024"
    assert english["goal"].kind is ValueKind.RICH_TEXT and english["goal"].value_lang == "nl"
    assert english["lawful_basis_grouping"].value[0].url == "https://wetten.example/w"
    assert english["risks"].kind is ValueKind.EMPTY and english["risks"].value is None
    assert [s.title for s in record_sections(record, "nl")] == [
        "Beschrijving",
        "Verantwoording",
        "Gegevens en werking",
        "Contact en metadata",
    ]


def test_dates_in_words() -> None:
    assert format_month("2024-13", "nl") == "2024-13"
    assert format_day(datetime(2024, 3, 12, tzinfo=UTC), "nl") == "12 maart 2024"
    assert format_day("not a date", "en") == "not a date"


def test_only_free_text_changes_keep_their_words() -> None:
    # given two records that differ in goal, status and themes
    before = sample_record()
    after = sample_record(goal="<p>Anders.</p>", status="Buiten gebruik", category=None)
    # when their changes are prepared for display
    rows = {row.name: row for row in change_rows(diff_records(before, after), "en")}
    # then the goal has word segments and the others have labelled values before and after
    assert rows["goal"].segments and rows["goal"].kind is ChangeKind.CHANGED
    assert not rows["status"].segments
    assert (rows["status"].before.value, rows["status"].after.value) == ("In use", "Out of use")
    assert rows["category"].kind is ChangeKind.REMOVED and rows["category"].after.kind is ValueKind.EMPTY
    assert rows["goal"].title == "Purpose and impact"
    # and prepared rows pass through unchanged
    assert change_rows(list(rows.values()), "nl") == list(rows.values())
