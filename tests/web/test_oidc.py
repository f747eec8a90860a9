"""Login through OpenID Connect, against a real provider served on 127.0.0.1 for these tests.

The provider publishes a discovery document and its keys, asks nobody anything (it logs in whoever
the test says), checks PKCE and the client secret, and signs ID tokens with RS256. Tests can make
it misbehave: tamper with the token, name another audience or nonce, or sign with a stranger's key.
"""

import base64
import hashlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from algoreg.config import Settings
from algoreg.db.models import User, WebSession
from algoreg.db.session import transaction
from algoreg.register import accounts
from algoreg.register.roles import SYSTEM, Role
from algoreg.web import oidc
from algoreg.web.app import create_app

CLIENT_ID = "algoreg-test"
CLIENT_SECRET = "geheim-van-de-client"


@dataclass
class Provider:
    """A small OpenID provider and the ways a test can make it misbehave."""

    issuer: str = ""
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "sleutel-1"}))
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    claims: dict[str, Any] = field(default_factory=dict)
    audience: str | None = None
    nonce: str | None = None
    tamper: bool = False
    stranger_key: bool = False
    expires_in: int = 300

    def reset(self, **claims: Any) -> None:
        self.codes.clear()
        self.claims = {"sub": "user-123", "preferred_username": "eva", "email": "eva@example.org", **claims}
        self.audience = self.nonce = None
        self.tamper = self.stranger_key = False
        self.expires_in = 300

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.audience or CLIENT_ID,
            "iat": now,
            "exp": now + self.expires_in,
            "nonce": self.nonce or nonce,
            **self.claims,
        }
        key = RSAKey.generate_key(2048, parameters={"kid": "sleutel-1"}) if self.stranger_key else self.key
        token = jwt.encode({"alg": "RS256", "kid": "sleutel-1"}, claims, key)
        if self.tamper:
            header, payload, signature = token.split(".")
            changed = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            changed["preferred_username"] = "root"
            payload = base64.urlsafe_b64encode(json.dumps(changed).encode()).decode().rstrip("=")
            token = f"{header}.{payload}.{signature}"
        return token


def provider_app(provider: Provider) -> FastAPI:
    app = FastAPI()

    @app.get("/.well-known/openid-configuration")
    def discovery() -> dict[str, Any]:
        return {
            "issuer": provider.issuer,
            "authorization_endpoint": f"{provider.issuer}/authorize",
            "token_endpoint": f"{provider.issuer}/token",
            "jwks_uri": f"{provider.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        }

    @app.get("/jwks")
    def jwks() -> dict[str, Any]:
        return KeySet([provider.key]).as_dict(private=False)

    @app.get("/authorize")
    def authorize(request: Request) -> RedirectResponse:
        query = request.query_params
        assert query["client_id"] == CLIENT_ID and query["response_type"] == "code"
        assert query["code_challenge_method"] == "S256" and query["code_challenge"]
        assert "openid" in query["scope"].split()
        code = f"code-{len(provider.codes)}"
        provider.codes[code] = {
            "challenge": query["code_challenge"],
            "nonce": query["nonce"],
            "redirect_uri": query["redirect_uri"],
        }
        target = query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})
        return RedirectResponse(target, status_code=302)

    @app.post("/token")
    def token(
        request: Request,
        grant_type: str = Form(),
        code: str = Form(),
        redirect_uri: str = Form(),
        code_verifier: str = Form(),
    ) -> JSONResponse:
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if request.headers.get("authorization") != expected:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant = provider.codes.pop(code, None)
        digest = hashlib.sha256(code_verifier.encode()).digest()
        challenge = base64.urlsafe_b64encode(digest).decode().rstrip("=")
        if grant_type != "authorization_code" or grant is None or grant["challenge"] != challenge:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        if grant["redirect_uri"] != redirect_uri:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        return JSONResponse(
            {"access_token": "a", "token_type": "Bearer", "id_token": provider.id_token(grant["nonce"])}
        )

    return app


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    """The provider, served by uvicorn in a thread on a free local port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    state = Provider(issuer=f"http://127.0.0.1:{port}")
    server = uvicorn.Server(uvicorn.Config(provider_app(state), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the provider starts"
        time.sleep(0.02)
    yield state
    server.should_exit = True
    thread.join(timeout=5)
    sock.close()


@pytest.fixture
def oidc_client(engine: Engine, provider: Provider) -> Iterator[TestClient]:
    """The app with OpenID Connect login configured against the test provider."""
    provider.reset()
    oidc.clear_caches()
    settings = Settings(
        oidc_discovery_url=f"{provider.issuer}/.well-known/openid-configuration",
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
        public_base_url="http://testserver",
    )
    with TestClient(create_app(engine, settings)) as client:
        yield client


@pytest.fixture
def eva(factory: sessionmaker[Session], make_organisation) -> None:  # type: ignore[no-untyped-def]
    make_organisation("gm0001", "Gemeente Een")
    with transaction(factory) as session:
        accounts.create_user(session, SYSTEM, "eva", "Eva de Vries", None)
        accounts.grant_role(session, SYSTEM, "eva", "gm0001", Role.EDITOR)


def log_in_at_provider(client: TestClient, next_url: str = "/beheer/account") -> httpx.Response:
    """Walk the whole flow: our login link, the provider, and back to our callback."""
    start = client.get("/inloggen/oidc", params={"next": next_url}, follow_redirects=False)
    assert start.status_code == 303
    to_provider = start.headers["location"]
    with httpx.Client() as browser:
        at_provider = browser.get(to_provider, follow_redirects=False)
    assert at_provider.status_code == 302
    back = urlsplit(at_provider.headers["location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == "http://testserver/inloggen/oidc/callback"
    return client.get(f"{back.path}?{back.query}", follow_redirects=False)


def sessions_of(factory: sessionmaker[Session], username: str) -> int:
    with transaction(factory) as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        return len(list(session.scalars(select(WebSession).where(WebSession.user_id == user.id))))


def test_the_login_page_offers_the_organisation_login_only_when_configured(
    client: TestClient, oidc_client: TestClient
) -> None:
    assert "Inloggen met je organisatieaccount" in oidc_client.get("/inloggen").text
    assert 'href="/inloggen/oidc?next=/beheer"' in oidc_client.get("/inloggen").text.replace("%2F", "/")
    assert "organisatieaccount" not in client.get("/inloggen").text
    assert client.get("/inloggen/oidc", follow_redirects=False).status_code == 404
    assert client.get("/inloggen/oidc/callback?code=x&state=y").status_code == 404


def test_the_login_request_uses_pkce_state_and_nonce(oidc_client: TestClient, provider: Provider) -> None:
    response = oidc_client.get("/inloggen/oidc", follow_redirects=False)
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert response.headers["location"].startswith(f"{provider.issuer}/authorize?")
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert len(query["state"][0]) >= 32 and len(query["nonce"][0]) >= 32
    assert query["redirect_uri"] == ["http://testserver/inloggen/oidc/callback"]
    cookie = response.headers["set-cookie"]
    assert "algoreg_oidc=" in cookie and "HttpOnly" in cookie and "Path=/inloggen/oidc" in cookie


def test_the_remembered_login_is_signed_and_expires() -> None:
    # given a pending login sealed into a cookie value
    pending = oidc.PendingLogin("s", "n", "v", "/beheer", int(time.time()))
    sealed = oidc.seal("instance-secret", pending)
    # then it opens only with the same secret and unchanged
    assert oidc.unseal("instance-secret", sealed) == pending
    mac = sealed.rsplit(".", 1)[1]
    forged = base64.urlsafe_b64encode(json.dumps({**pending.__dict__, "next_url": "//evil"}).encode())
    for bad in (sealed + "x", f"{forged.decode().rstrip('=')}.{mac}", None, "", "no-dot"):
        with pytest.raises(oidc.OidcError):
            oidc.unseal("instance-secret", bad)
    with pytest.raises(oidc.OidcError):
        oidc.unseal("another-secret", sealed)
    # and not after ten minutes
    old = oidc.seal("instance-secret", oidc.PendingLogin("s", "n", "v", "/", int(time.time()) - 601))
    with pytest.raises(oidc.OidcError):
        oidc.unseal("instance-secret", old)


def test_an_existing_account_logs_in_through_the_provider(
    oidc_client: TestClient, provider: Provider, factory: sessionmaker[Session], eva: None
) -> None:
    # given the CSRF cookie before the login
    before = oidc_client.get("/inloggen").cookies.get("algoreg_csrf") or oidc_client.cookies.get(
        "algoreg_csrf"
    )
    # when Eva logs in at her organisation's provider
    done = log_in_at_provider(oidc_client)
    # then she arrives where she wanted to go, with a fresh session and a new CSRF token
    assert done.status_code == 303 and done.headers["location"] == "/beheer/account"
    assert oidc_client.cookies.get("algoreg_session")
    assert oidc_client.cookies.get("algoreg_csrf") != before
    page = oidc_client.get("/beheer/account")
    assert page.status_code == 200 and "Eva de Vries" in page.text
    assert sessions_of(factory, "eva") == 1
    # and her role was not changed by logging in this way
    with transaction(factory) as session:
        assert [m.role for m in accounts.find_user(session, "eva").memberships] == ["editor"]


def test_the_email_claim_is_used_when_the_username_claim_is_missing(
    oidc_client: TestClient, provider: Provider, factory: sessionmaker[Session]
) -> None:
    with transaction(factory) as session:
        accounts.create_user(session, SYSTEM, "piet@example.org", "Piet", None)
    provider.reset(email="Piet@example.org")
    del provider.claims["preferred_username"]
    assert log_in_at_provider(oidc_client).status_code == 303
    assert "Piet" in oidc_client.get("/beheer/account").text


@pytest.mark.parametrize(
    "misbehaviour",
    [
        {"tamper": True},
        {"stranger_key": True},
        {"audience": "een-andere-client"},
        {"nonce": "een-andere-nonce"},
        {"expires_in": -3600},
    ],
    ids=["tampered", "wrong-key", "wrong-audience", "wrong-nonce", "expired"],
)
def test_untrustworthy_id_tokens_are_refused(
    oidc_client: TestClient,
    provider: Provider,
    factory: sessionmaker[Session],
    eva: None,
    misbehaviour: dict[str, Any],
) -> None:
    # given the provider answers with a token that must not be trusted
    for name, value in misbehaviour.items():
        setattr(provider, name, value)
    # when the browser comes back
    refused = log_in_at_provider(oidc_client)
    # then nobody is logged in
    assert refused.status_code == 400
    assert "Het antwoord van de inlogdienst kon niet worden gecontroleerd" in refused.text
    assert sessions_of(factory, "eva") == 0
    assert oidc_client.get("/beheer/account", follow_redirects=False).status_code == 303


def test_unknown_and_deactivated_accounts_are_refused_with_a_clear_page(
    oidc_client: TestClient, provider: Provider, factory: sessionmaker[Session], eva: None
) -> None:
    provider.reset(preferred_username="onbekend", email="onbekend@example.org")
    unknown = log_in_at_provider(oidc_client)
    assert unknown.status_code == 403
    assert "Inloggen geweigerd" in unknown.text
    assert "Er is in dit register geen actief account" in unknown.text
    with transaction(factory) as session:
        assert session.scalar(select(User).where(User.username == "onbekend")) is None, "no account is made"
        accounts.find_user(session, "eva").is_active = False
    provider.reset()
    assert log_in_at_provider(oidc_client).status_code == 403
    assert sessions_of(factory, "eva") == 0


def test_a_callback_without_the_matching_state_is_refused(
    oidc_client: TestClient, provider: Provider, eva: None
) -> None:
    # given a login started in this browser
    start = oidc_client.get("/inloggen/oidc", follow_redirects=False)
    with httpx.Client() as browser:
        back = urlsplit(browser.get(start.headers["location"]).headers["location"])
    code = parse_qs(back.query)["code"][0]
    # when an attacker's callback arrives with another state, or no login was started at all
    forged = oidc_client.get("/inloggen/oidc/callback", params={"code": code, "state": "vals"})
    stranger = TestClient(oidc_client.app).get("/inloggen/oidc/callback", params={"code": code, "state": "x"})
    # then both are refused
    assert forged.status_code == 400 and stranger.status_code == 400
    assert "Het inloggen duurde te lang of is ergens anders begonnen" in forged.text
    assert oidc_client.get("/beheer/account", follow_redirects=False).status_code == 303


def test_a_refusal_by_the_provider_is_shown_in_english_too(oidc_client: TestClient) -> None:
    oidc_client.get("/inloggen", params={"lang": "en"})
    oidc_client.get("/inloggen/oidc", follow_redirects=False)
    response = oidc_client.get("/inloggen/oidc/callback", params={"error": "access_denied", "state": "x"})
    assert response.status_code == 400
    assert "The login service did not log you in" in response.text and "Login refused" in response.text
