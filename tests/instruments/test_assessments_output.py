"""The output of an assessment: the content shows what applies with labels as people read them, the JSON
document holds answers, authors and times, and Markdown escapes what people typed."""

from typing import Any

import pytest

from algoreg.db.session import transaction
from algoreg.errors import NotFound
from algoreg.instruments import assessments
from algoreg.instruments.assessments.content import Item
from algoreg.instruments.assessments.document import assessment_output, to_document
from algoreg.instruments.assessments.markdown import to_markdown
from tests.instruments.assessment_support import (
    COMPLETE,
    Factory,
    People,
    make_algorithm,
    people,
    store_test_instrument,
)

__all__ = ["people"]


@pytest.fixture
def answered(factory: Factory, people: People) -> tuple[str, int]:
    public_id = make_algorithm(factory)
    instrument_id = store_test_instrument(factory)
    with transaction(factory) as session:
        assessment_id = assessments.start_assessment(session, people.eva, public_id, instrument_id).id
        given: dict[str, Any] = {
            **COMPLETE,
            "purpose": "# Kop <script>alert(1)</script> [link](javascript:x)",
            "actions": [{"action": "Eerste"}, {"action": "Tweede"}],
            "per_year": 1200,
        }
        assessments.record_answers(session, people.eva, public_id, assessment_id, given)
    return public_id, assessment_id


def flatten(items: tuple[Item, ...]) -> list[Item]:
    found: list[Item] = []
    for item in items:
        found.append(item)
        found.extend(flatten(item.items))
    return found


def test_the_content_shows_what_applies_with_labels_and_authors(
    factory: Factory, people: People, answered: tuple[str, int]
) -> None:
    # given
    public_id, assessment_id = answered
    # when
    with transaction(factory) as session:
        output = assessment_output(session, people.piet, public_id, assessment_id, "nl")
    items = {item.id: item for part in output.parts for item in flatten(part.items)}
    # then: the hidden training question is left out, labels replace values
    assert "training" not in items
    assert items["learning"].answer == ("Nee",)
    assert items["signature"].answer == (
        "ondertekend door Jan Jansen (Gemandateerd verantwoordelijke) op 2026-11-29",
    )
    assert items["learning"].answered is not None and items["learning"].answered.author == "eva"
    assert [entry.text for entry in items["actions"].items] == ["Invulling 1", "Invulling 2"]
    assert items["actions[1]"].items[0].answer == ("Tweede",)
    assert [point.values for point in output.action_points] == [{"action": "Eerste"}, {"action": "Tweede"}]


def test_the_document_holds_answers_authors_times_and_history(
    factory: Factory, people: People, answered: tuple[str, int]
) -> None:
    public_id, assessment_id = answered
    with transaction(factory) as session:
        document = to_document(assessment_output(session, people.piet, public_id, assessment_id))
    assert document["format"] == "algoreg-assessment/1" and document["public"] is False
    assert document["answers"]["per_year"]["value"] == 1200
    assert document["answers"]["per_year"]["author"] == "eva"
    assert document["answers"]["per_year"]["round"] == 1
    assert {item["question"] for item in document["history"]} == set(document["answers"])
    assert document["instrument"]["id"] == "test-impact"
    assert document["algorithm"]["organisation"] == {"code": "gm0001", "name": "Gemeente Een"}


def test_markdown_escapes_what_people_typed(
    factory: Factory, people: People, answered: tuple[str, int]
) -> None:
    public_id, assessment_id = answered
    with transaction(factory) as session:
        markdown = to_markdown(assessment_output(session, people.piet, public_id, assessment_id, "en"))
    assert "\\# Kop \\<script\\>alert\\(1\\)\\</script\\> \\[link\\]\\(javascript:x\\)" in markdown
    assert "<script>" not in markdown
    assert "- **1\\.2 Leert het van data?**\n  Nee\n" in markdown  # the definition's own label
    assert "## Progress" in markdown and "| 1 Basis |" in markdown


def test_the_output_is_not_found_for_other_organisations_and_the_public_before_sign_off(
    factory: Factory, people: People, answered: tuple[str, int]
) -> None:
    public_id, assessment_id = answered
    for who in (people.other, None):
        with pytest.raises(NotFound), transaction(factory) as session:
            assessment_output(session, who, public_id, assessment_id)
