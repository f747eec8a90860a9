"""Tests of the help texts of publication standard 1.0 (``algoreg.standard.metadata``)."""

import json
import re
from enum import StrEnum
from pathlib import Path
from typing import Any, cast

import pytest
from pydantic import BaseModel

from algoreg.standard import metadata
from algoreg.standard.enums import PublicationCategory, StandardVersion, Status
from algoreg.standard.metadata import (
    DESCRIBED_ENUMS,
    GROUPING_SUB_FIELDS,
    LANGUAGES,
    METADATA_KEYS,
    FieldMetadata,
    Language,
    MetadataError,
    enum_explanations,
    enum_labels,
    field_metadata,
    recommended_impact_assessments,
)
from algoreg.standard.v1_0 import (
    FIELD_NAMES,
    FIELDS,
    AlgorithmRecord,
    FieldKind,
    ImpactAssessment,
    LawfulBasis,
    SourceData,
)

SPEC_PATH = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "reference"
    / "algoritmeregister"
    / "aanlever-api-v1_0.openapi.json"
)

#: The spec's schema of each grouping's rows.
SPEC_GROUPING_SCHEMAS = {
    "lawful_basis_grouping": "v1_0__ObjectLawfulBasisGrouping",
    "impacttoetsen_grouping": "v1_0__ObjectImpacttoetsenGrouping",
    "source_data_grouping": "v1_0__ObjectSourceDataGrouping",
}

ROW_MODELS: dict[str, type[BaseModel]] = {
    "lawful_basis_grouping": LawfulBasis,
    "impacttoetsen_grouping": ImpactAssessment,
    "source_data_grouping": SourceData,
}

#: Fields whose example is free text that we must have made up ourselves.
FREE_TEXT_KINDS = {FieldKind.TEXT, FieldKind.RICH_TEXT, FieldKind.URL, FieldKind.EMAIL}

SHARED_RUN = 8

_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")
_WORD = re.compile(r"\w+")


def _sentences(text: str) -> int:
    return len(_SENTENCE_END.findall(text.strip()))


def _runs(text: str, size: int = SHARED_RUN) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[index : index + size]) for index in range(len(words) - size + 1)}


def _normalised(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def _spec_properties() -> dict[str, dict[str, Any]]:
    """Return the spec's description of every metadata key, or skip when the spec is absent."""
    if not SPEC_PATH.is_file():
        pytest.skip(f"the official specification is not available at {SPEC_PATH}; cannot compare texts")
    schemas = json.loads(SPEC_PATH.read_text(encoding="utf-8"))["components"]["schemas"]
    properties: dict[str, dict[str, Any]] = dict(schemas["AlgorithmIn"]["properties"])
    for grouping, schema in SPEC_GROUPING_SCHEMAS.items():
        for sub_field, description in schemas[schema]["properties"].items():
            properties[f"{grouping}.{sub_field}"] = description
    return properties


def _record_from_examples(lang: Language) -> dict[str, Any]:
    meta = field_metadata(lang)
    return {name: meta[name].example for name in FIELD_NAMES}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_field_and_sub_field_has_all_four_items(lang: Language) -> None:
    # given
    expected = [spec.name for spec in FIELDS] + [
        f"{grouping}.{sub_field}"
        for grouping, sub_fields in GROUPING_SUB_FIELDS.items()
        for sub_field in sub_fields
    ]

    # when
    meta = field_metadata(lang)

    # then
    assert list(meta) == expected == list(METADATA_KEYS)
    assert len(FIELDS) == 31
    for name, item in meta.items():
        assert isinstance(item, FieldMetadata)
        assert item.name == name
        for text in (item.title, item.help_text, item.instructions):
            assert isinstance(text, str)
            assert text.strip(), f"{lang}: {name} has an empty text"
        assert item.example, f"{lang}: {name} has no example"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_help_text_is_one_sentence_and_instructions_one_to_four(lang: Language) -> None:
    # given
    meta = field_metadata(lang)

    # when
    counts = {
        name: (_sentences(item.help_text), _sentences(item.instructions)) for name, item in meta.items()
    }

    # then
    for name, (help_sentences, instruction_sentences) in counts.items():
        assert help_sentences == 1, f"{lang}: help text of {name} is {help_sentences} sentences"
        assert 1 <= instruction_sentences <= 4, (
            f"{lang}: instructions of {name} are {instruction_sentences} sentences"
        )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_examples_of_all_fields_form_one_valid_record(lang: Language) -> None:
    # given
    data = _record_from_examples(lang)

    # when
    record = AlgorithmRecord.model_validate(data)

    # then
    assert record.status is Status.IN_USE
    assert record.category is not None
    assert len(record.category) == len(data["category"])
    assert record.lawful_basis_grouping is not None
    assert record.impacttoetsen_grouping is not None
    assert record.source_data_grouping is not None


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("grouping", list(GROUPING_SUB_FIELDS))
def test_sub_field_examples_form_a_valid_row(lang: Language, grouping: str) -> None:
    # given
    meta = field_metadata(lang)
    row = {sub_field: meta[f"{grouping}.{sub_field}"].example for sub_field in GROUPING_SUB_FIELDS[grouping]}

    # when
    validated = ROW_MODELS[grouping].model_validate(row)

    # then
    assert validated.model_dump() == row


def test_enum_examples_are_the_same_standard_values_in_both_languages() -> None:
    # given
    enum_fields = [spec.name for spec in FIELDS if spec.kind in {FieldKind.ENUM, FieldKind.ENUM_LIST}]

    # when
    dutch, english = field_metadata("nl"), field_metadata("en")

    # then
    assert enum_fields
    for name in enum_fields:
        assert english[name].example == dutch[name].example, f"the English example of {name} was translated"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("enum_cls", DESCRIBED_ENUMS, ids=lambda cls: cls.__name__)
def test_every_enum_value_has_a_label(lang: Language, enum_cls: type[StrEnum]) -> None:
    # given
    values = [member.value for member in enum_cls]

    # when
    labels = enum_labels(enum_cls, lang)

    # then
    assert list(labels) == values
    assert all(label.strip() for label in labels.values())
    if lang == "nl":
        assert labels == {value: value for value in values}


def test_english_labels_are_translated() -> None:
    # given
    status, publication = Status, PublicationCategory

    # when
    status_labels = enum_labels(status, "en")
    publication_labels = enum_labels(publication, "en")

    # then
    assert status_labels["In gebruik"] == "In use"
    assert publication_labels["Hoog-risico AI-systeem"] == "High-risk AI system"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("enum_cls", [Status, PublicationCategory], ids=lambda cls: cls.__name__)
def test_statuses_and_publication_categories_are_explained(lang: Language, enum_cls: type[StrEnum]) -> None:
    # given
    values = [member.value for member in enum_cls]

    # when
    explanations = enum_explanations(enum_cls, lang)

    # then
    assert list(explanations) == values
    assert all(text.strip() and _sentences(text) == 1 for text in explanations.values())


def test_an_enum_without_labels_is_refused_clearly() -> None:
    # given
    undescribed = StandardVersion

    # when / then
    with pytest.raises(MetadataError, match="StandardVersion"):
        enum_labels(undescribed)


def test_an_unknown_language_is_refused() -> None:
    # given
    lang: Any = "de"

    # when / then
    with pytest.raises(ValueError, match="unknown language 'de'"):
        field_metadata(lang)


def test_a_file_that_misses_a_field_is_refused_clearly() -> None:
    # given
    text = "fields:\n  name: {title: Naam, help_text: Wat., instructions: Hoe., example: Iets}\nenums: {}\n"

    # when / then
    with pytest.raises(MetadataError, match=r"misses the field\(s\) description_short, organization"):
        metadata._parse_catalogue(text, "broken.yaml", with_recommended=False)


def test_a_field_with_an_empty_text_is_refused_clearly() -> None:
    # given
    fields = {
        key: {"title": "T", "help_text": "H.", "instructions": "I.", "example": "E"} for key in METADATA_KEYS
    }
    fields["goal"]["instructions"] = "  "

    # when / then
    with pytest.raises(MetadataError, match=r"fields\.goal\.instructions is missing or empty"):
        metadata._parse_fields(fields, "broken.yaml")


def test_returned_examples_are_copies() -> None:
    # given
    first = field_metadata("nl")
    categories = cast(list[str], first["category"].example)

    # when
    categories.append("Werk")
    first.pop("name")
    second = field_metadata("nl")

    # then
    assert "name" in second
    assert "Werk" not in second["category"].example


def test_recommended_impact_assessments_are_names_to_suggest() -> None:
    # given
    example_titles = [
        row["title"]
        for row in field_metadata("nl")["impacttoetsen_grouping"].example
        if isinstance(row, dict)
    ]

    # when
    names = recommended_impact_assessments()

    # then
    assert len(names) == len(set(names)) >= 5
    assert "Data Protection Impact Assessment (DPIA)" in names
    assert "Impact Assessment Mensenrechten en Algoritmes (IAMA)" in names
    assert set(example_titles) <= set(names)
    assert all(len(name) <= 500 for name in names)


def test_dutch_texts_are_our_own_and_not_the_specifications() -> None:
    # given
    spec = _spec_properties()
    ours = field_metadata("nl")

    # when
    problems: list[str] = []
    for name in METADATA_KEYS:
        spec_texts = [spec[name][item] for item in ("help_text", "instructions") if spec[name].get(item)]
        for item in ("help_text", "instructions"):
            text = getattr(ours[name], item)
            for spec_text in spec_texts:
                if _normalised(text) == _normalised(spec_text):
                    problems.append(f"{name}.{item} equals the spec's text")
                shared = _runs(text) & _runs(spec_text)
                if shared:
                    run = " ".join(sorted(shared)[0])
                    problems.append(f"{name}.{item} shares {SHARED_RUN} words with the spec: {run!r}")

    # then
    assert set(spec) >= set(METADATA_KEYS)
    assert not problems, "\n".join(problems)


def test_free_text_examples_are_our_own() -> None:
    # given
    spec = _spec_properties()
    kinds = {spec_field.name: spec_field.kind for spec_field in FIELDS}
    free_text = [
        name for name in METADATA_KEYS if "." in name or kinds[name] in FREE_TEXT_KINDS | {FieldKind.GROUPING}
    ]

    # when
    problems: list[str] = []
    for lang in LANGUAGES:
        meta = field_metadata(lang)
        for name in free_text:
            ours = json.dumps(meta[name].example, ensure_ascii=False)
            if "noorderhaaks" in ours.lower():
                problems.append(f"{lang}: the example of {name} uses the spec's organisation")
            theirs = spec[name].get("example")
            if theirs and meta[name].example == theirs:
                problems.append(f"{lang}: the example of {name} is the spec's example")

    # then
    assert not problems, "\n".join(problems)
