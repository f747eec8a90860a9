"""The standard described through the API."""

import pytest
from fastapi.testclient import TestClient

from algoreg.standard.v1_0 import FIELD_NAMES


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_field_is_described_in_both_languages(client: TestClient, lang: str) -> None:
    # when the standard is asked for in a language
    body = client.get("/api/v1/standard", params={"lang": lang}).json()
    # then every field of 1.0 is there with its texts and rules
    fields = {f["name"]: f for f in body["fields"]}
    assert tuple(fields) == FIELD_NAMES
    assert all(
        f["title"] and f["help_text"] for n, f in fields.items() if n not in ("lars", "publication_dt")
    )
    assert fields["name"]["required"] and fields["name"]["max_length"] == 100
    assert fields["goal"]["allowed_html_tags"] == ["br", "div", "li", "ol", "p", "ul"]
    statuses = {v["value"]: v["label"] for v in fields["status"]["allowed_values"]}
    assert list(statuses) == ["In ontwikkeling", "In gebruik", "Buiten gebruik"]
    assert statuses["In gebruik"] == ("In gebruik" if lang == "nl" else "In use")


def test_the_languages_differ_and_unknown_ones_are_refused(client: TestClient) -> None:
    nl = client.get("/api/v1/standard", params={"lang": "nl"}).json()["fields"][0]["help_text"]
    en = client.get("/api/v1/standard", params={"lang": "en"}).json()["fields"][0]["help_text"]
    assert nl != en
    refused = client.get("/api/v1/standard", params={"lang": "de"})
    assert refused.status_code == 422 and "'nl'" in refused.json()["errors"][0]["reason"]


def test_the_json_schema_is_served(client: TestClient) -> None:
    schema = client.get("/api/v1/standard/schema").json()
    assert set(schema["required"]) >= {"name", "status", "publication_category"}
