"""The official IAMA 2.0 definition (reference data) as an assessment: answered along the self-learning
branch by two people, the other branch refused, the stop on prohibited AI, sign-off into the register."""

from typing import Any

import pytest

from algoreg.db.session import transaction
from algoreg.errors import Conflict, InvalidInput
from algoreg.instruments import assessments
from algoreg.instruments.assessments import library
from algoreg.instruments.questionnaire import Instrument
from algoreg.register import algorithms
from algoreg.register.roles import SYSTEM
from algoreg.standard.legacy import IAMA_TITLE
from tests.conftest import reference_file
from tests.instruments.assessment_support import Factory, People, make_algorithm, people
from tests.instruments.questionnaire_support import fill

__all__ = ["people"]


@pytest.fixture
def iama(factory: Factory, people: People) -> tuple[str, int, Instrument]:
    path = reference_file("par-dpia-form", "sources", "iama.yaml")
    public_id = make_algorithm(factory)
    with transaction(factory) as session:
        stored = library.import_instrument_file(session, SYSTEM, path)
        instrument = library.instrument_definition(stored.definition, stored.digest)
        assessment = assessments.start_assessment(session, people.eva, public_id, stored.id)
        assessments.add_participant(session, people.eva, public_id, assessment.id, "eva", "Projectleider")
        assessments.add_participant(session, people.jan, public_id, assessment.id, "jan", "Jurist")
        return public_id, assessment.id, instrument


def test_iama_2_answered_along_the_self_learning_branch_and_signed_off(
    factory: Factory, people: People, iama: tuple[str, int, Instrument]
) -> None:
    # given
    public_id, assessment_id, instrument = iama
    with transaction(factory) as session:
        # when: eva answers the opening questions and takes the self-learning branch
        assessments.record_answers(
            session,
            people.eva,
            public_id,
            assessment_id,
            {"1.3.1": False, "1.3.2": True, "2.1.1.1": "zelflerend"},
        )
        assessments.record_answers(
            session, people.eva, public_id, assessment_id, {"2.2B.1": "Leert van besluiten"}
        )
        progress = assessments.get_assessment(session, people.eva, public_id, assessment_id)
    # then: the other branch is refused
    with pytest.raises(InvalidInput) as other_branch, transaction(factory) as session:
        assessments.record_answers(session, people.eva, public_id, assessment_id, {"2.2A.1": "Regels"})
    assert other_branch.value.problems[0].field == "2.2A.1"
    assert "is asked only for certain answers to '2.1.1.1'" in other_branch.value.problems[0].reason
    assert progress.status == "in_progress" and progress.open_required > 50
    # when: jan fills in everything else that applies, and signs off as the organisation's publisher
    current = {key: answer.value for key, answer in progress.answers.items()}
    rest = {key: value for key, value in fill(instrument, current).items() if key not in current}
    with transaction(factory) as session:
        assessments.record_answers(session, people.jan, public_id, assessment_id, rest)
        done = assessments.get_assessment(session, people.jan, public_id, assessment_id)
        signed = assessments.sign_off(
            session, people.jan, public_id, assessment_id, base_url="https://r.example"
        )
        latest = algorithms.versions(session, people.eva, public_id)[-1]
    # then
    assert done.status == "complete" and done.open_required == 0
    assert all(part.complete for part in done.parts)
    assert "2.2A.1" not in done.answers
    assert signed.signed_as == "publisher"
    assert latest.record["impacttoetsen_grouping"] == [{"title": IAMA_TITLE, "link": signed.register_link}]
    authors = {answer.author for answer in done.answers.values()}
    assert authors == {"eva", "jan"}


def test_iama_2_stop_on_prohibited_ai_refuses_later_answers_and_sign_off(
    factory: Factory, people: People, iama: tuple[str, int, Instrument]
) -> None:
    # given
    public_id, assessment_id, _instrument = iama
    given: dict[str, Any] = {"1.3.1": True}
    with transaction(factory) as session:
        assessments.record_answers(session, people.eva, public_id, assessment_id, given)
    # when / then
    with pytest.raises(InvalidInput) as later, transaction(factory) as session:
        assessments.record_answers(session, people.eva, public_id, assessment_id, {"2.1.1.1": "zelflerend"})
    assert "reached the stop '1.3.3'" in later.value.problems[0].reason
    with pytest.raises(Conflict) as stopped, transaction(factory) as session:
        assessments.sign_off(session, people.jan, public_id, assessment_id)
    assert "reached the stop '1.3.3'" in stopped.value.message
