"""Managing user accounts: who may see and change which accounts, roles and passwords.

Rules (all enforced here, never in the web layer):

* Instance administrators see and manage every account, and are the only ones who create accounts.
* An organisation's admins see the accounts with a role in that organisation and give, change and
  take away roles there. They may also deactivate, reactivate and reset the password of an account
  whose every role lies in organisations they administer (an account that belongs to them), but
  never an instance administrator's.
* Nobody deactivates their own account, and an organisation admin cannot lower or remove their own
  admin role (so that nobody locks themselves out by accident).
* Every change is written to the audit log in the same transaction.

Messages are fixed English sentences so that the web interface can translate them.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from algoreg.db.models import ApiToken, Membership, Organisation, User
from algoreg.errors import FieldProblem, Forbidden, InvalidInput, NotAuthenticated, NotFound
from algoreg.register import accounts
from algoreg.register.audit import record_event
from algoreg.register.roles import Principal, Role
from algoreg.register.sessions import end_all_sessions, start_session

MIN_PASSWORD_LENGTH = accounts.MIN_PASSWORD_LENGTH
MAX_PASSWORD_LENGTH = 1000
MAX_NAME_LENGTH = 200
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@+-]{0,199}$")

PASSWORD_TOO_SHORT = "is too short; use at least 12 characters"  # noqa: S105 (a message)
PASSWORD_TOO_LONG = "is too long; use at most 1000 characters"  # noqa: S105 (a message)
PASSWORDS_DIFFER = "does not match the new password; type the same password twice"

_hasher = PasswordHasher()


@dataclass(frozen=True)
class RoleHeld:
    """A role a user holds in one organisation."""

    organisation_code: str
    organisation_name: str
    role: Role


@dataclass(frozen=True)
class UserSummary:
    """An account as shown to the one managing it; ``roles`` are only those the viewer may see.

    ``manageable`` tells whether the viewer may deactivate, reactivate or reset the password of it.
    """

    id: int
    username: str
    display_name: str
    is_active: bool
    is_superuser: bool
    has_password: bool
    roles: tuple[RoleHeld, ...]
    manageable: bool


def administered_organisations(session: Session, principal: Principal) -> list[Organisation]:
    """Return the organisations whose roles ``principal`` manages (all for instance admins), by name."""
    query = select(Organisation).order_by(Organisation.name)
    if not principal.is_superuser:
        ids = [org_id for org_id, role in principal.roles.items() if role is Role.ADMIN]
        if not ids:
            return []
        query = query.where(Organisation.id.in_(ids))
    return list(session.scalars(query))


def may_manage_users(principal: Principal) -> bool:
    """Tell whether ``principal`` may use user management at all (instance or organisation admin)."""
    return principal.is_superuser or any(role is Role.ADMIN for role in principal.roles.values())


def require_user_manager(principal: Principal) -> None:
    """Raise :class:`Forbidden` unless ``principal`` is an instance admin or an organisation admin."""
    if not may_manage_users(principal):
        raise Forbidden("Only instance administrators and organisation admins may manage users.")


def _may_manage_account(principal: Principal, user: User) -> bool:
    if principal.name == user.username:
        return False
    if principal.is_superuser:
        return True
    if user.is_superuser or not user.memberships:
        return False
    return all(principal.can(m.organisation_id, Role.ADMIN) for m in user.memberships)


def _summary(principal: Principal, user: User) -> UserSummary:
    visible = [m for m in user.memberships if principal.can(m.organisation_id, Role.ADMIN)]
    roles = tuple(
        sorted(
            (RoleHeld(m.organisation.code, m.organisation.name, Role(m.role)) for m in visible),
            key=lambda held: held.organisation_name.lower(),
        )
    )
    return UserSummary(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        is_active=user.is_active,
        is_superuser=user.is_superuser,
        has_password=bool(user.password_hash),
        roles=roles,
        manageable=_may_manage_account(principal, user),
    )


def _users_query(principal: Principal) -> Select[User]:
    query = (
        select(User)
        .options(selectinload(User.memberships).selectinload(Membership.organisation))
        .order_by(User.username)
    )
    if not principal.is_superuser:
        ids = [org_id for org_id, role in principal.roles.items() if role is Role.ADMIN]
        query = query.where(
            User.id.in_(select(Membership.user_id).where(Membership.organisation_id.in_(ids)))
        )
    return query


def list_users(session: Session, principal: Principal) -> list[UserSummary]:
    """Return the accounts ``principal`` may see, by username; only user managers may ask."""
    require_user_manager(principal)
    return [_summary(principal, user) for user in session.scalars(_users_query(principal))]


def get_user(session: Session, principal: Principal, username: str) -> UserSummary:
    """Return one account ``principal`` may see, or :class:`NotFound` when it is not among them."""
    require_user_manager(principal)
    query = _users_query(principal).where(User.username == username.strip().lower())
    user = session.scalar(query)
    if user is None:
        raise NotFound("There is no user with this username among the accounts you manage.")
    return _summary(principal, user)


def can_see(session: Session, principal: Principal, username: str) -> bool:
    """Tell whether the account is among those ``principal`` manages."""
    if not may_manage_users(principal):
        return False
    query = _users_query(principal).where(User.username == username.strip().lower())
    return session.scalar(query) is not None


def password_problems(field: str, password: str) -> list[FieldProblem]:
    """Return what is wrong with ``password`` as a new password (an empty list when it is fine)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return [FieldProblem(field, PASSWORD_TOO_SHORT)]
    if len(password) > MAX_PASSWORD_LENGTH:
        return [FieldProblem(field, PASSWORD_TOO_LONG)]
    return []


def _new_password_problems(password: str, repeated: str) -> list[FieldProblem]:
    problems = password_problems("new_password", password)
    if password != repeated:
        problems.append(FieldProblem("new_password_repeat", PASSWORDS_DIFFER))
    return problems


def _organisation_or_problem(
    session: Session, principal: Principal, code: str, problems: list[FieldProblem]
) -> Organisation | None:
    organisation = session.scalar(select(Organisation).where(Organisation.code == code.strip().lower()))
    if organisation is None:
        problems.append(FieldProblem("organisation", "choose one of the organisations in the list"))
        return None
    if not principal.can(organisation.id, Role.ADMIN):
        raise Forbidden("Only the organisation's admins and instance administrators may manage its roles.")
    return organisation


def _role_or_problem(value: str, problems: list[FieldProblem]) -> Role | None:
    try:
        return Role(value)
    except ValueError:
        problems.append(FieldProblem("role", "choose viewer, editor, publisher or admin"))
        return None


def create_account(
    session: Session,
    principal: Principal,
    username: str,
    display_name: str,
    password: str,
    organisation_code: str = "",
    role: str = "",
) -> User:
    """Create an account, optionally with a first role; only instance administrators may.

    Every problem with the input is reported at once, and nothing is stored when there is one.
    """
    if not principal.is_superuser:
        raise Forbidden("Only an administrator of this Algoreg instance may create user accounts.")
    problems: list[FieldProblem] = []
    name = username.strip().lower()
    if not name:
        problems.append(FieldProblem("username", "must not be empty"))
    elif not _USERNAME.match(name):
        problems.append(
            FieldProblem(
                "username",
                "may contain only letters, digits and . _ @ + - (at most 200 characters), "
                "starting with a letter or digit",
            )
        )
    elif session.scalar(select(User.id).where(User.username == name)) is not None:
        problems.append(FieldProblem("username", "is already taken by another account"))
    if len(display_name.strip()) > MAX_NAME_LENGTH:
        problems.append(FieldProblem("display_name", "is too long; use at most 200 characters"))
    problems += password_problems("password", password)
    organisation: Organisation | None = None
    chosen_role: Role | None = None
    if organisation_code.strip():
        organisation = _organisation_or_problem(session, principal, organisation_code, problems)
        chosen_role = _role_or_problem(role, problems)
    if problems:
        raise InvalidInput(problems, "The account was not created; correct the fields below.")
    user = accounts.create_user(session, principal, name, display_name, password)
    if organisation is not None and chosen_role is not None:
        accounts.grant_role(session, principal, name, organisation.code, chosen_role)
    return user


def _account(session: Session, username: str, problems: list[FieldProblem]) -> User | None:
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        problems.append(FieldProblem("username", "there is no account with this username"))
    return user


def _membership(session: Session, user: User, organisation: Organisation) -> Membership | None:
    return session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.organisation_id == organisation.id)
    )


def _refuse_own_demotion(principal: Principal, user: User) -> None:
    if principal.name == user.username and not principal.is_superuser:
        raise Forbidden(
            "You cannot lower or remove your own admin role; ask another admin of the organisation."
        )


def grant(session: Session, principal: Principal, username: str, organisation_code: str, role: str) -> None:
    """Give an existing account a role in an organisation (replacing its earlier one there).

    Only the organisation's admins and instance administrators may; an organisation admin cannot
    change their own role.
    """
    require_user_manager(principal)
    problems: list[FieldProblem] = []
    organisation = _organisation_or_problem(session, principal, organisation_code, problems)
    chosen_role = _role_or_problem(role, problems)
    user = _account(session, username, problems) if username.strip() else None
    if not username.strip():
        problems.append(FieldProblem("username", "must not be empty"))
    if problems or organisation is None or chosen_role is None or user is None:
        raise InvalidInput(problems, "The role was not given; correct the fields below.")
    current = _membership(session, user, organisation)
    if current is not None and current.role == Role.ADMIN.value and chosen_role is not Role.ADMIN:
        _refuse_own_demotion(principal, user)
    accounts.grant_role(session, principal, user.username, organisation.code, chosen_role)


def revoke(session: Session, principal: Principal, username: str, organisation_code: str) -> None:
    """Take away an account's role in an organisation; its admins and instance administrators may."""
    require_user_manager(principal)
    problems: list[FieldProblem] = []
    organisation = _organisation_or_problem(session, principal, organisation_code, problems)
    user = _account(session, username, problems)
    if problems or organisation is None or user is None:
        raise InvalidInput(problems, "The role was not taken away; correct the fields below.")
    membership = _membership(session, user, organisation)
    if membership is None:
        raise NotFound("This account has no role in this organisation.")
    if membership.role == Role.ADMIN.value:
        _refuse_own_demotion(principal, user)
    role = membership.role
    session.delete(membership)
    session.flush()
    session.expire(user, ["memberships"])
    record_event(
        session,
        principal,
        "membership.revoke",
        organisation_id=organisation.id,
        summary=f"{user.username} is no longer {role}",
        detail={"username": user.username, "role": role},
    )


def _manageable_account(session: Session, principal: Principal, username: str) -> User:
    require_user_manager(principal)
    user = session.scalar(
        select(User).options(selectinload(User.memberships)).where(User.username == username.strip().lower())
    )
    if user is None:
        raise NotFound("There is no user with this username among the accounts you manage.")
    if principal.name == user.username:
        raise Forbidden("You cannot deactivate your own account or reset your own password here.")
    if not _may_manage_account(principal, user):
        raise Forbidden(
            "Only instance administrators, or the admins of every organisation in which the account "
            "has a role, may change this account."
        )
    return user


def set_active(session: Session, principal: Principal, username: str, active: bool) -> None:
    """Deactivate (ending all its sessions) or reactivate an account; see the module's rules."""
    user = _manageable_account(session, principal, username)
    if user.is_active == active:
        return
    user.is_active = active
    if not active:
        end_all_sessions(session, user.id)
    record_event(
        session,
        principal,
        "user.reactivate" if active else "user.deactivate",
        summary=f"{'Reactivated' if active else 'Deactivated'} user {user.username}",
        detail={"username": user.username},
    )


def reset_password(
    session: Session, principal: Principal, username: str, new_password: str, repeated: str
) -> None:
    """Give another account a new password and end its sessions; see the module's rules."""
    user = _manageable_account(session, principal, username)
    problems = _new_password_problems(new_password, repeated)
    if problems:
        raise InvalidInput(problems, "The password was not changed; correct the fields below.")
    user.password_hash = _hasher.hash(new_password)
    end_all_sessions(session, user.id)
    record_event(
        session,
        principal,
        "user.password_reset",
        summary=f"Reset the password of {user.username}",
        detail={"username": user.username},
    )


def change_own_password(
    session: Session, principal: Principal, user_id: int, current: str, new_password: str, repeated: str
) -> str:
    """Change the signed-in user's password after checking the current one.

    Every session of the account ends; the secret of one fresh session for the browser that made
    the change is returned.
    """
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise NotAuthenticated("Log in again to change your password.")
    problems: list[FieldProblem] = []
    if not _password_matches(user, current):
        problems.append(FieldProblem("current_password", "is not your current password"))
    problems += _new_password_problems(new_password, repeated)
    if not problems and new_password == current:
        problems.append(FieldProblem("new_password", "must differ from your current password"))
    if problems:
        raise InvalidInput(problems, "Your password was not changed; correct the fields below.")
    user.password_hash = _hasher.hash(new_password)
    end_all_sessions(session, user.id)
    record_event(
        session,
        principal,
        "user.password_change",
        summary=f"{user.username} changed their password",
        detail={"username": user.username},
    )
    return start_session(session, user.id)


def _password_matches(user: User, password: str) -> bool:
    if not user.password_hash:
        _hasher.hash(password)  # spend the same time as a real check
        return False
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def find_login_user(session: Session, username: str) -> User:
    """Return the active account named ``username`` for an external login, else :class:`NotAuthenticated`.

    Nothing is created and no role is granted: the account must exist beforehand.
    """
    name = username.strip().lower()
    user = session.scalar(select(User).where(User.username == name)) if name else None
    if user is None or not user.is_active:
        raise NotAuthenticated(
            "There is no active account in this register for the account you logged in with."
        )
    return user


def own_roles(session: Session, user_id: int) -> tuple[RoleHeld, ...]:
    """Return every role of the account, by organisation name (for the account's own page)."""
    query = (
        select(Membership).options(selectinload(Membership.organisation)).where(Membership.user_id == user_id)
    )
    held = [RoleHeld(m.organisation.code, m.organisation.name, Role(m.role)) for m in session.scalars(query)]
    return tuple(sorted(held, key=lambda item: item.organisation_name.lower()))


@dataclass(frozen=True)
class TokenSummary:
    """An API token as its organisation's admins see it (never with its secret)."""

    id: int
    name: str
    prefix: str
    organisation_code: str
    organisation_name: str
    role: Role
    created_at: datetime
    revoked_at: datetime | None


def list_organisation_tokens(session: Session, principal: Principal) -> list[TokenSummary]:
    """Return the API tokens of the organisations ``principal`` administers, newest first."""
    require_user_manager(principal)
    query = (
        select(ApiToken)
        .options(selectinload(ApiToken.organisation))
        .where(ApiToken.organisation_id.is_not(None))
        .order_by(ApiToken.id.desc())
    )
    if not principal.is_superuser:
        ids = [org_id for org_id, role in principal.roles.items() if role is Role.ADMIN]
        query = query.where(ApiToken.organisation_id.in_(ids))
    return [
        TokenSummary(
            id=token.id,
            name=token.name,
            prefix=token.prefix,
            organisation_code=token.organisation.code,
            organisation_name=token.organisation.name,
            role=Role(token.role),
            created_at=token.created_at,
            revoked_at=token.revoked_at,
        )
        for token in session.scalars(query)
        if token.organisation is not None
    ]


def issue_organisation_token(
    session: Session, principal: Principal, name: str, organisation_code: str, role: str
) -> accounts.IssuedToken:
    """Make an API token for an organisation the principal administers; its secret is returned once."""
    require_user_manager(principal)
    problems: list[FieldProblem] = []
    label = name.strip()
    if not label:
        problems.append(FieldProblem("name", "must not be empty"))
    elif len(label) > MAX_NAME_LENGTH:
        problems.append(FieldProblem("name", "is too long; use at most 200 characters"))
    organisation = _organisation_or_problem(session, principal, organisation_code, problems)
    chosen_role = _role_or_problem(role, problems)
    if problems or organisation is None or chosen_role is None:
        raise InvalidInput(problems, "No token was made; correct the fields below.")
    return accounts.issue_token(session, principal, label, organisation.code, chosen_role)


def revoke_organisation_token(session: Session, principal: Principal, token_id: int) -> None:
    """Revoke an API token of an organisation the principal administers."""
    require_user_manager(principal)
    token = session.get(ApiToken, token_id)
    if token is None or token.organisation_id is None or not principal.can(token.organisation_id, Role.ADMIN):
        raise NotFound("There is no such token among the tokens you manage.")
    if token.revoked_at is None:
        accounts.revoke_token(session, principal, token_id)
