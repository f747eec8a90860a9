"""Users, their roles per organisation, and API tokens.

Passwords are hashed with argon2id; API tokens are random secrets shown once and stored only as
a SHA-256 hash, so neither can be read back from the database or the logs.
"""

import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from algoreg.db.models import ApiToken, Membership, User, utcnow
from algoreg.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotAuthenticated, NotFound
from algoreg.register.audit import record_event
from algoreg.register.organisations import get_organisation
from algoreg.register.roles import Principal, Role

TOKEN_PREFIX = "algoreg_"  # noqa: S105 (a public marker, not a secret)
MIN_PASSWORD_LENGTH = 12

_hasher = PasswordHasher()


def hash_token(token: str) -> str:
    """Return the stored form of an API token."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(
    session: Session,
    principal: Principal,
    username: str,
    display_name: str,
    password: str | None,
    *,
    is_superuser: bool = False,
) -> User:
    """Create a user account; only instance administrators may. Passwords need 12 characters."""
    if not principal.is_superuser:
        raise Forbidden("Only an administrator of this Algoreg instance may create user accounts.")
    username = username.strip().lower()
    if not username:
        raise InvalidInput([FieldProblem("username", "must not be empty")])
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            [FieldProblem("password", f"is too short; use at least {MIN_PASSWORD_LENGTH} characters")]
        )
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"A user named '{username}' already exists.")
    user = User(
        username=username,
        display_name=display_name.strip() or username,
        password_hash=_hasher.hash(password) if password else None,
        is_superuser=is_superuser,
    )
    session.add(user)
    session.flush()
    record_event(session, principal, "user.create", summary=f"Created user {username}")
    return user


def find_user(session: Session, username: str) -> User:
    """Return the user named ``username`` or raise :class:`NotFound`."""
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise NotFound(f"There is no user named '{username}'.")
    return user


def grant_role(
    session: Session, principal: Principal, username: str, organisation_code: str, role: Role
) -> None:
    """Give a user a role in an organisation (replacing an earlier one); its admins may."""
    organisation = get_organisation(session, organisation_code)
    principal.require(organisation.id, Role.ADMIN, "give people roles in this organisation")
    user = find_user(session, username)
    membership = session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.organisation_id == organisation.id)
    )
    if membership is None:
        session.add(Membership(user_id=user.id, organisation_id=organisation.id, role=role.value))
    else:
        membership.role = role.value
    record_event(
        session,
        principal,
        "membership.grant",
        organisation_id=organisation.id,
        summary=f"{user.username} became {role.value}",
    )


def authenticate_password(session: Session, username: str, password: str) -> Principal:
    """Return the principal for a correct username and password, else :class:`NotAuthenticated`."""
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    failure = NotAuthenticated("The username or password is not correct.")
    if user is None or not user.is_active or not user.password_hash:
        _hasher.hash(password)  # spend the same time as a real check
        raise failure
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise failure from None
    return principal_of_user(user)


def principal_of_user(user: User) -> Principal:
    """Return the principal acting for ``user`` with all its organisation roles."""
    roles = {m.organisation_id: Role(m.role) for m in user.memberships}
    return Principal(name=user.username, roles=roles, is_superuser=user.is_superuser)


@dataclass(frozen=True)
class IssuedToken:
    """A newly made API token: the secret is only available now."""

    id: int
    name: str
    secret: str


def issue_token(
    session: Session,
    principal: Principal,
    name: str,
    organisation_code: str | None,
    role: Role,
) -> IssuedToken:
    """Make an API token for one organisation and role; that organisation's admins may.

    A token without an organisation acts as an instance administrator; only such an administrator
    may make one.
    """
    organisation_id: int | None = None
    if organisation_code is None:
        if not principal.is_superuser:
            raise Forbidden("Only an instance administrator may make a token without an organisation.")
    else:
        organisation = get_organisation(session, organisation_code)
        principal.require(organisation.id, Role.ADMIN, "make API tokens for this organisation")
        organisation_id = organisation.id
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name,
        token_hash=hash_token(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 4],
        organisation_id=organisation_id,
        role=role.value,
        is_superuser=organisation_id is None,
    )
    session.add(token)
    session.flush()
    record_event(
        session,
        principal,
        "token.issue",
        organisation_id=organisation_id,
        summary=f"Issued token '{name}' ({role.value})",
    )
    return IssuedToken(id=token.id, name=name, secret=secret)


def revoke_token(session: Session, principal: Principal, token_id: int) -> None:
    """Revoke a token so it no longer authenticates."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"There is no token with id {token_id}.")
    if token.organisation_id is None:
        if not principal.is_superuser:
            raise Forbidden("Only an instance administrator may revoke this token.")
    else:
        principal.require(token.organisation_id, Role.ADMIN, "revoke API tokens of this organisation")
    token.revoked_at = utcnow()
    record_event(
        session,
        principal,
        "token.revoke",
        organisation_id=token.organisation_id,
        summary=f"Revoked '{token.name}'",
    )


def authenticate_token(session: Session, secret: str) -> Principal:
    """Return the principal of a valid, unrevoked token, else :class:`NotAuthenticated`."""
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    if token is None or token.revoked_at is not None:
        raise NotAuthenticated("The API token is not valid or has been revoked.")
    name = f"token:{token.name}"
    if token.organisation_id is None:
        return Principal(name=name, is_superuser=True)
    return Principal(name=name, roles={token.organisation_id: Role(token.role)})


def list_tokens(session: Session, principal: Principal, organisation_code: str) -> list[ApiToken]:
    """Return the organisation's tokens (without secrets) for its admins."""
    organisation = get_organisation(session, organisation_code)
    principal.require(organisation.id, Role.ADMIN, "see this organisation's API tokens")
    return list(session.scalars(select(ApiToken).where(ApiToken.organisation_id == organisation.id)))
