"""Signing in and out, CSRF protection, language choice and security headers of pages."""

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.session import transaction
from algoreg.register import accounts
from algoreg.register.roles import SYSTEM
from tests.helpers import csrf_of

PASSWORD = "een-lang-wachtwoord"


def make_user(factory: sessionmaker[Session], username: str = "eva") -> None:
    with transaction(factory) as session:
        accounts.create_user(session, SYSTEM, username, "Eva de Vries", PASSWORD)


def login(client: TestClient, username: str = "eva", password: str = PASSWORD, next_url: str = "/beheer"):  # type: ignore[no-untyped-def]
    form = client.get("/inloggen")
    return client.post(
        "/inloggen",
        data={"username": username, "password": password, "next": next_url, "csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    )


def test_login_starts_a_fresh_session_and_logout_ends_it(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    # given a user, and a session cookie planted by an attacker before login
    make_user(factory)
    client.cookies.set("algoreg_session", "planted-by-attacker", domain="testserver.local")
    # when she logs in
    response = login(client)
    # then she is sent on with a new session cookie, not the planted one
    assert response.status_code == 303 and response.headers["location"] == "/beheer"
    session_cookie = client.cookies.get("algoreg_session", domain="testserver.local")
    assert session_cookie and session_cookie != "planted-by-attacker"
    assert "HttpOnly" in response.headers["set-cookie"] and "SameSite=Lax" in response.headers["set-cookie"]
    home = client.get("/inloggen")
    assert "Eva de Vries" in home.text
    # and logging out ends the session on the server
    out = client.post("/uitloggen", data={"csrf_token": csrf_of(home.text)}, follow_redirects=False)
    assert out.status_code == 303
    client.cookies.set("algoreg_session", session_cookie, domain="testserver.local")
    assert "Eva de Vries" not in client.get("/inloggen").text


def test_a_wrong_password_is_refused_and_keeps_the_username(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    make_user(factory)
    response = login(client, password="fout-wachtwoord-123")
    assert response.status_code == 401
    assert "De gebruikersnaam of het wachtwoord klopt niet." in response.text
    assert 'value="eva"' in response.text


def test_forms_without_a_valid_csrf_token_are_refused(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    make_user(factory)
    client.get("/inloggen")
    for token in (None, "forged.token", "x"):
        data = {"username": "eva", "password": PASSWORD}
        if token:
            data["csrf_token"] = token
        response = client.post("/inloggen", data=data, follow_redirects=False)
        assert response.status_code == 403
        assert "beveiligingskenmerk" in response.text


def test_open_redirects_after_login_are_refused(client: TestClient, factory: sessionmaker[Session]) -> None:
    make_user(factory)
    assert login(client, next_url="https://evil.example/").headers["location"] == "/beheer"
    assert login(client, next_url="//evil.example/").headers["location"] == "/beheer"


def test_dutch_by_default_english_on_request_and_remembered(client: TestClient) -> None:
    assert '<html lang="nl"' in client.get("/inloggen").text
    english = client.get("/inloggen", params={"lang": "en"})
    assert '<html lang="en"' in english.text and "Username" in english.text
    assert '<html lang="en"' in client.get("/inloggen").text, "the choice is remembered"


def test_pages_carry_security_headers(client: TestClient) -> None:
    headers = client.get("/inloggen").headers
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"


def test_the_api_docs_are_served_from_this_site(client: TestClient) -> None:
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower()
    assert "script-src 'self';" in page.headers["content-security-policy"]


def test_unknown_pages_get_a_dutch_404_page(client: TestClient) -> None:
    response = client.get("/bestaat-niet")
    assert response.status_code == 404 and "Pagina niet gevonden" in response.text
    assert client.get("/api/v1/bestaat-niet").json() == {"detail": "Not Found"}
