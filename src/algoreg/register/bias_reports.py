"""Bias reports in the register: bias analyses attached to algorithms, published for others to learn from.

A report is an ``algoreg-bias/1`` document (see :mod:`algoreg.bias.document`: aggregates only,
with an integrity digest) stored exactly as it was attached, with a title, a description (rich
text, sanitised like the standard's rich-text fields), the period or data it covers, and the
verdict counts of its summary copied out for lists and filters.

Who may do what, by role in the algorithm's organisation: editors attach reports and edit their
title, description and period while they are not published; publishers publish and withdraw
them; every role reads them in every state. Anyone else sees a report only while it is published
and its algorithm is public — otherwise it does not exist for them (:class:`NotFound`).

Every function runs in the caller's transaction and either completes whole or raises; every
change is recorded in the audit log. Publishing and withdrawing refresh the algorithm's search
entry, whose impact assessments include "Biastoets" while a report of it is published.
"""

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from algoreg.db.models import Algorithm, AlgorithmVersion, BiasReport, Organisation, utcnow
from algoreg.errors import Conflict, FieldProblem, InvalidInput, NotFound
from algoreg.register.algorithms import find_algorithm, is_public
from algoreg.register.audit import record_event
from algoreg.register.roles import Principal, Role
from algoreg.register.search_index import PUBLISHED_REPORT_STATE, refresh_search_entry
from algoreg.register.search_text import fold, plain_text, query_words
from algoreg.standard.richtext import sanitise, text_length

if TYPE_CHECKING:
    from algoreg.bias.document import AnyAnalysis

#: Largest document accepted, in bytes of UTF-8 JSON.
MAX_DOCUMENT_BYTES = 2 * 1024 * 1024
#: Longest title, period text and description (characters of text, markup not counted).
MAX_TITLE_CHARS = 200
MAX_PERIOD_CHARS = 300
MAX_DESCRIPTION_CHARS = 10_000
#: Most reports one page of a list holds.
MAX_PAGE_SIZE = 500

_SUMMARY = "The bias report was not stored."


class ReportState(StrEnum):
    """Where a report stands: a draft, published, or withdrawn from publication."""

    DRAFT = "draft"
    PUBLISHED = PUBLISHED_REPORT_STATE
    WITHDRAWN = "withdrawn"


class VerdictPresent(StrEnum):
    """A verdict a report may hold at least once; the filter of the public list."""

    DISPARITY_FOUND = "disparity_found"
    NO_DISPARITY_BEYOND_TOLERANCE = "no_disparity_beyond_tolerance"
    INCONCLUSIVE = "inconclusive"


class DocumentTooLarge(InvalidInput):
    """The document is larger than :data:`MAX_DOCUMENT_BYTES`; the web answers 413."""


@dataclass(frozen=True)
class ReportDetails:
    """What people write about a report: its title, description (rich text) and the period or data covered."""

    title: str
    period: str
    description: str = ""


@dataclass(frozen=True)
class ReadDocument:
    """An attached document that passed every check: its text as given, its analysis and its digest."""

    text: str
    size: int
    analysis: "AnyAnalysis"
    mode: str
    digest: str
    created: datetime | None


@dataclass(frozen=True)
class VerdictCounts:
    """How many comparisons of a report reached each verdict (its summary)."""

    comparisons: int
    disparity_found: int
    no_disparity_beyond_tolerance: int
    inconclusive: int
    too_few_cases: int


@dataclass(frozen=True)
class ReportView:
    """A bias report with its algorithm and organisation, as lists and pages show it (not the document)."""

    id: int
    algorithm_public_id: str
    algorithm_name: str
    organisation_id: int
    organisation_code: str
    organisation_name: str
    title: str
    description: str
    period: str
    mode: str
    state: ReportState
    digest: str
    document_bytes: int
    analysed_at: datetime | None
    verdicts: VerdictCounts
    created_at: datetime
    created_by: str
    updated_at: datetime
    published_at: datetime | None
    published_by: str | None
    withdrawn_at: datetime | None
    algorithm_is_public: bool

    @property
    def is_visible_to_public(self) -> bool:
        """Whether the public can read this report now: published, of a public algorithm."""
        return self.state is ReportState.PUBLISHED and self.algorithm_is_public


@dataclass(frozen=True)
class ReportPage:
    """One page of published reports and how many matched."""

    items: list[ReportView]
    total: int
    offset: int
    limit: int


@dataclass(frozen=True)
class ReportFilter:
    """Which published reports to list: of one organisation, holding any of some verdicts, with words."""

    organisation_code: str | None = None
    verdicts: tuple[VerdictPresent, ...] = ()
    text: str = ""


# --- reading and checking a document ------------------------------------------------------------


def read_document(content: bytes | str | Mapping[str, Any]) -> ReadDocument:
    """Check a bias analysis document and return it with what the register keeps of it.

    ``content`` is the document as a file's bytes, as JSON text, or as a parsed JSON object. It
    must be at most :data:`MAX_DOCUMENT_BYTES` (else :class:`DocumentTooLarge`), valid UTF-8 JSON
    holding one object, and pass :func:`algoreg.bias.document.from_document`: the format
    ``algoreg-bias/1``, a known mode, a matching integrity digest and a valid body. Every problem
    raises :class:`InvalidInput` with fields under ``document``. Bytes and text are kept exactly as
    given; a parsed object is written as compact JSON.
    """
    if isinstance(content, Mapping):
        try:
            text = json.dumps(content, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError) as wrong:
            raise InvalidInput(
                problems=[FieldProblem("document", f"holds a value JSON cannot represent: {wrong}")],
                summary=_SUMMARY,
            ) from None
        raw = text.encode("utf-8")
        _check_size(len(raw))
        parsed: Any = content
    else:
        raw = content.encode("utf-8") if isinstance(content, str) else content
        _check_size(len(raw))
        text, parsed = _parse(raw)
    if not isinstance(parsed, Mapping):
        raise InvalidInput(
            problems=[FieldProblem("document", f"must be a JSON object; got {_json_kind(parsed)}")],
            summary=_SUMMARY,
        )
    from algoreg.bias.document import from_document  # the statistics libraries load only when needed

    try:
        analysis = from_document(parsed)
    except InvalidInput as invalid:
        raise InvalidInput(
            problems=[FieldProblem(f"document.{p.field}", p.reason) for p in invalid.problems],
            summary=f"{_SUMMARY} {invalid.message}",
        ) from None
    return ReadDocument(
        text=text,
        size=len(raw),
        analysis=analysis,
        mode=str(parsed["mode"]),
        digest=str(parsed["integrity"]["digest"]),
        created=_moment(parsed.get("created")),
    )


def _check_size(size: int) -> None:
    if size > MAX_DOCUMENT_BYTES:
        raise DocumentTooLarge(
            problems=[
                FieldProblem(
                    "document",
                    f"is {size} bytes; at most {MAX_DOCUMENT_BYTES} bytes "
                    f"({MAX_DOCUMENT_BYTES // 1024 // 1024} MB) are accepted",
                )
            ],
            summary=f"{_SUMMARY} The document is too large.",
        )


def _parse(raw: bytes) -> tuple[str, Any]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as wrong:
        raise InvalidInput(
            problems=[FieldProblem("document", f"is not UTF-8 text (byte {wrong.start} cannot be read)")],
            summary=_SUMMARY,
        ) from None

    def refuse_constant(name: str) -> Any:
        raise ValueError(f"{name} is not a JSON number")

    try:
        return text, json.loads(text, parse_constant=refuse_constant)
    except json.JSONDecodeError as wrong:
        reason = f"is not valid JSON: {wrong.msg} at line {wrong.lineno}, column {wrong.colno}"
    except ValueError as wrong:
        reason = f"is not valid JSON: {wrong}"
    raise InvalidInput(problems=[FieldProblem("document", reason)], summary=_SUMMARY)


def _json_kind(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    return "a number" if isinstance(value, int | float) and not isinstance(value, bool) else "true or false"


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def check_details(details: ReportDetails) -> ReportDetails:
    """Return the details trimmed, with the description sanitised, or raise :class:`InvalidInput`.

    The title (at most :data:`MAX_TITLE_CHARS`) and the period or data covered (at most
    :data:`MAX_PERIOD_CHARS`) are required; the description may use the standard's rich-text
    subset, is sanitised to it, and may hold at most :data:`MAX_DESCRIPTION_CHARS` characters of text.
    """
    title = " ".join(details.title.split())
    period = " ".join(details.period.split())
    description = sanitise(details.description.strip()) if details.description.strip() else ""
    problems = []
    for name, value, maximum in (("title", title, MAX_TITLE_CHARS), ("period", period, MAX_PERIOD_CHARS)):
        if not value:
            problems.append(FieldProblem(name, "is required; give a text of at least 1 character"))
        elif len(value) > maximum:
            problems.append(
                FieldProblem(name, f"is {len(value)} characters long; at most {maximum} are allowed")
            )
    if text_length(description) > MAX_DESCRIPTION_CHARS:
        problems.append(
            FieldProblem(
                "description",
                f"is {text_length(description)} characters of text long (markup not counted); "
                f"at most {MAX_DESCRIPTION_CHARS} are allowed",
            )
        )
    if problems:
        raise InvalidInput(problems=problems, summary=_SUMMARY)
    return ReportDetails(title=title, period=period, description=description)


def _search_text(details: ReportDetails) -> str:
    return fold(" ".join((details.title, plain_text(details.description), details.period)))


# --- writing ------------------------------------------------------------------------------------


def require_may_attach(session: Session, principal: Principal, public_id: str) -> Algorithm:
    """The algorithm, when ``principal`` may attach bias reports to it (editor role); else raises.

    Raises :class:`NotFound` for an unknown algorithm and :class:`Forbidden` without the role — so
    that work done before attaching (an analysis of uploaded data) can be refused before it starts.
    """
    algorithm = find_algorithm(session, public_id)
    principal.require(algorithm.organisation_id, Role.EDITOR, "attach a bias report to this algorithm")
    return algorithm


def attach_report(
    session: Session,
    principal: Principal,
    public_id: str,
    details: ReportDetails,
    document: bytes | str | Mapping[str, Any],
) -> BiasReport:
    """Attach a bias analysis document to an algorithm as a draft report; needs the editor role.

    The details are checked with :func:`check_details` and the document with
    :func:`read_document`; any problem raises :class:`InvalidInput` (the document's under
    ``document``) and nothing is stored. Audited as ``bias_report.attach``.
    """
    algorithm = require_may_attach(session, principal, public_id)
    checked, read = _checked(details, document)
    summary = read.analysis.summary
    now = utcnow()
    report = BiasReport(
        algorithm_id=algorithm.id,
        state=ReportState.DRAFT.value,
        title=checked.title,
        description=checked.description,
        period=checked.period,
        search_text=_search_text(checked),
        mode=read.mode,
        document=read.text,
        document_bytes=read.size,
        digest=read.digest,
        analysed_at=read.created,
        comparisons=summary.comparisons,
        disparity_found=summary.disparity_found,
        no_disparity_beyond_tolerance=summary.no_disparity_beyond_tolerance,
        inconclusive=summary.inconclusive,
        too_few_cases=summary.too_few_cases,
        created_at=now,
        created_by=principal.name,
        updated_at=now,
    )
    session.add(report)
    session.flush()
    record_event(
        session,
        principal,
        "bias_report.attach",
        organisation_id=algorithm.organisation_id,
        algorithm_id=algorithm.id,
        summary=f"Attached bias report {report.id} '{checked.title}'",
        detail={"report_id": report.id, "digest": read.digest, "mode": read.mode},
    )
    session.flush()
    return report


def _checked(
    details: ReportDetails, document: bytes | str | Mapping[str, Any]
) -> tuple[ReportDetails, ReadDocument]:
    """Check details and document together, so that one answer lists the problems of both."""
    problems: list[FieldProblem] = []
    checked: ReportDetails | None = None
    read: ReadDocument | None = None
    try:
        checked = check_details(details)
    except InvalidInput as invalid:
        problems.extend(invalid.problems)
    try:
        read = read_document(document)
    except DocumentTooLarge as too_large:
        if problems:
            raise DocumentTooLarge(
                problems=[*problems, *too_large.problems], summary=too_large.message
            ) from None
        raise
    except InvalidInput as invalid:
        problems.extend(invalid.problems)
    if checked is None or read is None:
        raise InvalidInput(problems=problems, summary=_SUMMARY)
    return checked, read


def edit_report(
    session: Session, principal: Principal, public_id: str, report_id: int, details: ReportDetails
) -> BiasReport:
    """Change a report's title, description and period; needs the editor role.

    Only a report that is not published can be edited (withdraw it first), else :class:`Conflict`.
    The document itself never changes: attach a new report for a new analysis. Audited as
    ``bias_report.edit``; an unchanged report is left as it is and not audited.
    """
    algorithm, report = _find(session, principal, public_id, report_id)
    principal.require(algorithm.organisation_id, Role.EDITOR, "edit this bias report")
    if report.state == ReportState.PUBLISHED:
        raise Conflict("A published bias report cannot be edited; withdraw it first, then edit it.")
    checked = check_details(details)
    if (checked.title, checked.description, checked.period) == (
        report.title,
        report.description,
        report.period,
    ):
        return report
    report.title, report.description, report.period = checked.title, checked.description, checked.period
    report.search_text = _search_text(checked)
    report.updated_at = utcnow()
    record_event(
        session,
        principal,
        "bias_report.edit",
        organisation_id=algorithm.organisation_id,
        algorithm_id=algorithm.id,
        summary=f"Edited bias report {report.id} '{checked.title}'",
        detail={"report_id": report.id},
    )
    session.flush()
    return report


def publish_report(session: Session, principal: Principal, public_id: str, report_id: int) -> BiasReport:
    """Publish a draft or withdrawn report; needs the publisher role.

    The public sees it while its algorithm is public. A published report raises :class:`Conflict`.
    Audited as ``bias_report.publish``; the algorithm's search entry is refreshed.
    """
    algorithm, report = _find(session, principal, public_id, report_id)
    principal.require(algorithm.organisation_id, Role.PUBLISHER, "publish this bias report")
    if report.state == ReportState.PUBLISHED:
        raise Conflict("This bias report is published already.")
    now = utcnow()
    report.state = ReportState.PUBLISHED.value
    report.published_at = now
    report.published_by = principal.name
    report.withdrawn_at = None
    report.updated_at = now
    _audit_step(session, principal, algorithm, report, "publish", "Published")
    refresh_search_entry(session, algorithm.id)
    return report


def withdraw_report(session: Session, principal: Principal, public_id: str, report_id: int) -> BiasReport:
    """Withdraw a published report from the public; needs the publisher role.

    A report that is not published raises :class:`Conflict`. Audited as ``bias_report.withdraw``;
    the algorithm's search entry is refreshed.
    """
    algorithm, report = _find(session, principal, public_id, report_id)
    principal.require(algorithm.organisation_id, Role.PUBLISHER, "withdraw this bias report")
    if report.state != ReportState.PUBLISHED:
        raise Conflict("This bias report is not published, so there is nothing to withdraw.")
    now = utcnow()
    report.state = ReportState.WITHDRAWN.value
    report.withdrawn_at = now
    report.updated_at = now
    _audit_step(session, principal, algorithm, report, "withdraw", "Withdrew")
    refresh_search_entry(session, algorithm.id)
    return report


def _audit_step(
    session: Session, principal: Principal, algorithm: Algorithm, report: BiasReport, step: str, verb: str
) -> None:
    record_event(
        session,
        principal,
        f"bias_report.{step}",
        organisation_id=algorithm.organisation_id,
        algorithm_id=algorithm.id,
        summary=f"{verb} bias report {report.id} '{report.title}'",
        detail={"report_id": report.id, "digest": report.digest},
    )
    session.flush()


# --- reading ------------------------------------------------------------------------------------


def _may_read_all(principal: Principal | None, algorithm: Algorithm) -> bool:
    return principal is not None and principal.can(algorithm.organisation_id, Role.VIEWER)


def _find(
    session: Session, principal: Principal | None, public_id: str, report_id: int
) -> tuple[Algorithm, BiasReport]:
    """The algorithm and its report, if ``principal`` may see it; else :class:`NotFound`."""
    missing = NotFound(f"Algorithm '{public_id}' has no bias report {report_id}.")
    try:
        algorithm = find_algorithm(session, public_id)
    except NotFound:
        raise missing from None
    report = session.get(BiasReport, report_id)
    if report is None or report.algorithm_id != algorithm.id:
        raise missing
    if not _may_read_all(principal, algorithm) and not (
        report.state == ReportState.PUBLISHED and is_public(algorithm)
    ):
        raise missing
    return algorithm, report


def get_report(session: Session, principal: Principal | None, public_id: str, report_id: int) -> ReportView:
    """One report of an algorithm as ``principal`` (None: the public) may see it, else :class:`NotFound`."""
    _find(session, principal, public_id, report_id)
    views = _views(session, select(BiasReport).where(BiasReport.id == report_id))
    return views[0]


def report_document(session: Session, principal: Principal | None, public_id: str, report_id: int) -> str:
    """The report's document as the JSON text that was attached (same visibility as :func:`get_report`)."""
    return _find(session, principal, public_id, report_id)[1].document


def reports_of_algorithm(session: Session, principal: Principal | None, public_id: str) -> list[ReportView]:
    """The reports of an algorithm, newest first: all of them for its organisation's people.

    For anyone else (``principal`` None or of another organisation) only the published reports of
    a public algorithm; for an algorithm that is not public that is :class:`NotFound`, as it is
    for an unknown id.
    """
    try:
        algorithm = find_algorithm(session, public_id)
    except NotFound:
        raise NotFound(f"There is no published algorithm with id '{public_id}'.") from None
    query = select(BiasReport).where(BiasReport.algorithm_id == algorithm.id)
    if not _may_read_all(principal, algorithm):
        if not is_public(algorithm):
            raise NotFound(f"There is no published algorithm with id '{public_id}'.")
        query = query.where(BiasReport.state == ReportState.PUBLISHED.value)
    return _views(session, query.order_by(BiasReport.created_at.desc(), BiasReport.id.desc()))


def list_published_reports(
    session: Session, where: ReportFilter = ReportFilter(), *, offset: int = 0, limit: int = 20
) -> ReportPage:
    """Published reports of public algorithms across the register, newest publication first.

    Filtered by organisation code, by verdicts present (a report matches when it holds any of the
    given verdicts at least once) and by words, each of which must occur in the title, description
    or period (case and accents ignored, also as part of a longer word).
    """
    query = _public_reports().where(*_conditions(where))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    page = (
        query.order_by(BiasReport.published_at.desc(), BiasReport.id.desc())
        .offset(max(0, offset))
        .limit(limit)
    )
    return ReportPage(_views(session, page), int(total), max(0, offset), limit)


def published_organisations(session: Session) -> list[tuple[str, str, int]]:
    """Code, name and number of published reports of every organisation that has any, by name."""
    query = (
        _public_reports()
        .with_only_columns(Organisation.code, Organisation.name, func.count(BiasReport.id))
        .group_by(Organisation.code, Organisation.name)
        .order_by(Organisation.name, Organisation.code)
    )
    return [(code, name, int(count)) for code, name, count in session.execute(query)]


def _public_reports() -> Select[BiasReport]:
    return (
        select(BiasReport)
        .join(Algorithm, Algorithm.id == BiasReport.algorithm_id)
        .join(Organisation, Organisation.id == Algorithm.organisation_id)
        .where(
            BiasReport.state == ReportState.PUBLISHED.value,
            Algorithm.public_version_number.is_not(None),
            Algorithm.retracted_at.is_(None),
            Algorithm.archived_at.is_(None),
        )
    )


def _conditions(where: ReportFilter) -> list[Any]:
    conditions: list[Any] = []
    if where.organisation_code:
        conditions.append(Organisation.code == where.organisation_code.strip().lower())
    columns = {
        VerdictPresent.DISPARITY_FOUND: BiasReport.disparity_found,
        VerdictPresent.NO_DISPARITY_BEYOND_TOLERANCE: BiasReport.no_disparity_beyond_tolerance,
        VerdictPresent.INCONCLUSIVE: BiasReport.inconclusive,
    }
    if where.verdicts:
        conditions.append(or_(*(columns[verdict] > 0 for verdict in dict.fromkeys(where.verdicts))))
    for word in query_words(where.text):
        conditions.append(BiasReport.search_text.contains(fold(word), autoescape=True))
    return conditions


def _views(session: Session, query: Select[BiasReport]) -> list[ReportView]:
    loading = selectinload(BiasReport.algorithm).selectinload(Algorithm.organisation)
    reports = list(session.scalars(query.options(loading)))
    algorithms = {report.algorithm_id for report in reports}
    names = _algorithm_names(session, algorithms)
    return [_view(report, names[report.algorithm_id]) for report in reports]


def _algorithm_names(session: Session, algorithm_ids: Iterable[int]) -> dict[int, str]:
    """The name of each algorithm as the public sees it (its public version), else its newest version's."""
    ids = list(algorithm_ids)
    rows = session.execute(
        select(Algorithm.id, AlgorithmVersion.name, AlgorithmVersion.number, Algorithm.public_version_number)
        .join(AlgorithmVersion, AlgorithmVersion.algorithm_id == Algorithm.id)
        .where(
            Algorithm.id.in_(ids),
            or_(
                AlgorithmVersion.number == Algorithm.public_version_number,
                AlgorithmVersion.number == Algorithm.latest_version_number,
            ),
        )
    )
    names: dict[int, str] = {}
    for algorithm_id, name, number, public_number in rows:
        if algorithm_id not in names or number == public_number:
            names[algorithm_id] = name
    return names


def _view(report: BiasReport, algorithm_name: str) -> ReportView:
    algorithm = report.algorithm
    return ReportView(
        id=report.id,
        algorithm_public_id=algorithm.public_id,
        algorithm_name=algorithm_name,
        organisation_id=algorithm.organisation_id,
        organisation_code=algorithm.organisation.code,
        organisation_name=algorithm.organisation.name,
        title=report.title,
        description=report.description,
        period=report.period,
        mode=report.mode,
        state=ReportState(report.state),
        digest=report.digest,
        document_bytes=report.document_bytes,
        analysed_at=report.analysed_at,
        verdicts=VerdictCounts(
            comparisons=report.comparisons,
            disparity_found=report.disparity_found,
            no_disparity_beyond_tolerance=report.no_disparity_beyond_tolerance,
            inconclusive=report.inconclusive,
            too_few_cases=report.too_few_cases,
        ),
        created_at=report.created_at,
        created_by=report.created_by,
        updated_at=report.updated_at,
        published_at=report.published_at,
        published_by=report.published_by,
        withdrawn_at=report.withdrawn_at,
        algorithm_is_public=is_public(algorithm),
    )


def verdicts_from(values: Sequence[str]) -> tuple[VerdictPresent, ...]:
    """The known verdicts among ``values`` (others are ignored), each once, in the order given."""
    known = {verdict.value: verdict for verdict in VerdictPresent}
    return tuple(dict.fromkeys(known[value] for value in values if value in known))
