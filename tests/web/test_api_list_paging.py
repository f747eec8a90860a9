"""The JSON list of public algorithms, paged by offset and by the ``after`` cursor, on the real app."""

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.session import transaction
from algoreg.register import algorithms
from algoreg.register.roles import SYSTEM
from algoreg.register.workflow import Action
from tests.samples import sample_record

Factory = sessionmaker[Session]
# Names with ties (the list orders by name, then by creation) and one out of creation order.
NAMES = ["Beta", "Alfa", "Beta", "Gamma", "Alfa", "Delta", "Beta"]


def publish(factory: Factory, name: str, **overrides: Any) -> str:
    with transaction(factory) as session:
        record = sample_record(name=name, **overrides)
        public_id = algorithms.create_algorithm(session, SYSTEM, "gm0001", record).public_id
        for action in (Action.SUBMIT, Action.APPROVE, Action.PUBLISH):
            algorithms.perform(session, SYSTEM, public_id, action)
    return public_id


@pytest.fixture
def published(factory: Factory, make_organisation: Callable[..., str]) -> list[str]:
    make_organisation("gm0001", "Gemeente Voorbeeld")
    return [
        publish(factory, name, status="In gebruik" if i % 2 else "Buiten gebruik")
        for i, name in enumerate(NAMES)
    ]


def walk(client: TestClient, limit: int, **params: Any) -> list[dict[str, Any]]:
    """Every page from the first by following next_after."""
    pages = [client.get("/api/v1/algorithms", params={"limit": limit, **params}).json()]
    while pages[-1]["next_after"]:
        after = pages[-1]["next_after"]
        pages.append(
            client.get("/api/v1/algorithms", params={"limit": limit, "after": after, **params}).json()
        )
    return pages


def ids(page: dict[str, Any]) -> list[str]:
    return [item["id"] for item in page["items"]]


def test_the_cursor_gives_the_same_pages_as_the_offset(client: TestClient, published: list[str]) -> None:
    # when the list is read by cursor and by offset, two at a time
    by_cursor = walk(client, 2)
    by_offset = [
        client.get("/api/v1/algorithms", params={"limit": 2, "offset": offset}).json()
        for offset in range(0, 8, 2)
    ]
    # then both give the same pages, ordered by name and then by creation, each algorithm once
    assert [ids(page) for page in by_cursor] == [ids(page) for page in by_offset]
    order = [published[i] for i in sorted(range(len(NAMES)), key=lambda i: (NAMES[i], i))]
    assert [i for page in by_cursor for i in ids(page)] == order
    # and every page tells the total; only the last page has no cursor
    assert {page["total"] for page in by_cursor} == {7}
    assert [page["next_after"] is None for page in by_cursor] == [False, False, False, True]


def test_the_cursor_keeps_to_the_filters(client: TestClient, published: list[str]) -> None:
    # when the algorithms in use are read by cursor
    pages = walk(client, 1, status="In gebruik")
    # then only those are given, each once, and the total counts only them
    shown = [i for page in pages for i in ids(page)]
    in_use = {published[i] for i in range(len(NAMES)) if i % 2}
    assert sorted(shown) == sorted(in_use) and len(shown) == len(in_use)
    assert {page["total"] for page in pages} == {len(in_use)}


def test_publishing_during_a_walk_neither_skips_nor_repeats(
    client: TestClient, factory: Factory, published: list[str]
) -> None:
    # given the first page was read by cursor
    first = client.get("/api/v1/algorithms", params={"limit": 3}).json()
    # when an algorithm that sorts before it is published meanwhile
    publish(factory, "Aardappel")
    # then the next page by cursor follows on exactly, where the same page by offset repeats one
    after = client.get("/api/v1/algorithms", params={"limit": 3, "after": first["next_after"]}).json()
    by_offset = client.get("/api/v1/algorithms", params={"limit": 3, "offset": 3}).json()
    order = [published[i] for i in sorted(range(len(NAMES)), key=lambda i: (NAMES[i], i))]
    assert ids(first) + ids(after) == order[:6]
    assert ids(by_offset)[0] == ids(first)[-1]


@pytest.mark.parametrize(
    "after",
    [
        "nonsense",
        "%%%",
        "W10",  # []
        "WyJhIiwgLTFd",  # ["a", -1]
        "eyJhIjogMX0",  # {"a": 1}
        "WyJhIiwidHdlZSJd",  # ["a", "twee"]
        "WyJhXHUwMDAwYiIsMV0",  # a name with a NUL character, which PostgreSQL cannot compare
        "WyJcdWQ4MDAiLDFd",  # a name that is not valid Unicode text
        base64.urlsafe_b64encode(json.dumps(["x" * 201, 1]).encode()).decode(),  # longer than any name
    ],
)
def test_a_cursor_the_api_did_not_give_is_refused_by_name(
    client: TestClient, published: list[str], after: str
) -> None:
    # when the list is asked for with a made-up cursor
    response = client.get("/api/v1/algorithms", params={"after": after})
    # then it is refused, naming the parameter and what to give instead
    assert response.status_code == 422, response.text
    problem = response.json()["errors"][0]
    assert problem["field"] == "after" and "next_after" in problem["reason"]


def test_the_cursor_is_documented(client: TestClient) -> None:
    # when the OpenAPI document is read
    spec = client.get("/api/v1/openapi.json").json()
    operation = spec["paths"]["/api/v1/algorithms"]["get"]
    # then the list takes offset and after, and its page names next_after
    assert {"offset", "limit", "after"} <= {parameter["name"] for parameter in operation["parameters"]}
    assert "next_after" in spec["components"]["schemas"]["PublicPageOut"]["properties"]
