"""Where a data source may connect: public internet addresses, or what the operator allowlisted (SSRF guard).

An admin types a data source's endpoint and FlightBridge's server fetches it, so without a guard the
endpoint reaches whatever the server can: the cloud metadata service (169.254.169.254), Redis on
localhost:6379, the intranet. The endpoint is checked when it is saved (a literal address in any
notation the C library accepts, and a host name by what it resolves to) and again at every connect:
`PinnedTransport` resolves, checks and connects to the very address it checked, so a name that
answers differently the second time (DNS rebinding) gains nothing. A refused address is never
connected to, so the answer is the same whatever listens there: no port scanning through
"Test connection". `FLIGHTBRIDGE_SOURCE_ALLOWLIST` lets an operator open intranet sources and the sandbox.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import Iterable
from urllib.parse import urlsplit

import httpcore
import httpx
from django.conf import settings

from flightbridge.errors import FatalError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class RefusedAddress(FatalError):
    """The endpoint points at an address data sources may not reach; the message names it and why."""

    code = "refused_address"

    def __init__(self, endpoint_host: str, address: IPAddress, kind: str):
        self.address = address
        shown = endpoint_host if endpoint_host == str(address) else f"{endpoint_host} ({address})"
        super().__init__(
            f"The endpoint's host {shown} is a {kind} address, which data sources may not reach. "
            "If this source really is on your network, add the host name, address or network to "
            "FLIGHTBRIDGE_SOURCE_ALLOWLIST."
        )


def literal_address(host: str) -> IPAddress | None:
    """The address `host` spells, in any notation a resolver would accept, or None for a host name.

    inet_aton reads the old BSD forms too (2130706433, 0x7f000001, 0177.0.0.1, 127.1): exactly what
    getaddrinfo would connect to, so they are checked as the address they mean, not as names.
    """
    text = host.strip("[]")
    text = text.split("%", 1)[0]  # an IPv6 zone id (fe80::1%eth0)
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(text))
    except (OSError, ValueError):
        return None


def address_kind(address: IPAddress) -> str | None:
    """Why an address is off limits ('loopback', 'private' …), or None for a public internet address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address_kind(address.ipv4_mapped)  # ::ffff:127.0.0.1 is 127.0.0.1
    for kind in ("unspecified", "loopback", "link_local", "multicast", "reserved", "private", "site_local"):
        if getattr(address, f"is_{kind}", False):
            return kind.replace("_", "-")
    if not address.is_global:
        return "non-public"  # shared (100.64.0.0/10), documentation, benchmarking, NAT64 …
    return None


@dataclass(frozen=True)
class Allowlist:
    names: frozenset[str]
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]

    @classmethod
    def parse(cls, entries: Iterable[str]) -> "Allowlist":
        names, networks = set(), []
        for entry in entries:
            entry = entry.strip().lower().strip("[]")
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                names.add(entry.rstrip("."))
        return cls(frozenset(names), tuple(networks))

    @classmethod
    def from_settings(cls) -> "Allowlist":
        return cls.parse(getattr(settings, "FLIGHTBRIDGE_SOURCE_ALLOWLIST", ()))

    def allows_name(self, host: str) -> bool:
        return host.lower().rstrip(".").strip("[]") in self.names

    def allows_address(self, address: IPAddress) -> bool:
        mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
        return any(candidate in network for candidate in filter(None, (address, mapped)) for network in self.networks
                   if candidate.version == network.version)


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address the system resolver gives for `host` (tests replace this to fake DNS)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos))


def check_address(host: str, address: IPAddress, allowlist: Allowlist) -> None:
    kind = address_kind(address)
    if kind and not (allowlist.allows_name(host) or allowlist.allows_address(address)):
        raise RefusedAddress(host, address, kind)


def vetted_addresses(host: str, port: int, allowlist: Allowlist | None = None) -> list[IPAddress]:
    """The addresses to connect to for `host`, every one checked; raises RefusedAddress if any is off limits.

    All of them, not just the first: a name that resolves to one public and one private address
    would otherwise reach the private one whenever the resolver's order changed.
    """
    allowlist = allowlist or Allowlist.from_settings()
    literal = literal_address(host)
    addresses = [literal] if literal is not None else resolve(host, port)
    for address in addresses:
        check_address(host, address, allowlist)
    return addresses


def check_endpoint(endpoint: str) -> None:
    """Refuse an endpoint whose host is (or resolves to) an address data sources may not reach.

    Run when a data source is saved. A name that does not resolve (yet) is accepted here: the
    connect-time check refuses it later if it turns out to point somewhere it must not.
    """
    parts = urlsplit(endpoint)
    host = parts.hostname or ""
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return  # the URL check names a bad port
    try:
        vetted_addresses(host, port)
    except (socket.gaierror, UnicodeError):
        return


class _PinnedBackend(httpcore.NetworkBackend):
    """Resolves and checks the host itself, then connects to the checked address.

    httpcore hands TLS the original host name separately (SNI and certificate checks stay on the
    name), and the Host header comes from the URL: only the TCP connect is pinned.
    """

    def __init__(self, allowlist: Allowlist | None):
        self._allowlist = allowlist
        self._backend = httpcore.SyncBackend()

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        try:
            addresses = vetted_addresses(host, port, self._allowlist)
        except socket.gaierror as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc.strerror}") from None
        error: Exception | None = None
        for address in addresses:
            try:
                return self._backend.connect_tcp(str(address), port, timeout=timeout, local_address=local_address,
                                                 socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        raise error  # type: ignore[misc]  # addresses is never empty: getaddrinfo raises instead

    def connect_unix_socket(self, *args, **kwargs):  # pragma: no cover - data sources are URLs, never sockets
        raise httpcore.ConnectError("data sources connect over TCP only")

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


class PinnedTransport(httpx.HTTPTransport):
    """httpx's transport with every connect going through `_PinnedBackend`; ignores proxy variables."""

    def __init__(self, allowlist: Allowlist | None = None):
        super().__init__(trust_env=False)
        self._pool.close()
        # httpx offers no hook for the network backend; its pool is replaced with one built the same way.
        self._pool = httpcore.ConnectionPool(ssl_context=httpx.create_ssl_context(trust_env=False),
                                             max_connections=10, max_keepalive_connections=5, keepalive_expiry=5.0,
                                             network_backend=_PinnedBackend(allowlist))
