"""The error responses of the JSON APIs, as the OpenAPI document describes them.

The bodies are the ones :mod:`algoreg.web.errors` and :mod:`algoreg.web.limits` send: every error
has ``detail``, a sentence for people; input errors (422) add ``errors``, naming each field, what
was wrong and what is allowed. The delivery API keeps the official shapes for its validation errors
(:data:`DELIVERY_ERROR_RESPONSES`).
"""

from typing import Any

from pydantic import BaseModel, Field


class ErrorOut(BaseModel):
    """An error: what went wrong, in a sentence."""

    detail: str


class FieldProblemOut(BaseModel):
    """One problem with the input."""

    field: str = Field(
        description="The field at fault, as a dotted path ('query.limit', 'name'); '' for all."
    )
    reason: str = Field(description="What was wrong and what is allowed.")
    record: int | None = Field(default=None, description="For imports: the 1-based position of the record.")


class ProblemsOut(BaseModel):
    """The input is not valid; nothing was stored."""

    detail: str
    errors: list[FieldProblemOut]


class DeliveryValidationProblem(BaseModel):
    """One validation problem, in the delivery API's official shape."""

    loc: list[str | int]
    msg: str
    type: str


class DeliveryValidationOut(BaseModel):
    """The input is not valid (the delivery API's official shape); nothing was stored."""

    detail: list[DeliveryValidationProblem]


def _error(description: str, model: type[BaseModel] = ErrorOut) -> dict[str, Any]:
    return {"model": model, "description": description}


#: The errors any operation of the JSON APIs may answer with, by status code.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _error("No API token was sent for an action that needs one, or the token is not valid."),
    403: _error("The token's role does not allow this action in this organisation."),
    404: _error("The thing asked for does not exist, or is not visible with this token."),
    409: _error("The action clashes with the current state, or the data changed since it was read."),
    413: _error("The request body is larger than this register accepts."),
    415: _error("The request body is not of the content type this operation accepts."),
    422: _error("The input is not valid; every problem is listed and nothing was stored.", ProblemsOut),
}

#: The delivery API's validation errors keep the official shape ``{"detail": [{"loc", "msg", "type"}]}``.
DELIVERY_ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    422: _error("The input is not valid; nothing was stored.", DeliveryValidationOut),
}

#: For reads that honour If-None-Match (or If-Modified-Since): nothing changed, no body.
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified since the ETag (or date) sent; no body."}
}
