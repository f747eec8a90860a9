"""The shared mechanism that shows the domain's problems on management forms."""

import pytest
from starlette.requests import Request

from algoreg.errors import FieldProblem
from algoreg.web.i18n import catalog
from algoreg.web.pages import (
    manage_assessments,
    manage_bias_reports,
    manage_common,
    manage_framework_tasks,
    manage_origin_inventory,
)
from algoreg.web.pages.form_problems import (
    Reasons,
    ShownProblem,
    by_anchor,
    confirmation,
    reason,
    shown_problems,
    untranslated,
)

TOO_LONG = "This text is %(length)s characters long; at most %(maximum)s are allowed."

LENGTH = Reasons(
    reason(r"is (?P<length>\d+) characters long; at most (?P<maximum>\d+) are allowed", TOO_LONG),
    reason(r"is required.*", "This field is required; fill it in."),
    reason(r"is .*", "Reason"),
)


def request_with(query: str) -> Request:
    return Request(
        {"type": "http", "method": "GET", "path": "/", "query_string": query.encode(), "headers": []}
    )


def test_a_known_reason_is_shown_in_the_readers_language_with_its_values() -> None:
    # given a reason the domain gives, with spaces around it
    given = "  is 250 characters long; at most 200 are allowed\n"
    # when it is translated
    dutch = LENGTH.translate("nl", given)
    english = LENGTH.translate("en", given)
    # then it is the page's text with the values filled in, translated
    assert dutch == ("Deze tekst is 250 tekens lang; er zijn er hoogstens 200 toegestaan.", True)
    assert english == ("This text is 250 characters long; at most 200 are allowed.", True)


def test_the_first_pattern_that_matches_all_of_the_reason_wins() -> None:
    # "is required ..." matches the second and the third pattern: the second is shown
    assert LENGTH.translate("en", "is required; give a text") == ("This field is required; fill it in.", True)
    # a pattern matches the whole reason, not a part of it
    assert LENGTH.translate("en", "it is 3 characters long; at most 2 are allowed")[0] == (
        "it is 3 characters long; at most 2 are allowed"
    )
    # and . matches line breaks too
    assert LENGTH.translate("en", "is required\nbefore anything") == (
        "This field is required; fill it in.",
        True,
    )


def test_an_unknown_reason_goes_to_the_fallback_or_is_shown_as_it_is() -> None:
    # given a table without a fallback and one that falls back to the reasons all pages know
    alone = Reasons(reason(r"x", "Reason"))
    chained = Reasons(reason(r"x", "Reason"), fallback=manage_common.translate_reason)
    common = "This value must be a month written as YYYY-MM, such as 2023-01."
    # then the first shows it untranslated, the second as the common table translates it
    assert alone.translate("nl", common) == (common, False)
    assert chained.translate("en", common) == ("Enter a month as YYYY-MM, for example 2023-01.", True)
    assert chained.translate("nl", "no one knows this") == ("no one knows this", False)
    assert untranslated("nl", "as it is") == ("as it is", False)


def test_match_names_the_reason_and_the_values_it_found() -> None:
    found = LENGTH.match("is 9 characters long; at most 5 are allowed")
    assert found is not None
    pattern, values = found
    assert pattern.message == TOO_LONG
    assert values == {"length": "9", "maximum": "5"}
    assert LENGTH.match("nothing like it") is None


def test_problems_are_placed_at_their_inputs_with_labels_in_the_readers_language() -> None:
    # given problems of fields, one of which the page shows at another input
    problems = [
        FieldProblem("reason", "is 301 characters long; at most 300 are allowed"),
        FieldProblem("file_name", "is required"),
        FieldProblem("unlabelled", "something the page does not know"),
    ]
    # when they are shown
    shown = shown_problems(
        problems,
        "nl",
        LENGTH,
        {"reason": "Reason", "file": "File"},
        anchor_prefix="form-",
        name_of=lambda field: "file" if field == "file_name" else field,
    )
    # then each is at its input, in order, labelled and translated where known
    assert [(item.field, item.name, item.anchor, item.href) for item in shown] == [
        ("reason", "reason", "form-reason", "#form-reason"),
        ("file_name", "file", "form-file", "#form-file"),
        ("unlabelled", "unlabelled", "form-unlabelled", "#form-unlabelled"),
    ]
    assert [item.label for item in shown] == ["Reden", "Bestand", "unlabelled"]
    assert [item.translated for item in shown] == [True, True, False]
    assert shown[0].message == "Deze tekst is 301 tekens lang; er zijn er hoogstens 300 toegestaan."
    assert shown[2].message == "something the page does not know"


def test_a_problem_can_link_to_another_page_and_problems_group_by_their_input() -> None:
    here = ShownProblem("q1", "q-q1", "Question 1", "An answer is required.", True)
    there = ShownProblem("q2", "q-q2", "Question 2", "An answer is required.", True, link="/deel/b#q-q2")
    again = ShownProblem("q1", "q-q1", "Question 1", "Too long.", True)
    assert (here.href, here.target) == ("#q-q1", "q-q1")
    assert there.href == "/deel/b#q-q2"
    assert by_anchor([here, there, again]) == {"q-q1": [here, again], "q-q2": [there]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [("gedaan=opgeslagen", "Your changes were saved."), ("gedaan=elders", None), ("", None), ("x=1", None)],
)
def test_the_confirmation_is_the_one_gedaan_names(query: str, expected: str | None) -> None:
    messages = {"opgeslagen": "Your changes were saved."}
    assert confirmation(request_with(query), messages) == expected


def test_every_text_the_pages_show_for_a_reason_has_a_dutch_translation() -> None:
    # given the tables of the pages that use the mechanism
    tables = [
        manage_assessments._REASONS,
        manage_bias_reports._REASONS,
        manage_framework_tasks._REASONS,
        manage_origin_inventory._REASONS,
        manage_common._REASONS,
    ]
    texts = {pattern.message for table in tables for pattern in table.patterns}
    # then each message has a Dutch translation, so no known reason is shown in English
    dutch = catalog("nl")
    missing = sorted(text for text in texts if text not in dutch or not dutch[text].string)
    assert not missing, missing


def test_the_pages_still_place_their_problems_as_before() -> None:
    # a bias report's document problems are shown at the file
    report = manage_bias_reports.shown_problems([FieldProblem("document.mode", "is not UTF-8 text")], "en")
    assert (report[0].name, report[0].label, report[0].message) == (
        "document",
        "Document (JSON file)",
        "The file is not UTF-8 text.",
    )
    # a framework task's file problems are shown at the evidence form's file, with the limit in MB
    task = manage_framework_tasks.shown_problems(
        [FieldProblem("content", "is 3000000 bytes; at most 2097152 bytes (2 MiB) are accepted")],
        "en",
        "file-",
    )
    assert (task[0].name, task[0].anchor, task[0].label) == ("file-content", "task-file-content", "File")
    assert task[0].message == "The file is 3000000 bytes; at most 2 MB is accepted."
    # a remediation case's problems are shown at the step they are about
    steps = manage_origin_inventory.shown_problems(
        "close", [FieldProblem("steps.use_ended", "is todo, not done")], "nl"
    )
    assert (steps[0].target, steps[0].label) == ("close-use_ended", "Het gebruik is beëindigd")
