"""Which addresses harvest sources may reach, and an HTTP transport that holds to it at connect time.

An instance administrator names a harvest source by URL, and the register behind that URL may
redirect anywhere; neither may make this server reach its own internal services (a database, an
admin page, a cloud metadata service). So an address is refused when it is **internal**, that is:

* IPv4: unspecified/"this network" 0.0.0.0/8, private 10.0.0.0/8, 172.16.0.0/12 and 192.168.0.0/16
  (RFC 1918), shared carrier-grade NAT space 100.64.0.0/10, loopback 127.0.0.0/8, link-local
  169.254.0.0/16 (where cloud metadata services such as 169.254.169.254 live), IETF protocol
  assignments 192.0.0.0/24, documentation 192.0.2.0/24, 198.51.100.0/24 and 203.0.113.0/24,
  benchmarking 198.18.0.0/15, multicast 224.0.0.0/4, reserved 240.0.0.0/4 with the broadcast
  address, and anything else Python's :mod:`ipaddress` finds not globally reachable;
* IPv6: unspecified ``::``, loopback ``::1``, local-use NAT64 64:ff9b:1::/48, discard-only
  100::/64, IETF protocol assignments 2001::/23 (with Teredo), documentation 2001:db8::/32 and
  3fff::/20, unique-local fc00::/7, link-local fe80::/10, site-local fec0::/10, multicast ff00::/8,
  everything outside global unicast 2000::/3 (such as IPv4-compatible ``::a.b.c.d``), and anything
  else :mod:`ipaddress` finds not globally reachable;
* an IPv6 address that carries an IPv4 address — IPv4-mapped ``::ffff:a.b.c.d``, NAT64
  ``64:ff9b::a.b.c.d`` and 6to4 ``2002:aabb:ccdd::/48`` — is judged by the IPv4 address it carries.

An internal address is still reached when it lies in one of the networks the operator allows
(``ALGOREG_HARVEST_ALLOWED_NETWORKS``); an IPv4-mapped address also when its IPv4 address does.

The guarantee is given when connecting: :class:`GuardedTransport` resolves the host of each new
connection once, refuses it when any address it resolves to is refused, and connects only to an
address it checked — for the first request and for every redirect hop alike, so a name that
resolves to a public address when checked and to an internal one later (DNS rebinding) cannot get
through. The Host header, TLS SNI and certificate verification keep the original name.
:func:`check_source_url` gives the same verdict earlier, when a source is added, as a convenience.

The transport joins two documented extension points: httpx's custom transports
(``httpx.BaseTransport``) and httpcore's network backends (``httpcore.NetworkBackend`` passed to
``httpcore.ConnectionPool``). httpx 0.28 offers no public way to give its own transport a network
backend, so the small translation between httpx and httpcore requests, responses and errors is
done here.
"""

import socket
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from algoreg.errors import FieldProblem, InvalidInput

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network

#: Resolves a host name and port to the addresses to connect to, in order of preference.
Resolver = Callable[[str, int], Sequence[IPAddress]]

#: The setting (environment variable) that lists the internal networks harvest sources may reach.
SETTING = "ALGOREG_HARVEST_ALLOWED_NETWORKS"

_IPV4_INTERNAL: tuple[tuple[IPv4Network, str], ...] = tuple(
    (IPv4Network(network), label)
    for network, label in (
        ("0.0.0.0/8", "unspecified, 'this network' 0.0.0.0/8"),
        ("10.0.0.0/8", "private, RFC 1918"),
        ("100.64.0.0/10", "shared carrier-grade NAT space 100.64.0.0/10"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local 169.254.0.0/16, where cloud metadata services live"),
        ("172.16.0.0/12", "private, RFC 1918"),
        ("192.0.0.0/24", "IETF protocol assignments 192.0.0.0/24"),
        ("192.0.2.0/24", "documentation"),
        ("192.168.0.0/16", "private, RFC 1918"),
        ("198.18.0.0/15", "benchmarking 198.18.0.0/15"),
        ("198.51.100.0/24", "documentation"),
        ("203.0.113.0/24", "documentation"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved 240.0.0.0/4, with the broadcast address"),
    )
)

_IPV6_INTERNAL: tuple[tuple[IPv6Network, str], ...] = tuple(
    (IPv6Network(network), label)
    for network, label in (
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("64:ff9b:1::/48", "local-use NAT64 64:ff9b:1::/48"),
        ("100::/64", "discard-only 100::/64"),
        ("2001::/23", "IETF protocol assignments 2001::/23"),
        ("2001:db8::/32", "documentation"),
        ("3fff::/20", "documentation"),
        ("fc00::/7", "unique-local fc00::/7"),
        ("fe80::/10", "link-local fe80::/10"),
        ("fec0::/10", "site-local fec0::/10"),
        ("ff00::/8", "multicast"),
    )
)

_NAT64 = IPv6Network("64:ff9b::/96")
_GLOBAL_UNICAST = IPv6Network("2000::/3")


class BlockedAddress(httpx.TransportError):
    """A connection refused because its host is, or resolves to, an internal address not allowed."""

    def __init__(self, host: str, address: IPAddress, reason: str) -> None:
        self.host = host
        self.address = address
        self.reason = reason
        super().__init__(describe_refusal(host, address, reason))


def describe_refusal(host: str, address: IPAddress, reason: str) -> str:
    """Return the sentence that says which address was refused, why, and which setting allows it."""
    subject = f"{address} is" if host.strip("[]") == str(address) else f"{host} resolves to {address},"
    bits = 32 if isinstance(address, IPv4Address) else 128
    return (
        f"{subject} an internal address ({reason}); harvest sources may reach only public addresses. "
        f"An operator can allow it by adding its network to {SETTING} (for example {address}/{bits})"
    )


def parse_networks(text: str) -> tuple[IPNetwork, ...]:
    """Return the networks of a comma-separated list of CIDRs (``127.0.0.0/8, 10.1.0.0/16``).

    A bare address counts as a network of one address. Raises :class:`ValueError` naming the entry
    that is not a network, or that has bits set after its prefix.
    """
    networks: list[IPNetwork] = []
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        try:
            networks.append(ip_network(entry))
        except ValueError as error:
            raise ValueError(
                f"'{entry}' is not a network in CIDR notation such as 10.1.0.0/16 or fd00::/8 ({error})"
            ) from None
    return tuple(networks)


def _embedded_ipv4(address: IPv6Address) -> tuple[IPv4Address, str] | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped, "IPv4-mapped"
    if address in _NAT64:
        return IPv4Address(int(address) & 0xFFFF_FFFF), "NAT64"
    if address.sixtofour is not None:
        return address.sixtofour, "6to4"
    return None


def internal_reason(address: IPAddress) -> str | None:
    """Return why ``address`` is internal (such as ``"loopback"``), or ``None`` when it is public.

    What counts as internal is listed in this module's description.
    """
    if isinstance(address, IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            inner, form = embedded
            reason = internal_reason(inner)
            return None if reason is None else f"{reason}, carried as {form} address of {inner}"
        for network6, label in _IPV6_INTERNAL:
            if address in network6:
                return label
        if address not in _GLOBAL_UNICAST:
            return "reserved, outside global unicast 2000::/3"
    else:
        for network4, label in _IPV4_INTERNAL:
            if address in network4:
                return label
    if not address.is_global:
        return "special-purpose, not globally reachable"
    return None


def is_allowed(address: IPAddress, allowed: Collection[IPNetwork]) -> bool:
    """Tell whether ``address`` lies in one of the ``allowed`` networks (IPv4-mapped: or its IPv4)."""
    candidates: list[IPAddress] = [address]
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        candidates.append(address.ipv4_mapped)
    return any(candidate in network for candidate in candidates for network in allowed)


def refusal_reason(address: IPAddress, allowed: Collection[IPNetwork]) -> str | None:
    """Return why a harvest may not reach ``address``, or ``None`` when it may."""
    reason = internal_reason(address)
    if reason is None or is_allowed(address, allowed):
        return None
    return reason


def system_resolver(host: str, port: int) -> list[IPAddress]:
    """Resolve ``host`` with the system's resolver; every address once, in the order given.

    Raises :class:`OSError` (``socket.gaierror``) when the name does not resolve.
    """
    found: list[IPAddress] = []
    for *_, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        address = ip_address(sockaddr[0])
        if address not in found:
            found.append(address)
    return found


def _literal(host: str) -> IPAddress | None:
    try:
        return ip_address(host.strip("[]"))
    except ValueError:
        return None


def resolve_checked(
    host: str, port: int, allowed: Collection[IPNetwork], resolver: Resolver = system_resolver
) -> list[IPAddress]:
    """Return the addresses of ``host`` when every one of them may be reached.

    An address literal is taken as it is; a name is resolved once with ``resolver``. Raises
    :class:`BlockedAddress` for the first refused address (a name with one internal address among
    public ones is refused whole), and :class:`OSError` when the name does not resolve.
    """
    literal = _literal(host)
    addresses = [literal] if literal is not None else list(resolver(host, port))
    if not addresses:
        raise OSError(f"{host} resolves to no address")
    for address in addresses:
        reason = refusal_reason(address, allowed)
        if reason is not None:
            raise BlockedAddress(host, address, reason)
    return addresses


def check_source_url(url: str, allowed: Collection[IPNetwork], resolver: Resolver = system_resolver) -> None:
    """Refuse a source URL whose host is, or now resolves to, an internal address that is not allowed.

    Raises :class:`InvalidInput` naming field ``url``, the address and the setting that allows it.
    A name that does not resolve now is let through: the harvest reports it, and every connection
    is checked again when it is made.
    """
    parts = urlsplit(url)
    host = parts.hostname
    if not host:
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise InvalidInput(
            problems=[FieldProblem(field="url", reason="the port must be a number from 1 to 65535")],
            summary="The source's address is not valid; nothing was stored.",
        ) from None
    try:
        resolve_checked(host, port, allowed, resolver)
    except BlockedAddress as blocked:
        raise InvalidInput(
            problems=[FieldProblem(field="url", reason=str(blocked))],
            summary="The source's address is internal; nothing was stored.",
        ) from None
    except (OSError, UnicodeError):
        return


class GuardedBackend(httpcore.NetworkBackend):
    """An httpcore network backend that connects only to checked addresses (see the module's text)."""

    def __init__(
        self,
        allowed: Collection[IPNetwork],
        resolver: Resolver = system_resolver,
        inner: httpcore.NetworkBackend | None = None,
    ) -> None:
        self._allowed = tuple(allowed)
        self._resolver = resolver
        self._inner = inner or httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        """Resolve ``host`` once, refuse it when any address is refused, else connect to one of them."""
        try:
            addresses = resolve_checked(host, port, self._allowed, self._resolver)
        except BlockedAddress:
            raise
        except (OSError, UnicodeError) as error:
            raise httpcore.ConnectError(f"{host} could not be resolved ({error})") from None
        failure: Exception | None = None
        for address in addresses:
            try:
                return self._inner.connect_tcp(
                    str(address),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        assert failure is not None
        raise failure

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        """Refuse: harvest sources are reached over TCP only."""
        raise httpcore.ConnectError("harvest sources are reached over TCP only, not through a Unix socket")

    def sleep(self, seconds: float) -> None:
        """Pause, as the wrapped backend does."""
        self._inner.sleep(seconds)


#: httpcore's errors and the httpx errors they become; subclasses before their bases.
_ERRORS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.ProxyError, httpx.ProxyError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


@contextmanager
def _as_httpx_errors(request: httpx.Request) -> Iterator[None]:
    try:
        yield
    except BlockedAddress as blocked:
        blocked.request = request
        raise
    except Exception as error:
        for core_error, httpx_error in _ERRORS:
            if isinstance(error, core_error):
                raise httpx_error(str(error), request=request) from error
        raise


class _ResponseStream(httpx.SyncByteStream):
    def __init__(self, stream: Iterable[bytes], request: httpx.Request) -> None:
        self._stream = stream
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        with _as_httpx_errors(self._request):
            yield from self._stream

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close is not None:
            with _as_httpx_errors(self._request):
                close()


class GuardedTransport(httpx.BaseTransport):
    """An httpx transport whose every new connection goes only to an address that may be reached.

    ``verify`` is passed to :func:`httpx.create_ssl_context` (``True``: the system's trusted
    certificates, or an :class:`ssl.SSLContext`). No proxy is used: a proxy would resolve the name
    itself, beyond this check.
    """

    def __init__(
        self,
        allowed: Collection[IPNetwork],
        resolver: Resolver = system_resolver,
        *,
        verify: Any = True,
        max_connections: int = 100,
        max_keepalive_connections: int = 20,
        keepalive_expiry: float = 5.0,
    ) -> None:
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify),
            max_connections=max_connections,
            max_keepalive_connections=max_keepalive_connections,
            keepalive_expiry=keepalive_expiry,
            network_backend=GuardedBackend(allowed, resolver),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send one request (one redirect hop) and return its response, streaming."""
        if not isinstance(request.stream, httpx.SyncByteStream):
            raise TypeError("GuardedTransport sends only synchronous request bodies")
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _as_httpx_errors(request):
            core_response = self._pool.handle_request(core_request)
        assert isinstance(core_response.stream, Iterable)
        return httpx.Response(
            status_code=core_response.status,
            headers=core_response.headers,
            stream=_ResponseStream(core_response.stream, request),
            extensions=core_response.extensions,
        )

    def close(self) -> None:
        """Close every pooled connection."""
        self._pool.close()
