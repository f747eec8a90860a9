"""Our questionnaire definition format: YAML files read into :class:`Instrument`, and written back.

The format is described in ``docs/instruments/definition-format.md``; its JSON Schema, generated
from the models, is shipped as ``docs/instruments/questionnaire-definition.schema.json``.
"""

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from algoreg.errors import FieldProblem, InvalidInput
from algoreg.instruments.questionnaire.files import read_yaml, validation_problems, with_source
from algoreg.instruments.questionnaire.model import Instrument

SCHEMA_ID = "urn:algoreg:schema:questionnaire-definition:1"
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

#: Our own sample definitions, shipped with the package.
DEFINITIONS_DIR = Path(__file__).resolve().parent.parent / "definitions"


def parse_definition(data: Any, *, source: str = "definition") -> Instrument:
    """Return the instrument ``data`` (parsed YAML or JSON) defines.

    Anything wrong — a missing or unknown field, a wrong type, a condition that refers to a
    missing, later or out-of-scope question — raises :class:`InvalidInput` with every problem,
    each naming ``source`` and the location inside it.
    """
    summary = f"{source} is not a valid questionnaire definition."
    if not isinstance(data, dict):
        raise InvalidInput(
            problems=[FieldProblem(source, "expected a mapping with id, version, title and parts")],
            summary=summary,
        )
    try:
        return Instrument.model_validate(data)
    except ValidationError as error:
        raise InvalidInput(problems=validation_problems(error, data, source), summary=summary) from error
    except InvalidInput as error:
        raise with_source(error, source, summary) from error


def load_definition(path: Path | str) -> Instrument:
    """Return the instrument defined in the YAML file at ``path`` (see :func:`parse_definition`)."""
    file = Path(path)
    return parse_definition(read_yaml(file), source=str(file))


def dump_definition(instrument: Instrument) -> str:
    """Return ``instrument`` as a YAML definition in our format; loading it gives the same instrument."""
    data = instrument.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    data = {"format_version": instrument.format_version, **data}
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def sample_definitions() -> dict[str, Path]:
    """Return our own sample definition files by file name without extension."""
    return {path.stem: path for path in sorted(DEFINITIONS_DIR.glob("*.yaml"))}


def definition_json_schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of a definition in our format, generated from the models.

    The schema checks structure and types; the consistency rules (unique ids, conditions that refer
    to earlier questions in scope, values among the options) are the models' alone.
    """
    generated = Instrument.model_json_schema(mode="validation", by_alias=True)
    schema: dict[str, Any] = {
        "$schema": SCHEMA_DIALECT,
        "$id": SCHEMA_ID,
        "title": "Algoreg questionnaire definition",
        "description": (
            "An instrument (assessment or questionnaire) as data: parts of questions, groups, notices and "
            "stops, with conditions on earlier answers. See docs/instruments/definition-format.md."
        ),
    }
    schema.update({key: value for key, value in generated.items() if key not in ("title", "description")})
    return schema


def definition_json_schema_text() -> str:
    """Return :func:`definition_json_schema` as the text of the shipped schema file."""
    return json.dumps(definition_json_schema(), indent=2, ensure_ascii=False) + "\n"
