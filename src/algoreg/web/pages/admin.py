"""Pages for managing accounts: users and their roles, one's own account, and API tokens.

The pages are thin: every rule about who may do what lives in :mod:`algoreg.register.users`.
After a change the browser is sent back with ``?gedaan=<what>`` so that reloading does not repeat
it; a form with problems is shown again with the typed values and a message at each field.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import URL

from algoreg.errors import InvalidInput
from algoreg.register import users
from algoreg.register.roles import Role
from algoreg.register.sessions import SignedIn
from algoreg.web import i18n
from algoreg.web.deps import UoW
from algoreg.web.pages.deps import CSRF, User
from algoreg.web.security import SESSION_COOKIE, new_csrf
from algoreg.web.templating import render

router = APIRouter(dependencies=[CSRF])

USERS_PATH = "/beheer/gebruikers"
ACCOUNT_PATH = "/beheer/account"
TOKENS_PATH = "/beheer/tokens"

#: Confirmations shown after a change, by the value of ``?gedaan=``.
DONE_MESSAGES = {
    "aangemaakt": "The account was created.",
    "rol-gegeven": "The role was saved.",
    "rol-ingetrokken": "The role was taken away.",
    "gedeactiveerd": "The account was deactivated; its sessions have ended.",
    "geactiveerd": "The account was reactivated.",
    "wachtwoord": "The password was changed; the account's sessions have ended.",
    "eigen-wachtwoord": "Your password was changed; your other sessions have ended.",
    "token-ingetrokken": "The token was revoked.",
}

#: Names of the roles (English source text; translated on the page).
ROLE_LABELS = {"viewer": "Viewer", "editor": "Editor", "publisher": "Publisher", "admin": "Admin"}

#: Labels of form fields, for the error summaries.
FIELD_LABELS = {
    "username": "Username",
    "display_name": "Name",
    "password": "Initial password",
    "organisation": "Organisation",
    "role": "Role",
    "current_password": "Current password",
    "new_password": "New password",
    "new_password_repeat": "New password again",
    "name": "Token name",
}

ShortText = Annotated[str, Form(max_length=300)]
Password = Annotated[str, Form(max_length=2000)]


def _done(request: Request) -> str | None:
    return DONE_MESSAGES.get(request.query_params.get("gedaan", ""))


def _context(request: Request) -> dict[str, Any]:
    """Return what every page here needs before its own values."""
    lang = request.state.lang
    return {
        "section": "manage",
        "done": _done(request),
        "form": None,
        "errors": {},
        "error_summary": None,
        "values": {},
        "role_labels": ROLE_LABELS,
        "role_choices": [(role.value, i18n.gettext(lang, ROLE_LABELS[role.value])) for role in Role],
        "field_labels": FIELD_LABELS,
    }


def _back(path: str, done: str) -> RedirectResponse:
    return RedirectResponse(str(URL(path).include_query_params(gedaan=done)), status_code=303)


def _problems(error: InvalidInput) -> dict[str, str]:
    found: dict[str, str] = {}
    for problem in error.problems:
        found.setdefault(problem.field, problem.reason)
    return found


def _failed(form: str | None, error: InvalidInput, values: dict[str, str] | None = None) -> dict[str, Any]:
    """Return what a page needs to show a form again with its problems and the typed values."""
    return {"form": form, "errors": _problems(error), "error_summary": error.message, "values": values or {}}


def _user_path(username: str) -> str:
    return f"{USERS_PATH}/{username}"


# --- the list of users ---------------------------------------------------------------------------


def _users_page(
    request: Request, uow: UoW, user: SignedIn, extra: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    with uow() as session:
        listed = users.list_users(session, user.principal)
        organisations = users.administered_organisations(session, user.principal)
        context = _context(request)
        context.update(
            {
                "users": listed,
                "organisations": [(o.code, o.name) for o in organisations],
                "may_create": user.principal.is_superuser,
            }
        )
    context.update(extra or {})
    return render(request, "manage/admin_users.html", context, status_code)


@router.get(USERS_PATH, response_class=HTMLResponse)
def users_page(request: Request, uow: UoW, user: User) -> Response:
    """The accounts the signed-in admin manages, with forms to create accounts and give roles."""
    return _users_page(request, uow, user)


@router.post(USERS_PATH, response_class=HTMLResponse)
def create_user(
    request: Request,
    uow: UoW,
    user: User,
    username: ShortText = "",
    display_name: ShortText = "",
    password: Password = "",
    organisation: ShortText = "",
    role: ShortText = "",
) -> Response:
    """Create an account (instance administrators only), optionally with a first role."""
    try:
        with uow() as session:
            created = users.create_account(
                session, user.principal, username, display_name, password, organisation, role
            )
            name = created.username
    except InvalidInput as error:
        values = {"username": username, "display_name": display_name, "organisation": organisation}
        return _users_page(request, uow, user, _failed("create", error, values | {"role": role}), 422)
    return _back(_user_path(name), "aangemaakt")


@router.post(f"{USERS_PATH}/rollen", response_class=HTMLResponse)
def grant_role(
    request: Request,
    uow: UoW,
    user: User,
    username: ShortText = "",
    organisation: ShortText = "",
    role: ShortText = "",
    from_user_page: Annotated[bool, Form()] = False,
) -> Response:
    """Give an existing account a role in an organisation, or change the role it has there."""
    try:
        with uow() as session:
            users.grant(session, user.principal, username, organisation, role)
    except InvalidInput as error:
        extra = _failed("grant", error, {"username": username, "organisation": organisation, "role": role})
        if from_user_page:
            return _user_page(request, uow, user, username, extra, 422)
        return _users_page(request, uow, user, extra, 422)
    return _back(_user_path(username.strip().lower()), "rol-gegeven")


# --- one user ------------------------------------------------------------------------------------


def _user_page(
    request: Request,
    uow: UoW,
    user: SignedIn,
    username: str,
    extra: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    with uow() as session:
        account = users.get_user(session, user.principal, username)
        organisations = users.administered_organisations(session, user.principal)
        context = _context(request)
        context.update(
            {
                "account": account,
                "organisations": [(o.code, o.name) for o in organisations],
            }
        )
    context.update(extra or {})
    return render(request, "manage/admin_user.html", context, status_code)


@router.get(USERS_PATH + "/{username}", response_class=HTMLResponse)
def user_page(request: Request, uow: UoW, user: User, username: str) -> Response:
    """One account: its roles, status and password, with the changes the admin may make."""
    return _user_page(request, uow, user, username)


@router.post(USERS_PATH + "/{username}/rol-intrekken", response_class=HTMLResponse)
def revoke_role(
    request: Request, uow: UoW, user: User, username: str, organisation: ShortText = ""
) -> Response:
    """Take away the account's role in one organisation."""
    try:
        with uow() as session:
            users.revoke(session, user.principal, username, organisation)
            still_visible = users.can_see(session, user.principal, username)
    except InvalidInput as error:
        return _user_page(request, uow, user, username, _failed("revoke", error), 422)
    return _back(_user_path(username) if still_visible else USERS_PATH, "rol-ingetrokken")


@router.post(USERS_PATH + "/{username}/status", response_class=HTMLResponse)
def change_status(
    request: Request, uow: UoW, user: User, username: str, active: Annotated[bool, Form()]
) -> Response:
    """Deactivate an account (ending its sessions) or reactivate it."""
    with uow() as session:
        users.set_active(session, user.principal, username, active)
    return _back(_user_path(username), "geactiveerd" if active else "gedeactiveerd")


@router.post(USERS_PATH + "/{username}/wachtwoord", response_class=HTMLResponse)
def reset_password(
    request: Request,
    uow: UoW,
    user: User,
    username: str,
    new_password: Password = "",
    new_password_repeat: Password = "",
) -> Response:
    """Give another account a new password; its sessions end."""
    try:
        with uow() as session:
            users.reset_password(session, user.principal, username, new_password, new_password_repeat)
    except InvalidInput as error:
        return _user_page(request, uow, user, username, _failed("password", error), 422)
    return _back(_user_path(username), "wachtwoord")


# --- one's own account ---------------------------------------------------------------------------


def _account_page(
    request: Request, uow: UoW, user: SignedIn, extra: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    with uow() as session:
        context = _context(request)
        context.update(
            {
                "roles_held": users.own_roles(session, user.user_id),
                "is_superuser": user.principal.is_superuser,
                "may_manage": users.may_manage_users(user.principal),
            }
        )
    context.update(extra or {})
    return render(request, "manage/admin_account.html", context, status_code)


@router.get(ACCOUNT_PATH, response_class=HTMLResponse)
def account_page(request: Request, uow: UoW, user: User) -> Response:
    """The signed-in user's own account: roles, and changing the password."""
    return _account_page(request, uow, user)


@router.post(ACCOUNT_PATH + "/wachtwoord", response_class=HTMLResponse)
def change_own_password(
    request: Request,
    uow: UoW,
    user: User,
    current_password: Password = "",
    new_password: Password = "",
    new_password_repeat: Password = "",
) -> Response:
    """Change one's own password; other sessions end and this browser gets a fresh session."""
    try:
        with uow() as session:
            secret = users.change_own_password(
                session, user.principal, user.user_id, current_password, new_password, new_password_repeat
            )
    except InvalidInput as error:
        return _account_page(request, uow, user, _failed("password", error), 422)
    response = _back(ACCOUNT_PATH, "eigen-wachtwoord")
    secure = request.url.scheme == "https"
    response.set_cookie(SESSION_COOKIE, secret, httponly=True, samesite="lax", secure=secure)
    request.state.rotated_csrf = new_csrf(request.app.state.secret)
    return response


# --- API tokens ----------------------------------------------------------------------------------


def _tokens_page(
    request: Request, uow: UoW, user: SignedIn, extra: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    with uow() as session:
        tokens = users.list_organisation_tokens(session, user.principal)
        organisations = users.administered_organisations(session, user.principal)
        context = _context(request)
        context.update(
            {
                "tokens": tokens,
                "organisations": [(o.code, o.name) for o in organisations],
                "issued": None,
            }
        )
    context.update(extra or {})
    response = render(request, "manage/admin_tokens.html", context, status_code)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get(TOKENS_PATH, response_class=HTMLResponse)
def tokens_page(request: Request, uow: UoW, user: User) -> Response:
    """The API tokens of the organisations the signed-in admin administers."""
    return _tokens_page(request, uow, user)


@router.post(TOKENS_PATH, response_class=HTMLResponse)
def issue_token(
    request: Request,
    uow: UoW,
    user: User,
    name: ShortText = "",
    organisation: ShortText = "",
    role: ShortText = "",
) -> Response:
    """Make an API token and show its secret this once."""
    try:
        with uow() as session:
            issued = users.issue_organisation_token(session, user.principal, name, organisation, role)
    except InvalidInput as error:
        values = {"name": name, "organisation": organisation, "role": role}
        return _tokens_page(request, uow, user, _failed("issue", error, values), 422)
    return _tokens_page(request, uow, user, {"issued": issued})


@router.post(TOKENS_PATH + "/{token_id}/intrekken", response_class=HTMLResponse)
def revoke_token(request: Request, uow: UoW, user: User, token_id: int) -> Response:
    """Revoke an API token so that it no longer works."""
    with uow() as session:
        users.revoke_organisation_token(session, user.principal, token_id)
    return _back(TOKENS_PATH, "token-ingetrokken")
