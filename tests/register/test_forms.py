"""Reading and filling the algorithm form, generated from the standard's fields."""

from typing import Any

from algoreg.register import forms
from algoreg.standard.enums import Category
from algoreg.standard.v1_0 import FIELD_NAMES, FieldKind
from algoreg.standard.validation import problems_of
from tests.samples import sample_record


def as_form_input(values: dict[str, Any]) -> dict[str, list[str]]:
    """Turn what the form shows into what a browser sends back."""
    sent: dict[str, list[str]] = {}
    for name, value in values.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for index, row in enumerate(value):
                for sub, text in row.items():
                    sent[f"{name}.{index}.{sub}"] = [text]
        elif isinstance(value, list):
            sent[name] = value
        else:
            sent[name] = [value]
    return sent


def test_the_form_has_every_field_a_person_fills_in_exactly_once() -> None:
    # given the form in Dutch
    sections = forms.form_sections("nl")
    # when its fields are listed
    names = [field.name for section in sections for field in section.fields]
    # then every field appears once, except those the register fills itself
    expected = [name for name in FIELD_NAMES if name not in ("lars", "publication_dt", "standard_version")]
    assert sorted(names) == sorted(expected) and len(names) == len(set(names)) == 28


def test_fields_carry_titles_help_and_choices_in_the_language_asked() -> None:
    # given the form's fields in both languages
    dutch = {field.name: field for field in forms.form_fields("nl")}
    english = {field.name: field for field in forms.form_fields("en")}
    # then titles differ per language, and help texts are filled in
    assert english["description_short"].title == "Short description"
    assert dutch["description_short"].title != english["description_short"].title
    assert all(field.help_text and field.instructions for field in english.values())
    # and enum choices keep the standard's values, labelled per language
    assert [c.value for c in english["category"].choices] == [member.value for member in Category]
    status = {c.value: c.label for c in english["status"].choices}
    assert status["In gebruik"] == "In use"
    assert {c.value: c.label for c in dutch["status"].choices}["In gebruik"] == "In gebruik"
    # and a grouping knows its row inputs and which are required
    rows = english["impacttoetsen_grouping"].sub_fields
    assert [(s.name, s.kind, s.required) for s in rows] == [
        ("title", FieldKind.TEXT, True),
        ("link", FieldKind.URL, False),
    ]
    assert english["name"].required and english["name"].max_length == 100


def test_a_submission_leaves_out_empty_inputs_and_compacts_grouping_rows() -> None:
    # given a form with empty inputs, line breaks from a browser, a repeated category and
    # a grouping whose first and third rows are empty
    sent = {
        "name": ["  Slim parkeren "],
        "website": [""],
        "goal": ["<p>Een</p>\r\n<p>Twee</p>"],
        "category": ["Verkeer", "Recht", "Verkeer"],
        "source_data_grouping.0.title": [""],
        "source_data_grouping.0.link": [""],
        "source_data_grouping.1.title": ["BRP"],
        "source_data_grouping.1.link": [""],
        "source_data_grouping.2.title": [""],
        "source_data_grouping.2.link": [""],
        "source_data_grouping.7.title": ["BAG"],
        "source_data_grouping.7.link": ["https://bag.example"],
        "lars": ["12345678"],
        "csrf_token": ["x"],
    }
    # when it is read
    submission = forms.read_submission(sent)
    # then empty inputs and fields the register fills are absent, text is trimmed
    record = submission.record
    assert "website" not in record and "lars" not in record and "csrf_token" not in record
    assert record["name"] == "Slim parkeren"
    assert record["goal"] == "<p>Een</p>\n<p>Twee</p>"
    assert record["category"] == ["Verkeer", "Recht"]
    # and filled rows are renumbered from 0, empty ones counted
    assert record["source_data_grouping"] == [
        {"title": "BRP"},
        {"title": "BAG", "link": "https://bag.example"},
    ]
    assert submission.empty_rows["source_data_grouping"] == 2
    assert submission.empty_rows["lawful_basis_grouping"] == 0


def test_a_record_survives_the_round_trip_through_the_form() -> None:
    # given a full record as stored
    record = sample_record(
        category=["Verkeer", "Werk"],
        lawful_basis_grouping=[{"title": "Wet", "link": "https://wet.example"}],
        impacttoetsen_grouping=[{"title": "DPIA", "link": None}],
        end_date=None,
        lars="12345678",
        standard_version="1.0",
    )
    # when the form shows it and the browser sends it back unchanged
    values = forms.form_values(record)
    again = forms.read_submission(as_form_input(values)).record
    # then the record read is the record shown, without the fields the register fills
    expected = {k: v for k, v in record.items() if v is not None and k not in ("lars", "standard_version")}
    expected["impacttoetsen_grouping"] = [{"title": "DPIA"}]
    assert again == expected
    assert values["end_date"] == "" and values["impacttoetsen_grouping"] == [{"title": "DPIA", "link": ""}]


def test_problems_are_placed_at_the_control_they_belong_to() -> None:
    # given problems of a record read from the form
    problems = [
        ("name", "This field is required by standard 1.0 but is missing; give a value for it."),
        ("lawful_basis_grouping.1.link", "This value must be an absolute web address"),
        ("lawful_basis_grouping.0", "This value must be an object"),
        ("category.2", "'X' is not one of the allowed values"),
        ("status", "'X' is not one of the allowed values"),
        ("", "end_date lies before begin_date; the end month must be on or after the begin month."),
        ("", "A record must be an object"),
        ("lars", "belongs to another organisation"),
    ]
    # when they are placed
    placed = [(p.slot, p.control_id) for p in forms.place_problems(problems)]
    # then each names its control: rows by index, choice groups by their first option
    assert placed == [
        ("name", "field-name"),
        ("lawful_basis_grouping.1.link", "field-lawful_basis_grouping-1-link"),
        ("lawful_basis_grouping.0.title", "field-lawful_basis_grouping-0-title"),
        ("category", "field-category-0"),
        ("status", "field-status-0"),
        ("end_date", "field-end_date"),
        ("", ""),
        ("", ""),
    ]


def test_the_domains_problems_of_a_submission_point_at_the_rows_as_shown() -> None:
    # given a submission whose second filled row (after an empty one) lacks its link
    sent = as_form_input(forms.form_values(sample_record()))
    sent |= {
        "source_data_grouping.0.title": [""],
        "source_data_grouping.1.title": ["BRP"],
        "source_data_grouping.1.link": ["https://brp.example"],
        "source_data_grouping.2.title": ["BAG"],
    }
    record = forms.read_submission(sent).record
    # when the standard checks it
    placed = forms.place_problems([(p.field, p.reason) for p in problems_of(record)])
    # then the problem is at the row that the re-shown form numbers 1 (the BAG row)
    assert [p.control_id for p in placed] == ["field-source_data_grouping-1-link"]
    assert forms.form_values(record)["source_data_grouping"][1]["title"] == "BAG"
