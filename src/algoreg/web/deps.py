"""Request dependencies: the unit of work and the acting principal."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.session import transaction
from algoreg.errors import NotAuthenticated
from algoreg.register.accounts import authenticate_token
from algoreg.register.roles import Principal

_bearer = HTTPBearer(auto_error=False, description="An Algoreg API token (algoreg_…).")


class UnitOfWork:
    """Opens one transaction per action: committed when the block ends, rolled back on error."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self.factory = factory

    @contextmanager
    def __call__(self) -> Iterator[Session]:
        with transaction(self.factory) as session:
            yield session


def unit_of_work(request: Request) -> UnitOfWork:
    """Return the application's unit of work."""
    uow: UnitOfWork = request.app.state.uow
    return uow


UoW = Annotated[UnitOfWork, Depends(unit_of_work)]


def optional_principal(
    uow: UoW,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal | None:
    """Return the principal of the bearer token if one is sent; an invalid token is refused."""
    if credentials is None:
        return None
    with uow() as session:
        return authenticate_token(session, credentials.credentials)


def required_principal(principal: Annotated[Principal | None, Depends(optional_principal)]) -> Principal:
    """Return the acting principal, or refuse the request with 401 when no token was sent."""
    if principal is None:
        raise NotAuthenticated("This action needs an API token: send 'Authorization: Bearer <token>'.")
    return principal


Actor = Annotated[Principal, Depends(required_principal)]
MaybeActor = Annotated[Principal | None, Depends(optional_principal)]
