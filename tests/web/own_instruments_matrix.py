"""The authorisation matrix's rules for the write routes of an organisation's own instruments.

:func:`own_instrument_rules` is merged into ``MATRIX`` of ``tests/web/test_authorisation_matrix.py``,
which passes its own ``Rule`` and ``Call`` classes and status sets in (so that neither module imports
the other). Who may do what is :mod:`algoreg.instruments.framework.own_instruments`'s: publishers and
admins of the organisation add, change and retire; editors, viewers and other organisations are
refused. Every builder makes a fresh instrument in the organisation it is given.
"""

from collections.abc import Callable
from typing import Any

from algoreg.db.session import transaction
from algoreg.instruments.framework import own_instruments
from algoreg.instruments.framework.own_instruments import OwnInstrumentIn
from algoreg.register.roles import SYSTEM, Role

API = "/api/v1/organisations/{code}/instruments"
PAGES = "/beheer/organisatie/{organisation_code}/hulpmiddelen"


def instrument(world: Any, org: str) -> str:
    """A fresh own instrument of ``org``; its slug."""
    with transaction(world.factory) as session:
        given = OwnInstrumentIn(title=world.unique("Hulpmiddel "))
        return own_instruments.add_own_instrument(session, SYSTEM, org, given).slug


def own_instrument_rules(
    rule: Callable[..., Any], call: Callable[..., Any], ok: Any, created: Any, redirect: Any
) -> dict[str, tuple[Any, ...]]:
    """The matrix entries of every write route of own instruments, built with the matrix's classes."""

    def api_add(world: Any, org: str | None) -> Any:
        assert org is not None
        body = {"title": world.unique("Nieuw hulpmiddel "), "categories": ["handreiking"]}
        return call("POST", API.format(code=org), created, json=body)

    def api_change(world: Any, org: str | None) -> Any:
        assert org is not None
        path = f"{API.format(code=org)}/{instrument(world, org)}"
        return call("PATCH", path, ok, json={"description": "Nu met uitleg."})

    def api_retire(world: Any, org: str | None) -> Any:
        assert org is not None
        return call("DELETE", f"{API.format(code=org)}/{instrument(world, org)}", ok)

    def page_add(world: Any, org: str | None) -> Any:
        assert org is not None
        data = {"title": world.unique("Formulier hulpmiddel "), "categories": "handreiking"}
        return call("POST", PAGES.format(organisation_code=org), redirect, data=data)

    def page_change(world: Any, org: str | None) -> Any:
        assert org is not None
        path = f"{PAGES.format(organisation_code=org)}/{instrument(world, org)}"
        return call(
            "POST", path, redirect, data={"title": world.unique("Gewijzigd "), "description": "Uitleg"}
        )

    def page_retire(world: Any, org: str | None) -> Any:
        assert org is not None
        return call(
            "POST", f"{PAGES.format(organisation_code=org)}/{instrument(world, org)}/intrekken", redirect
        )

    return {
        f"POST {API}": (rule(Role.PUBLISHER, api_add),),
        f"PATCH {API}/{{slug}}": (rule(Role.PUBLISHER, api_change),),
        f"DELETE {API}/{{slug}}": (rule(Role.PUBLISHER, api_retire),),
        f"POST {PAGES}": (rule(Role.PUBLISHER, page_add),),
        f"POST {PAGES}/{{slug}}": (rule(Role.PUBLISHER, page_change),),
        f"POST {PAGES}/{{slug}}/intrekken": (rule(Role.PUBLISHER, page_retire),),
    }
