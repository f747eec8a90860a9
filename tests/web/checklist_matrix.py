"""The authorisation matrix's rules for the write routes of the non-discrimination checklist.

:func:`checklist_rules` is merged into ``MATRIX`` of ``tests/web/test_authorisation_matrix.py``, which
passes its own ``Rule`` and ``Call`` classes and status sets in (so that neither module imports the
other). Editors (and up) of the algorithm's organisation answer items; viewers and other
organisations are refused. Every builder answers an item of a fresh algorithm of the organisation it
is given, linking that algorithm's own fresh bias report.
"""

from collections.abc import Callable
from typing import Any

from algoreg.register.roles import Role

ITEM = "ndd-data-evaluation"


def checklist_rules(
    rule: Callable[..., Any], call: Callable[..., Any], ok: Any, redirect: Any
) -> dict[str, tuple[Any, ...]]:
    """The matrix entries of every write route of the checklist, built with the matrix's classes."""

    def api_answer(world: Any, org: str | None) -> Any:
        assert org is not None
        public_id, report_id = world.report(org)
        body = {"state": "met", "note": "Gemeten per wijk", "bias_report_ids": [report_id]}
        path = f"/api/v1/algorithms/{public_id}/non-discrimination-checklist/items/{ITEM}"
        return call("PUT", path, ok, json=body)

    def page_answer(world: Any, org: str | None) -> Any:
        assert org is not None
        public_id, report_id = world.report(org)
        data = {"state": "met", "note": "Gemeten per wijk", "bias_report_ids": str(report_id)}
        return call("POST", f"/beheer/algoritme/{public_id}/non-discriminatie/{ITEM}", redirect, data=data)

    return {
        "PUT /api/v1/algorithms/{public_id}/non-discrimination-checklist/items/{item_id}": (
            rule(Role.EDITOR, api_answer),
        ),
        "POST /beheer/algoritme/{public_id}/non-discriminatie/{item_id}": (rule(Role.EDITOR, page_answer),),
    }
