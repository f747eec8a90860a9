"""The official delivery API ("aanlever-API") 1.0, served under ``/aanleverapi/v1_0``.

Paths, request bodies and response bodies follow the official OpenAPI so that clients written for
the national Algoritmeregister work against an Algoreg register. How its steps map onto our
workflow:

* create and update store a new version in concept (``STATE_1``);
* ``release`` submits the newest version for review (``STATE_2``); the organisation's publishers
  approve and publish it in Algoreg, as the national register's operator would;
* ``retract`` hides the published version from the public;
* ``archive_version`` / ``unarchive_version`` archive or restore the algorithm; versions are
  immutable in Algoreg, so the version number sent only has to name one of its versions.

The ``organisation_id`` in the path is the organisation's code; authentication is an Algoreg API
token sent as a bearer token.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from algoreg.config import get_settings
from algoreg.errors import Conflict, FieldProblem, InvalidInput, NotFound
from algoreg.register import algorithms
from algoreg.register.roles import Principal
from algoreg.register.workflow import Action, State
from algoreg.standard.v1_0 import AlgorithmRecord
from algoreg.web.api.responses import DELIVERY_ERROR_RESPONSES
from algoreg.web.deps import Actor, UoW

router = APIRouter(prefix="/aanleverapi/v1_0", tags=["aanlever-API 1.0"], responses=DELIVERY_ERROR_RESPONSES)


class DeliveryState(StrEnum):
    """The official API's states."""

    STATE_1 = "STATE_1"
    STATE_2 = "STATE_2"
    PUBLISHED = "PUBLISHED"
    EXPIRED = "EXPIRED"
    ARCHIVED = "ARCHIVED"


_STATE_MAP = {
    State.CONCEPT: DeliveryState.STATE_1,
    State.RETRACTED: DeliveryState.STATE_1,
    State.IN_REVIEW: DeliveryState.STATE_2,
    State.APPROVED: DeliveryState.STATE_2,
    State.PUBLISHED: DeliveryState.PUBLISHED,
    State.ARCHIVED: DeliveryState.ARCHIVED,
}


class AlgorithmSummary(BaseModel):
    """A line of the official list of an organisation's algorithms."""

    name: str | None
    schema_version: str | None
    last_update_dt: datetime
    lars: str
    source_id: str | None
    published: bool
    current_version_released: bool
    current_version_published: bool
    last_update_by: str | None


class NewAlgorithmResponse(BaseModel):
    """The id given to a new algorithm."""

    lars_code: str


class AlgorithmActionResponse(BaseModel):
    """The outcome of an action."""

    message: str | None = None


class PreviewUrl(BaseModel):
    """Where the newest version can be looked at."""

    url: str


class ArchiveVersionRequest(BaseModel):
    """Which version to archive or restore."""

    model_config = ConfigDict(extra="forbid")

    algorithm_version_id: int


class DeliveredAlgorithm(AlgorithmRecord):
    """A record as the official API returns it: the 1.0 fields plus id, creation time, language, state."""

    model_config = ConfigDict(extra="forbid", title="v1_0__Algorithm")

    lars: str
    create_dt: datetime
    language: str = "NLD"
    state: DeliveryState


def _own(session: Any, actor: Principal, organisation_id: str, algorithm_id: str) -> algorithms.AlgorithmView:
    view = algorithms.view(session, actor, algorithm_id)
    if view.organisation_code != organisation_id.lower():
        raise NotFound(f"Organisation '{organisation_id}' has no algorithm with id '{algorithm_id}'.")
    return view


def _delivered(record: dict[str, Any], created: datetime, state: DeliveryState) -> DeliveredAlgorithm:
    return DeliveredAlgorithm.model_validate({**record, "create_dt": created, "state": state})


@router.get("/organizations/{organisation_id}/algorithms", operation_id="get_all_algorithms")
def get_all_algorithms(organisation_id: str, uow: UoW, actor: Actor) -> list[AlgorithmSummary]:
    """Summaries of all algorithms of the organisation."""
    with uow() as session:
        views = algorithms.list_for_organisation(session, actor, organisation_id)
    return [
        AlgorithmSummary(
            name=v.latest.record.get("name"),
            schema_version=v.latest.record.get("standard_version"),
            last_update_dt=v.updated_at,
            lars=v.public_id,
            source_id=v.latest.record.get("source_id"),
            published=v.is_public,
            current_version_released=v.state in (State.IN_REVIEW, State.APPROVED, State.PUBLISHED),
            current_version_published=v.is_public and v.public_version_number == v.latest.number,
            last_update_by=v.latest.created_by,
        )
        for v in views
    ]


@router.post("/organizations/{organisation_id}/algorithms", operation_id="create_one_algorithm")
def create_one_algorithm(
    organisation_id: str, record: AlgorithmRecord, uow: UoW, actor: Actor
) -> NewAlgorithmResponse:
    """Create an algorithm in concept."""
    with uow() as session:
        algorithm = algorithms.create_algorithm(session, actor, organisation_id, record.to_json())
        return NewAlgorithmResponse(lars_code=algorithm.public_id)


# Absent optional fields are left out rather than sent as null: the official schema pairs each
# nullable field with a plain "type", so strict validators of that schema refuse nulls.
@router.get(
    "/organizations/{organisation_id}/algorithms/{algorithm_id}",
    operation_id="get_one_algorithm",
    response_model_exclude_none=True,
)
def get_one_algorithm(organisation_id: str, algorithm_id: str, uow: UoW, actor: Actor) -> DeliveredAlgorithm:
    """The newest version, published or not."""
    with uow() as session:
        view = _own(session, actor, organisation_id, algorithm_id)
    return _delivered(view.latest.record, view.created_at, _STATE_MAP[view.state])


@router.put("/organizations/{organisation_id}/algorithms/{algorithm_id}", operation_id="update_one_algorithm")
def update_one_algorithm(
    organisation_id: str, algorithm_id: str, record: AlgorithmRecord, uow: UoW, actor: Actor
) -> AlgorithmActionResponse:
    """Store new data as a new version in concept; not yet published."""
    with uow() as session:
        _own(session, actor, organisation_id, algorithm_id)
        algorithms.update_algorithm(session, actor, algorithm_id, record.to_json(), None)
    return AlgorithmActionResponse(message=f"Algorithm {algorithm_id} saved.")


def _archive(
    organisation_id: str,
    algorithm_id: str,
    body: ArchiveVersionRequest,
    uow: UoW,
    actor: Actor,
    action: Action,
) -> AlgorithmActionResponse:
    with uow() as session:
        view = _own(session, actor, organisation_id, algorithm_id)
        if not 1 <= body.algorithm_version_id <= view.latest.number:
            raise InvalidInput(
                [
                    FieldProblem(
                        "algorithm_version_id",
                        f"is {body.algorithm_version_id}; "
                        f"this algorithm has versions 1 to {view.latest.number}",
                    )
                ]
            )
        algorithms.perform(session, actor, algorithm_id, action)
    return AlgorithmActionResponse(message=f"Algorithm {algorithm_id}: {action.value} done.")


@router.put(
    "/organizations/{organisation_id}/algorithms/{algorithm_id}/archive_version",
    operation_id="archive_algorithm_version",
)
def archive_algorithm_version(
    organisation_id: str, algorithm_id: str, body: ArchiveVersionRequest, uow: UoW, actor: Actor
) -> AlgorithmActionResponse:
    """Archive the algorithm: out of use and out of the public register, history kept."""
    return _archive(organisation_id, algorithm_id, body, uow, actor, Action.ARCHIVE)


@router.put(
    "/organizations/{organisation_id}/algorithms/{algorithm_id}/unarchive_version",
    operation_id="unarchive_algorithm_version",
)
def unarchive_algorithm_version(
    organisation_id: str, algorithm_id: str, body: ArchiveVersionRequest, uow: UoW, actor: Actor
) -> AlgorithmActionResponse:
    """Bring an archived algorithm back to the state it had."""
    return _archive(organisation_id, algorithm_id, body, uow, actor, Action.UNARCHIVE)


@router.get(
    "/organizations/{organisation_id}/published-algorithms/{algorithm_id}",
    operation_id="get_one_published_algorithm",
    response_model_exclude_none=True,
)
def get_one_published_algorithm(
    organisation_id: str, algorithm_id: str, uow: UoW, actor: Actor
) -> DeliveredAlgorithm:
    """The version the public sees."""
    with uow() as session:
        view = _own(session, actor, organisation_id, algorithm_id)
        published = algorithms.get_published(session, algorithm_id)
    return _delivered(published.record, view.created_at, DeliveryState.PUBLISHED)


@router.get(
    "/organizations/{organisation_id}/algorithms/{algorithm_id}/preview", operation_id="get_one_preview_url"
)
def get_one_preview_url(organisation_id: str, algorithm_id: str, uow: UoW, actor: Actor) -> PreviewUrl:
    """Where the newest version can be looked at by the organisation's people."""
    with uow() as session:
        _own(session, actor, organisation_id, algorithm_id)
    base = get_settings().public_base_url.rstrip("/")
    return PreviewUrl(url=f"{base}/api/v1/algorithms/{algorithm_id}/draft")


@router.delete(
    "/organizations/{organisation_id}/published-algorithms/{algorithm_id}/retract",
    operation_id="retract_one_published_algorithm",
)
def retract_one_published_algorithm(
    organisation_id: str, algorithm_id: str, uow: UoW, actor: Actor
) -> AlgorithmActionResponse:
    """Hide the algorithm from the public; its history is kept."""
    with uow() as session:
        _own(session, actor, organisation_id, algorithm_id)
        algorithms.perform(session, actor, algorithm_id, Action.RETRACT)
    return AlgorithmActionResponse(message=f"Algorithm {algorithm_id} retracted.")


@router.put(
    "/organizations/{organisation_id}/algorithms/{algorithm_id}/release",
    operation_id="release_one_algorithm",
)
def release_one_algorithm(
    organisation_id: str, algorithm_id: str, uow: UoW, actor: Actor
) -> AlgorithmActionResponse:
    """Submit the newest version for review before publication; 409 when there is nothing to release."""
    with uow() as session:
        view = _own(session, actor, organisation_id, algorithm_id)
        if view.state is not State.CONCEPT:
            raise Conflict(
                f"The newest version is {view.state.value}, so there is nothing to release; "
                "edit the algorithm first to release new data."
            )
        algorithms.perform(session, actor, algorithm_id, Action.SUBMIT)
    return AlgorithmActionResponse(message=f"Algorithm {algorithm_id} released for review.")
