"""Schemathesis against our delivery API (/aanleverapi/v1_0), driven by the OFFICIAL OpenAPI document.

Requests are generated from the national Algoritmeregister's own document
(``../shared/reference/algoritmeregister/``), so a client written for the national register is
what we are fuzzed with; every response must be no server error, carry a status code the official
document lists, and match the official schema for it. The register is the demo's sample register
(:class:`~tests.web.fuzzing.SeededRegister`), with a publisher's and an admin's token of one
organisation.

The official document is read as it is, except for the amendments in :data:`AMENDMENTS`, each of
which says which inconsistency of the document it works around and why; no check is switched off.
"""

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance
from sqlalchemy import Engine

from algoreg.config import Settings
from algoreg.db.session import make_engine
from algoreg.web.app import create_app
from tests.conftest import reference_file
from tests.database import emptied
from tests.web.fuzzing import SeededRegister, fuzz

MAX_EXAMPLES = int(os.environ.get("ALGOREG_TEST_FUZZ_EXAMPLES", "25"))
CHECKS = (not_a_server_error, status_code_conformance, response_schema_conformance)
PREFIX = "/aanleverapi/v1_0"
OFFICIAL = ("algoritmeregister", "aanlever-api-v1_0.openapi.json")
_MESSAGE = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Message"}}}}

#: Where the official document contradicts itself or the service it describes, and what we change.
AMENDMENTS = {
    "enum type": (
        'Properties with an enum write "type": "enum" beside their $ref; JSON Schema has no type "enum", '
        "so no validator can use them. The word is removed; the $ref keeps the enum's values."
    ),
    "403 on every operation": (
        "The document lists no 403 anywhere, yet a client whose token has no role (or too low a role) "
        "in the organisation must be refused. We answer 403 with the document's own Message shape; "
        "403 is added to every operation with that shape, so the body is still checked."
    ),
    "401 and 404 on archive_version and unarchive_version": (
        "These two list only 200 and 422, while every other operation on one algorithm lists 401 "
        "(no or bad token) and 404 (no such algorithm), which these two answer in the same cases; "
        "401 and 404 are added with the Message shape their siblings give them."
    ),
    "409 on archive_version, unarchive_version and retract": (
        "Only release lists 409, but archiving what is archived, restoring what is not archived and "
        "retracting what is not published clash with the algorithm's state the same way; 409 is "
        "added to these three with release's Message shape."
    ),
    "409 on the update of one algorithm": (
        "An archived algorithm cannot be edited until it is restored (unarchive_version), a clash with "
        "its state like those above; the document lists no 409 for the update, so it is added with "
        "release's Message shape."
    ),
}


def _without_enum_type(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _without_enum_type(v) for k, v in node.items() if not (k == "type" and v == "enum")}
    if isinstance(node, list):
        return [_without_enum_type(v) for v in node]
    return node


def amended(document: dict[str, Any]) -> dict[str, Any]:
    """The official document with the :data:`AMENDMENTS` applied; nothing else is changed."""
    document = _without_enum_type(document)
    for path, operations in document["paths"].items():
        for operation in operations.values():
            responses = operation["responses"]
            responses.setdefault("403", {"description": "Forbidden Error", **_MESSAGE})
            if path.endswith(("/archive_version", "/unarchive_version")):
                responses.setdefault("401", {"description": "Authentication Error", **_MESSAGE})
                responses.setdefault("404", {"description": "Not Found Error", **_MESSAGE})
            if path.endswith(("/archive_version", "/unarchive_version", "/retract")):
                responses.setdefault("409", {"description": "Conflict Error", **_MESSAGE})
        if path.endswith("/algorithms/{algorithm_id}") and "put" in operations:
            operations["put"]["responses"].setdefault("409", {"description": "Conflict Error", **_MESSAGE})
    return document


def valid_bodies(official: Any) -> dict[str, list[Any]]:
    """Bodies the official document describes as valid: its example record, and a version to archive."""
    properties = official.raw_schema["components"]["schemas"]["AlgorithmIn"]["properties"]
    record = {name: spec["example"] for name, spec in properties.items() if "example" in spec}
    return {"AlgorithmIn": [record], "ArchiveVersionRequest": [{"algorithm_version_id": 1}]}


def _our_delivery_operations() -> list[tuple[str, str]]:
    """(method, path) of every delivery-API operation our app serves, from the app's own document."""
    paths = create_app(make_engine("sqlite://"), Settings(secret_key="only the document")).openapi()["paths"]
    return sorted(
        (method.upper(), path.removeprefix(PREFIX))
        for path, operations in paths.items()
        if path.startswith(PREFIX + "/")
        for method in operations
    )


OURS = _our_delivery_operations()


@pytest.fixture(scope="module")
def official() -> Any:
    document = json.loads(reference_file(*OFFICIAL).read_text(encoding="utf-8"))
    assert document["servers"] == [{"url": PREFIX}], "the official document serves under /aanleverapi/v1_0"
    return schemathesis.openapi.from_dict(amended(document))


@pytest.fixture
def register(migrated_engine: Engine) -> Iterator[SeededRegister]:
    # a fresh register per operation: the writes fuzzed before (retract, archive) would otherwise
    # leave the reads nothing to find
    yield SeededRegister(migrated_engine)
    emptied(migrated_engine)


def test_we_serve_exactly_the_official_operations(official: Any) -> None:
    theirs = sorted((o.ok().method.upper(), o.ok().path) for o in official.get_all_operations())
    assert theirs == OURS


@pytest.mark.parametrize(("method", "path"), OURS, ids=[f"{m} {p}" for m, p in OURS])
def test_operation_survives_fuzzing_by_the_official_document(
    official: Any, register: SeededRegister, method: str, path: str
) -> None:
    # given the official document's description of the operation
    operation = official[path][method]
    # when the fuzzer sends valid and invalid requests from it, anonymously and with tokens
    findings = fuzz(
        operation,
        app=register.app,
        checks=CHECKS,
        tokens=[*register.tokens, None],
        known=register.known,
        max_examples=MAX_EXAMPLES,
        bodies=valid_bodies(official),
    )
    # then no response is a server error, has a status the official document does not list, or
    # differs from the official schema; and the requests reached the operation, not only refusals
    assert findings.cases > 0
    assert not findings.failures, findings.report()
    assert findings.statuses - {401, 403, 404}, f"only refusals: {sorted(findings.statuses)}"
