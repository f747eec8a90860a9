"""The account management pages: users and roles, one's own account, API tokens."""

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.models import AuditEvent, User
from algoreg.db.session import transaction
from algoreg.register import accounts
from algoreg.register.roles import SYSTEM, Role
from tests.helpers import csrf_of

PASSWORD = "een-lang-wachtwoord"


def login(client: TestClient, username: str, password: str = PASSWORD) -> None:
    form = client.get("/inloggen")
    response = client.post(
        "/inloggen",
        data={
            "username": username,
            "password": password,
            "next": "/beheer",
            "csrf_token": csrf_of(form.text),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, f"{username} logs in"


def post(client: TestClient, path: str, data: dict[str, str], page: str = "/beheer/account"):  # type: ignore[no-untyped-def]
    """Submit a form the way a browser does: with the CSRF token of a page just loaded."""
    token = csrf_of(client.get(page).text)
    return client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)


def audit_actions(factory: sessionmaker[Session]) -> list[tuple[str, str]]:
    with transaction(factory) as session:
        return [(e.actor, e.action) for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


@pytest.fixture
def people(factory: sessionmaker[Session], make_organisation) -> None:  # type: ignore[no-untyped-def]
    """gm0001 with a viewer, editor, publisher and admin; gm0002 with an admin; an instance admin."""
    make_organisation("gm0001", "Gemeente Een")
    make_organisation("gm0002", "Gemeente Twee")
    with transaction(factory) as session:
        for role in Role:
            accounts.create_user(session, SYSTEM, role.value, f"De {role.value}", PASSWORD)
            accounts.grant_role(session, SYSTEM, role.value, "gm0001", role)
        accounts.create_user(session, SYSTEM, "ander", "Beheerder elders", PASSWORD)
        accounts.grant_role(session, SYSTEM, "ander", "gm0002", Role.ADMIN)
        accounts.create_user(session, SYSTEM, "root", "Beheerder register", PASSWORD, is_superuser=True)


def test_anonymous_visitors_are_sent_to_the_login_page(client: TestClient) -> None:
    for path in ("/beheer/gebruikers", "/beheer/account", "/beheer/tokens"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == f"/inloggen?next={path}"


@pytest.mark.parametrize(
    ("username", "users_status", "detail_status", "may_create"),
    [
        ("viewer", 403, 403, False),
        ("editor", 403, 403, False),
        ("publisher", 403, 403, False),
        ("admin", 200, 200, False),
        ("ander", 200, 404, False),
        ("root", 200, 200, True),
    ],
)
def test_who_may_see_the_user_pages(
    client: TestClient, people: None, username: str, users_status: int, detail_status: int, may_create: bool
) -> None:
    # given someone with a role is logged in
    login(client, username)
    # when they open the user and token pages
    listing = client.get("/beheer/gebruikers")
    tokens = client.get("/beheer/tokens")
    # then only admins get them, each seeing only the accounts of their own organisations
    assert listing.status_code == users_status
    assert tokens.status_code == users_status
    if users_status == 403:
        assert "Alleen beheerders van dit register en beheerders van een organisatie" in listing.text
    assert ('href="/beheer/gebruikers/editor"' in listing.text) is (detail_status == 200)
    assert ('id="create-form"' in listing.text) is may_create
    assert client.get("/beheer/gebruikers/editor").status_code == detail_status
    # and everyone has their own account page
    assert client.get("/beheer/account").status_code == 200


@pytest.mark.parametrize("username", ["viewer", "editor", "publisher", "ander"])
def test_only_admins_of_the_organisation_change_roles_there(
    client: TestClient, people: None, factory: sessionmaker[Session], username: str
) -> None:
    login(client, username)
    response = post(
        client, "/beheer/gebruikers/rollen", {"username": "viewer", "organisation": "gm0001", "role": "admin"}
    )
    assert response.status_code == 403
    with transaction(factory) as session:
        assert accounts.find_user(session, "viewer").memberships[0].role == "viewer", "nothing changed"


def test_an_admin_gives_changes_and_takes_away_roles(
    client: TestClient, people: None, factory: sessionmaker[Session]
) -> None:
    # given the admin of gm0001 is logged in
    login(client, "admin")
    # when she gives the admin of gm0002 a viewer role in gm0001
    given = post(
        client, "/beheer/gebruikers/rollen", {"username": "Ander", "organisation": "gm0001", "role": "viewer"}
    )
    # then she is sent to that account, which now shows the role
    assert (
        given.status_code == 303
        and given.headers["location"] == "/beheer/gebruikers/ander?gedaan=rol-gegeven"
    )
    page = client.get(given.headers["location"])
    assert "De rol is opgeslagen." in page.text
    assert "Gemeente Een</th>" in page.text and "Lezer" in page.text
    assert "Gemeente Twee" not in page.text, "roles elsewhere stay hidden"
    # when she raises it to editor and then takes it away
    post(
        client,
        "/beheer/gebruikers/rollen",
        {"username": "ander", "organisation": "gm0001", "role": "editor", "from_user_page": "true"},
    )
    taken = post(client, "/beheer/gebruikers/ander/rol-intrekken", {"organisation": "gm0001"})
    # then the account leaves her list, as it no longer has a role in her organisation
    assert (
        taken.status_code == 303 and taken.headers["location"] == "/beheer/gebruikers?gedaan=rol-ingetrokken"
    )
    listing = client.get(taken.headers["location"])
    assert "De rol is ingetrokken." in listing.text and "/beheer/gebruikers/ander" not in listing.text
    # then every change is in the audit log under her name
    assert audit_actions(factory)[-3:] == [
        ("admin", "membership.grant"),
        ("admin", "membership.grant"),
        ("admin", "membership.revoke"),
    ]


def test_a_wrong_role_form_is_shown_again_with_the_typed_values_and_linked_errors(
    client: TestClient, people: None
) -> None:
    login(client, "admin")
    response = post(
        client,
        "/beheer/gebruikers/rollen",
        {"username": "niemand", "organisation": "gm0001", "role": "koning"},
    )
    assert response.status_code == 422
    assert "De rol is niet gegeven; verbeter de velden hieronder." in response.text
    assert 'value="niemand"' in response.text
    assert "er is geen account met deze gebruikersnaam" in response.text
    assert 'href="#grant-username"' in response.text and 'href="#grant-role"' in response.text
    assert 'aria-describedby="grant-username-error" aria-invalid="true"' in response.text


def test_an_instance_admin_creates_an_account_who_can_then_log_in(
    client: TestClient, people: None, factory: sessionmaker[Session]
) -> None:
    login(client, "root")
    data = {
        "username": "Eva",
        "display_name": "Eva de Vries",
        "password": "eva-haar-wachtwoord",
        "organisation": "gm0002",
        "role": "editor",
    }
    response = post(client, "/beheer/gebruikers", data)
    assert (
        response.status_code == 303
        and response.headers["location"] == "/beheer/gebruikers/eva?gedaan=aangemaakt"
    )
    page = client.get(response.headers["location"])
    assert "Het account is aangemaakt." in page.text and "Redacteur" in page.text
    assert ("root", "user.create") in audit_actions(factory)
    # and Eva can log in with the initial password
    login(TestClient(client.app), "eva", "eva-haar-wachtwoord")


def test_a_bad_new_account_is_refused_with_every_problem_and_typed_values_kept(
    client: TestClient, people: None, factory: sessionmaker[Session]
) -> None:
    login(client, "root")
    data = {
        "username": "editor",
        "display_name": "Nog een",
        "password": "te-kort",
        "organisation": "",
        "role": "viewer",
    }
    response = post(client, "/beheer/gebruikers", data)
    assert response.status_code == 422
    assert "is al in gebruik door een ander account" in response.text
    assert "is te kort; gebruik minstens 12 tekens" in response.text
    assert 'value="Nog een"' in response.text
    assert "te-kort" not in response.text, "a password is never sent back"
    with transaction(factory) as session:
        assert session.scalar(select(User).where(User.display_name == "Nog een")) is None


def test_an_organisation_admin_cannot_create_accounts(client: TestClient, people: None) -> None:
    login(client, "admin")
    response = post(
        client, "/beheer/gebruikers", {"username": "eva", "display_name": "Eva", "password": PASSWORD}
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/beheer/gebruikers", {"username": "eva", "display_name": "Eva", "password": PASSWORD}),
        ("/beheer/gebruikers/rollen", {"username": "viewer", "organisation": "gm0001", "role": "admin"}),
        ("/beheer/gebruikers/viewer/rol-intrekken", {"organisation": "gm0001"}),
        ("/beheer/gebruikers/viewer/status", {"active": "false"}),
        ("/beheer/gebruikers/viewer/wachtwoord", {"new_password": "x" * 12, "new_password_repeat": "x" * 12}),
        (
            "/beheer/account/wachtwoord",
            {"current_password": PASSWORD, "new_password": "y" * 12, "new_password_repeat": "y" * 12},
        ),
        ("/beheer/tokens", {"name": "t", "organisation": "gm0001", "role": "editor"}),
        ("/beheer/tokens/1/intrekken", {}),
    ],
)
def test_forms_without_the_csrf_token_are_refused(
    client: TestClient, people: None, factory: sessionmaker[Session], path: str, data: dict[str, str]
) -> None:
    login(client, "root")
    before = audit_actions(factory)
    response = client.post(path, data=data, follow_redirects=False)
    assert response.status_code == 403
    assert audit_actions(factory) == before, "nothing happened"


def test_deactivating_an_account_ends_its_sessions_and_refuses_its_logins(
    client: TestClient, people: None, factory: sessionmaker[Session]
) -> None:
    # given the editor is logged in in another browser
    editor_browser = TestClient(client.app)
    login(editor_browser, "editor")
    assert editor_browser.get("/beheer/account").status_code == 200
    # when the admin deactivates the editor
    login(client, "admin")
    response = post(client, "/beheer/gebruikers/editor/status", {"active": "false"})
    assert response.status_code == 303
    assert (
        "Het account is gedeactiveerd; de sessies ervan zijn beëindigd."
        in client.get(response.headers["location"]).text
    )
    # then the editor's session is over and logging in again fails
    assert editor_browser.get("/beheer/account", follow_redirects=False).status_code == 303
    form = editor_browser.get("/inloggen")
    again = editor_browser.post(
        "/inloggen", data={"username": "editor", "password": PASSWORD, "csrf_token": csrf_of(form.text)}
    )
    assert again.status_code == 401
    # and after reactivation the editor can log in again
    post(client, "/beheer/gebruikers/editor/status", {"active": "true"})
    login(editor_browser, "editor")
    assert [a for _, a in audit_actions(factory)][-2:] == ["user.deactivate", "user.reactivate"]


def test_admins_cannot_deactivate_themselves_or_accounts_with_roles_elsewhere(
    client: TestClient, people: None, factory: sessionmaker[Session]
) -> None:
    login(client, "admin")
    post(
        client, "/beheer/gebruikers/rollen", {"username": "ander", "organisation": "gm0001", "role": "viewer"}
    )
    assert post(client, "/beheer/gebruikers/admin/status", {"active": "false"}).status_code == 403
    assert post(client, "/beheer/gebruikers/ander/status", {"active": "false"}).status_code == 403
    assert 'id="deactivate"' not in client.get("/beheer/gebruikers/ander").text
    with transaction(factory) as session:
        assert accounts.find_user(session, "ander").is_active


def test_an_admin_sets_a_new_password_for_an_account(
    client: TestClient, people: None, factory: sessionmaker[Session]
) -> None:
    login(client, "admin")
    short = post(
        client,
        "/beheer/gebruikers/viewer/wachtwoord",
        {"new_password": "kort", "new_password_repeat": "kort"},
    )
    assert short.status_code == 422 and "is te kort; gebruik minstens 12 tekens" in short.text
    done = post(
        client,
        "/beheer/gebruikers/viewer/wachtwoord",
        {"new_password": "nieuw-wachtwoord-1", "new_password_repeat": "nieuw-wachtwoord-1"},
    )
    assert done.status_code == 303
    login(TestClient(client.app), "viewer", "nieuw-wachtwoord-1")
    assert ("admin", "user.password_reset") in audit_actions(factory)


def test_changing_ones_own_password(client: TestClient, people: None, factory: sessionmaker[Session]) -> None:
    # given the viewer is logged in in two browsers
    other_browser = TestClient(client.app)
    login(other_browser, "viewer")
    login(client, "viewer")
    # when she gives a wrong current password and a short new one
    wrong = post(
        client,
        "/beheer/account/wachtwoord",
        {"current_password": "niet-het-goede", "new_password": "kort", "new_password_repeat": "kort"},
    )
    # then both problems are named, at their fields
    assert wrong.status_code == 422
    assert "is niet uw huidige wachtwoord" in wrong.text and "is te kort" in wrong.text
    assert 'id="password-current-password-error"' in wrong.text
    # when she does it right
    right = post(
        client,
        "/beheer/account/wachtwoord",
        {
            "current_password": PASSWORD,
            "new_password": "nieuw-wachtwoord-1",
            "new_password_repeat": "nieuw-wachtwoord-1",
        },
    )
    # then she stays logged in here, the other browser is logged out, and the new password works
    assert right.status_code == 303
    assert "Uw wachtwoord is gewijzigd" in client.get(right.headers["location"]).text
    assert other_browser.get("/beheer/account", follow_redirects=False).status_code == 303
    login(TestClient(client.app), "viewer", "nieuw-wachtwoord-1")
    assert ("viewer", "user.password_change") in audit_actions(factory)


def test_an_admin_issues_a_token_sees_the_secret_once_and_revokes_it(
    client: TestClient, people: None, factory: sessionmaker[Session]
) -> None:
    login(client, "admin")
    issued = post(
        client,
        "/beheer/tokens",
        {"name": "Zaaksysteem", "organisation": "gm0001", "role": "editor"},
        "/beheer/tokens",
    )
    assert issued.status_code == 200 and issued.headers["cache-control"] == "no-store"
    secret = re.search(r'id="issued-secret">([^<]+)<', issued.text)
    assert secret
    # the secret works for the API, and is not shown again
    with transaction(factory) as session:
        assert accounts.authenticate_token(session, secret.group(1)).name == "token:Zaaksysteem"
    listing = client.get("/beheer/tokens")
    assert "Zaaksysteem" in listing.text and secret.group(1) not in listing.text
    # another organisation's admin cannot revoke it
    token_id = re.search(r"/beheer/tokens/(\d+)/intrekken", listing.text)
    assert token_id
    other = TestClient(client.app)
    login(other, "ander")
    assert post(other, f"/beheer/tokens/{token_id.group(1)}/intrekken", {}).status_code == 404
    # its own admin can
    assert post(client, f"/beheer/tokens/{token_id.group(1)}/intrekken", {}).status_code == 303
    assert "Ingetrokken op" in client.get("/beheer/tokens").text
    assert [a for _, a in audit_actions(factory)][-2:] == ["token.issue", "token.revoke"]


def test_the_pages_speak_english_on_request(client: TestClient, people: None) -> None:
    login(client, "root")
    page = client.get("/beheer/gebruikers", params={"lang": "en"})
    assert "Give someone a role" in page.text and "Create account" in page.text
    assert "Iemand een rol geven" not in page.text
    assert "Give a role" in client.get("/beheer/gebruikers/viewer").text
    assert "Change your password" in client.get("/beheer/account").text
