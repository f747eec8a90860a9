"""Schemathesis against every operation of our OpenAPI (/api/v1/openapi.json), on the real app.

The register holds the demo's sample register, bias reports and a harvest source
(:class:`~tests.web.fuzzing.SeededRegister`). Requests go out anonymously and with the tokens of
a publisher and an admin of one organisation, so that writes are fuzzed too. Every response must
be no server error, carry a status code the document lists for the operation, and match the
schema the document gives for it. The operations are read from the app itself, so an endpoint is
fuzzed from the day it is added.
"""

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
from tests.database import emptied
from tests.samples import sample_record
from tests.web.fuzzing import SeededRegister, fuzz

#: Requests per operation: enough to get past validation into the routes, few enough for CI.
#: ALGOREG_TEST_FUZZ_EXAMPLES asks for more in a deeper run.
MAX_EXAMPLES = int(os.environ.get("ALGOREG_TEST_FUZZ_EXAMPLES", "25"))
CHECKS = (not_a_server_error, status_code_conformance, response_schema_conformance)


def _our_openapi() -> dict[str, Any]:
    """The app's OpenAPI document, as served at /api/v1/openapi.json; building it reads no database."""
    return create_app(make_engine("sqlite://"), Settings(secret_key="only the document")).openapi()


SCHEMA = schemathesis.openapi.from_dict(_our_openapi())
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


@pytest.fixture(scope="module")
def register(migrated_engine: Engine) -> Iterator[SeededRegister]:
    yield SeededRegister(migrated_engine)
    emptied(migrated_engine)


def test_the_document_served_is_the_one_fuzzed(register: SeededRegister) -> None:
    # the document the app serves is the one the operations were read from, and all of it loaded
    served = register.app.openapi_url
    assert served == "/api/v1/openapi.json"
    assert (
        schemathesis.openapi.from_asgi(served, register.app).raw_schema["paths"] == SCHEMA.raw_schema["paths"]
    )
    labels = {operation.label for operation in OPERATIONS}
    assert len(labels) == len(list(SCHEMA.get_all_operations()))
    assert {"POST /api/v1/organisations/{code}/algorithms", "GET /api/v1/feed"} <= labels
    assert any(label.startswith("PUT /aanleverapi/v1_0/") for label in labels)


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_operation_survives_fuzzing(register: SeededRegister, operation: Any) -> None:
    # when the fuzzer sends valid and invalid requests, anonymously and with tokens
    findings = fuzz(
        operation,
        app=register.app,
        checks=CHECKS,
        tokens=[*register.tokens, None],
        known=register.known,
        max_examples=MAX_EXAMPLES,
        bodies={"AlgorithmRecord": [sample_record(organization=register.own_name)]},
    )
    # then no response is a server error, has an undocumented status, or is unlike its schema
    assert findings.cases > 0
    assert not findings.failures, findings.report()
