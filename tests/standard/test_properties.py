"""Properties of publication standard 1.0 and its upgrades, checked on generated records.

* A record that validates comes back unchanged through JSON and through export and import in
  every file format.
* Any invalid value yields a problem that names the field it was put in.
* Upgrading any generated record of an older version gives a valid 1.0 record, or else names
  every problem; what could not be carried over is reported; it never raises.
"""

import json
import string
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from algoreg.standard.enums import Category, PublicationCategory, StandardVersion, Status
from algoreg.standard.legacy import (
    LEGACY_MODELS,
    LEGACY_VERSIONS,
    AlgorithmType,
    CategoryV0_4,
    YesNo,
    upgrade,
)
from algoreg.standard.tabular import FORMATS, read_rows, write_rows
from algoreg.standard.v1_0 import FIELDS, AlgorithmRecord, FieldKind, FieldSpec
from algoreg.standard.validation import problems_of

PROPERTIES = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- building blocks -------------------------------------------------------------------------------

#: Any text a person may type, markup characters and line breaks included; not control characters
#: (XLSX cannot hold them, and the module documents that they are left out there).
_CHARACTERS = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")) | st.sampled_from(
    "\n\t<>&'\"=+-@;|"
)


def texts(max_size: int, min_size: int = 0) -> st.SearchStrategy[str]:
    """Text up to ``max_size`` characters; at least ``min_size`` of them not blank."""
    strategy = st.text(_CHARACTERS, min_size=min_size, max_size=max_size)
    return strategy.filter(lambda value: len(value.strip()) >= min_size) if min_size else strategy


urls = st.from_regex(r"https?://[a-z0-9]{1,12}\.(nl|example)(/[A-Za-z0-9._~%-]{1,12}){0,3}", fullmatch=True)
emails = st.from_regex(r"[a-z0-9._%+-]{1,20}@[a-z0-9-]{1,20}\.[a-z]{2,6}", fullmatch=True)
months = st.tuples(st.integers(1990, 2040), st.integers(1, 12)).map(lambda ym: f"{ym[0]:04d}-{ym[1]:02d}")
rich_texts = st.one_of(
    texts(300),
    st.lists(texts(80), min_size=1, max_size=3).map(
        lambda parts: "".join(f"<p>{part}</p>" for part in parts)
    ),
    st.lists(texts(40), min_size=1, max_size=3).map(
        lambda items: "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"
    ),
    texts(100).map(lambda text: f"{text}<br>{text}<script>alert(1)</script><b onclick='x'>vet</b>"),
)


def groupings(link_required: bool, title_limit: int) -> st.SearchStrategy[list[dict[str, Any]]]:
    link = urls if link_required else st.none() | urls
    entry = st.fixed_dictionaries({"title": texts(title_limit, min_size=1), "link": link})
    return st.lists(entry, max_size=3)


def _optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


@st.composite
def records(draw: st.DrawFn) -> AlgorithmRecord:
    """A valid 1.0 record, with every optional field present or absent."""
    begin, end = sorted(draw(st.lists(months, min_size=2, max_size=2)))
    data = {
        "name": draw(texts(100, min_size=1)),
        "description_short": draw(texts(400, min_size=1)),
        "organization": draw(texts(100, min_size=1)),
        "category": draw(_optional(st.lists(st.sampled_from(list(Category)), max_size=4))),
        "status": draw(st.sampled_from(list(Status))),
        "begin_date": draw(_optional(st.just(begin))),
        "end_date": draw(_optional(st.just(end))),
        "contact_email": draw(emails),
        "website": draw(_optional(urls)),
        "publication_category": draw(st.sampled_from(list(PublicationCategory))),
        "url": draw(_optional(urls)),
        "lawful_basis_grouping": draw(_optional(groupings(link_required=True, title_limit=100))),
        "process_index_url": draw(_optional(urls)),
        "impacttoetsen_grouping": draw(_optional(groupings(link_required=False, title_limit=500))),
        "source_data_grouping": draw(_optional(groupings(link_required=True, title_limit=500))),
        "provider": draw(_optional(texts(200))),
        "publiccode": draw(_optional(urls)),
        "lang": "nld",
        "standard_version": draw(st.sampled_from(["1.0", None])),
        "source_id": draw(_optional(texts(100))),
        "lars": draw(_optional(st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=12))),
        "publication_dt": draw(_optional(st.just("2025-03-01T09:30:00"))),
    }
    for spec in FIELDS:
        if spec.kind is FieldKind.RICH_TEXT:
            data[spec.name] = draw(_optional(rich_texts))
    return AlgorithmRecord.model_validate(data)


# --- round trips ---------------------------------------------------------------------------------


@PROPERTIES
@given(record=records())
def test_a_valid_record_comes_back_unchanged_through_json(record: AlgorithmRecord) -> None:
    # when it is written as JSON and read back, as text and as parsed data
    from_text = AlgorithmRecord.model_validate_json(record.model_dump_json())
    from_data = AlgorithmRecord.model_validate(json.loads(json.dumps(record.to_json())))
    # then it is the same record, and validating it again changes nothing
    assert from_text == record
    assert from_data == record
    assert from_data.to_json() == record.to_json()


@pytest.mark.parametrize("file_format", FORMATS)
@PROPERTIES
@given(batch=st.lists(records(), min_size=1, max_size=3))
def test_valid_records_come_back_unchanged_through_export_and_import(
    file_format: str, batch: list[AlgorithmRecord]
) -> None:
    # when they are exported in a file format and imported again
    rows = read_rows(write_rows(batch, file_format), format=file_format)
    # then the same records, in the same order, come back
    assert [AlgorithmRecord.model_validate(row) for row in rows] == batch


# --- invalid values are named ----------------------------------------------------------------------


def _too_long(spec: FieldSpec) -> st.SearchStrategy[str]:
    assert spec.max_length is not None
    return st.text(string.ascii_letters, min_size=spec.max_length + 1, max_size=spec.max_length + 20)


_NOT_TEXT = st.one_of(st.integers(), st.booleans(), st.lists(st.integers(), min_size=1, max_size=2))
_NOT_A_LIST = st.one_of(st.integers(), st.text(string.ascii_letters, min_size=1, max_size=5))


def invalid_values(spec: FieldSpec) -> st.SearchStrategy[Any]:
    """Values that standard 1.0 does not allow in the field ``spec``."""
    kind = spec.kind
    if kind is FieldKind.TEXT:
        options = [_too_long(spec), _NOT_TEXT]
    elif kind is FieldKind.RICH_TEXT:
        options = [_too_long(spec).map(lambda text: f"<p>{text}</p>"), _NOT_TEXT]
    elif kind is FieldKind.URL:
        not_web = st.sampled_from(
            ["javascript:alert(1)", "ftp://example.nl/x", "www.example.nl", "zie website"]
        )
        options = [not_web, urls.map(lambda url: url + "/" + "a" * 500), _NOT_TEXT]
    elif kind is FieldKind.EMAIL:
        options = [st.text(string.ascii_letters + ". ", min_size=1, max_size=30).filter(str.strip), _NOT_TEXT]
    elif kind is FieldKind.MONTH:
        options = [st.sampled_from(["2024-13", "2024-00", "24-01", "januari 2024", "2024-1", "2024-01-15"])]
    elif kind is FieldKind.ENUM:
        options = [st.text(string.ascii_letters, min_size=1, max_size=20), st.integers()]
    elif kind is FieldKind.ENUM_LIST:
        options = [st.lists(st.text(string.ascii_letters, min_size=1, max_size=20), min_size=1), _NOT_A_LIST]
    elif kind is FieldKind.GROUPING:
        no_title = st.fixed_dictionaries({"link": urls})
        bad_link = st.fixed_dictionaries({"title": texts(20, min_size=1), "link": st.just("geen link")})
        unknown_key = st.fixed_dictionaries({"title": texts(20, min_size=1), "pagina": urls})
        options = [st.lists(no_title | bad_link | unknown_key, min_size=1, max_size=2), _NOT_A_LIST]
    else:  # the register's own fields (lars, publication_dt) are text
        options = [_NOT_TEXT]
    if spec.required:
        options.append(st.none())
    return st.one_of(options)


@PROPERTIES
@given(record=records(), spec=st.sampled_from(FIELDS), data=st.data())
def test_any_invalid_value_yields_a_problem_naming_its_field(
    record: AlgorithmRecord, spec: FieldSpec, data: st.DataObject
) -> None:
    # given a valid record with one invalid value put in one field
    value = data.draw(invalid_values(spec), label=spec.name)
    if spec.kind is FieldKind.ENUM and spec.name in ("lang", "standard_version", "status"):
        assume(value not in {"nld", "1.0", *Status})
    given = {**record.to_json(), spec.name: value}
    # when it is checked
    problems = problems_of(given)
    # then it is refused, with a problem at that field (or inside it), saying what is wrong
    assert problems, f"{spec.name}={value!r} passed"
    named = [p for p in problems if p.field == spec.name or p.field.startswith(spec.name + ".")]
    assert named, [(p.field, p.reason) for p in problems]
    assert all(p.reason.strip() for p in named)
    with pytest.raises(ValidationError):
        AlgorithmRecord.model_validate(given)


# --- upgrades of older versions --------------------------------------------------------------------

_OLD_TEXT = st.one_of(
    texts(60), urls, emails, months, st.sampled_from(["Ja", "Nee", "ja, zie https://example.nl/iama", ""])
)


def _old_value(annotation: Any) -> st.SearchStrategy[Any]:
    """A value for a field of an older version's model, from the field's type."""
    text = repr(annotation)
    for enum in (YesNo, AlgorithmType, Status):
        if enum.__name__ in text and "list" not in text:
            return st.none() | st.sampled_from([member.value for member in enum])
    if "CategoryV0_4" in text:
        return st.none() | st.lists(st.sampled_from([member.value for member in CategoryV0_4]), max_size=4)
    if "list[str]" in text:
        return st.none() | st.lists(_OLD_TEXT, max_size=3)
    return st.none() | _OLD_TEXT


@st.composite
def old_records(draw: st.DrawFn, version: StandardVersion) -> dict[str, Any]:
    """A record that is valid for ``version``: each field present or absent, values of its types.

    A value the version's own model refuses (such as a three-letter ``lang`` that is longer) is
    left out, so the record is always one that version accepts.
    """
    model = LEGACY_MODELS[version]
    data: dict[str, Any] = {"standard_version": version.value}
    for name, info in model.model_fields.items():
        if name == "standard_version":
            continue
        if info.is_required() or draw(st.booleans(), label=f"has {name}"):
            data[name] = draw(_old_value(info.annotation), label=name)
    if not isinstance(data.get("name"), str) or not data["name"].strip():
        data["name"] = draw(texts(60, min_size=1))
    if not isinstance(data.get("organization"), str) or not data["organization"].strip():
        data["organization"] = draw(texts(60, min_size=1))
    try:
        model.model_validate(data)
    except ValidationError as error:
        for problem in error.errors():
            data.pop(str(problem["loc"][0]), None) if problem["loc"] else None
    model.model_validate(data)
    return data


@pytest.mark.parametrize("version", LEGACY_VERSIONS, ids=str)
@PROPERTIES
@given(data=st.data())
def test_an_older_record_upgrades_to_a_valid_record_or_names_every_problem(
    version: StandardVersion, data: st.DataObject
) -> None:
    # given any record that is valid in an older version
    record = data.draw(old_records(version), label="record")
    # when it is upgraded (it must not raise)
    result = upgrade(record)
    # then it is a valid 1.0 record, or every reason it is not is named, starting with the field
    if result.record is not None:
        assert result.problems == []
        assert AlgorithmRecord.model_validate(result.data) == result.record
    else:
        assert result.problems
        with pytest.raises(ValidationError) as refused:
            AlgorithmRecord.model_validate(result.data)
        fields = {".".join(str(part) for part in error["loc"]) for error in refused.value.errors()}
        assert all(any(problem.startswith(field) for problem in result.problems) for field in fields if field)
    # and what was not carried over is reported with its field, its value and a reason
    for note in result.losses:
        assert note.field and note.reason.strip()
        assert note.field in record or note.field in result.data
    # and the name, which every version has, is carried over as it was
    assert result.data["name"] == record["name"]
