"""The non-discrimination-by-design checklist per algorithm: answers stored with their history and
audit entry, bias reports of the same algorithm linked as evidence (withdrawn ones kept but not
counted), the status per phase × principle, and who may read and write."""

from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from algoreg.db.models import (
    AuditEvent,
    ChecklistAnswerBiasReport,
    ChecklistAnswerEvent,
    ChecklistAnswerRecord,
)
from algoreg.db.session import transaction
from algoreg.errors import Forbidden, InvalidInput, NotFound
from algoreg.instruments.framework.checklist_store import (
    ItemAnswerIn,
    answer_item,
    checklist_overview,
    item_history,
    non_discrimination_checklist,
)
from algoreg.register import bias_reports
from algoreg.register.bias_reports import ReportDetails
from algoreg.register.roles import SYSTEM, Principal, Role
from tests.instruments.framework_tasks_support import Factory, make_algorithm, make_orgs, principal
from tests.register.test_bias_reports import bias_document

#: An item that needs a bias report to be settled as "met", and one that takes none.
REQUIRED = "ndd-data-evaluation"
PLAIN = "ndd-problem-diversity"


@pytest.fixture
def editor(factory: Factory, make_organisation: Callable[..., str]) -> Principal:
    """An editor of gm0001 (gm0002 exists as well)."""
    make_orgs(make_organisation)
    return principal(factory, "eva", {"gm0001": Role.EDITOR})


def attach(factory: Factory, public_id: str, title: str = "Toets", state: str = "draft") -> int:
    with transaction(factory) as session:
        details = ReportDetails(title=title, period="2025")
        report_id = bias_reports.attach_report(session, SYSTEM, public_id, details, bias_document()).id
        if state in ("published", "withdrawn"):
            bias_reports.publish_report(session, SYSTEM, public_id, report_id)
        if state == "withdrawn":
            bias_reports.withdraw_report(session, SYSTEM, public_id, report_id)
    return report_id


def count(factory: Factory, model: type) -> int:
    with transaction(factory) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def answer(factory: Factory, who: Principal, public_id: str, item_id: str, given: ItemAnswerIn):  # type: ignore[no-untyped-def]
    with transaction(factory) as session:
        return answer_item(session, who, public_id, item_id, given)


def test_an_unanswered_checklist_is_open_everywhere_with_every_cell_counted(
    factory: Factory, editor: Principal
) -> None:
    public_id = make_algorithm(factory)
    with transaction(factory) as session:
        overview = checklist_overview(session, editor, public_id)
    checklist = non_discrimination_checklist()
    assert len(overview.items) == len(checklist.items) and not overview.status.complete
    assert {view.state for view in overview.items} == {"open"}
    assert set(overview.status.cells) == set(checklist.phases)
    for row in overview.status.cells.values():
        assert {principle.id for principle in checklist.principles} == set(row)
        assert all(done == 0 and total >= 1 for done, total in row.values())


def test_met_on_a_required_item_is_settled_only_with_a_linked_report_that_is_not_withdrawn(
    factory: Factory, editor: Principal
) -> None:
    # given an algorithm with a draft bias report
    public_id = make_algorithm(factory, publish=True)
    report_id = attach(factory, public_id, "Toets op wijk")
    item = non_discrimination_checklist().item(REQUIRED)
    assert item is not None and item.bias_evidence == "required"
    # when the item is marked met without a report, it is not settled: evidence is missing
    view = answer(factory, editor, public_id, REQUIRED, ItemAnswerIn(state="met", note="Gemeten"))
    assert view.state == "met" and view.evidence_missing and not view.settled
    # with the report linked it is settled, and counted in its cell
    view = answer(factory, editor, public_id, REQUIRED, ItemAnswerIn("met", "Gemeten", [report_id]))
    assert not view.evidence_missing and view.settled
    assert [(r.id, r.title, r.counts_as_evidence) for r in view.bias_reports] == [
        (report_id, "Toets op wijk", True)
    ]
    with transaction(factory) as session:
        status = checklist_overview(session, editor, public_id).status
    assert status.cells[item.phase][item.principle][0] == 1
    # once the report is published and then withdrawn it stays linked, shown withdrawn, not counted
    with transaction(factory) as session:
        bias_reports.publish_report(session, SYSTEM, public_id, report_id)
        bias_reports.withdraw_report(session, SYSTEM, public_id, report_id)
        view = checklist_overview(session, editor, public_id).item(REQUIRED)
    assert [(r.id, r.state, r.counts_as_evidence) for r in view.bias_reports] == [
        (report_id, "withdrawn", False)
    ]
    assert view.evidence_missing and not view.settled
    # saving the answer again keeps the withdrawn link, but a withdrawn report cannot be linked anew
    answer(factory, editor, public_id, REQUIRED, ItemAnswerIn("met", "Gemeten opnieuw", [report_id]))
    other_withdrawn = attach(factory, public_id, "Oude toets", state="withdrawn")
    with pytest.raises(InvalidInput) as refused:
        answer(factory, editor, public_id, PLAIN, ItemAnswerIn("met", None, [other_withdrawn]))
    assert [p.field for p in refused.value.problems] == ["bias_report_ids[0]"]
    assert "withdrawn" in refused.value.problems[0].reason


def test_answers_keep_a_history_and_an_audit_entry_and_the_same_answer_records_nothing(
    factory: Factory, editor: Principal
) -> None:
    public_id = make_algorithm(factory)
    first, second = attach(factory, public_id, "Een"), attach(factory, public_id, "Twee")
    answer(factory, editor, public_id, PLAIN, ItemAnswerIn("not_met", " Nog  niet ", [first]))
    answer(factory, editor, public_id, PLAIN, ItemAnswerIn("met", "Gedaan", [second, second]))
    answer(factory, editor, public_id, PLAIN, ItemAnswerIn("met", "Gedaan", [second]))
    with transaction(factory) as session:
        history = item_history(session, editor, public_id, PLAIN)
        audited = session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "checklist.answer")
        )
        assert item_history(session, editor, public_id, REQUIRED) == []
    assert [dict(event.changes) for event in history] == [
        {"state": ["open", "not_met"], "note": [None, "Nog niet"], "bias_report_ids": [[], [first]]},
        {"state": ["not_met", "met"], "note": ["Nog niet", "Gedaan"], "bias_report_ids": [[first], [second]]},
    ]
    assert {event.actor for event in history} == {"eva"} and audited == 2
    assert count(factory, ChecklistAnswerBiasReport) == 1


def test_bad_answers_name_their_field_and_write_nothing(factory: Factory, editor: Principal) -> None:
    public_id = make_algorithm(factory)
    elsewhere = make_algorithm(factory)
    foreign_report = attach(factory, elsewhere, "Van een ander algoritme")
    own = attach(factory, public_id, "Eigen")
    with pytest.raises(InvalidInput) as refused:
        answer(
            factory,
            editor,
            public_id,
            PLAIN,
            ItemAnswerIn("not_applicable", "   ", [own, foreign_report, 999_999]),
        )
    problems = {p.field: p.reason for p in refused.value.problems}
    assert set(problems) == {"note", "bias_report_ids[1]", "bias_report_ids[2]"}
    assert "not_applicable" in problems["note"]
    assert (
        f"{foreign_report} is not a bias report of algorithm '{public_id}'" in problems["bias_report_ids[1]"]
    )
    with pytest.raises(InvalidInput) as wrong_state:
        answer(factory, editor, public_id, PLAIN, ItemAnswerIn("klaar"))
    assert wrong_state.value.problems[0].field == "state"
    assert "open, met, not_met, not_applicable" in wrong_state.value.problems[0].reason
    with pytest.raises(NotFound) as unknown:
        answer(factory, editor, public_id, "ndd-bestaat-niet", ItemAnswerIn("met"))
    assert "ndd-bestaat-niet" in unknown.value.message
    assert count(factory, ChecklistAnswerRecord) == 0 and count(factory, ChecklistAnswerEvent) == 0


def test_the_database_refuses_a_link_to_another_algorithms_report(
    factory: Factory, editor: Principal
) -> None:
    public_id = make_algorithm(factory)
    elsewhere = make_algorithm(factory)
    foreign_report = attach(factory, elsewhere)
    answer(factory, editor, public_id, PLAIN, ItemAnswerIn("met"))
    with transaction(factory) as session:
        row = session.scalars(select(ChecklistAnswerRecord)).one()
        link = ChecklistAnswerBiasReport(
            answer_id=row.id, bias_report_id=foreign_report, algorithm_id=row.algorithm_id, linked_by="x"
        )

    def insert() -> None:
        with transaction(factory) as session:
            session.add(link)

    # the link names the answer's algorithm, but the report belongs to another one
    with pytest.raises(IntegrityError):
        insert()
    assert count(factory, ChecklistAnswerBiasReport) == 0


def test_viewers_read_editors_write_and_other_organisations_are_refused(
    factory: Factory, editor: Principal
) -> None:
    public_id = make_algorithm(factory)
    viewer = principal(factory, "vera", {"gm0001": Role.VIEWER})
    outsider = principal(factory, "otto", {"gm0002": Role.ADMIN})
    answer(factory, editor, public_id, PLAIN, ItemAnswerIn("met"))
    with transaction(factory) as session:
        assert checklist_overview(session, viewer, public_id).item(PLAIN).state == "met"
        assert len(item_history(session, viewer, public_id, PLAIN)) == 1
    with pytest.raises(Forbidden):
        answer(factory, viewer, public_id, PLAIN, ItemAnswerIn("not_met"))
    with pytest.raises(Forbidden):
        answer(factory, outsider, public_id, PLAIN, ItemAnswerIn("not_met"))
    with pytest.raises(Forbidden), transaction(factory) as session:
        checklist_overview(session, outsider, public_id)
    with transaction(factory) as session:
        assert checklist_overview(session, editor, public_id).item(PLAIN).state == "met"
    assert count(factory, ChecklistAnswerEvent) == 1
