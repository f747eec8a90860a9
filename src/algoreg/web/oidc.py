"""Login through an OpenID Connect provider: authorization code flow with PKCE, state and nonce.

The browser's half-finished login (state, nonce, PKCE verifier, where to go afterwards) lives in a
short-lived cookie signed with the instance secret, so any application process can finish it. The
ID token is only trusted after its signature (the provider's published keys), issuer, audience,
nonce and expiry have been checked. Authlib builds the protocol messages; joserfc (Authlib's JOSE
library) verifies the token.
"""

import base64
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.common.security import generate_token  # type: ignore[import-untyped]
from authlib.oauth2.rfc6749.parameters import (  # type: ignore[import-untyped]
    prepare_grant_uri,
    prepare_token_request,
)
from authlib.oauth2.rfc7636 import create_s256_code_challenge  # type: ignore[import-untyped]
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from algoreg.config import Settings

STATE_COOKIE = "algoreg_oidc"
STATE_COOKIE_PATH = "/inloggen/oidc"
STATE_LIFETIME_SECONDS = 600
CALLBACK_PATH = "/inloggen/oidc/callback"
_CACHE_SECONDS = 3600
_CLOCK_LEEWAY_SECONDS = 60
_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"]


class OidcError(Exception):
    """The login through the provider failed; ``message`` is a fixed English sentence for people."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class PendingLogin:
    """What the callback needs to finish a login the browser started."""

    state: str
    nonce: str
    code_verifier: str
    next_url: str
    started_at: int


@dataclass(frozen=True)
class ProviderMetadata:
    """The parts of the provider's discovery document that the login uses."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    token_auth_methods: tuple[str, ...]


_lock = threading.Lock()
_metadata_cache: dict[str, tuple[float, ProviderMetadata]] = {}
_keys_cache: dict[str, tuple[float, KeySet]] = {}


def _get_json(url: str) -> dict[str, Any]:
    try:
        response = httpx.get(url, timeout=10.0, headers={"Accept": "application/json"})
        response.raise_for_status()
        document = response.json()
    except (httpx.HTTPError, ValueError) as error:
        raise OidcError("The login service could not be reached; try again later.") from error
    if not isinstance(document, dict):
        raise OidcError("The login service could not be reached; try again later.")
    return document


def provider_metadata(discovery_url: str) -> ProviderMetadata:
    """Return the provider's endpoints from its discovery document (cached for an hour)."""
    with _lock:
        cached = _metadata_cache.get(discovery_url)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    document = _get_json(discovery_url)
    try:
        metadata = ProviderMetadata(
            issuer=str(document["issuer"]),
            authorization_endpoint=str(document["authorization_endpoint"]),
            token_endpoint=str(document["token_endpoint"]),
            jwks_uri=str(document["jwks_uri"]),
            token_auth_methods=tuple(
                document.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
            ),
        )
    except KeyError as error:
        raise OidcError("The login service is not configured correctly.") from error
    if not discovery_url.startswith(metadata.issuer.rstrip("/") + "/"):
        raise OidcError("The login service is not configured correctly.")
    with _lock:
        _metadata_cache[discovery_url] = (time.monotonic() + _CACHE_SECONDS, metadata)
    return metadata


def _signing_keys(jwks_uri: str, refresh: bool) -> KeySet:
    with _lock:
        cached = _keys_cache.get(jwks_uri)
    if cached and cached[0] > time.monotonic() and not refresh:
        return cached[1]
    try:
        keys = KeySet.import_key_set(_get_json(jwks_uri))  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError) as error:
        raise OidcError("The login service is not configured correctly.") from error
    with _lock:
        _keys_cache[jwks_uri] = (time.monotonic() + _CACHE_SECONDS, keys)
    return keys


def clear_caches() -> None:
    """Forget cached discovery documents and keys (for tests, and after a provider change)."""
    with _lock:
        _metadata_cache.clear()
        _keys_cache.clear()


def redirect_uri(settings: Settings) -> str:
    """Return the callback address registered at the provider."""
    return settings.public_base_url.rstrip("/") + CALLBACK_PATH


def start_login(settings: Settings, next_url: str) -> tuple[str, PendingLogin]:
    """Return the provider's authorization address for a new login, and what must be remembered."""
    assert settings.oidc_discovery_url and settings.oidc_client_id
    metadata = provider_metadata(settings.oidc_discovery_url)
    pending = PendingLogin(
        state=generate_token(32),
        nonce=generate_token(32),
        code_verifier=generate_token(64),
        next_url=next_url,
        started_at=int(time.time()),
    )
    url: str = prepare_grant_uri(
        metadata.authorization_endpoint,
        client_id=settings.oidc_client_id,
        response_type="code",
        redirect_uri=redirect_uri(settings),
        scope=settings.oidc_scopes,
        state=pending.state,
        nonce=pending.nonce,
        code_challenge=create_s256_code_challenge(pending.code_verifier),
        code_challenge_method="S256",
    )
    return url, pending


def _mac(secret: str, payload: str) -> str:
    return hmac.new(secret.encode(), f"oidc-login:{payload}".encode(), hashlib.sha256).hexdigest()


def seal(secret: str, pending: PendingLogin) -> str:
    """Return the cookie value carrying ``pending``, signed with the instance secret."""
    payload = base64.urlsafe_b64encode(json.dumps(pending.__dict__).encode()).decode().rstrip("=")
    return f"{payload}.{_mac(secret, payload)}"


def unseal(secret: str, value: str | None) -> PendingLogin:
    """Return the pending login from a cookie value, refusing forged, damaged or expired ones."""
    refused = OidcError("The login took too long or was started elsewhere; please start again.")
    if not value or "." not in value:
        raise refused
    payload, mac = value.rsplit(".", 1)
    if not hmac.compare_digest(_mac(secret, payload), mac):
        raise refused
    try:
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        pending = PendingLogin(**data)
    except (ValueError, TypeError) as error:
        raise refused from error
    if pending.started_at + STATE_LIFETIME_SECONDS < time.time():
        raise refused
    return pending


def exchange_code(settings: Settings, code: str, pending: PendingLogin) -> str:
    """Trade the authorization code (with the PKCE verifier) for an ID token and return that token."""
    assert settings.oidc_discovery_url and settings.oidc_client_id
    metadata = provider_metadata(settings.oidc_discovery_url)
    secret = settings.oidc_client_secret.get_secret_value() if settings.oidc_client_secret else None
    fields: dict[str, str] = {"client_id": settings.oidc_client_id, "code_verifier": pending.code_verifier}
    auth: tuple[str, str] | None = None
    if secret is not None:
        if "client_secret_basic" in metadata.token_auth_methods:
            auth = (settings.oidc_client_id, secret)
        else:
            fields["client_secret"] = secret
    body: str = prepare_token_request(
        "authorization_code", code=code, redirect_uri=redirect_uri(settings), **fields
    )
    try:
        response = httpx.post(
            metadata.token_endpoint,
            content=body,
            auth=auth,
            timeout=10.0,
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
        )
        document = response.json()
    except (httpx.HTTPError, ValueError) as error:
        raise OidcError("The login service could not be reached; try again later.") from error
    if response.status_code != 200 or not isinstance(document, dict) or "id_token" not in document:
        raise OidcError("The login service did not confirm the login; please start again.")
    return str(document["id_token"])


def validate_id_token(settings: Settings, id_token: str, nonce: str) -> dict[str, Any]:
    """Return the ID token's claims after checking signature, issuer, audience, nonce and expiry."""
    assert settings.oidc_discovery_url and settings.oidc_client_id
    metadata = provider_metadata(settings.oidc_discovery_url)
    refused = OidcError("The login service's answer could not be verified; you were not logged in.")
    token = None
    for refresh in (False, True):  # fetch the keys again once: the provider may have rotated them
        try:
            token = jwt.decode(id_token, _signing_keys(metadata.jwks_uri, refresh), algorithms=_ALGORITHMS)
            break
        except JoseError:
            continue
        except (ValueError, TypeError) as error:
            raise refused from error
    if token is None:
        raise refused
    registry = jwt.JWTClaimsRegistry(
        leeway=_CLOCK_LEEWAY_SECONDS,
        iss={"essential": True, "value": metadata.issuer},
        aud={"essential": True, "value": settings.oidc_client_id},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(token.claims)
    except JoseError as error:
        raise refused from error
    claims = dict(token.claims)
    audience = claims["aud"]
    if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != settings.oidc_client_id:
        raise refused
    return claims


def username_from_claims(settings: Settings, claims: dict[str, Any]) -> str:
    """Return the local username the provider vouches for: the configured claim, else ``email``."""
    for name in (settings.oidc_username_claim, "email"):
        value = claims.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
    raise OidcError("The login service did not tell who you are; you were not logged in.")


def same_secret(given: str, expected: str) -> bool:
    """Compare two secrets in constant time."""
    return hmac.compare_digest(given.encode(), expected.encode())
