"""The authorisation matrix's rules for the write routes of the origin-data inventory.

:func:`origin_inventory_rules` is merged into ``MATRIX`` of ``tests/web/test_authorisation_matrix.py``,
which passes its own ``Rule`` and ``Call`` classes and status sets in (so that neither module imports
the other). Who may do what is :mod:`algoreg.inventory.origin_common`'s: editors write uses,
remediation steps and evidence; publishers determine, close and reopen; viewers and other
organisations are refused. Every builder makes a fresh use in the organisation it is given.
"""

import io
from collections.abc import Callable
from datetime import date
from typing import Any

import polars as pl

from algoreg.bias.origin import scan_frame
from algoreg.db.session import transaction
from algoreg.inventory import origin_uses, remediation
from algoreg.inventory.origin_uses import DeterminationIn, UseIn
from algoreg.inventory.remediation import StepChange, StepKind
from algoreg.register.roles import SYSTEM, Role

API = "/api/v1/origin-inventory"
PAGES = "/beheer/herkomstgegevens"

#: What makes each step done (the facts each needs besides owner and date).
_DONE: dict[StepKind, dict[str, Any]] = {
    StepKind.USE_ENDED: {"note": "Kolom verwijderd"},
    StepKind.PEOPLE_INFORMED: {"people_count": 3, "inform_method": "Brief"},
    StepKind.DATA_CLEANED: {
        "datasets": "aanvragen",
        "records_removed": 3,
        "records_corrected": 0,
        "verification": "Steekproef",
    },
}


def _frame(column: str) -> pl.DataFrame:
    return pl.DataFrame({column: ["Nederlandse", "Marokkaanse", "Turkse"], "bedrag": [1, 2, 3]})


def use(world: Any, org: str, stage: str) -> int:
    """A fresh use of ``org``: ``proposed``, ``confirmed``, ``case`` (unlawful, open case), ``done``
    (all three steps done with evidence) or ``closed``."""
    system = world.unique("Systeem ")
    with transaction(world.factory) as session:
        if stage == "proposed":
            outcome = origin_uses.propose_from_scan(
                session,
                SYSTEM,
                org,
                scan_frame(_frame("nationaliteit")),
                dataset_name="a.csv",
                system_name=system,
            )
            return outcome.created[0].id
        given = UseIn(data_kind="nationality", purpose="Risicoscore", system_name=system, column_name="nat")
        use_id = origin_uses.create_use(session, SYSTEM, org, given).id
        if stage == "confirmed":
            return use_id
        decision = DeterminationIn("unlawful", "Geen grondslag", "FG", date.today())
        origin_uses.determine_use(session, SYSTEM, use_id, decision)
        if stage == "case":
            return use_id
        for kind, facts in _DONE.items():
            change = StepChange(status="done", owner="Team", completed_on=date.today(), **facts)
            remediation.update_step(session, SYSTEM, use_id, kind.value, change)
            remediation.add_link(session, SYSTEM, use_id, kind.value, "https://dms.example/1", "Besluit")
        if stage == "closed":
            remediation.close_case(session, SYSTEM, use_id)
    return use_id


def origin_inventory_rules(
    rule: Callable[..., Any], call: Callable[..., Any], ok: Any, created: Any, redirect: Any
) -> dict[str, tuple[Any, ...]]:
    """The matrix entries of every write route of the inventory, built with the matrix's classes."""

    def make(
        method: str, path: str, stage: str | None, status: Any, **fields: Any
    ) -> Callable[[Any, Any], Any]:
        def build(world: Any, org: str | None) -> Any:
            assert org is not None
            target = use(world, org, stage) if stage is not None else 0
            body = {key: value(world, org) if callable(value) else value for key, value in fields.items()}
            return call(method, path.format(use=target), status, **body)

        return build

    def new_use(world: Any, org: str) -> dict[str, str]:
        return {
            "organisation": org,
            "data_kind": "country_of_birth",
            "purpose": "Selectie",
            "system_name": world.unique("Lijst "),
            "column_name": "geboorteland",
        }

    def data_file(world: Any, org: str) -> dict[str, tuple[str, bytes, str]]:
        content = io.BytesIO()
        _frame("nationaliteit").write_csv(content)
        return {"data": (f"{world.unique('gegevens')}.csv", content.getvalue(), "text/csv")}

    step_done = {
        "status": "done",
        "owner": "Team",
        "completed_on": date.today().isoformat(),
        **{key: str(value) for key, value in _DONE[StepKind.USE_ENDED].items()},
    }
    link = {"url": "https://dms.example/2", "description": "Verslag"}
    determination = {"outcome": "improper", "reasoning": "Ander doel", "decided_by": "FG"}
    return {
        # the JSON API
        "POST /api/v1/origin-inventory/uses": (
            rule(Role.EDITOR, make("POST", f"{API}/uses", None, created, json=new_use)),
        ),
        "PATCH /api/v1/origin-inventory/uses/{use_id}": (
            rule(
                Role.EDITOR,
                make("PATCH", f"{API}/uses/{{use}}", "confirmed", ok, json={"legal_basis": "Art. 1"}),
            ),
        ),
        "POST /api/v1/origin-inventory/uses/{use_id}/confirm": (
            rule(
                Role.EDITOR,
                make("POST", f"{API}/uses/{{use}}/confirm", "proposed", ok, json={"purpose": "Doel"}),
            ),
        ),
        "POST /api/v1/origin-inventory/uses/{use_id}/dismiss": (
            rule(
                Role.EDITOR,
                make("POST", f"{API}/uses/{{use}}/dismiss", "proposed", ok, json={"reason": "Geen"}),
            ),
        ),
        "POST /api/v1/origin-inventory/uses/{use_id}/determinations": (
            rule(
                Role.PUBLISHER,
                make("POST", f"{API}/uses/{{use}}/determinations", "confirmed", created, json=determination),
            ),
        ),
        "PATCH /api/v1/origin-inventory/uses/{use_id}/remediation/steps/{step}": (
            rule(
                Role.EDITOR,
                make(
                    "PATCH",
                    f"{API}/uses/{{use}}/remediation/steps/use_ended",
                    "case",
                    ok,
                    json={"owner": "Team"},
                ),
            ),
        ),
        "POST /api/v1/origin-inventory/uses/{use_id}/remediation/steps/{step}/evidence": (
            rule(
                Role.EDITOR,
                make(
                    "POST",
                    f"{API}/uses/{{use}}/remediation/steps/data_cleaned/evidence",
                    "case",
                    created,
                    json={"kind": "link", **link},
                ),
            ),
        ),
        "POST /api/v1/origin-inventory/uses/{use_id}/remediation/close": (
            rule(Role.PUBLISHER, make("POST", f"{API}/uses/{{use}}/remediation/close", "done", ok)),
        ),
        "POST /api/v1/origin-inventory/uses/{use_id}/remediation/reopen": (
            rule(
                Role.PUBLISHER,
                make(
                    "POST", f"{API}/uses/{{use}}/remediation/reopen", "closed", ok, json={"reason": "Nieuw"}
                ),
            ),
        ),
        "POST /api/v1/origin-inventory/proposals": (
            rule(
                Role.EDITOR,
                make(
                    "POST",
                    f"{API}/proposals",
                    None,
                    created,
                    data=lambda w, o: {"organisation": o},
                    files=data_file,
                ),
            ),
        ),
        # the management pages
        "POST /beheer/herkomstgegevens": (
            rule(Role.EDITOR, make("POST", PAGES, None, redirect, data=new_use)),
        ),
        "POST /beheer/herkomstgegevens/{use_id:int}": (
            rule(
                Role.EDITOR,
                make(
                    "POST",
                    f"{PAGES}/{{use}}",
                    "proposed",
                    redirect,
                    data={
                        "data_kind": "nationality",
                        "purpose": "Doel",
                        "system_name": "Bestand",
                        "confirm": "1",
                    },
                ),
            ),
        ),
        "POST /beheer/herkomstgegevens/{use_id:int}/afwijzen": (
            rule(
                Role.EDITOR,
                make("POST", f"{PAGES}/{{use}}/afwijzen", "proposed", redirect, data={"reason": "Geen"}),
            ),
        ),
        "POST /beheer/herkomstgegevens/{use_id:int}/beoordeling": (
            rule(
                Role.PUBLISHER,
                make(
                    "POST",
                    f"{PAGES}/{{use}}/beoordeling",
                    "confirmed",
                    redirect,
                    data={**determination, "decided_on": date.today().isoformat()},
                ),
            ),
        ),
        "POST /beheer/herkomstgegevens/{use_id:int}/herstel/{step}": (
            rule(
                Role.EDITOR,
                make("POST", f"{PAGES}/{{use}}/herstel/use_ended", "case", redirect, data=step_done),
            ),
        ),
        "POST /beheer/herkomstgegevens/{use_id:int}/herstel/{step}/bewijs": (
            rule(
                Role.EDITOR,
                make("POST", f"{PAGES}/{{use}}/herstel/people_informed/bewijs", "case", redirect, data=link),
            ),
        ),
        "POST /beheer/herkomstgegevens/{use_id:int}/herstel/sluiten": (
            rule(Role.PUBLISHER, make("POST", f"{PAGES}/{{use}}/herstel/sluiten", "done", redirect)),
        ),
        "POST /beheer/herkomstgegevens/{use_id:int}/herstel/heropenen": (
            rule(
                Role.PUBLISHER,
                make(
                    "POST", f"{PAGES}/{{use}}/herstel/heropenen", "closed", redirect, data={"reason": "Nieuw"}
                ),
            ),
        ),
    }
