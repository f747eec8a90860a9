"""The versioned JSON API, ``/api/v1``: public reads without login, writes with an API token."""

import hashlib
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Header, Query, Response, UploadFile
from fastapi.responses import JSONResponse

from algoreg.errors import FieldProblem, InvalidInput, NotFound
from algoreg.federation.provenance import provenance_of
from algoreg.register import algorithms, audit, organisations, publication_log, transfer
from algoreg.register.diff import diff_records
from algoreg.register.organisations import OrganisationIn, OrganisationOut
from algoreg.register.roles import Role
from algoreg.register.workflow import Action
from algoreg.standard.tabular import TabularError, read_rows, write_rows
from algoreg.standard.v1_0 import AlgorithmRecord
from algoreg.web.api.params import MAX_INTEGER, PathNumber
from algoreg.web.api.responses import NOT_MODIFIED
from algoreg.web.api.schemas import (
    AuditEventOut,
    DiffOut,
    FieldChangeOut,
    ImportReportOut,
    ManagedAlgorithmOut,
    PublicAlgorithmOut,
    PublicPageOut,
    SourceOut,
    VersionOut,
)
from algoreg.web.deps import Actor, UoW
from algoreg.web.errors import problems_body

router = APIRouter(prefix="/api/v1")

ExportFormat = Literal["json", "jsonl", "csv", "xlsx"]
_MEDIA_TYPES = {
    "json": "application/json",
    "jsonl": "application/x-ndjson",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _lock_from(if_match: str | None, *, required: bool) -> int | None:
    """Read the lock version a client sends back in ``If-Match`` (``"3"`` or ``W/"3"``)."""
    if if_match is None:
        if required:
            raise InvalidInput(
                [
                    FieldProblem(
                        "If-Match", 'is missing; send the lock_version (ETag) you last read, such as "3"'
                    )
                ],
                "Edits need the If-Match header so that no one's changes are overwritten unseen.",
            )
        return None
    value = if_match.strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise InvalidInput(
            [FieldProblem("If-Match", f"is '{if_match}'; it must be a lock_version such as \"3\"")]
        )
    return int(value)


def _matches(if_none_match: str | None, etag: str) -> bool:
    """Tell whether ``If-None-Match`` names ``etag`` (weak comparison, lists and ``*`` allowed)."""
    if if_none_match is None:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag.removeprefix("W/") in tags


def _not_modified_since(if_modified_since: str | None, modified: datetime) -> bool:
    """Tell whether ``modified`` is no later than ``If-Modified-Since`` (ignored when unreadable)."""
    try:
        since = parsedate_to_datetime(if_modified_since) if if_modified_since else None
    except (TypeError, ValueError):
        return False
    return since is not None and since.tzinfo is not None and modified.replace(microsecond=0) <= since


def _snapshot_etag(uow: UoW, *query: object) -> str:
    """An ETag for what the public sees: changes with every feed entry, organisation change or query."""
    with uow() as session:
        head = publication_log.last_seq(session)
        renamed = max((o.updated_at for o in organisations.list_organisations(session)), default=None)
    digest = hashlib.sha256(repr((renamed, *query)).encode()).hexdigest()[:16]
    return f'W/"snapshot-{head}-{digest}"'


def _managed(uow: UoW, actor: Actor, public_id: str, response: Response | None = None) -> ManagedAlgorithmOut:
    with uow() as session:
        body = ManagedAlgorithmOut.of(algorithms.view(session, actor, public_id))
    if response is not None:
        response.headers["ETag"] = f'"{body.lock_version}"'
    return body


# --- organisations -----------------------------------------------------------------------------


@router.get("/organisations", tags=["organisations"])
def list_organisations(uow: UoW) -> list[OrganisationOut]:
    """All organisations in this register."""
    with uow() as session:
        return [OrganisationOut.of(o) for o in organisations.list_organisations(session)]


@router.get("/organisations/{code}", tags=["organisations"])
def get_organisation(code: str, uow: UoW) -> OrganisationOut:
    """One organisation by its code."""
    with uow() as session:
        return OrganisationOut.of(organisations.get_organisation(session, code))


@router.post("/organisations", status_code=201, tags=["organisations"])
def create_organisation(data: OrganisationIn, uow: UoW, actor: Actor) -> OrganisationOut:
    """Create an organisation (instance administrators only)."""
    with uow() as session:
        return OrganisationOut.of(organisations.create_organisation(session, actor, data))


@router.put("/organisations/{code}", tags=["organisations"])
def update_organisation(code: str, data: OrganisationIn, uow: UoW, actor: Actor) -> OrganisationOut:
    """Change an organisation's details (its admins)."""
    with uow() as session:
        return OrganisationOut.of(organisations.update_organisation(session, actor, code, data))


# --- public algorithms ---------------------------------------------------------------------------


@router.get("/algorithms", tags=["public"], response_model=PublicPageOut, responses=NOT_MODIFIED)
def list_published(
    uow: UoW,
    response: Response,
    organisation: Annotated[str | None, Query(description="Organisation code.")] = None,
    publication_category: Annotated[str | None, Query()] = None,
    status: Annotated[str | None, Query()] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_INTEGER)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    after: Annotated[
        str | None,
        Query(
            max_length=1000,
            description="Start after the algorithm this cursor names: the next_after of the page before. "
            "Faster than a large offset, and no algorithm is skipped or repeated when others are "
            "published meanwhile; offset then counts from the cursor.",
        ),
    ] = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Any:
    """Published algorithms by name, in their newest published version; ETag and 304 as the feed moves.

    Page with ``offset`` or, for long lists, with ``after`` set to the ``next_after`` of the page before.
    """
    cursor = algorithms.ListCursor.from_token(after) if after else None
    etag = _snapshot_etag(uow, "list", organisation, publication_category, status, offset, limit, after)
    if _matches(if_none_match, etag):
        return Response(status_code=304, headers={"ETag": etag})
    response.headers["ETag"] = etag
    with uow() as session:
        page = algorithms.list_published(
            session,
            organisation_code=organisation,
            publication_category=publication_category,
            status=status,
            offset=offset,
            limit=limit,
            after=cursor,
        )
    return PublicPageOut(
        items=[PublicAlgorithmOut.of(i) for i in page.items],
        total=page.total,
        offset=offset,
        limit=limit,
        next_after=page.next_after.token if page.next_after else None,
    )


@router.get(
    "/algorithms/{public_id}", tags=["public"], response_model=PublicAlgorithmOut, responses=NOT_MODIFIED
)
def get_published(
    public_id: str,
    uow: UoW,
    response: Response,
    if_none_match: Annotated[str | None, Header()] = None,
    if_modified_since: Annotated[str | None, Header()] = None,
) -> Any:
    """The published version of one algorithm; ETag (record hash), Last-Modified and 304."""
    with uow() as session:
        body = PublicAlgorithmOut.of(algorithms.get_published(session, public_id))
        origin = provenance_of(session, public_id)
    if origin is not None:
        body.source = SourceOut(
            url=origin.source_url,
            remote_id=origin.remote_id,
            fetched_at=origin.fetched_at,
            checked_at=origin.source_checked_at,
            healthy=origin.source_healthy,
        )
    headers = {
        "ETag": f'"{publication_log.record_hash(body.record)}"',
        "Last-Modified": format_datetime(body.published_at.astimezone(UTC), usegmt=True),
    }
    unchanged = (
        _matches(if_none_match, headers["ETag"])
        if if_none_match is not None
        else _not_modified_since(if_modified_since, body.published_at)
    )
    if unchanged:
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return body


@router.get("/algorithms/{public_id}/versions", tags=["public"])
def published_history(public_id: str, uow: UoW) -> list[PublicAlgorithmOut]:
    """Every version of the algorithm that was published, oldest first."""
    with uow() as session:
        return [PublicAlgorithmOut.of(i) for i in algorithms.published_history(session, public_id)]


@router.get("/algorithms/{public_id}/versions/{number}", tags=["public"])
def published_version(public_id: str, number: PathNumber, uow: UoW) -> PublicAlgorithmOut:
    """One published version (a permalink)."""
    with uow() as session:
        return PublicAlgorithmOut.of(algorithms.published_version(session, public_id, number))


@router.get("/algorithms/{public_id}/diff", tags=["public"])
def published_diff(
    public_id: str,
    uow: UoW,
    from_version: Annotated[int, Query(alias="from", ge=1, le=MAX_INTEGER)],
    to_version: Annotated[int, Query(alias="to", ge=1, le=MAX_INTEGER)],
) -> DiffOut:
    """The difference between two published versions, field by field and word by word."""
    with uow() as session:
        before = algorithms.published_version(session, public_id, from_version)
        after = algorithms.published_version(session, public_id, to_version)
    changes = diff_records(before.record, after.record)
    return DiffOut(
        from_version=from_version, to_version=to_version, changes=[FieldChangeOut.of(c) for c in changes]
    )


@router.get("/export", tags=["public"], responses=NOT_MODIFIED)
def export_register(
    uow: UoW,
    format: Annotated[ExportFormat, Query()] = "json",
    organisation: Annotated[str | None, Query()] = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """All published records (of one organisation, if given) as JSON, JSON lines, CSV or XLSX."""
    etag = _snapshot_etag(uow, "export", format, organisation)
    if _matches(if_none_match, etag):
        return Response(status_code=304, headers={"ETag": etag})
    with uow() as session:
        if organisation:
            organisations.get_organisation(session, organisation)
        rows = transfer.published_rows(session, organisation)
    filename = f"algoritmeregister{'-' + organisation if organisation else ''}.{format}"
    return Response(
        write_rows(rows, format),
        media_type=_MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "ETag": etag},
    )


# --- managing algorithms -------------------------------------------------------------------------


@router.get("/organisations/{code}/algorithms", tags=["management"])
def list_managed(code: str, uow: UoW, actor: Actor) -> list[ManagedAlgorithmOut]:
    """All algorithms of the organisation in every workflow state (any role in it)."""
    with uow() as session:
        return [ManagedAlgorithmOut.of(v) for v in algorithms.list_for_organisation(session, actor, code)]


@router.post("/organisations/{code}/algorithms", status_code=201, tags=["management"])
def create_algorithm(
    code: str, record: AlgorithmRecord, uow: UoW, actor: Actor, response: Response
) -> ManagedAlgorithmOut:
    """Register a new algorithm; it starts as a concept (editor role)."""
    with uow() as session:
        algorithm = algorithms.create_algorithm(session, actor, code, record.to_json())
        public_id = algorithm.public_id
    response.headers["Location"] = f"/api/v1/algorithms/{public_id}/draft"
    return _managed(uow, actor, public_id, response)


@router.get("/algorithms/{public_id}/draft", tags=["management"])
def get_draft(public_id: str, uow: UoW, actor: Actor, response: Response) -> ManagedAlgorithmOut:
    """The newest version and workflow state; the ETag is the lock version to send when editing."""
    return _managed(uow, actor, public_id, response)


@router.put("/algorithms/{public_id}/draft", tags=["management"])
def update_draft(
    public_id: str,
    record: AlgorithmRecord,
    uow: UoW,
    actor: Actor,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> ManagedAlgorithmOut:
    """Save a new version (editor role). A stale If-Match is refused with 409 and nothing is saved."""
    expected = _lock_from(if_match, required=True)
    with uow() as session:
        algorithms.update_algorithm(session, actor, public_id, record.to_json(), expected)
    return _managed(uow, actor, public_id, response)


@router.post("/algorithms/{public_id}/actions/{action}", tags=["management"])
def act(
    public_id: str,
    action: Action,
    uow: UoW,
    actor: Actor,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> ManagedAlgorithmOut:
    """Take a workflow step: submit, reject, approve, publish, retract, archive or unarchive."""
    with uow() as session:
        algorithms.perform(session, actor, public_id, action, _lock_from(if_match, required=False))
    return _managed(uow, actor, public_id, response)


@router.get("/algorithms/{public_id}/all-versions", tags=["management"])
def all_versions(public_id: str, uow: UoW, actor: Actor) -> list[VersionOut]:
    """Every version, published or not (any role in the organisation)."""
    with uow() as session:
        return [VersionOut.of(v) for v in algorithms.versions(session, actor, public_id)]


@router.get("/algorithms/{public_id}/audit", tags=["management"])
def audit_log(public_id: str, uow: UoW, actor: Actor) -> list[AuditEventOut]:
    """Who did what and when to this algorithm (any role in the organisation)."""
    with uow() as session:
        algorithm = algorithms.find_algorithm(session, public_id)
        if not actor.can(algorithm.organisation_id, Role.VIEWER):
            raise NotFound(f"There is no algorithm with id '{public_id}'.")
        events = audit.events_for_algorithm(session, algorithm.id)
        return [
            AuditEventOut(
                at=e.at, actor=e.actor, action=e.action, version=e.version_number, summary=e.summary
            )
            for e in events
        ]


@router.post("/organisations/{code}/import", tags=["management"], response_model=ImportReportOut)
async def import_file(
    code: str,
    uow: UoW,
    actor: Actor,
    file: Annotated[UploadFile, File(description="Records as JSON, JSON lines, CSV or XLSX.")],
    all_or_nothing: Annotated[bool, Query()] = True,
    publish: Annotated[bool, Query()] = False,
) -> Any:
    """Import records from a file; all-or-nothing unless asked otherwise, with a per-row report."""
    content = await file.read()
    try:
        rows = read_rows(content, filename=file.filename)
    except TabularError as error:
        return JSONResponse(problems_body([FieldProblem("file", str(error))], str(error)), status_code=422)
    with uow() as session:
        report = transfer.import_records(
            session, actor, code, rows, all_or_nothing=all_or_nothing, publish=publish
        )
    return ImportReportOut(
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        published=report.published,
        errors=problems_body(report.problems, "")["errors"],
    )
