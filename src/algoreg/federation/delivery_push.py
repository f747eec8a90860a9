"""Push this register's published records to a register with the official delivery API 1.0.

``push_published`` makes the remote register match what the public sees here, for one
organisation:

* an algorithm public here and unknown remotely is created there, then released;
* one whose remote newest version differs (field by field, system fields ignored) is updated, then
  released;
* one whose content matches but whose remote newest version was not yet released is released;
* one that is no longer public here but published remotely is retracted there.

The link between our algorithm and the remote one is the standard's ``source_id`` field: we put our
public id there when delivering (replacing any ``source_id`` of our own record) and find remote
algorithms by it. Remote algorithms whose ``source_id`` is not one of this organisation's ids are
never touched. The official API has no way to withdraw a release that is not yet published, so an
algorithm retracted here while its remote version is still awaiting publication is reported, not
changed.

One failing algorithm is reported in ``errors`` and does not stop the others. With ``dry_run`` only
reads are sent to the remote register; the report says what would have been done.
"""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from algoreg.db.models import Algorithm, Organisation
from algoreg.federation.delivery_client import DeliveryClient, DeliveryError, RemoteSummary
from algoreg.register import algorithms
from algoreg.register.organisations import get_organisation

#: Fields the remote register fills in itself; never compared.
IGNORED_FIELDS = frozenset(
    {"lars", "publication_dt", "create_dt", "state", "language", "standard_version", "last_update_dt"}
)

_PAGE = 200
_MAX_PAGES = 10_000


@dataclass(frozen=True)
class PushError:
    """Why one algorithm could not be delivered."""

    public_id: str
    lars: str | None
    message: str


@dataclass
class PushReport:
    """What a push did (or, in a dry run, would do), per algorithm: our public ids."""

    dry_run: bool
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    released: list[str] = field(default_factory=list)
    retracted: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    errors: list[PushError] = field(default_factory=list)
    remote_ids: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether every algorithm was delivered without error."""
        return not self.errors

    def as_json(self) -> dict[str, Any]:
        """The report as plain JSON data."""
        return {
            "dry_run": self.dry_run,
            "created": self.created,
            "updated": self.updated,
            "released": self.released,
            "retracted": self.retracted,
            "unchanged": self.unchanged,
            "notes": self.notes,
            "errors": [{"id": e.public_id, "lars": e.lars, "message": e.message} for e in self.errors],
            "remote_ids": self.remote_ids,
        }


def outgoing_record(public_record: dict[str, Any], public_id: str) -> dict[str, Any]:
    """Return the body to deliver for a published record: standard fields only, ``source_id`` = our id."""
    body = {k: v for k, v in public_record.items() if k not in IGNORED_FIELDS and v is not None}
    body["source_id"] = public_id
    return body


def comparable(record: dict[str, Any]) -> dict[str, Any]:
    """Return the content delivery keeps equal: system fields and empty values left out."""
    return {k: v for k, v in record.items() if k not in IGNORED_FIELDS and v not in (None, "", [])}


def differences(ours: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    """Return the names of the fields whose content differs, sorted."""
    left, right = comparable(ours), comparable(theirs)
    return sorted(k for k in left.keys() | right.keys() if left.get(k) != right.get(k))


def _published_here(session: Session, organisation_code: str) -> dict[str, dict[str, Any]]:
    records: dict[str, dict[str, Any]] = {}
    for page in range(_MAX_PAGES):
        found = algorithms.list_published(
            session, organisation_code=organisation_code, offset=page * _PAGE, limit=_PAGE
        )
        for item in found.items:
            records[item.public_id] = item.record
        if len(found.items) < _PAGE:
            break
    return records


def _all_ids_here(session: Session, organisation_code: str) -> set[str]:
    rows = session.scalars(
        select(Algorithm.public_id)
        .join(Organisation, Organisation.id == Algorithm.organisation_id)
        .where(Organisation.code == organisation_code.lower())
    )
    return set(rows)


def _remote_index(summaries: list[RemoteSummary], report: PushReport) -> dict[str, RemoteSummary]:
    index: dict[str, RemoteSummary] = {}
    for summary in summaries:
        if not summary.source_id:
            continue
        if summary.source_id in index:
            report.notes.append(
                f"{summary.source_id}: several remote algorithms carry this source_id "
                f"({index[summary.source_id].lars}, {summary.lars}); the first is kept in step"
            )
            continue
        index[summary.source_id] = summary
    return index


def _deliver_one(
    client: DeliveryClient,
    remote_org: str,
    public_id: str,
    record: dict[str, Any],
    remote: RemoteSummary | None,
    report: PushReport,
) -> None:
    body = outgoing_record(record, public_id)
    if remote is None:
        if report.dry_run:
            report.created.append(public_id)
            report.released.append(public_id)
            return
        lars = client.create_one_algorithm(remote_org, body)
        report.remote_ids[public_id] = lars
        report.created.append(public_id)
        client.release_one_algorithm(remote_org, lars)
        report.released.append(public_id)
        return
    lars = remote.lars
    report.remote_ids[public_id] = lars
    current = client.get_one_algorithm(remote_org, lars)
    changed = differences(body, current)
    state = current.get("state")
    if state == "ARCHIVED":
        raise DeliveryError(
            f"deliver {public_id}", None, f"the remote algorithm {lars} is archived; unarchive it there first"
        )
    if changed:
        if not report.dry_run:
            client.update_one_algorithm(remote_org, lars, body)
        report.updated.append(public_id)
        report.notes.append(f"{public_id}: changed fields {', '.join(changed)}")
    elif state != "STATE_1":
        report.unchanged.append(public_id)
        return
    if not report.dry_run:
        client.release_one_algorithm(remote_org, lars)
    report.released.append(public_id)


def push_published(
    session: Session,
    client: DeliveryClient,
    organisation_code: str,
    remote_organisation_id: str,
    *,
    dry_run: bool = False,
) -> PushReport:
    """Make the remote register match this register's public algorithms of ``organisation_code``.

    Raises :class:`algoreg.errors.NotFound` when the organisation does not exist here and
    :class:`DeliveryError` when the remote list cannot be read (nothing was changed then); failures
    of single algorithms are collected in the report.
    """
    get_organisation(session, organisation_code)
    report = PushReport(dry_run=dry_run)
    public = _published_here(session, organisation_code)
    ours = _all_ids_here(session, organisation_code)
    remote = _remote_index(client.get_all_algorithms(remote_organisation_id), report)
    for public_id in sorted(public):
        summary = remote.get(public_id)
        try:
            _deliver_one(client, remote_organisation_id, public_id, public[public_id], summary, report)
        except DeliveryError as error:
            lars = summary.lars if summary else report.remote_ids.get(public_id)
            report.errors.append(PushError(public_id, lars, str(error)))
    for public_id in sorted((ours - public.keys()) & remote.keys()):
        summary = remote[public_id]
        report.remote_ids[public_id] = summary.lars
        if not summary.published:
            if summary.current_version_released:
                report.notes.append(
                    f"{public_id}: no longer public here; its remote version {summary.lars} awaits "
                    "publication and the delivery API cannot withdraw a release"
                )
            continue
        try:
            if not dry_run:
                client.retract_one_published_algorithm(remote_organisation_id, summary.lars)
            report.retracted.append(public_id)
        except DeliveryError as error:
            report.errors.append(PushError(public_id, summary.lars, str(error)))
    return report
