"""Fetch a report from a URL without letting the server be used to reach the newsroom's network.

Every hop (the first URL and each redirect) is checked the same way: http or
https only, no credentials in the address, the host resolved here with
`socket.getaddrinfo`, and every address it resolves to must be public (not
private, loopback, link-local, multicast, reserved, unspecified, shared or an
IPv6 form embedding such an IPv4 address) unless
settings.SOURCE_FETCH_ALLOW_PRIVATE is on. The connection then goes to the
vetted address itself — the request URL carries the IP, the Host header and the
TLS server name carry the host name — so a second DNS answer (rebinding) can
never redirect it. Redirects are followed by hand, at most MAX_REDIRECTS.
The whole fetch, DNS included, must finish within settings.SOURCE_FETCH_TIMEOUT
seconds, and the body may not exceed settings.SOURCE_MAX_BYTES.
"""

from __future__ import annotations

import concurrent.futures
import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx
from django.conf import settings

MAX_REDIRECTS = 5
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
USER_AGENT = "dealtracker source fetcher (+newsroom desk)"
ACCEPT = "text/html, application/xhtml+xml, text/plain, text/markdown;q=0.9"

_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class FetchError(Exception):
    """The page could not be fetched; str(error) is a message for the editor."""


@dataclass(frozen=True)
class Fetched:
    url: str  # the final URL, after redirects
    content_type: str
    charset: str | None
    body: bytes


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public_address(address: str) -> bool:
    """Whether an IP address is on the public internet (and so safe to connect to)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None and not is_public_address(str(embedded)):
            return False
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise FetchError(_timeout_message())
    return left


def _timeout_message() -> str:
    return f"The site took longer than {settings.SOURCE_FETCH_TIMEOUT} seconds to answer; try again later or paste the text."


def resolve(host: str, port: int, *, deadline: float) -> list[str]:
    """The addresses a host name resolves to (through socket.getaddrinfo, patchable in tests)."""
    executor = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    future = executor.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    try:
        infos = future.result(timeout=_remaining(deadline))
    except concurrent.futures.TimeoutError:
        raise FetchError(_timeout_message()) from None
    except (socket.gaierror, UnicodeError, OSError):
        raise FetchError(f"The host name “{host}” could not be found.") from None
    finally:
        executor.shutdown(wait=False)
    addresses: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        if str(sockaddr[0]) not in addresses:
            addresses.append(str(sockaddr[0]))
    if not addresses:
        raise FetchError(f"The host name “{host}” could not be found.")
    return addresses


@dataclass(frozen=True)
class _Target:
    url: str
    scheme: str
    host: str
    port: int
    address: str  # the vetted IP to connect to


def vet_url(url: str, *, deadline: float) -> _Target:
    """Check one hop's URL and resolve its host; FetchError when it must not be fetched."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise FetchError("This is not a valid web address.") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError("Only http:// and https:// addresses can be fetched.")
    if parts.username or parts.password:
        raise FetchError("Addresses with a user name or password are not accepted.")
    host = parts.hostname
    if not host:
        raise FetchError("The address has no host name.")
    port = port or (443 if scheme == "https" else 80)
    try:
        addresses = [str(ipaddress.ip_address(host))]  # an IP literal needs no lookup
    except ValueError:
        addresses = resolve(host, port, deadline=deadline)
    if not settings.SOURCE_FETCH_ALLOW_PRIVATE:
        refused = [a for a in addresses if not is_public_address(a)]
        if refused:
            raise FetchError(
                f"“{host}” points at a private or local network address ({refused[0]}); "
                "the desk only fetches public web pages. Paste the text instead."
            )
    return _Target(url=url, scheme=scheme, host=host, port=port, address=addresses[0])


def _pinned_request(client: httpx.Client, target: _Target) -> httpx.Request:
    """A request that connects to the vetted IP while naming the host in Host and TLS SNI."""
    ip = str(ipaddress.ip_address(target.address.split("%", 1)[0]))
    default_port = 443 if target.scheme == "https" else 80
    try:
        ascii_host = target.host.encode("idna").decode("ascii")  # internationalised names
    except UnicodeError:
        raise FetchError("The host name is not valid.") from None
    host_name = f"[{ascii_host}]" if ":" in ascii_host else ascii_host
    host_header = host_name if target.port == default_port else f"{host_name}:{target.port}"
    try:
        pinned = httpx.URL(target.url).copy_with(host=ip, fragment=None)
    except (httpx.InvalidURL, ValueError):
        raise FetchError("This is not a valid web address.") from None
    return client.build_request(
        "GET",
        pinned,
        headers={"Host": host_header, "User-Agent": USER_AGENT, "Accept": ACCEPT},
        extensions={"sni_hostname": ascii_host},
    )


def fetch_url(url: str, *, transport: httpx.BaseTransport | None = None) -> Fetched:
    """GET a public web page, following up to MAX_REDIRECTS redirects, each one vetted again.

    `transport` lets tests answer without any network.
    """
    timeout = float(settings.SOURCE_FETCH_TIMEOUT)
    max_bytes = settings.SOURCE_MAX_BYTES
    deadline = time.monotonic() + timeout
    with httpx.Client(
        transport=transport, follow_redirects=False, trust_env=False, verify=True
    ) as client:
        for _hop in range(MAX_REDIRECTS + 1):
            target = vet_url(url, deadline=deadline)
            request = _pinned_request(client, target)
            left = _remaining(deadline)
            request.extensions["timeout"] = httpx.Timeout(left).as_dict()
            try:
                response = client.send(request, stream=True)
            except httpx.TimeoutException:
                raise FetchError(_timeout_message()) from None
            except httpx.HTTPError as exc:
                raise FetchError(f"The site could not be reached ({type(exc).__name__}).") from None
            try:
                if response.status_code in REDIRECT_STATUSES:
                    location = response.headers.get("location")
                    if not location:
                        raise FetchError("The site answered with a redirect that leads nowhere.")
                    url = urljoin(target.url, location)
                    continue
                if response.status_code != 200:
                    raise FetchError(
                        f"The site answered {response.status_code} {response.reason_phrase}, not the page."
                    )
                declared = response.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > max_bytes:
                    raise FetchError(_too_large_message(max_bytes))
                body = bytearray()
                try:
                    for chunk in response.iter_bytes():
                        body += chunk
                        if len(body) > max_bytes:
                            raise FetchError(_too_large_message(max_bytes))
                        _remaining(deadline)
                except httpx.TimeoutException:
                    raise FetchError(_timeout_message()) from None
                except httpx.HTTPError as exc:
                    raise FetchError(
                        f"The page could not be read ({type(exc).__name__})."
                    ) from None
                content_type = response.headers.get("content-type", "")
                return Fetched(
                    url=target.url,
                    content_type=content_type.split(";")[0].strip().lower(),
                    charset=response.charset_encoding,
                    body=bytes(body),
                )
            finally:
                response.close()
    raise FetchError(f"The site redirected more than {MAX_REDIRECTS} times.")


def _too_large_message(max_bytes: int) -> str:
    return f"The page is larger than the limit of {max_bytes:,} bytes; paste the part you need instead."
