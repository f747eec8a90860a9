"""Remediation of unlawful and improper uses on a real database: the three steps, their rules and evidence,
closing only with all three done and evidenced, reopening with a reason, and the history of it all."""

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import select

from algoreg.db.models import AuditEvent
from algoreg.db.session import transaction
from algoreg.errors import Conflict, Forbidden, InvalidInput, NotFound
from algoreg.inventory import origin_uses, remediation
from algoreg.inventory.remediation import (
    MAX_FILE_BYTES,
    CaseState,
    EvidenceTooLarge,
    StepChange,
    StepKind,
    StepStatus,
)
from algoreg.register.roles import SYSTEM, Role
from tests.inventory.origin_support import (
    Factory,
    determined,
    manual_use,
    organisation_with_algorithm,
    principal,
)

TODAY = date(2026, 3, 1)

#: Everything each step needs before it is done.
DONE: dict[StepKind, StepChange] = {
    StepKind.USE_ENDED: StepChange(
        status="done",
        owner="Teamleider handhaving",
        completed_on=date(2026, 2, 1),
        note="Kolom uit het model gehaald.",
    ),
    StepKind.PEOPLE_INFORMED: StepChange(
        status="done",
        owner="Team communicatie",
        completed_on=date(2026, 2, 15),
        people_count=1250,
        inform_method="Brief per post, met uitleg en contactpersoon",
    ),
    StepKind.DATA_CLEANED: StepChange(
        status="done",
        owner="Informatiebeheer",
        completed_on=date(2026, 2, 20),
        datasets="aanvragen 2019-2025, risicoscores",
        records_removed=1250,
        records_corrected=0,
        verification="Steekproef van 100 records door de auditdienst",
    ),
}


@pytest.fixture
def case_use(factory: Factory, make_organisation: Callable[..., str]) -> int:
    """An unlawful use of gm0001, so with an open remediation case."""
    algorithm = organisation_with_algorithm(factory, make_organisation)
    use = manual_use(factory, algorithm=algorithm)
    determined(factory, use.id, "unlawful")
    return use.id


def step(factory: Factory, use_id: int, kind: StepKind, change: StepChange, role: Role = Role.EDITOR) -> None:
    with transaction(factory) as session:
        remediation.update_step(session, principal(factory, role), use_id, kind.value, change, today=TODAY)


def evidence(factory: Factory, use_id: int, kind: StepKind) -> None:
    with transaction(factory) as session:
        remediation.add_link(
            session,
            principal(factory, Role.EDITOR),
            use_id,
            kind.value,
            "https://dms.example/stuk/1",
            "Besluit",
        )


def test_an_unlawful_use_gets_a_case_with_three_steps_to_do(factory: Factory, case_use: int) -> None:
    with transaction(factory) as session:
        case = remediation.case_of(session, principal(factory, Role.EDITOR), case_use)
    assert case is not None and case.state is CaseState.OPEN and case.steps_done == 0 and not case.may_close
    assert [(item.step, item.status) for item in case.steps] == [(kind, StepStatus.TODO) for kind in StepKind]


def test_a_step_is_done_only_with_an_owner_a_date_and_its_own_facts(factory: Factory, case_use: int) -> None:
    # when people_informed is set done with nothing else
    with pytest.raises(InvalidInput) as refused:
        step(factory, case_use, StepKind.PEOPLE_INFORMED, StepChange(status="done"))
    # then each missing fact is named
    assert {problem.field for problem in refused.value.problems} == {
        "owner",
        "completed_on",
        "people_count",
        "inform_method",
    }
    # dates and counts are checked too
    with pytest.raises(InvalidInput) as refused:
        step(
            factory,
            case_use,
            StepKind.DATA_CLEANED,
            StepChange(
                started_on=date(2026, 2, 10),
                completed_on=date(2026, 2, 1),
                due_on=date(2026, 1, 1),
                records_removed=-3,
                status="finished",
            ),
        )
    assert {problem.field for problem in refused.value.problems} == {"records_removed", "status"}
    with pytest.raises(InvalidInput) as refused:
        step(
            factory,
            case_use,
            StepKind.DATA_CLEANED,
            StepChange(started_on=date(2026, 2, 10), completed_on=date(2026, 2, 1), due_on=date(2026, 1, 1)),
        )
    assert {problem.field for problem in refused.value.problems} == {"completed_on", "due_on"}
    with pytest.raises(InvalidInput, match="not changed") as refused:
        step(factory, case_use, StepKind.USE_ENDED, StepChange(completed_on=date(2026, 3, 2)))
    assert "future" in refused.value.problems[0].reason
    # with every fact given, the step is done
    step(factory, case_use, StepKind.PEOPLE_INFORMED, DONE[StepKind.PEOPLE_INFORMED])
    with transaction(factory) as session:
        case = remediation.case_of(session, SYSTEM, case_use)
    assert case is not None
    informed = case.steps[1]
    assert informed.status is StepStatus.DONE and informed.people_count == 1250
    assert informed.inform_method.startswith("Brief per post") and informed.completed_on == date(2026, 2, 15)


def test_a_case_cannot_be_closed_until_all_three_steps_are_done_with_evidence(
    factory: Factory, case_use: int
) -> None:
    publisher = principal(factory, Role.PUBLISHER)
    # given two steps done, one of them with evidence
    step(factory, case_use, StepKind.USE_ENDED, DONE[StepKind.USE_ENDED])
    step(factory, case_use, StepKind.PEOPLE_INFORMED, DONE[StepKind.PEOPLE_INFORMED])
    evidence(factory, case_use, StepKind.USE_ENDED)
    # then closing is refused, naming what each step lacks
    with pytest.raises(InvalidInput, match="not closed") as refused, transaction(factory) as session:
        remediation.close_case(session, publisher, case_use)
    reasons = {problem.field: problem.reason for problem in refused.value.problems}
    assert set(reasons) == {"steps.people_informed", "steps.data_cleaned"}
    assert (
        "no evidence" in reasons["steps.people_informed"]
        and "not done" not in reasons["steps.people_informed"]
    )
    assert (
        "todo, not done" in reasons["steps.data_cleaned"] and "no evidence" in reasons["steps.data_cleaned"]
    )
    # all three done but one without evidence: still refused
    step(factory, case_use, StepKind.DATA_CLEANED, DONE[StepKind.DATA_CLEANED])
    evidence(factory, case_use, StepKind.DATA_CLEANED)
    with pytest.raises(InvalidInput) as refused, transaction(factory) as session:
        remediation.close_case(session, publisher, case_use)
    assert [problem.field for problem in refused.value.problems] == ["steps.people_informed"]
    # with evidence for every step the case closes
    with transaction(factory) as session:
        remediation.add_file(
            session,
            principal(factory, Role.EDITOR),
            case_use,
            "people_informed",
            "brief.pdf",
            "application/pdf",
            b"%PDF-1.4 brief",
            "De verzonden brief",
        )
    with transaction(factory) as session:
        closed = remediation.close_case(session, publisher, case_use)
    assert closed.state is CaseState.CLOSED and closed.closed_by == "publisher@gm0001" and closed.may_close
    # and, closed, it cannot change
    with pytest.raises(Conflict, match="closed"):
        step(factory, case_use, StepKind.USE_ENDED, StepChange(note="Later toegevoegd."))
    with pytest.raises(Conflict), transaction(factory) as session:
        remediation.close_case(session, publisher, case_use)


def test_editors_change_steps_but_may_not_close_or_reopen(factory: Factory, case_use: int) -> None:
    editor = principal(factory, Role.EDITOR)
    with pytest.raises(Forbidden), transaction(factory) as session:
        remediation.close_case(session, editor, case_use)
    with pytest.raises(Forbidden), transaction(factory) as session:
        remediation.reopen_case(session, editor, case_use, "Nieuwe feiten")
    # viewers and other organisations do not find the case at all
    for nobody in (principal(factory, Role.VIEWER), principal(factory, Role.ADMIN, "gm0002")):
        with pytest.raises(NotFound), transaction(factory) as session:
            remediation.case_of(session, nobody, case_use)
        with pytest.raises(NotFound):
            step(factory, case_use, StepKind.USE_ENDED, StepChange(note="x"), role=Role.VIEWER)


def test_reopening_needs_a_reason_and_everything_is_in_the_history(factory: Factory, case_use: int) -> None:
    for kind in StepKind:
        step(factory, case_use, kind, DONE[kind])
        evidence(factory, case_use, kind)
    publisher = principal(factory, Role.PUBLISHER)
    with transaction(factory) as session:
        remediation.close_case(session, publisher, case_use)
    with pytest.raises(InvalidInput) as refused, transaction(factory) as session:
        remediation.reopen_case(session, publisher, case_use, "  ")
    assert refused.value.problems[0].field == "reason"
    with transaction(factory) as session:
        reopened = remediation.reopen_case(
            session, publisher, case_use, "Er bleek een tweede bestand te zijn."
        )
    assert (
        reopened.state is CaseState.OPEN and reopened.reopen_reason == "Er bleek een tweede bestand te zijn."
    )
    assert reopened.closed_at is None and reopened.steps_done == 3  # the steps keep what was done
    with pytest.raises(Conflict), transaction(factory) as session:
        remediation.reopen_case(session, publisher, case_use, "Nog eens")
    with transaction(factory) as session:
        history = origin_uses.use_history(session, publisher, case_use)
        audit = list(
            session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.action.like("origin_use.%"))
                .order_by(AuditEvent.id)
            )
        )
    actions = [event.action for event in history]
    assert actions == [
        "create",
        "determine",
        "case_opened",
        *[action for _ in StepKind for action in ("step_updated", "evidence_added")],
        "case_closed",
        "case_reopened",
    ]
    assert history[-1].changes["reason"] == "Er bleek een tweede bestand te zijn."
    assert history[3].changes["status"] == ["todo", "done"] and history[3].changes["step"] == "use_ended"
    assert audit == [f"origin_use.{action}" for action in actions]


def test_evidence_is_bounded_and_checked(factory: Factory, case_use: int) -> None:
    editor = principal(factory, Role.EDITOR)
    with pytest.raises(EvidenceTooLarge), transaction(factory) as session:
        remediation.add_file(
            session,
            editor,
            case_use,
            "data_cleaned",
            "groot.bin",
            "application/octet-stream",
            b"x" * (MAX_FILE_BYTES + 1),
            "Te groot",
        )
    with pytest.raises(InvalidInput) as refused, transaction(factory) as session:
        remediation.add_file(session, editor, case_use, "data_cleaned", "../etc/passwd", "geen type", b"", "")
    assert {problem.field for problem in refused.value.problems} == {
        "content",
        "file_name",
        "media_type",
        "description",
    }
    with pytest.raises(InvalidInput) as refused, transaction(factory) as session:
        remediation.add_link(session, editor, case_use, "data_cleaned", "javascript:alert(1)", "Link")
    assert refused.value.problems[0].field == "url"
    with pytest.raises(NotFound, match="no step"), transaction(factory) as session:
        remediation.add_link(session, editor, case_use, "apologised", "https://example.org/", "Link")
    # a stored file comes back as it was, only for those who may read the use
    with transaction(factory) as session:
        stored = remediation.add_file(
            session,
            editor,
            case_use,
            "data_cleaned",
            "verslag.txt",
            "text/plain",
            b"verslag",
            "Verslag van de controle",
        )
    with transaction(factory) as session:
        back = remediation.evidence_file(session, editor, case_use, stored.id)
        with pytest.raises(NotFound):
            remediation.evidence_file(session, principal(factory, Role.VIEWER), case_use, stored.id)
    assert back.content == b"verslag" and back.file_name == "verslag.txt" and back.sha256 == stored.sha256


def test_a_lawful_use_has_no_case(factory: Factory, make_organisation: Callable[..., str]) -> None:
    organisation_with_algorithm(factory, make_organisation)
    use = manual_use(factory)
    determined(factory, use.id, "lawful")
    with transaction(factory) as session:
        assert remediation.case_of(session, SYSTEM, use.id) is None
        with pytest.raises(NotFound, match="no remediation case"):
            remediation.close_case(session, SYSTEM, use.id)
