"""An accessible API reference built from the OpenAPI document, rendered on the server.

Interactive API consoles load megabytes of script, need relaxed content-security rules and fail
accessibility checks; a plain page of the same facts serves people and screen readers better,
and the OpenAPI document itself stays available for tools.
"""

from dataclasses import dataclass, field
from typing import Any

_METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Parameter:
    """A path, query or header parameter."""

    name: str
    location: str
    required: bool
    type: str
    description: str


@dataclass(frozen=True)
class Operation:
    """One method on one path."""

    anchor: str
    method: str
    path: str
    summary: str
    description: str
    parameters: list[Parameter]
    body: str | None
    responses: list[tuple[str, str, str | None]]
    needs_token: bool


@dataclass
class Section:
    """The operations under one tag."""

    name: str
    operations: list[Operation] = field(default_factory=list)


@dataclass(frozen=True)
class SchemaProperty:
    """One property of a schema."""

    name: str
    type: str
    required: bool
    description: str


@dataclass(frozen=True)
class Schema:
    """A named schema of request or response bodies."""

    name: str
    description: str
    properties: list[SchemaProperty]


def type_of(schema: dict[str, Any]) -> str:
    """Return a short, readable type for a JSON Schema fragment (``list of X``, ``A or null``)."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " or ".join(type_of(option) for option in schema["anyOf"])
    if "enum" in schema:
        return "one of " + ", ".join(repr(v) for v in schema["enum"])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"list of {type_of(schema.get('items', {}))}"
    if "format" in schema:
        return f"{kind} ({schema['format']})"
    return str(kind)


def _body(operation: dict[str, Any]) -> str | None:
    content = operation.get("requestBody", {}).get("content", {})
    for media_type, spec in content.items():
        return f"{media_type}: {type_of(spec.get('schema', {}))}"
    return None


def _responses(operation: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    rows = []
    for status, spec in operation.get("responses", {}).items():
        schema = spec.get("content", {}).get("application/json", {}).get("schema")
        rows.append((status, spec.get("description", ""), type_of(schema) if schema else None))
    return rows


def sections(openapi: dict[str, Any]) -> list[Section]:
    """Group the document's operations by their first tag, in the order they appear."""
    grouped: dict[str, Section] = {}
    for path, methods in openapi.get("paths", {}).items():
        for method in _METHODS:
            operation = methods.get(method)
            if operation is None:
                continue
            tag = (operation.get("tags") or ["other"])[0]
            parameters = [
                Parameter(
                    name=p["name"],
                    location=p["in"],
                    required=bool(p.get("required")),
                    type=type_of(p.get("schema", {})),
                    description=p.get("description", ""),
                )
                for p in operation.get("parameters", [])
            ]
            grouped.setdefault(tag, Section(tag)).operations.append(
                Operation(
                    anchor=operation.get("operationId", f"{method}-{path}"),
                    method=method.upper(),
                    path=path,
                    summary=operation.get("summary", ""),
                    description=operation.get("description", ""),
                    parameters=parameters,
                    body=_body(operation),
                    responses=_responses(operation),
                    needs_token=bool(operation.get("security")),
                )
            )
    return list(grouped.values())


def schemas(openapi: dict[str, Any]) -> list[Schema]:
    """Return the document's named schemas with their properties, by name."""
    result = []
    for name, schema in sorted(openapi.get("components", {}).get("schemas", {}).items()):
        required = set(schema.get("required", []))
        properties = [
            SchemaProperty(key, type_of(spec), key in required, spec.get("description", ""))
            for key, spec in schema.get("properties", {}).items()
        ]
        result.append(Schema(name, schema.get("description", ""), properties))
    return result
