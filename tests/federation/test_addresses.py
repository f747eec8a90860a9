"""Which addresses harvest sources may reach, and the transport that enforces it when connecting.

The servers here are real, on loopback: 127.0.0.1 plays an internal service, and 127.0.0.2 (allowed
on purpose) plays a public register. Names are resolved by small resolvers that the tests control,
so that a name can point anywhere — also somewhere else on a second lookup (DNS rebinding).
"""

import datetime
import socket
import ssl
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from ipaddress import IPv4Address, ip_address, ip_network
from pathlib import Path

import httpx
import pytest
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import ValidationError

from algoreg.config import Settings
from algoreg.errors import InvalidInput
from algoreg.federation.addresses import (
    SETTING,
    BlockedAddress,
    GuardedTransport,
    IPAddress,
    check_source_url,
    internal_reason,
    is_allowed,
    parse_networks,
    refusal_reason,
    resolve_checked,
)
from algoreg.federation.fetch import FetchError, FetchSettings, fetch, fetch_settings_from, make_client

PUBLIC = "193.0.6.139"  # a globally reachable address; never connected to in these tests
ONLY_127_0_0_2 = (ip_network("127.0.0.2/32"),)

# --- what counts as internal ------------------------------------------------------------------------

INTERNAL = [
    ("0.0.0.0", "unspecified"),
    ("0.1.2.3", "unspecified"),
    ("10.0.0.1", "private, RFC 1918"),
    ("172.16.5.4", "private, RFC 1918"),
    ("172.31.255.255", "private, RFC 1918"),
    ("192.168.1.1", "private, RFC 1918"),
    ("100.64.0.1", "carrier-grade NAT"),
    ("100.100.100.200", "carrier-grade NAT"),  # a cloud metadata address inside CGNAT space
    ("127.0.0.1", "loopback"),
    ("127.255.255.254", "loopback"),
    ("169.254.169.254", "link-local"),
    ("192.0.0.8", "IETF protocol assignments"),
    ("192.0.2.1", "documentation"),
    ("198.18.0.1", "benchmarking"),
    ("198.19.255.255", "benchmarking"),
    ("198.51.100.7", "documentation"),
    ("203.0.113.9", "documentation"),
    ("224.0.0.251", "multicast"),
    ("239.255.255.250", "multicast"),
    ("240.0.0.1", "reserved"),
    ("255.255.255.255", "reserved"),
    ("::", "unspecified"),
    ("::1", "loopback"),
    ("fe80::1", "link-local"),
    ("fc00::1", "unique-local"),
    ("fd12:3456::1", "unique-local"),
    ("fec0::1", "site-local"),
    ("ff02::1", "multicast"),
    ("2001:db8::1", "documentation"),
    ("3fff::1", "documentation"),
    ("100::1", "discard-only"),
    ("2001::1", "IETF protocol assignments"),  # Teredo
    ("64:ff9b:1::1", "local-use NAT64"),
    ("::7f00:1", "outside global unicast"),  # IPv4-compatible, deprecated
    ("5f00::1", "outside global unicast"),
    ("::ffff:127.0.0.1", "loopback, carried as IPv4-mapped address of 127.0.0.1"),
    ("::ffff:169.254.169.254", "link-local"),
    ("::ffff:10.0.0.1", "private, RFC 1918, carried as IPv4-mapped"),
    ("64:ff9b::7f00:1", "loopback, carried as NAT64 address of 127.0.0.1"),
    ("64:ff9b::a9fe:a9fe", "link-local 169.254.0.0/16, where cloud metadata services live, carried as NAT64"),
    ("2002:7f00:1::1", "loopback, carried as 6to4 address of 127.0.0.1"),
    ("2002:a00:1::", "private, RFC 1918, carried as 6to4 address of 10.0.0.1"),
]

PUBLIC_ADDRESSES = [
    PUBLIC,
    "8.8.8.8",
    "100.63.255.255",  # just below CGNAT space
    "172.32.0.1",  # just above 172.16.0.0/12
    "2001:67c:2e8::2",
    "2606:4700::1111",
    "::ffff:8.8.8.8",  # IPv4-mapped public address
    "64:ff9b::808:808",  # NAT64 of a public address
    "2002:808:808::1",  # 6to4 of a public address
]


@pytest.mark.parametrize(("address", "reason"), INTERNAL)
def test_each_kind_of_internal_address_is_named(address: str, reason: str) -> None:
    found = internal_reason(ip_address(address))
    assert found is not None and reason in found, found
    # and it is refused unless allowed
    assert refusal_reason(ip_address(address), ()) == found


@pytest.mark.parametrize("address", PUBLIC_ADDRESSES)
def test_public_addresses_are_not_internal(address: str) -> None:
    assert internal_reason(ip_address(address)) is None
    assert refusal_reason(ip_address(address), ()) is None


def test_allowed_networks_admit_internal_addresses_in_them_only() -> None:
    allowed = parse_networks("127.0.0.0/8, 10.1.0.0/16")
    assert refusal_reason(ip_address("127.0.0.1"), allowed) is None
    assert refusal_reason(ip_address("10.1.200.3"), allowed) is None
    assert refusal_reason(ip_address("10.2.0.1"), allowed) == "private, RFC 1918"
    assert refusal_reason(ip_address("::1"), allowed) == "loopback"
    # an IPv4-mapped address is the same host as its IPv4 address
    assert is_allowed(ip_address("::ffff:127.0.0.1"), allowed)
    # a NAT64 address reaches what the translator reaches, so only its own network admits it
    assert not is_allowed(ip_address("64:ff9b::7f00:1"), allowed)
    assert is_allowed(ip_address("64:ff9b::7f00:1"), parse_networks("64:ff9b::/96"))


def test_allowed_networks_are_read_from_comma_separated_cidrs() -> None:
    assert parse_networks("") == ()
    assert parse_networks(" 127.0.0.0/8,,::1 , 10.1.0.0/16 ") == (
        ip_network("127.0.0.0/8"),
        ip_network("::1/128"),
        ip_network("10.1.0.0/16"),
    )
    with pytest.raises(ValueError, match=r"'10\.1\.2\.3/16' is not a network.*host bits set"):
        parse_networks("127.0.0.0/8,10.1.2.3/16")
    with pytest.raises(ValueError, match="'intranet' is not a network"):
        parse_networks("intranet")


def test_the_setting_defaults_to_no_network_and_refuses_bad_values() -> None:
    assert Settings(harvest_allowed_networks="").harvest_networks == ()
    assert Settings(harvest_allowed_networks="127.0.0.2").harvest_networks == ONLY_127_0_0_2
    assert (
        fetch_settings_from(Settings(harvest_allowed_networks="127.0.0.2")).allowed_networks == ONLY_127_0_0_2
    )
    with pytest.raises(ValidationError, match="harvest_allowed_networks"):
        Settings(harvest_allowed_networks="10.0.0.0/33")
    assert FetchSettings().allowed_networks == ()


# --- resolving and checking a host ------------------------------------------------------------------


class Resolver:
    """A resolver the test controls: each name maps to a list of answers, one per lookup (the last
    answer repeats); it counts lookups."""

    def __init__(self, answers: dict[str, list[list[str]]]) -> None:
        self.answers = answers
        self.lookups: list[str] = []

    def __call__(self, host: str, port: int) -> Sequence[IPAddress]:
        self.lookups.append(host)
        if host not in self.answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        seen = sum(1 for name in self.lookups if name == host)
        options = self.answers[host]
        return [ip_address(a) for a in options[min(seen, len(options)) - 1]]


def test_a_name_with_one_internal_address_among_public_ones_is_refused_whole() -> None:
    resolver = Resolver({"mixed.test": [[PUBLIC, "10.0.0.7"]], "public.test": [[PUBLIC]]})
    assert resolve_checked("public.test", 443, (), resolver) == [IPv4Address(PUBLIC)]
    with pytest.raises(BlockedAddress) as blocked:
        resolve_checked("mixed.test", 443, (), resolver)
    assert blocked.value.address == IPv4Address("10.0.0.7") and blocked.value.reason == "private, RFC 1918"
    assert str(blocked.value) == (
        "mixed.test resolves to 10.0.0.7, an internal address (private, RFC 1918); harvest sources may "
        f"reach only public addresses. An operator can allow it by adding its network to {SETTING} "
        "(for example 10.0.0.7/32)"
    )


def test_address_literals_are_checked_without_asking_the_resolver() -> None:
    resolver = Resolver({})
    with pytest.raises(BlockedAddress, match=r"^::1 is an internal address \(loopback\)"):
        resolve_checked("[::1]", 80, (), resolver)
    assert resolve_checked("127.0.0.2", 80, ONLY_127_0_0_2, resolver) == [IPv4Address("127.0.0.2")]
    assert resolver.lookups == []


@pytest.mark.parametrize(
    ("url", "address", "reason"),
    [
        ("http://127.0.0.1:8080/", "127.0.0.1", "loopback"),
        ("http://[::1]/api/v1/feed", "::1", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254", "link-local"),
        ("https://[::ffff:a9fe:a9fe]/", "::ffff:a9fe:a9fe", "link-local"),
        ("http://10.0.0.5/records.json", "10.0.0.5", "private, RFC 1918"),
        ("http://[fd00::5]/", "fd00::5", "unique-local"),
        ("http://100.64.1.1/", "100.64.1.1", "carrier-grade NAT"),
        ("http://0.0.0.0:8000/", "0.0.0.0", "unspecified"),
    ],
)
def test_adding_a_source_at_an_internal_address_names_the_url_the_address_and_the_setting(
    url: str, address: str, reason: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_source_url(url, ())
    [problem] = refused.value.problems
    assert problem.field == "url"
    assert problem.reason.startswith(f"{address} is an internal address (") and reason in problem.reason
    assert SETTING in problem.reason


def test_adding_a_source_by_name_checks_what_the_name_resolves_to() -> None:
    # localhost through the system's resolver
    with pytest.raises(InvalidInput) as refused:
        check_source_url("http://localhost:8000/", ())
    assert (
        "localhost resolves to 127.0.0.1, an internal address (loopback)" in refused.value.problems[0].reason
    )
    # shorthand, decimal and hexadecimal forms of 127.0.0.1 are what the resolver makes of them
    for odd in ("127.1", "2130706433", "0x7f000001"):
        with pytest.raises(InvalidInput) as odd_refused:
            check_source_url(f"http://{odd}/", ())
        assert f"{odd} resolves to 127.0.0.1" in odd_refused.value.problems[0].reason
    # a name that resolves to link-local (the metadata service), and one that is public
    resolver = Resolver({"metadata.test": [["169.254.169.254"]], "register.test": [[PUBLIC]]})
    with pytest.raises(InvalidInput, match="internal"):
        check_source_url("https://metadata.test/", (), resolver)
    check_source_url("https://register.test/", (), resolver)
    # a name that does not resolve now is let through: the connection is checked when it is made
    check_source_url("https://unknown.test/", (), resolver)
    # and an allowed network admits the name
    check_source_url("http://localhost:8000/", parse_networks("127.0.0.0/8, ::1"))


# --- servers on loopback --------------------------------------------------------------------------


@dataclass
class Served:
    """A test server: where it listens and the requests it answered (their Host headers)."""

    host: str
    port: int
    hosts_seen: list[str]


def _free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(
    host: str, redirect_to: str = "", certificate: tuple[Path, Path] | None = None
) -> Iterator[Served]:
    """Serve a tiny app on ``host`` that echoes the Host header, or redirects to ``redirect_to``."""
    app = FastAPI()
    served = Served(host, _free_port(host), [])

    @app.get("/{path:path}")
    def echo(path: str, request: Request) -> object:
        served.hosts_seen.append(request.headers.get("host", ""))
        if redirect_to:
            return RedirectResponse(redirect_to, status_code=302)
        return JSONResponse({"host": request.headers.get("host")})

    cert_file, key_file = certificate or (None, None)
    config = uvicorn.Config(
        app,
        host=host,
        port=served.port,
        log_level="warning",
        lifespan="off",
        ssl_certfile=cert_file,
        ssl_keyfile=key_file,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the test server did not start"
        time.sleep(0.02)
    try:
        yield served
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def internal() -> Iterator[Served]:
    """An internal service on 127.0.0.1 that must never be reached."""
    with serving("127.0.0.1") as started:
        yield started


@pytest.fixture(scope="module")
def public() -> Iterator[Served]:
    """A "public" register on 127.0.0.2, the one loopback address the tests allow."""
    with serving("127.0.0.2") as started:
        yield started


ONE_TRY = FetchSettings(timeout=2, max_attempts=1, max_redirects=3, allowed_networks=ONLY_127_0_0_2)


def test_the_production_default_refuses_loopback_when_connecting(internal: Served) -> None:
    before = len(internal.hosts_seen)
    for url in (f"http://127.0.0.1:{internal.port}/", f"http://localhost:{internal.port}/"):
        with make_client(FetchSettings()) as client, pytest.raises(BlockedAddress, match="loopback"):
            client.get(url)
    assert len(internal.hosts_seen) == before


def test_an_allowed_address_is_reached(public: Served) -> None:
    with make_client(ONE_TRY) as client:
        response = client.get(f"http://127.0.0.2:{public.port}/feed")
    assert response.json() == {"host": f"127.0.0.2:{public.port}"}


def test_the_connection_goes_to_the_checked_address_and_keeps_the_name_in_the_host_header(
    public: Served,
) -> None:
    # given a name that only the test's resolver knows, pointing at the allowed address
    resolver = Resolver({"register.test": [["127.0.0.2"]]})
    # when it is fetched
    with make_client(ONE_TRY, resolver) as client:
        fetched = fetch(client, f"http://register.test:{public.port}/api/v1/feed", ONE_TRY)
    # then the server on that address answered, for the original name, after one lookup
    assert fetched.status == 200 and fetched.content == f'{{"host":"register.test:{public.port}"}}'.encode()
    assert resolver.lookups == ["register.test"]


def test_a_redirect_from_an_allowed_address_to_an_internal_one_is_refused_at_the_hop(
    internal: Served,
) -> None:
    # given an allowed register that redirects to the internal service
    target = f"http://127.0.0.1:{internal.port}/admin"
    with serving("127.0.0.2", redirect_to=target) as hop:
        before = len(internal.hosts_seen)
        url = f"http://127.0.0.2:{hop.port}/api/v1/feed"
        # when it is fetched
        with make_client(ONE_TRY) as client, pytest.raises(FetchError) as refused:
            fetch(client, url, replace(ONE_TRY, max_attempts=3))
    # then the hop is refused at once (not retried), naming where it led and the setting
    assert str(refused.value).startswith(f"{url} redirected to {target}, which was refused: 127.0.0.1 is an")
    assert "(loopback)" in str(refused.value) and SETTING in str(refused.value)
    assert len(hop.hosts_seen) == 1
    # and the internal service never saw a request
    assert len(internal.hosts_seen) == before


def test_dns_rebinding_is_refused_when_connecting(internal: Served) -> None:
    # given a name that resolves to a public address first and to the internal service afterwards
    resolver = Resolver({"rebind.test": [[PUBLIC], ["127.0.0.1"]]})
    url = f"http://rebind.test:{internal.port}/"
    before = len(internal.hosts_seen)
    # when the source is added, the name looks public and is accepted
    check_source_url(url, (), resolver)
    # but when the harvest connects, the name is resolved again, checked, and refused
    with make_client(FetchSettings(max_attempts=1), resolver) as client, pytest.raises(FetchError) as refused:
        fetch(client, url, FetchSettings(max_attempts=1))
    assert "rebind.test resolves to 127.0.0.1, an internal address (loopback)" in str(refused.value)
    assert resolver.lookups == ["rebind.test", "rebind.test"]
    assert len(internal.hosts_seen) == before


def test_a_name_that_does_not_resolve_is_a_transient_connection_fault() -> None:
    resolver = Resolver({})
    settings = FetchSettings(max_attempts=2, backoff_base=0.001)
    with make_client(settings, resolver) as client, pytest.raises(FetchError) as failed:
        fetch(client, "http://nowhere.test/", settings)
    assert "failed 2 times" in str(failed.value) and "could not be resolved" in str(failed.value)


def test_transport_errors_keep_their_httpx_kind(public: Served) -> None:
    # a closed port on an allowed address is a connection error, as with httpx's own transport
    closed = _free_port("127.0.0.2")
    with make_client(ONE_TRY) as client, pytest.raises(httpx.ConnectError):
        client.get(f"http://127.0.0.2:{closed}/")


# --- TLS keeps the original name --------------------------------------------------------------------


def _certificates(folder: Path, name: str) -> tuple[ssl.SSLContext, tuple[Path, Path]]:
    """A fresh certificate authority and a server certificate for ``name`` signed by it."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Algoreg test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    cert_file, key_file = folder / "server.pem", folder / "server.key"
    cert_file.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    trust = ssl.create_default_context(cadata=ca.public_bytes(serialization.Encoding.PEM).decode())
    return trust, (cert_file, key_file)


def test_tls_is_verified_for_the_original_name_while_connecting_to_the_checked_address(
    tmp_path: Path,
) -> None:
    # given an HTTPS server on the allowed address with a certificate for register.test only
    trust, certificate = _certificates(tmp_path, "register.test")
    resolver = Resolver({"register.test": [["127.0.0.2"]], "other.test": [["127.0.0.2"]]})
    transport = GuardedTransport(ONLY_127_0_0_2, resolver, verify=trust)
    with serving("127.0.0.2", certificate=certificate) as server, httpx.Client(transport=transport) as client:
        # when it is asked for by that name, TLS (SNI and verification) uses the name
        answer = client.get(f"https://register.test:{server.port}/")
        # and when asked for by another name that resolves to the same address, verification fails
        with pytest.raises(httpx.ConnectError, match=r"CERTIFICATE_VERIFY_FAILED|match"):
            client.get(f"https://other.test:{server.port}/")
    assert answer.json() == {"host": f"register.test:{server.port}"}
