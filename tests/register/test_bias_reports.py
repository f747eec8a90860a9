"""Bias reports in the register: attach a checked document, publish and withdraw with an audit trail,
who sees what, the public list with its filters, and "Biastoets" among the search's impact assessments."""

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import polars as pl
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from algoreg.bias.analysis import analyse
from algoreg.bias.document import from_document, to_document
from algoreg.bias.results import BiasAnalysis
from algoreg.db.models import AuditEvent, BiasReport
from algoreg.db.session import transaction
from algoreg.errors import Conflict, Forbidden, InvalidInput, NotFound
from algoreg.register import algorithms, bias_reports
from algoreg.register.bias_reports import (
    MAX_DOCUMENT_BYTES,
    DocumentTooLarge,
    ReportDetails,
    ReportFilter,
    ReportState,
    VerdictPresent,
)
from algoreg.register.organisations import get_organisation
from algoreg.register.roles import SYSTEM, Principal, Role
from algoreg.register.search import Facet, SearchQuery, search
from algoreg.register.search_index import BIAS_TEST_ASSESSMENT, rebuild_search_index
from algoreg.register.workflow import Action
from tests.samples import sample_record

Factory = sessionmaker[Session]
PUBLISH = (Action.SUBMIT, Action.APPROVE, Action.PUBLISH)
ANALYSED = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


# --- a real document, shared with the web tests ---------------------------------------------------


def decisions(disparity: bool = True) -> pl.DataFrame:
    """Selections per district: Noord 200 of 400, West 100 of 200, Zuid 100 of 400 (or 200 of 400).

    Zuid's 25% against Noord's 50% is a disparity by any test (Fisher p < 1e-12); West's 50% against
    50% lies within the default tolerance 0.8–1.25 (TOST with 200 and 400 cases).
    """
    zuid_selected = 100 if disparity else 200
    return pl.DataFrame(
        {
            "district": ["Noord"] * 400 + ["Zuid"] * 400 + ["West"] * 200,
            "selected": [1] * 200
            + [0] * 200
            + [1] * zuid_selected
            + [0] * (400 - zuid_selected)
            + [1, 0] * 100,
        }
    )


def bias_analysis(disparity: bool = True) -> BiasAnalysis:
    """The analysis of :func:`decisions` against the largest group."""
    return analyse(decisions(disparity), {"roles": {"protected": ["district"], "outcome": "selected"}})


def bias_document(disparity: bool = True) -> dict[str, Any]:
    """A real ``algoreg-bias/1`` document of :func:`bias_analysis`."""
    return to_document(bias_analysis(disparity), created=ANALYSED)


def document_bytes(disparity: bool = True) -> bytes:
    """The document as a file would hold it: indented JSON."""
    return json.dumps(bias_document(disparity), indent=2, ensure_ascii=False).encode("utf-8")


DETAILS = ReportDetails(
    title="Toets op wijk bij controle bijstand",
    period="Besluiten van januari tot en met juni 2025",
    description="<p>Uitkomst per wijk.</p><script>alert(1)</script>",
)


# --- fixtures -------------------------------------------------------------------------------------


@pytest.fixture
def orgs(make_organisation: Callable[..., str]) -> None:
    make_organisation("gm0001", "Gemeente Een")
    make_organisation("gm0002", "Gemeente Twee")


def principal(factory: Factory, name: str, roles: dict[str, Role]) -> Principal:
    with transaction(factory) as session:
        ids = {get_organisation(session, code).id: role for code, role in roles.items()}
    return Principal(name=name, roles=ids)


def algorithm(factory: Factory, organisation: str = "gm0001", publish: bool = True, **overrides: Any) -> str:
    name = {"gm0001": "Gemeente Een", "gm0002": "Gemeente Twee"}[organisation]
    with transaction(factory) as session:
        record = sample_record(organization=name, **overrides)
        public_id = algorithms.create_algorithm(session, SYSTEM, organisation, record).public_id
        if publish:
            algorithms.perform_steps(session, SYSTEM, public_id, PUBLISH)
    return public_id


def attach(
    factory: Factory,
    public_id: str,
    who: Principal = SYSTEM,
    details: ReportDetails = DETAILS,
    document: bytes | str | dict[str, Any] | None = None,
) -> int:
    with transaction(factory) as session:
        report = bias_reports.attach_report(
            session, who, public_id, details, document_bytes() if document is None else document
        )
        return report.id


def step(factory: Factory, action: str, public_id: str, report_id: int, who: Principal = SYSTEM) -> None:
    with transaction(factory) as session:
        operation = bias_reports.publish_report if action == "publish" else bias_reports.withdraw_report
        operation(session, who, public_id, report_id)


def stored(factory: Factory) -> tuple[int, int]:
    """How many reports and report audit events the database holds."""
    with transaction(factory) as session:
        reports = session.scalar(select(func.count()).select_from(BiasReport)) or 0
        events = session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action.startswith("bias_report."))
        )
        return reports, events or 0


def assessment_titles(factory: Factory) -> dict[str, int]:
    with transaction(factory) as session:
        result = search(session, SearchQuery())
    return {value.value: value.count for value in result.facet(Facet.ASSESSMENT_TITLE).values}


# --- attaching ----------------------------------------------------------------------------------


def test_an_editor_attaches_a_document_as_a_draft_with_its_verdicts(factory: Factory, orgs: None) -> None:
    # given a published algorithm and an editor of its organisation
    public_id = algorithm(factory)
    editor = principal(factory, "Eva Editor", {"gm0001": Role.EDITOR})
    raw = document_bytes()
    # when she attaches the document file
    report_id = attach(factory, public_id, editor, document=raw)
    # then it is stored as a draft, byte for byte, with the summary's counts copied out
    with transaction(factory) as session:
        report = session.get(BiasReport, report_id)
        assert report is not None
        assert report.state == "draft"
        assert report.document.encode("utf-8") == raw
        assert report.document_bytes == len(raw)
        assert report.digest == bias_document()["integrity"]["digest"]
        assert report.mode == "decisions" and report.analysed_at == ANALYSED
        # Zuid 25% vs Noord 50%: a disparity; West 50% vs 50%: within the tolerance
        assert (report.comparisons, report.disparity_found, report.no_disparity_beyond_tolerance) == (2, 1, 1)
        assert (report.inconclusive, report.too_few_cases) == (0, 0)
        assert report.title == DETAILS.title and report.period == DETAILS.period
        assert report.description == "<p>Uitkomst per wijk.</p>"  # the script is sanitised away
        assert report.created_by == "Eva Editor"
        # and the stored document still reads back as the same analysis
        assert from_document(json.loads(report.document)) == bias_analysis()
    assert stored(factory) == (1, 1)
    with transaction(factory) as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "bias_report.attach")).one()
        assert event.actor == "Eva Editor" and event.detail["report_id"] == report_id


def test_a_parsed_document_is_stored_as_compact_json_that_still_verifies(
    factory: Factory, orgs: None
) -> None:
    public_id = algorithm(factory)
    report_id = attach(factory, public_id, document=bias_document())
    with transaction(factory) as session:
        text = bias_reports.report_document(session, SYSTEM, public_id, report_id)
    assert "\n" not in text
    assert json.loads(text) == bias_document()
    assert from_document(json.loads(text)) == bias_analysis()


def _tampered() -> dict[str, Any]:
    document = bias_document()
    document["body"]["summary"]["disparity_found"] = 0  # hide the disparity, keep the digest
    return document


@pytest.mark.parametrize(
    ("document", "field", "words"),
    [
        (_tampered(), "document.integrity.digest", "changed after it was made"),
        ({**bias_document(), "format": "algoreg-bias/2"}, "document.format", "algoreg-bias/1"),
        ({**bias_document(), "mode": "rows"}, "document.mode", "decisions, aggregate, monitoring"),
        (b"[1, 2]", "document", "must be a JSON object"),
        (b'{"format": ', "document", "not valid JSON"),
        (b"\xff\xfe{}", "document", "not UTF-8"),
        (b'{"format": NaN}', "document", "NaN is not a JSON number"),
    ],
    ids=["tampered-digest", "unknown-format", "unknown-mode", "array", "broken-json", "not-utf8", "nan"],
)
def test_a_document_that_does_not_check_out_is_refused_and_nothing_is_stored(
    factory: Factory, orgs: None, document: bytes | dict[str, Any], field: str, words: str
) -> None:
    public_id = algorithm(factory)
    with pytest.raises(InvalidInput) as refused:
        attach(factory, public_id, document=document)
    problems = {problem.field: problem.reason for problem in refused.value.problems}
    assert field in problems and words in problems[field], problems
    assert stored(factory) == (0, 0)


def test_a_document_over_the_size_limit_is_refused_before_it_is_read(factory: Factory, orgs: None) -> None:
    # given a valid document padded with whitespace to one byte over the limit
    raw = document_bytes()
    padded = raw + b" " * (MAX_DOCUMENT_BYTES + 1 - len(raw))
    assert len(padded) == MAX_DOCUMENT_BYTES + 1
    public_id = algorithm(factory)
    # when it is attached it is refused, naming the field and the limit
    with pytest.raises(DocumentTooLarge) as refused:
        attach(factory, public_id, document=padded)
    (problem,) = refused.value.problems
    assert problem.field == "document"
    assert f"is {MAX_DOCUMENT_BYTES + 1} bytes" in problem.reason and "2 MB" in problem.reason
    assert stored(factory) == (0, 0)
    # while exactly the limit is accepted
    attach(factory, public_id, document=padded[:-1])
    assert stored(factory) == (1, 1)


def test_missing_details_and_a_bad_document_are_listed_together(factory: Factory, orgs: None) -> None:
    public_id = algorithm(factory)
    with pytest.raises(InvalidInput) as refused:
        attach(factory, public_id, details=ReportDetails(title="  ", period="x" * 301), document=_tampered())
    fields = sorted(problem.field for problem in refused.value.problems)
    assert fields == ["document.integrity.digest", "period", "title"]
    assert stored(factory) == (0, 0)


@pytest.mark.parametrize(
    ("roles", "refusal"),
    [
        ({"gm0002": Role.ADMIN}, "you have no role in it"),
        ({"gm0001": Role.VIEWER}, "your role there is viewer"),
    ],
    ids=["other-organisation", "viewer"],
)
def test_only_editors_of_the_organisation_attach(
    factory: Factory, orgs: None, roles: dict[str, Role], refusal: str
) -> None:
    public_id = algorithm(factory)
    with pytest.raises(Forbidden) as refused:
        attach(factory, public_id, principal(factory, "someone", roles))
    assert "need the role editor" in refused.value.message and refusal in refused.value.message
    assert stored(factory) == (0, 0)


def test_an_unknown_algorithm_is_not_found(factory: Factory, orgs: None) -> None:
    with pytest.raises(NotFound):
        attach(factory, "99999999")
    assert stored(factory) == (0, 0)


# --- publishing, withdrawing, editing --------------------------------------------------------------


def test_publishers_publish_and_withdraw_and_each_step_is_audited(factory: Factory, orgs: None) -> None:
    public_id = algorithm(factory)
    editor = principal(factory, "Eva Editor", {"gm0001": Role.EDITOR})
    publisher = principal(factory, "Piet Publisher", {"gm0001": Role.PUBLISHER})
    report_id = attach(factory, public_id, editor)
    # an editor may not publish
    with pytest.raises(Forbidden):
        step(factory, "publish", public_id, report_id, editor)
    # a publisher may
    step(factory, "publish", public_id, report_id, publisher)
    with transaction(factory) as session:
        view = bias_reports.get_report(session, None, public_id, report_id)
    assert view.state is ReportState.PUBLISHED and view.published_by == "Piet Publisher"
    assert view.is_visible_to_public
    # publishing twice is a conflict, as is editing a published report
    with pytest.raises(Conflict):
        step(factory, "publish", public_id, report_id, publisher)
    with pytest.raises(Conflict), transaction(factory) as session:
        bias_reports.edit_report(session, editor, public_id, report_id, DETAILS)
    # withdrawing needs the publisher too, and may be done once
    with pytest.raises(Forbidden):
        step(factory, "withdraw", public_id, report_id, editor)
    step(factory, "withdraw", public_id, report_id, publisher)
    with pytest.raises(Conflict):
        step(factory, "withdraw", public_id, report_id, publisher)
    # then the audit log holds every change in order, by whom
    with transaction(factory) as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action.startswith("bias_report.")).order_by(AuditEvent.id)
        ).all()
        assert [(e.action, e.actor) for e in events] == [
            ("bias_report.attach", "Eva Editor"),
            ("bias_report.publish", "Piet Publisher"),
            ("bias_report.withdraw", "Piet Publisher"),
        ]
        report = session.get(BiasReport, report_id)
        assert report is not None and report.state == "withdrawn" and report.withdrawn_at is not None


def test_an_editor_edits_the_details_of_a_report_that_is_not_published(factory: Factory, orgs: None) -> None:
    public_id = algorithm(factory)
    editor = principal(factory, "Eva Editor", {"gm0001": Role.EDITOR})
    viewer = principal(factory, "Vera Viewer", {"gm0001": Role.VIEWER})
    report_id = attach(factory, public_id, editor)
    changed = ReportDetails(title="Nieuwe titel", period="Heel 2025", description="<ol><li>Een</li></ol>")
    with pytest.raises(Forbidden), transaction(factory) as session:
        bias_reports.edit_report(session, viewer, public_id, report_id, changed)
    with transaction(factory) as session:
        bias_reports.edit_report(session, editor, public_id, report_id, changed)
        # the same details again change nothing and are not audited
        bias_reports.edit_report(session, editor, public_id, report_id, changed)
    with transaction(factory) as session:
        view = bias_reports.get_report(session, viewer, public_id, report_id)
    assert (view.title, view.period, view.description) == (
        "Nieuwe titel",
        "Heel 2025",
        "<ol><li>Een</li></ol>",
    )
    assert stored(factory) == (1, 2)
    with pytest.raises(InvalidInput) as refused, transaction(factory) as session:
        bias_reports.edit_report(session, editor, public_id, report_id, ReportDetails(title="", period="x"))
    assert [problem.field for problem in refused.value.problems] == ["title"]


# --- who sees what -----------------------------------------------------------------------------------


def test_drafts_are_for_the_organisation_and_published_reports_of_public_algorithms_for_all(
    factory: Factory, orgs: None
) -> None:
    public_id = algorithm(factory)
    concept_id = algorithm(factory, publish=False, name="Nog niet gepubliceerd")
    viewer = principal(factory, "Vera Viewer", {"gm0001": Role.VIEWER})
    outsider = principal(factory, "Olaf", {"gm0002": Role.ADMIN})
    draft = attach(factory, public_id)
    published = attach(factory, public_id, details=ReportDetails(title="Tweede toets", period="2024"))
    step(factory, "publish", public_id, published)
    on_concept = attach(factory, concept_id)
    step(factory, "publish", concept_id, on_concept)

    def visible(who: Principal | None, algorithm_id: str) -> list[int]:
        with transaction(factory) as session:
            return [view.id for view in bias_reports.reports_of_algorithm(session, who, algorithm_id)]

    # the organisation's viewer reads every report, newest first
    assert visible(viewer, public_id) == [published, draft]
    assert visible(viewer, concept_id) == [on_concept]
    # the public and other organisations see only the published report of the public algorithm
    assert visible(None, public_id) == [published]
    assert visible(outsider, public_id) == [published]
    for who in (None, outsider):
        with pytest.raises(NotFound):
            visible(who, concept_id)
        for algorithm_id, report_id in ((public_id, draft), (concept_id, on_concept)):
            with pytest.raises(NotFound), transaction(factory) as session:
                bias_reports.get_report(session, who, algorithm_id, report_id)
            with pytest.raises(NotFound), transaction(factory) as session:
                bias_reports.report_document(session, who, algorithm_id, report_id)
    # a report is found only under its own algorithm
    with pytest.raises(NotFound), transaction(factory) as session:
        bias_reports.get_report(session, viewer, concept_id, published)
    # the public list holds only the one report
    with transaction(factory) as session:
        page = bias_reports.list_published_reports(session)
    assert [item.id for item in page.items] == [published] and page.total == 1
    # when the concept is published, its published report becomes public too
    with transaction(factory) as session:
        algorithms.perform_steps(session, SYSTEM, concept_id, PUBLISH)
    assert visible(None, concept_id) == [on_concept]
    # and when the algorithm is retracted, its reports are gone for the public
    with transaction(factory) as session:
        algorithms.perform(session, SYSTEM, public_id, Action.RETRACT)
    with pytest.raises(NotFound):
        visible(None, public_id)
    with transaction(factory) as session:
        assert [item.id for item in bias_reports.list_published_reports(session).items] == [on_concept]


def test_the_public_list_filters_by_organisation_verdict_and_words_and_pages(
    factory: Factory, orgs: None
) -> None:
    # given three published reports: two of Gemeente Een (one without a disparity), one of Gemeente Twee
    een, twee = algorithm(factory), algorithm(factory, "gm0002")
    found_een = attach(factory, een, details=ReportDetails(title="Wijk en bijstand", period="2025"))
    equal_een = attach(
        factory,
        een,
        details=ReportDetails(
            title="Leeftijd", period="2024", description="<p>Geen verschil tussen wijken</p>"
        ),
        document=document_bytes(disparity=False),
    )
    found_twee = attach(factory, twee, details=ReportDetails(title="Parkeren", period="Café-bezoek 2023"))
    attach(factory, een, details=ReportDetails(title="Concept wijk", period="2025"))  # stays a draft
    for public_id, report_id in ((een, found_een), (een, equal_een), (twee, found_twee)):
        step(factory, "publish", public_id, report_id)

    def ids(where: ReportFilter = ReportFilter(), **paging: int) -> list[int]:
        with transaction(factory) as session:
            return [item.id for item in bias_reports.list_published_reports(session, where, **paging).items]

    assert ids() == [found_twee, equal_een, found_een]  # newest publication first
    assert ids(ReportFilter(organisation_code="GM0001")) == [equal_een, found_een]
    assert ids(ReportFilter(verdicts=(VerdictPresent.DISPARITY_FOUND,))) == [found_twee, found_een]
    # both analyses hold West's comparison within the tolerance; the equal one holds Zuid's too
    no_disparity = ReportFilter(verdicts=(VerdictPresent.NO_DISPARITY_BEYOND_TOLERANCE,))
    assert ids(no_disparity) == [found_twee, equal_een, found_een]
    assert ids(ReportFilter(verdicts=(VerdictPresent.INCONCLUSIVE,))) == []
    # words are looked for in the title, the description's text and the period, ignoring case and accents
    assert ids(ReportFilter(text="WIJK")) == [equal_een, found_een]
    assert ids(ReportFilter(text="cafe")) == [found_twee]
    assert ids(ReportFilter(text="wijk 2025")) == [found_een]
    assert ids(ReportFilter(text="100% _ 'x")) == []
    # and pages
    assert ids(offset=1, limit=1) == [equal_een]
    with transaction(factory) as session:
        page = bias_reports.list_published_reports(session, offset=2, limit=5)
        assert (page.total, len(page.items)) == (3, 1)
        assert bias_reports.published_organisations(session) == [
            ("gm0001", "Gemeente Een", 2),
            ("gm0002", "Gemeente Twee", 1),
        ]


def test_verdicts_are_read_from_text_ignoring_unknown_values() -> None:
    assert bias_reports.verdicts_from(["inconclusive", "nonsense", "disparity_found", "inconclusive"]) == (
        VerdictPresent.INCONCLUSIVE,
        VerdictPresent.DISPARITY_FOUND,
    )


# --- the search's impact-assessment facet ---------------------------------------------------------------


def test_search_lists_a_bias_test_only_while_a_report_is_published(factory: Factory, orgs: None) -> None:
    # given a public algorithm with an IAMA in its record, and one without any assessment
    algorithm(factory, impacttoetsen_grouping=[{"title": "IAMA"}])
    plain = algorithm(factory, name="Zonder toetsen")
    assert assessment_titles(factory) == {"IAMA": 1}
    report_id = attach(factory, plain)
    assert BIAS_TEST_ASSESSMENT == "Biastoets"
    assert assessment_titles(factory) == {"IAMA": 1}  # a draft does not count
    # when the report is published, the algorithm counts as assessed, with a "Biastoets"
    step(factory, "publish", plain, report_id)
    assert assessment_titles(factory) == {"IAMA": 1, "Biastoets": 1}
    with transaction(factory) as session:
        assessed = search(session, SearchQuery(filters={Facet.ASSESSMENT: ("yes",)}))
        bias_tested = search(session, SearchQuery(filters={Facet.ASSESSMENT_TITLE: ("Biastoets",)}))
        english = search(session, SearchQuery(), "en").facet(Facet.ASSESSMENT_TITLE).values
    assert assessed.total == 2
    assert [hit.public_id for hit in bias_tested.items] == [plain]
    assert {value.value: value.label for value in english} == {"IAMA": "IAMA", "Biastoets": "Bias test"}
    # a rebuilt index says the same
    with transaction(factory) as session:
        rebuild_search_index(session)
    assert assessment_titles(factory) == {"IAMA": 1, "Biastoets": 1}
    # and the algorithm's record was not changed: it has one version, without the bias test
    with transaction(factory) as session:
        record = algorithms.get_published(session, plain).record
        assert "impacttoetsen_grouping" not in record or not record["impacttoetsen_grouping"]
        assert len(algorithms.versions(session, SYSTEM, plain)) == 1
    # when it is withdrawn, the bias test is gone from the facet
    step(factory, "withdraw", plain, report_id)
    assert assessment_titles(factory) == {"IAMA": 1}
    with transaction(factory) as session:
        assert search(session, SearchQuery(filters={Facet.ASSESSMENT: ("no",)})).total == 1


def test_a_bias_test_joins_the_record_s_own_assessments_once(factory: Factory, orgs: None) -> None:
    # an algorithm whose record names a "Biastoets" itself and also has a published report
    public_id = algorithm(factory, impacttoetsen_grouping=[{"title": "Biastoets"}, {"title": "IAMA"}])
    step(factory, "publish", public_id, attach(factory, public_id))
    assert assessment_titles(factory) == {"Biastoets": 1, "IAMA": 1}
    # and a report published while the algorithm is a concept appears once the algorithm is published
    concept = algorithm(factory, publish=False, name="Later")
    step(factory, "publish", concept, attach(factory, concept))
    assert assessment_titles(factory) == {"Biastoets": 1, "IAMA": 1}
    with transaction(factory) as session:
        algorithms.perform_steps(session, SYSTEM, concept, PUBLISH)
    assert assessment_titles(factory) == {"Biastoets": 2, "IAMA": 1}
