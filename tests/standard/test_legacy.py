"""Reading older versions of the publication standard (0.1 to 0.4) and upgrading them to 1.0."""

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from algoreg.standard.enums import StandardVersion, Status
from algoreg.standard.legacy import (
    DPIA_TITLE,
    IAMA_TITLE,
    LEGACY_MODELS,
    LEGACY_VERSIONS,
    MAPPINGS,
    AlgorithmType,
    CategoryV0_4,
    UpgradeError,
    UpgradeResult,
    YesNo,
    detect_version,
    read_legacy,
    upgrade,
)
from algoreg.standard.v1_0 import AlgorithmRecord

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference"
OPENAPI = REFERENCE / "algoritmeregister" / "aanlever-api-v1_0.openapi.json"

SERVER_SIDE = {"lars", "create_dt", "language", "state", "publication_dt"}

SCHEMA_NAMES = {
    StandardVersion.V0_1: "v0_1__Algorithm",
    StandardVersion.V0_2_3: "v0_2_3__Algorithm",
    StandardVersion.V0_3_1: "v0_3_1__Algorithm",
    StandardVersion.V0_4: "v0_4__Algorithm",
    StandardVersion.V1_0: "v1_0__Algorithm",
}

#: Fields of each older version for which standard 1.0 has nothing, worked out from the specification.
NO_COUNTERPART = {
    StandardVersion.V0_1: {
        "department",
        "type",
        "impact",
        "decision_making_process",
        "documentation",
        "description",
        "application_url",
        "mprd",
        "monitoring",
        "performance_standard",
        "competent_authority",
        "objection_procedure",
        "uuid",
        "area",
        "revision_date",
    },
    StandardVersion.V0_3_1: {
        "department",
        "type",
        "impact",
        "application_url",
        "objection_procedure",
        "area",
        "uuid",
        "revision_date",
        "description",
        "monitoring",
        "performance_standard",
    },
    StandardVersion.V0_4: {"type", "uuid"},
}
NO_COUNTERPART[StandardVersion.V0_2_3] = NO_COUNTERPART[StandardVersion.V0_1]

#: Fields whose name is the same in 1.0 but whose value changes shape or spelling.
RESHAPED = {"category", "status", "lang", "standard_version", "impacttoetsen"}

VALID_1_0: dict[str, Any] = {
    "name": "Toeslag kinderopvang berekenen",
    "description_short": "Berekent de hoogte van de toeslag uit inkomen en uren opvang.",
    "organization": "Gemeente Noorderhaaks",
    "category": ["Sociale zekerheid"],
    "status": "In gebruik",
    "begin_date": "2022-06",
    "contact_email": "algoritmes@noorderhaaks.example.nl",
    "publication_category": "Impactvolle algoritmes",
    "lawful_basis_grouping": [{"title": "Wet kinderopvang", "link": "https://wetten.example.nl/BWBR2"}],
    "impacttoetsen_grouping": [{"title": "DPIA", "link": None}],
    "lang": "nld",
    "standard_version": "1.0",
}


def all_schemas() -> dict[str, Any]:
    """The component schemas of the official delivery API description, or a skip when it is absent."""
    if not OPENAPI.exists():
        pytest.skip(f"reference specification not found at {OPENAPI} (../shared is absent)")
    schemas: dict[str, Any] = json.loads(OPENAPI.read_text(encoding="utf-8"))["components"]["schemas"]
    return schemas


def properties_of(version: StandardVersion) -> dict[str, Any]:
    """The fields of ``version`` in the specification, server-side fields left out."""
    properties: dict[str, Any] = all_schemas()[SCHEMA_NAMES[version]]["properties"]
    return {name: spec for name, spec in properties.items() if name not in SERVER_SIDE}


def enum_values(spec: dict[str, Any]) -> list[str]:
    """The values of the enum a field refers to (directly, in a union, or as list items)."""
    schemas = all_schemas()
    refs = [spec.get("$ref")]
    for member in spec.get("anyOf", []):
        refs.extend([member.get("$ref"), member.get("items", {}).get("$ref")])
    for ref in refs:
        if ref:
            values: list[str] = schemas[ref.rsplit("/", 1)[-1]].get("enum", [])
            return values
    return []


def value_for(name: str, spec: dict[str, Any]) -> Any:
    """The specification's example for a field, or else a plausible value of the field's type."""
    example = spec.get("example")
    if example not in (None, "", []):
        return example
    values = enum_values(spec)
    if spec.get("type") == "array":
        return values[:1] or [f"Waarde {name}"]
    if values:
        return values[0]
    return f"Waarde {name}"[: spec.get("max_length_without_html", 100)]


def example_record(version: StandardVersion) -> dict[str, Any]:
    """A record of ``version`` built from its schema in the official specification (1.0: our sample)."""
    if version is StandardVersion.V1_0:
        return copy.deepcopy(VALID_1_0)
    return {name: value_for(name, spec) for name, spec in properties_of(version).items()}


def lost_fields(result: UpgradeResult) -> set[str]:
    return {note.field for note in result.losses}


def problem_fields(result: UpgradeResult) -> set[str]:
    return {problem.split(":", 1)[0] for problem in result.problems}


# --- the models of the older versions ------------------------------------------------------------


@pytest.mark.parametrize("version", LEGACY_VERSIONS, ids=str)
def test_models_have_the_fields_of_the_specification(version: StandardVersion) -> None:
    # given
    specified = properties_of(version)

    # when
    modelled = LEGACY_MODELS[version].model_fields

    # then
    assert set(modelled) == set(specified)
    assert {name for name, field in modelled.items() if field.is_required()} == {"name", "organization"}


@pytest.mark.parametrize(
    ("schema", "enum"),
    [
        ("v0_2_3__EnumStatus", Status),
        ("v0_3_1__EnumStatus", Status),
        ("v0_4__EnumStatus", Status),
        ("v0_2_3__EnumType", AlgorithmType),
        ("v0_3_1__EnumType", AlgorithmType),
        ("v0_4__EnumType", YesNo),
        ("v0_2_3__EnumIama", YesNo),
        ("v0_2_3__EnumDpia", YesNo),
        ("v0_2_3__EnumMprd", YesNo),
        ("v0_3_1__EnumIama", YesNo),
        ("v0_3_1__EnumDpia", YesNo),
        ("v0_4__EnumCategory", CategoryV0_4),
    ],
)
def test_enum_values_are_spelled_as_in_the_specification(schema: str, enum: Any) -> None:
    # given
    specified = all_schemas()[schema]["enum"]

    # when
    modelled = [member.value for member in enum]

    # then
    assert modelled == specified


@pytest.mark.parametrize("version", LEGACY_VERSIONS, ids=str)
def test_models_enforce_the_length_limits_of_the_specification(version: StandardVersion) -> None:
    # given
    limited = {
        name: spec["max_length_without_html"]
        for name, spec in properties_of(version).items()
        if "max_length_without_html" in spec and not enum_values(spec)
    }

    for name, limit in limited.items():
        base = {"name": "x", "organization": "x", "standard_version": str(version)}

        # when
        at_limit = read_legacy({**base, name: "a" * limit})

        # then
        assert getattr(at_limit, name) == "a" * limit
        with pytest.raises(UpgradeError, match=rf"{name}: is {limit + 1} characters long"):
            read_legacy({**base, name: "a" * (limit + 1)})


def test_models_accept_and_ignore_server_side_fields() -> None:
    # given
    record = {
        "name": "Parkeercontrole",
        "organization": "Gemeente Noorderhaaks",
        "standard_version": "0.4",
        "lars": "12345678",
        "create_dt": "2023-06-01T12:00:00",
        "language": "NLD",
        "state": "PUBLISHED",
        "publication_dt": "2023-06-02",
    }

    # when
    read = read_legacy(record)
    result = upgrade(record)

    # then
    assert read.model_dump(exclude_unset=True) == {
        "name": "Parkeercontrole",
        "organization": "Gemeente Noorderhaaks",
        "standard_version": "0.4",
    }
    assert not set(result.data) & SERVER_SIDE
    assert not lost_fields(result) & SERVER_SIDE


def test_every_field_of_every_version_has_exactly_one_rule() -> None:
    for version in LEGACY_VERSIONS:
        # given
        fields = sorted(LEGACY_MODELS[version].model_fields)

        # when
        covered = sorted(source for rule in MAPPINGS[version] for source in rule.sources)

        # then
        assert covered == fields, version


# --- upgrading records built from the specification ----------------------------------------------


@pytest.mark.parametrize("version", LEGACY_VERSIONS, ids=str)
def test_record_of_the_specification_upgrades_with_every_unmapped_field_reported(
    version: StandardVersion,
) -> None:
    # given
    record = example_record(version)
    kept = (set(record) & set(properties_of(StandardVersion.V1_0))) - RESHAPED

    # when
    result = upgrade(record)

    # then
    assert NO_COUNTERPART[version] <= lost_fields(result)
    for name in NO_COUNTERPART[version]:
        assert name not in result.data
    for name in kept:
        assert result.data[name] == record[name], name
    assert result.data["standard_version"] == "1.0"
    assert all(note.reason and note.value for note in result.losses)
    assert result.record is None
    assert "publication_category" in problem_fields(result)


def test_0_4_links_become_references_of_1_0() -> None:
    # given
    record = example_record(StandardVersion.V0_4)
    record["lawful_basis_link"] = "Wegenverkeerswet 1994: https://wetten.example.nl/BWBR0006622"
    record["source_data_link"] = "<ul><li>Sensorregister: https://data.example.nl/sensoren</li></ul>"

    # when
    result = upgrade(record)

    # then
    assert result.data["lawful_basis_grouping"] == [
        {"title": "Wegenverkeerswet 1994", "link": "https://wetten.example.nl/BWBR0006622"}
    ]
    assert result.data["source_data_grouping"] == [
        {"title": "Sensorregister", "link": "https://data.example.nl/sensoren"}
    ]
    assert not {"lawful_basis_link", "source_data_link"} & lost_fields(result)


def test_0_4_assessments_and_their_links_become_entries() -> None:
    # given the specification's example: one assessment named, links for two
    record = example_record(StandardVersion.V0_4)
    assert record["impacttoetsen"] == [IAMA_TITLE]
    assert record["iama_description"] == "DPIA: https://link.com, IAMA: https://link.nl"

    # when
    result = upgrade(record)

    # then
    assert result.data["impacttoetsen_grouping"] == [
        {"title": IAMA_TITLE, "link": "https://link.nl"},
        {"title": "DPIA", "link": "https://link.com"},
    ]
    assert "impacttoetsen" not in result.data
    assert not {"impacttoetsen", "iama_description"} & lost_fields(result)


def test_0_4_assessment_explanation_in_prose_is_kept_as_1_0_text() -> None:
    # given
    explanation = "Een DPIA was niet nodig: er worden geen persoonsgegevens verwerkt."
    record = {"name": "x", "organization": "y", "standard_version": "0.4", "iama_description": explanation}

    # when
    result = upgrade(record)

    # then
    assert result.data["impacttoetsen"] == explanation
    assert "iama_description" not in lost_fields(result)


def test_0_4_link_without_title_is_a_problem_not_an_invented_title() -> None:
    # given the specification's example: a bare link to the law
    record = example_record(StandardVersion.V0_4)

    # when
    result = upgrade(record)

    # then
    assert result.data["lawful_basis_grouping"] == [
        {"link": "https://wetten.overheid.nl/BWBR0006622/2023-01-01"}
    ]
    [problem] = [p for p in result.problems if p.startswith("lawful_basis_grouping.0.title")]
    assert "https://wetten.overheid.nl/BWBR0006622/2023-01-01" in problem
    assert "at most 100 characters" in problem


def test_text_in_a_link_field_without_address_is_reported() -> None:
    # given the specification's example: prose where links were expected
    record = example_record(StandardVersion.V0_4)

    # when
    result = upgrade(record)

    # then
    [note] = [note for note in result.losses if note.field == "source_data_link"]
    assert "no web address" in note.reason
    assert "source_data_grouping" not in result.data


# --- enum values ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Verkeer", "Verkeer"),
        ("Organisatie en bedrijfsvoering", "Organisatie en bedrijfsvoering"),
        ("Financiën", "Overheidsfinanciën"),
        ("Huisvesting", "Wonen"),
    ],
)
def test_0_4_category_maps_to_the_1_0_theme_of_the_same_meaning(old: str, new: str) -> None:
    # given
    record = {"name": "x", "organization": "y", "standard_version": "0.4", "category": [old]}

    # when
    result = upgrade(record)

    # then
    assert result.data["category"] == [new]
    assert "category" not in lost_fields(result)


@pytest.mark.parametrize("old", ["Dienstverlening", "Bestuur", "Landbouw"])
def test_0_4_category_without_1_0_theme_is_reported(old: str) -> None:
    # given
    record = {"name": "x", "organization": "y", "standard_version": "0.4", "category": [old, "Werk"]}

    # when
    result = upgrade(record)

    # then
    assert result.data["category"] == ["Werk"]
    [note] = result.losses
    assert (note.field, note.value) == ("category", repr(old))
    assert "'Overheidsfinanciën'" in note.reason


def test_0_1_free_text_spellings_map_to_1_0_values() -> None:
    # given
    record = {
        "name": "x",
        "organization": "y",
        "standard_version": "0.1",
        "status": "  in   GEBRUIK ",
        "lang": "Nederlands",
        "category": "verkeer; Financien, Sport",
    }

    # when
    result = upgrade(record)

    # then
    assert result.data["status"] == "In gebruik"
    assert result.data["lang"] == "nld"
    assert result.data["category"] == ["Verkeer", "Overheidsfinanciën"]
    assert [(note.field, note.value) for note in result.losses] == [("category", "'Sport'")]


def test_unknown_status_is_kept_so_that_validation_names_it() -> None:
    # given
    record = {"name": "x", "organization": "y", "standard_version": "0.1", "status": "Actief"}

    # when
    result = upgrade(record)

    # then
    assert result.data["status"] == "Actief"
    [problem] = [p for p in result.problems if p.startswith("status")]
    assert "'Actief'" in problem
    assert "'In gebruik'" in problem


@pytest.mark.parametrize("version", [StandardVersion.V0_1, StandardVersion.V0_2_3], ids=str)
def test_yes_no_assessments_become_entries_and_descriptions_text(version: StandardVersion) -> None:
    # given
    record = {
        "name": "x",
        "organization": "y",
        "standard_version": str(version),
        "iama": "Nee",
        "iama_description": "Niet uitgevoerd, want er is geen beslissing over personen.",
        "dpia": "Ja",
        "dpia_description": "https://example.nl/dpia.pdf",
    }

    # when
    result = upgrade(record)

    # then
    assert result.data["impacttoetsen_grouping"] == [
        {"title": DPIA_TITLE, "link": "https://example.nl/dpia.pdf"}
    ]
    assert result.data["impacttoetsen"] == (
        "<div>IAMA: Niet uitgevoerd, want er is geen beslissing over personen.</div>"
    )
    assert [(note.field, note.value) for note in result.losses] == [("iama", "'Nee'")]


def test_0_1_answer_that_is_not_yes_or_no_is_reported() -> None:
    # given
    record = {"name": "x", "organization": "y", "standard_version": "0.1", "iama": "gepland voor 2024"}

    # when
    result = upgrade(record)

    # then
    assert "impacttoetsen_grouping" not in result.data
    [note] = result.losses
    assert note.field == "iama"
    assert "yes/no" in note.reason


def test_0_3_1_iama_link_goes_with_its_entry() -> None:
    # given
    record = example_record(StandardVersion.V0_3_1)

    # when
    result = upgrade(record)

    # then
    assert result.data["impacttoetsen_grouping"] == [
        {"title": IAMA_TITLE, "link": "https://gemeentenoorderhaaks.nl/Archief/toetsen/AVR-IAMA"},
        {"title": DPIA_TITLE},
    ]


# --- what 1.0 requires ---------------------------------------------------------------------------


def test_missing_required_1_0_fields_are_problems_without_invented_values() -> None:
    # given
    record = {"name": "Parkeercontrole", "organization": "Gemeente Noorderhaaks", "standard_version": "0.4"}

    # when
    result = upgrade(record)

    # then
    assert result.record is None
    assert result.data == {
        "name": "Parkeercontrole",
        "organization": "Gemeente Noorderhaaks",
        "standard_version": "1.0",
    }
    assert problem_fields(result) == {
        "description_short",
        "status",
        "contact_email",
        "publication_category",
        "lang",
    }
    [category] = [p for p in result.problems if p.startswith("publication_category")]
    assert "'Hoog-risico AI-systeem', 'Impactvolle algoritmes', 'Overige algoritmes'" in category
    [email] = [p for p in result.problems if p.startswith("contact_email")]
    assert "e-mail address" in email
    [lang] = [p for p in result.problems if p.startswith("lang")]
    assert "'nld'" in lang
    assert result.losses == []


def test_text_too_long_for_1_0_is_reported_and_kept_whole() -> None:
    # given 0.4 allows 250 characters for the organization, 1.0 only 100
    organization = "Gemeenschappelijke regeling " + "o" * 200
    record = {"name": "x", "organization": organization, "standard_version": "0.4"}

    # when
    result = upgrade(record)

    # then
    assert result.data["organization"] == organization
    [note] = [note for note in result.losses if note.field == "organization"]
    assert f"is {len(organization)} characters long" in note.reason
    assert "at most 100" in note.reason
    assert "organization" in problem_fields(result)


# --- standard 1.0 ----------------------------------------------------------------------------------


def test_1_0_record_passes_through_unchanged() -> None:
    # given
    record = copy.deepcopy(VALID_1_0)

    # when
    result = upgrade(record)

    # then
    assert result.data == VALID_1_0
    assert result.record == AlgorithmRecord.model_validate(VALID_1_0)
    assert result.losses == []
    assert result.problems == []


def test_invalid_1_0_record_gives_problems_and_no_record() -> None:
    # given
    record = {key: value for key, value in VALID_1_0.items() if key != "contact_email"}

    # when
    result = upgrade(record)

    # then
    assert result.record is None
    assert result.losses == []
    assert problem_fields(result) == {"contact_email"}


# --- telling the version ---------------------------------------------------------------------------


@pytest.mark.parametrize("version", [*LEGACY_VERSIONS, StandardVersion.V1_0], ids=str)
def test_detect_version_reads_standard_version(version: StandardVersion) -> None:
    # given
    record = example_record(version)
    assert record["standard_version"] == str(version)

    # when
    detected = detect_version(record)

    # then
    assert detected is version


@pytest.mark.parametrize(
    "version",
    [StandardVersion.V0_1, StandardVersion.V0_3_1, StandardVersion.V0_4, StandardVersion.V1_0],
    ids=str,
)
def test_detect_version_tells_the_version_from_the_fields(version: StandardVersion) -> None:
    # given
    record = example_record(version)
    del record["standard_version"]

    # when
    detected = detect_version(record)

    # then
    assert detected is version


def test_detect_version_refuses_to_guess_between_versions_with_the_same_fields() -> None:
    # given 0.2.3 has the fields of 0.1, and its values are valid 0.1 values as well
    record = example_record(StandardVersion.V0_2_3)
    del record["standard_version"]

    # when
    with pytest.raises(UpgradeError) as raised:
        detect_version(record)

    # then
    assert "0.1, 0.2.3" in str(raised.value)
    assert "from_version" in str(raised.value)
    assert upgrade(record, StandardVersion.V0_2_3).data["standard_version"] == "1.0"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(["name", "organization"], "must be a dict", id="list"),
        pytest.param("{'name': 'x'}", "must be a dict", id="text"),
        pytest.param(None, "must be a dict", id="none"),
        pytest.param(
            {"name": "x", "standard_version": "2.0"}, "Unknown standard_version '2.0'", id="unknown"
        ),
        pytest.param({"name": "x", "standard_version": ["0.4"]}, "must be text", id="version-not-text"),
        pytest.param({"name": "x", "naam": "y"}, "'naam' belong to no known version", id="unknown-field"),
        pytest.param(
            {
                "name": "x",
                "lawful_basis_link": "https://a.example",
                "publication_category": "Overige algoritmes",
            },
            "mixes fields of different versions",
            id="mixed",
        ),
        pytest.param({"lars": "1"}, "no fields from which", id="nothing"),
        pytest.param({"name": "x", "organization": "y"}, "0.1, 0.2.3, 0.3.1, 0.4", id="too-few-fields"),
    ],
)
def test_bad_input_gives_a_clear_error(data: Any, message: str) -> None:
    # given the data above

    # when
    with pytest.raises(UpgradeError) as raised:
        upgrade(data)

    # then
    assert isinstance(raised.value, ValueError)
    assert message in str(raised.value)


def test_record_invalid_for_its_own_version_is_refused_with_the_fields_named() -> None:
    # given
    record = {"name": "x", "organization": "y", "standard_version": "0.4", "category": ["Sport"], "foo": 1}

    # when
    with pytest.raises(UpgradeError) as raised:
        upgrade(record)

    # then
    assert "not a valid version 0.4 record" in str(raised.value)
    assert "category.0" in str(raised.value)
    assert "foo: not a field of version 0.4" in str(raised.value)


def test_from_version_that_contradicts_the_record_is_refused() -> None:
    # given
    record = {"name": "x", "organization": "y", "standard_version": "0.3.1"}

    # when
    with pytest.raises(UpgradeError) as raised:
        upgrade(record, StandardVersion.V0_4)

    # then
    assert "says it is version 0.3.1" in str(raised.value)


# --- property: nothing is dropped silently --------------------------------------------------------

#: 0.4 fields that mean the same in 1.0 and are carried over as they are.
CARRIED_V0_4 = {
    "name",
    "organization",
    "description_short",
    "website",
    "begin_date",
    "end_date",
    "goal",
    "proportionality",
    "provider",
    "lawful_basis",
    "url",
    "contact_email",
    "source_id",
    "tags",
    "source_data",
    "methods_and_models",
    "publiccode",
    "human_intervention",
    "risks",
}
RENAMED_THEMES = {"Financiën": "Overheidsfinanciën", "Huisvesting": "Wonen"}
URL_IN_TEST = re.compile(r"https?://[^\s,]+")

urls = st.from_regex(r"https://[a-z]{1,10}\.example\.nl(/[a-z0-9-]{1,10}){0,2}", fullmatch=True)
labels = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ABCDIMPT()", min_size=1, max_size=30)
link_texts = st.lists(st.tuples(st.none() | labels, urls), max_size=3).map(
    lambda pairs: ", ".join(f"{label}: {url}" if label else url for label, url in pairs)
) | st.text(max_size=500)


def texts(limit: int) -> st.SearchStrategy[str | None]:
    return st.none() | st.text(max_size=limit)


records_v0_4 = st.fixed_dictionaries(
    {
        "name": st.text(max_size=100),
        "organization": st.text(max_size=250),
        "standard_version": st.just("0.4"),
    },
    optional={
        "description_short": texts(250),
        "type": st.none() | st.sampled_from([answer.value for answer in YesNo]),
        "category": st.none()
        | st.lists(st.sampled_from([theme.value for theme in CategoryV0_4]), max_size=4),
        "website": texts(500) | urls,
        "status": st.none() | st.sampled_from([status.value for status in Status]),
        "begin_date": texts(7),
        "end_date": texts(7),
        "goal": texts(2500),
        "proportionality": texts(2500),
        "provider": texts(200),
        "lawful_basis": texts(2500),
        "lawful_basis_link": st.none() | link_texts,
        "impacttoetsen": st.none() | st.lists(st.text(max_size=60), max_size=3),
        "iama_description": st.none() | link_texts,
        "url": texts(500) | urls,
        "contact_email": texts(500),
        "lang": texts(3) | st.just("nld"),
        "uuid": texts(100),
        "source_id": texts(100),
        "tags": texts(2500),
        "source_data": texts(5000),
        "source_data_link": st.none() | link_texts,
        "methods_and_models": texts(5000),
        "publiccode": texts(500) | urls,
        "human_intervention": texts(2500),
        "risks": texts(2500),
        "lars": st.text(max_size=20),
        "create_dt": st.just("2023-06-01T12:00:00"),
    },
)


def blank(value: Any) -> bool:
    return value is None or value == [] or (isinstance(value, str) and not value.strip())


def links_of(result: UpgradeResult, field: str) -> set[str]:
    return {entry.get("link") for entry in result.data.get(field, [])}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(record=records_v0_4)
def test_every_0_4_field_is_carried_over_or_named_as_lost(record: dict[str, Any]) -> None:
    # given a generated 0.4 record

    # when
    result = upgrade(record)

    # then
    lost = lost_fields(result)
    for field, value in record.items():
        if field in SERVER_SIDE or blank(value):
            continue
        if field == "category":
            for theme in value:
                carried = RENAMED_THEMES.get(theme, theme) in result.data.get("category", [])
                named = any(note.field == "category" and note.value == repr(theme) for note in result.losses)
                assert carried or named, theme
        elif field in ("lawful_basis_link", "source_data_link"):
            target = field.replace("_link", "_grouping")
            assert set(URL_IN_TEST.findall(value)) <= links_of(result, target)
            assert URL_IN_TEST.search(value) or field in lost
        elif field == "iama_description":
            carried_whole = result.data.get("impacttoetsen") == value
            linked = set(URL_IN_TEST.findall(value)) <= links_of(result, "impacttoetsen_grouping")
            assert carried_whole or linked
        elif field == "impacttoetsen":
            titles = {entry.get("title") for entry in result.data.get("impacttoetsen_grouping", [])}
            assert {name for name in value if name.strip()} <= titles
        elif field in lost:
            continue
        elif field in CARRIED_V0_4:
            assert result.data[field] == value
        elif field in ("status", "lang"):
            assert result.data[field] in {value, "nld"}
        elif field == "standard_version":
            assert result.data[field] == "1.0"
        else:
            pytest.fail(f"{field} = {value!r} was neither carried over nor named in the losses")
    assert (result.record is None) == bool(result.problems)
