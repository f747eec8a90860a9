"""Differences between versions."""

from algoreg.register.diff import ChangeKind, SegmentKind, diff_records, word_diff
from tests.samples import sample_record


def test_changed_added_and_removed_fields_are_listed_in_the_standards_order() -> None:
    # given two versions that differ in three fields
    before = sample_record(provider="Leverancier A")
    after = sample_record(status="Buiten gebruik", end_date="2025-01")
    # when they are compared
    changes = diff_records(before, after)
    # then each change is named with its kind
    assert [(c.field, c.kind) for c in changes] == [
        ("status", ChangeKind.CHANGED),
        ("end_date", ChangeKind.ADDED),
        ("provider", ChangeKind.REMOVED),
    ]


def test_text_changes_are_shown_word_by_word_without_markup() -> None:
    # when a sentence changes one word
    segments = word_diff("Aanvragen sneller beoordelen", "Aanvragen zorgvuldig beoordelen")
    # then only that word is deleted and inserted
    assert [(s.kind, s.text) for s in segments] == [
        (SegmentKind.SAME, "Aanvragen "),
        (SegmentKind.DELETED, "sneller"),
        (SegmentKind.INSERTED, "zorgvuldig"),
        (SegmentKind.SAME, " beoordelen"),
    ]


def test_identical_records_have_no_changes_and_system_fields_are_ignored() -> None:
    assert diff_records(sample_record(lars="1"), sample_record(lars="2")) == []
