"""An assessment answered by two people in their roles: history, progress, sign-off refused and then
accepted, the register's impact assessments filled in a new concept version, reopening."""

import threading
from typing import Any

import pytest
from sqlalchemy import select

from algoreg.db.models import AuditEvent
from algoreg.db.session import transaction
from algoreg.errors import Conflict, Forbidden, InvalidInput, NotFound
from algoreg.instruments import assessments
from algoreg.instruments.assessments import AssessmentState
from algoreg.register import algorithms
from algoreg.register.roles import Principal
from algoreg.register.workflow import Action, State
from tests.instruments.assessment_support import (
    COMPLETE,
    REGISTER_TITLE,
    SIGNER_ROLE,
    Factory,
    People,
    make_algorithm,
    people,
    store_test_instrument,
)

__all__ = ["people"]

BASE = "https://register.example.nl"


def start(factory: Factory, people: People, **options: Any) -> tuple[str, int]:
    public_id = make_algorithm(factory)
    instrument_id = store_test_instrument(factory, **options)
    with transaction(factory) as session:
        assessment = assessments.start_assessment(session, people.eva, public_id, instrument_id)
        assessments.add_participant(session, people.eva, public_id, assessment.id, "eva", "Projectleider")
        assessments.add_participant(session, people.jan, public_id, assessment.id, "jan", SIGNER_ROLE)
        return public_id, assessment.id


def answer(factory: Factory, who: Principal, public_id: str, assessment_id: int, **given: Any) -> None:
    with transaction(factory) as session:
        assessments.record_answers(session, who, public_id, assessment_id, given)


def view(factory: Factory, who: Principal, public_id: str, assessment_id: int) -> assessments.AssessmentView:
    with transaction(factory) as session:
        return assessments.get_assessment(session, who, public_id, assessment_id)


def test_two_people_answer_and_the_history_of_each_question_is_kept(factory: Factory, people: People) -> None:
    # given
    public_id, assessment_id = start(factory, people)
    # when: eva answers, then jan changes one of her answers
    answer(factory, people.eva, public_id, assessment_id, purpose="Eerste versie", learning=True)
    answer(factory, people.jan, public_id, assessment_id, purpose="Tweede versie", training="Besluiten 2020")
    # then
    current = view(factory, people.piet, public_id, assessment_id)
    assert current.answers["purpose"].value == "Tweede versie"
    assert current.answers["purpose"].author == "jan"
    assert current.answers["learning"].author == "eva"
    with transaction(factory) as session:
        history = assessments.answer_history(session, people.piet, public_id, assessment_id, "purpose")
        participants = assessments.list_participants(session, people.piet, public_id, assessment_id)
    assert [(item.value, item.author, item.round) for item in history] == [
        ("Eerste versie", "eva", 1),
        ("Tweede versie", "jan", 1),
    ]
    assert history[0].answered_at <= history[1].answered_at
    assert [(p.username, p.role, p.signs) for p in participants] == [
        ("eva", "Projectleider", False),
        ("jan", SIGNER_ROLE, True),
    ]


def test_the_same_answer_again_adds_no_history(factory: Factory, people: People) -> None:
    # given
    public_id, assessment_id = start(factory, people)
    answer(factory, people.eva, public_id, assessment_id, purpose="Doel")
    # when
    with transaction(factory) as session:
        stored = assessments.record_answers(
            session, people.jan, public_id, assessment_id, {"purpose": "Doel"}
        )
        history = assessments.answer_history(session, people.jan, public_id, assessment_id, "purpose")
    # then
    assert stored == []
    assert len(history) == 1


def test_progress_counts_the_questions_that_apply_per_part(factory: Factory, people: People) -> None:
    # given
    public_id, assessment_id = start(factory, people)
    before = view(factory, people.eva, public_id, assessment_id)
    # when: "learning" true makes "training" apply
    answer(factory, people.eva, public_id, assessment_id, purpose="Doel", learning=True)
    after = view(factory, people.eva, public_id, assessment_id)
    # then
    basics_before, closing_before = before.parts
    basics_after, _closing_after = after.parts
    assert (basics_before.title, basics_before.required, basics_before.required_answered) == ("Basis", 3, 0)
    assert (basics_after.required, basics_after.required_answered) == (4, 2)
    assert basics_after.questions == 5 and basics_after.answered == 2
    assert closing_before.required == 1  # the statement; action points are optional entries
    assert after.status == "in_progress" and after.open_required == 3


def test_sign_off_is_refused_while_required_questions_are_open_then_accepted(
    factory: Factory, people: People
) -> None:
    # given
    public_id, assessment_id = start(factory, people)
    answer(factory, people.eva, public_id, assessment_id, purpose="Doel", learning=False)
    # when: the signer signs off too early
    with pytest.raises(InvalidInput) as early, transaction(factory) as session:
        assessments.sign_off(session, people.jan, public_id, assessment_id, base_url=BASE)
    # then: every open question is named
    assert {problem.field for problem in early.value.problems} == {"prohibited", "signature"}
    assert "cannot be signed off yet" in early.value.message
    # when: the rest is answered and the signer signs off
    answer(factory, people.eva, public_id, assessment_id, prohibited=False)
    answer(factory, people.jan, public_id, assessment_id, signature=COMPLETE["signature"])
    with transaction(factory) as session:
        signed = assessments.sign_off(
            session, people.jan, public_id, assessment_id, note="Akkoord", base_url=BASE
        )
        signed_as, answers = signed.signed_as, signed.answers
    # then
    current = view(factory, people.eva, public_id, assessment_id)
    assert current.state is AssessmentState.SIGNED_OFF
    assert signed_as == SIGNER_ROLE
    assert answers["purpose"] == "Doel" and answers["prohibited"] is False
    assert [(s.signed_by, s.round, s.note) for s in current.sign_offs] == [("jan", 1, "Akkoord")]


def test_only_a_participant_in_the_signing_role_may_sign_off(factory: Factory, people: People) -> None:
    # given
    public_id, assessment_id = start(factory, people)
    answer(factory, people.eva, public_id, assessment_id, **COMPLETE)
    # when / then: a participant in another role, and the organisation's admin who takes no part
    for who, held in (
        (people.eva, "you take part in 'Projectleider'"),
        (people.admin, "you do not take part"),
    ):
        with pytest.raises(Forbidden) as refused, transaction(factory) as session:
            assessments.sign_off(session, who, public_id, assessment_id, base_url=BASE)
        assert f"role '{SIGNER_ROLE}'" in refused.value.message
        assert held in refused.value.message


def test_without_signing_roles_publishers_sign_off_and_editors_do_not(
    factory: Factory, people: People
) -> None:
    # given: the instrument marks no role as signing
    public_id, assessment_id = start(factory, people, signing_roles=[], register_title=None)
    answer(factory, people.eva, public_id, assessment_id, **COMPLETE)
    # when / then
    with pytest.raises(Forbidden), transaction(factory) as session:
        assessments.sign_off(session, people.eva, public_id, assessment_id)
    with transaction(factory) as session:
        signed = assessments.sign_off(session, people.admin, public_id, assessment_id)
        assert signed.signed_as == "admin"
        assert signed.register_link is None


def test_sign_off_is_refused_when_the_answers_reach_the_stop(factory: Factory, people: People) -> None:
    # given
    public_id, assessment_id = start(factory, people)
    answer(factory, people.eva, public_id, assessment_id, **{**COMPLETE, "signature": None})
    answer(factory, people.eva, public_id, assessment_id, prohibited=True)
    # when
    with pytest.raises(Conflict) as stopped, transaction(factory) as session:
        assessments.sign_off(session, people.jan, public_id, assessment_id, base_url=BASE)
    # then
    assert "reached the stop 'prohibited_stop'" in stopped.value.message
    assert "Een verboden praktijk mag niet worden gebruikt." in stopped.value.message
    assert view(factory, people.eva, public_id, assessment_id).status == "stopped"


def signed_off(factory: Factory, people: People) -> tuple[str, int]:
    public_id, assessment_id = start(factory, people)
    answer(factory, people.eva, public_id, assessment_id, **COMPLETE)
    with transaction(factory) as session:
        assessments.sign_off(session, people.jan, public_id, assessment_id, base_url=BASE)
    return public_id, assessment_id


def test_sign_off_fills_the_impact_assessments_in_a_new_concept_version(
    factory: Factory, people: People
) -> None:
    # given / when
    public_id, assessment_id = signed_off(factory, people)
    # then
    link = f"{BASE}/api/v1/algorithms/{public_id}/assessments/{assessment_id}/output?format=html"
    with transaction(factory) as session:
        managed = algorithms.view(session, people.eva, public_id)
        history = algorithms.versions(session, people.eva, public_id)
        public = algorithms.get_published(session, public_id)
        events = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert managed.state is State.CONCEPT
    assert [version.number for version in history] == [1, 2]
    assert history[1].record["impacttoetsen_grouping"] == [{"title": REGISTER_TITLE, "link": link}]
    assert history[1].created_by == "jan"
    assert public.version_number == 1  # the published version is untouched
    assert not public.record.get("impacttoetsen_grouping")
    assert events[-2:] == ["algorithm.edit", "assessment.sign_off"]
    assert view(factory, people.eva, public_id, assessment_id).sign_offs[0].register_version == 2


def test_reopening_starts_a_new_round_and_a_second_sign_off_adds_no_duplicate_entry(
    factory: Factory, people: People
) -> None:
    # given
    public_id, assessment_id = signed_off(factory, people)
    # when: answers are refused while signed off
    with pytest.raises(Conflict), transaction(factory) as session:
        assessments.record_answers(session, people.eva, public_id, assessment_id, {"purpose": "Nieuw"})
    # when: reopened without and with a reason
    with pytest.raises(InvalidInput) as no_reason, transaction(factory) as session:
        assessments.reopen(session, people.jan, public_id, assessment_id, "  ")
    with transaction(factory) as session:
        assessments.reopen(session, people.jan, public_id, assessment_id, "Nieuwe gegevens")
    answer(factory, people.eva, public_id, assessment_id, purpose="Nieuw doel")
    reopened = view(factory, people.eva, public_id, assessment_id)
    with transaction(factory) as session:
        history = assessments.answer_history(session, people.eva, public_id, assessment_id, "purpose")
        assessments.sign_off(session, people.jan, public_id, assessment_id, base_url=BASE)
    # then
    assert no_reason.value.problems[0].field == "reason"
    assert (reopened.state, reopened.round) == (AssessmentState.REOPENED, 2)
    assert [(item.value, item.round) for item in history] == [
        ("Aanvragen sneller beoordelen", 1),
        ("Nieuw doel", 2),
    ]
    final = view(factory, people.eva, public_id, assessment_id)
    assert [(s.round, s.reopen_reason, s.register_version) for s in final.sign_offs] == [
        (1, "Nieuwe gegevens", 2),
        (2, None, None),
    ]
    assert final.sign_offs[0].register_link == final.sign_offs[1].register_link
    with transaction(factory) as session:
        latest = algorithms.versions(session, people.eva, public_id)[-1]
    assert latest.number == 2
    assert len(latest.record["impacttoetsen_grouping"]) == 1


def test_an_archived_algorithm_cannot_take_the_entry_and_nothing_is_signed_off(
    factory: Factory, people: People
) -> None:
    # given
    public_id, assessment_id = start(factory, people)
    answer(factory, people.eva, public_id, assessment_id, **COMPLETE)
    with transaction(factory) as session:
        algorithms.perform(session, people.jan, public_id, Action.ARCHIVE)
    # when
    with pytest.raises(Conflict) as refused, transaction(factory) as session:
        assessments.sign_off(session, people.jan, public_id, assessment_id, base_url=BASE)
    # then
    assert "register entry" in refused.value.message and "archived" in refused.value.message
    assert view(factory, people.eva, public_id, assessment_id).state is AssessmentState.OPEN


def test_other_organisations_and_viewers_are_refused(factory: Factory, people: People) -> None:
    # given
    public_id, assessment_id = start(factory, people)
    # when / then: another organisation's editor neither reads nor answers
    with pytest.raises(NotFound), transaction(factory) as session:
        assessments.get_assessment(session, people.other, public_id, assessment_id)
    with pytest.raises(NotFound), transaction(factory) as session:
        assessments.assessments_of_algorithm(session, None, public_id)
    with pytest.raises(Forbidden), transaction(factory) as session:
        assessments.record_answers(session, people.other, public_id, assessment_id, {"purpose": "x"})
    # when / then: a viewer reads but does not answer, start or add people
    with transaction(factory) as session:
        assert assessments.get_assessment(session, people.piet, public_id, assessment_id).id == assessment_id
    with pytest.raises(Forbidden) as viewer, transaction(factory) as session:
        assessments.record_answers(session, people.piet, public_id, assessment_id, {"purpose": "x"})
    assert "you need the role editor" in viewer.value.message
    with pytest.raises(Forbidden), transaction(factory) as session:
        assessments.add_participant(session, people.piet, public_id, assessment_id, "piet", "Jurist")
    # when / then: an editor may not add a participant who signs off
    with pytest.raises(Forbidden), transaction(factory) as session:
        assessments.add_participant(session, people.eva, public_id, assessment_id, "eva", SIGNER_ROLE)


def test_participants_must_be_people_of_the_organisation_in_a_role_of_the_instrument(
    factory: Factory, people: People
) -> None:
    # given
    public_id, assessment_id = start(factory, people)
    # when
    with pytest.raises(InvalidInput) as refused, transaction(factory) as session:
        assessments.add_participant(session, people.jan, public_id, assessment_id, "olga", "Kok")
    with pytest.raises(InvalidInput) as unknown, transaction(factory) as session:
        assessments.add_participant(session, people.jan, public_id, assessment_id, "nobody", "Jurist")
    with pytest.raises(Conflict), transaction(factory) as session:
        assessments.add_participant(session, people.jan, public_id, assessment_id, "eva", "Projectleider")
    # then
    reasons = {problem.field: problem.reason for problem in refused.value.problems}
    assert reasons["role"].startswith("'Kok' is not a role of this instrument; allowed: 'Projectleider'")
    assert reasons["username"] == "'olga' has no role in Gemeente Een; give them a role there first"
    assert unknown.value.problems[0].reason == "there is no user named 'nobody'"


def test_every_write_is_audited(factory: Factory, people: People) -> None:
    # given / when
    public_id, assessment_id = signed_off(factory, people)
    with transaction(factory) as session:
        assessments.reopen(session, people.jan, public_id, assessment_id, "Nog een ronde")
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("assessment.%")).order_by(AuditEvent.id)
        ).all()
        # then
        assert [(event.action, event.actor) for event in events] == [
            ("assessment.start", "eva"),
            ("assessment.participant_add", "eva"),
            ("assessment.participant_add", "jan"),
            ("assessment.answer", "eva"),
            ("assessment.sign_off", "jan"),
            ("assessment.reopen", "jan"),
        ]
        assert all(event.detail["assessment_id"] == assessment_id for event in events)


def test_two_sign_offs_at_once_store_one(factory: Factory, people: People) -> None:
    # given: a complete assessment that publishers sign off
    public_id, assessment_id = start(factory, people, signing_roles=[], register_title=None)
    answer(factory, people.eva, public_id, assessment_id, **COMPLETE)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def sign(who: Principal) -> None:
        barrier.wait()
        try:
            with transaction(factory) as session:
                assessments.sign_off(session, who, public_id, assessment_id)
            outcomes.append("signed")
        except Conflict as refused:
            outcomes.append(refused.message)

    # when
    threads = [threading.Thread(target=sign, args=(who,)) for who in (people.jan, people.admin)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # then
    assert sorted(outcomes) == [
        "This assessment is signed off already; reopen it to change and sign it again.",
        "signed",
    ]
    with transaction(factory) as session:
        assert len(assessments.get_assessment(session, people.eva, public_id, assessment_id).sign_offs) == 1


def test_an_assessment_starts_only_with_an_instrument_of_everyone_or_of_the_organisation(
    factory: Factory, people: People
) -> None:
    # given: an instrument of the other organisation, and one for everyone
    public_id = make_algorithm(factory)
    theirs = store_test_instrument(factory, "gm0002")
    everyone = store_test_instrument(factory, None)
    # when / then
    for instrument_id in (theirs, 9999):
        with pytest.raises(InvalidInput) as refused, transaction(factory) as session:
            assessments.start_assessment(session, people.eva, public_id, instrument_id)
        assert refused.value.problems[0].field == "instrument"
    with transaction(factory) as session:
        started = assessments.start_assessment(session, people.eva, public_id, everyone)
        assert (started.instrument_key, started.state, started.round) == ("test-impact", "open", 1)
