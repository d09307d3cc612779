"""The URL fetch: public pages only, checked after DNS and on every redirect.

Traffic goes to loopback only (NOTES.md): refusals are tested with a stubbed
resolver and a connection that fails the test if it is ever attempted.
"""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from dealtracker.sources.extract import extract, format_for_media_type
from dealtracker.sources.fetch import FetchError, fetch_url, is_public_address

PUBLIC_IP = "93.184.215.14"


def _stub_resolver(monkeypatch, table: dict[str, list[str]]) -> list[str]:
    """Answer getaddrinfo from a table; returns the list of names asked for."""
    asked: list[str] = []

    def getaddrinfo(host, port, *args, **kwargs):
        asked.append(host)
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "not known")
        return [
            (
                socket.AF_INET6 if ":" in ip else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (ip, port, 0, 0) if ":" in ip else (ip, port),
            )
            for ip in table[host]
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


@pytest.fixture
def no_connections(monkeypatch):
    """Fail the test if anything tries to open a connection."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"a connection was attempted: {args!r}")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", refuse)


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.1",
        "127.0.0.1",
        "169.254.169.254",
        "::1",
        "fd00::1",
        "0.0.0.0",
        "::",
        "192.168.1.20",
        "172.16.5.4",
        "100.64.0.1",
        "224.0.0.1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "2002:7f00:1::1",
        "64:ff9b::a00:1",
        "fe80::1",
    ],
)
def test_fetch_refuses_a_host_resolving_to_a_non_public_address_before_connecting(
    monkeypatch, settings, no_connections, address
):
    settings.SOURCE_FETCH_ALLOW_PRIVATE = False
    _stub_resolver(monkeypatch, {"news.example": [address]})
    with pytest.raises(FetchError, match="private or local network address"):
        fetch_url("http://news.example/story")


def test_fetch_refuses_when_any_of_several_addresses_is_private(
    monkeypatch, settings, no_connections
):
    settings.SOURCE_FETCH_ALLOW_PRIVATE = False
    _stub_resolver(monkeypatch, {"news.example": [PUBLIC_IP, "10.1.2.3"]})
    with pytest.raises(FetchError, match="10.1.2.3"):
        fetch_url("https://news.example/story")


def test_fetch_refuses_an_ip_literal_of_the_metadata_service(monkeypatch, settings, no_connections):
    settings.SOURCE_FETCH_ALLOW_PRIVATE = False
    with pytest.raises(FetchError, match="private or local"):
        fetch_url("http://169.254.169.254/latest/meta-data/")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://news.example/file.txt", "Only http:// and https://"),
        ("file:///etc/passwd", "Only http:// and https://"),
        ("javascript:alert(1)", "Only http:// and https://"),
        ("http://user:secret@news.example/", "user name or password"),
        ("http:///nohost", "no host name"),
        ("http://news.example:99999/", "not a valid web address"),
    ],
)
def test_fetch_refuses_addresses_it_must_not_fetch(settings, no_connections, url, message):
    with pytest.raises(FetchError, match=message):
        fetch_url(url)


def test_fetch_reports_an_unknown_host_clearly(monkeypatch, no_connections):
    _stub_resolver(monkeypatch, {})
    with pytest.raises(FetchError, match="could not be found"):
        fetch_url("https://nowhere.example/")


def test_public_addresses_are_told_from_private_ones():
    assert is_public_address(PUBLIC_IP)
    assert is_public_address("2606:4700::6810:84e5")
    assert not is_public_address("127.0.0.2")
    assert not is_public_address("::ffff:169.254.169.254")
    assert not is_public_address("not an ip")


def test_fetch_connects_to_the_vetted_address_with_the_host_name_in_host_and_sni(
    monkeypatch, settings
):
    settings.SOURCE_FETCH_ALLOW_PRIVATE = False
    asked = _stub_resolver(monkeypatch, {"news.example": [PUBLIC_IP]})
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200, headers={"content-type": "text/plain; charset=utf-8"}, text="Report text."
        )

    fetched = fetch_url("https://news.example/story?id=7", transport=httpx.MockTransport(answer))
    assert fetched.body == b"Report text."
    assert fetched.url == "https://news.example/story?id=7"
    assert asked == ["news.example"]
    (request,) = seen
    # Pinned: the connection goes to the IP checked, not to a second DNS answer.
    assert request.url.host == PUBLIC_IP
    assert request.url.raw_path == b"/story?id=7"
    assert request.headers["host"] == "news.example"
    assert request.extensions["sni_hostname"] == "news.example"


def test_a_redirect_to_a_private_address_is_refused_before_following_it(monkeypatch, settings):
    settings.SOURCE_FETCH_ALLOW_PRIVATE = False
    _stub_resolver(monkeypatch, {"news.example": [PUBLIC_IP], "intranet.example": ["10.0.0.1"]})
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(302, headers={"location": "http://intranet.example/admin"})

    with pytest.raises(FetchError, match="private or local network address"):
        fetch_url("https://news.example/story", transport=httpx.MockTransport(answer))
    assert [r.headers["host"] for r in seen] == ["news.example"]


def test_a_redirect_to_loopback_by_ip_literal_is_refused(monkeypatch, settings):
    settings.SOURCE_FETCH_ALLOW_PRIVATE = False
    _stub_resolver(monkeypatch, {"news.example": [PUBLIC_IP]})
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(301, headers={"location": "http://127.0.0.1:8000/admin/"})

    with pytest.raises(FetchError, match="private or local"):
        fetch_url("http://news.example/", transport=httpx.MockTransport(answer))
    assert len(seen) == 1


def test_too_many_redirects_are_refused(monkeypatch, settings):
    _stub_resolver(monkeypatch, {"news.example": [PUBLIC_IP]})
    count = {"n": 0}

    def answer(request: httpx.Request) -> httpx.Response:
        count["n"] += 1
        return httpx.Response(302, headers={"location": f"/hop{count['n']}"})

    with pytest.raises(FetchError, match="redirected more than 5 times"):
        fetch_url("http://news.example/", transport=httpx.MockTransport(answer))
    assert count["n"] == 6


def test_an_error_status_is_reported(monkeypatch):
    _stub_resolver(monkeypatch, {"news.example": [PUBLIC_IP]})
    transport = httpx.MockTransport(lambda request: httpx.Response(404))
    with pytest.raises(FetchError, match="404 Not Found"):
        fetch_url("http://news.example/gone", transport=transport)


# --- a real loopback server (allowed by the setting) ------------------------

ARTICLE = """<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8">
<title>Site title</title>
<meta property="og:title" content="Hamas offers to free all hostages">
<meta name="author" content="Jane Reporter">
<meta property="og:site_name" content="The Loopback Times">
<meta property="article:published_time" content="2025-04-17T09:30:00Z">
</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article>
<h1>Hamas offers to free all hostages</h1>
<p>Hamas is prepared to release all remaining Israeli hostages immediately if Israel agrees to end its military campaign in Gaza, a senior official said.</p>
<p>The second phase of the agreement, scheduled to begin on March 2, was supposed to bring a complete halt to hostilities.</p>
</article>
<footer>Copyright and cookie notices</footer>
</body></html>
"""


class _Handler(BaseHTTPRequestHandler):
    routes: dict = {}

    def do_GET(self):  # noqa: N802 (http.server's name)
        route = self.routes.get(self.path)
        if route is None:
            self.send_error(404)
            return
        route(self)

    def log_message(self, *args):
        pass


def _html(handler):
    body = ARTICLE.encode()
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def _redirect(handler):
    handler.send_response(302)
    handler.send_header("Location", "/article")
    handler.end_headers()


def _huge(handler):
    handler.send_response(200)
    handler.send_header("Content-Type", "text/plain")
    handler.end_headers()  # no Content-Length: the cap must hold while streaming
    try:
        for _ in range(200):
            handler.wfile.write(b"x" * 1024)
    except (BrokenPipeError, ConnectionResetError):
        pass


def _slow(handler):
    time.sleep(3)
    try:
        _html(handler)
    except (BrokenPipeError, ConnectionResetError):
        pass


@pytest.fixture
def loopback_server(settings):
    settings.SOURCE_FETCH_ALLOW_PRIVATE = True
    _Handler.routes = {"/article": _html, "/moved": _redirect, "/huge": _huge, "/slow": _slow}
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_page_on_an_allowed_loopback_server_is_fetched_and_extracted(loopback_server):
    fetched = fetch_url(loopback_server + "/moved")
    assert fetched.url == loopback_server + "/article"
    assert fetched.charset == "utf-8"
    document = extract(fetched.body, format_for_media_type(fetched.content_type), url=fetched.url)
    assert document.title == "Hamas offers to free all hostages"
    assert document.author == "Jane Reporter"
    assert document.outlet == "The Loopback Times"
    assert str(document.published_on) == "2025-04-17"
    assert document.language == "en"
    assert "release all remaining Israeli hostages" in document.text
    assert "cookie notices" not in document.text
    assert "Home" not in document.text


def test_an_oversized_body_is_refused_while_streaming(loopback_server, settings):
    settings.SOURCE_MAX_BYTES = 50_000
    with pytest.raises(FetchError, match="larger than the limit of 50,000 bytes"):
        fetch_url(loopback_server + "/huge")


def test_a_declared_oversized_body_is_refused_before_reading_it(loopback_server, settings):
    settings.SOURCE_MAX_BYTES = 100
    with pytest.raises(FetchError, match="larger than the limit"):
        fetch_url(loopback_server + "/article")


def test_a_slow_server_times_out_with_a_clear_message(loopback_server, settings):
    settings.SOURCE_FETCH_TIMEOUT = 1
    started = time.monotonic()
    with pytest.raises(FetchError, match="longer than 1 seconds"):
        fetch_url(loopback_server + "/slow")
    assert time.monotonic() - started < 2.5


def test_loopback_is_refused_without_the_setting(loopback_server, settings, monkeypatch):
    settings.SOURCE_FETCH_ALLOW_PRIVATE = False
    connected = []
    real = socket.create_connection
    monkeypatch.setattr(
        socket, "create_connection", lambda *a, **k: connected.append(a) or real(*a, **k)
    )
    with pytest.raises(FetchError, match="private or local"):
        fetch_url(loopback_server + "/article")
    assert connected == []


def test_an_internationalised_host_name_is_sent_in_its_ascii_form(monkeypatch):
    _stub_resolver(
        monkeypatch, {"xn--bcher-kva.example": [PUBLIC_IP], "bücher.example": [PUBLIC_IP]}
    )
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, headers={"content-type": "text/plain"}, text="ok")

    fetch_url("https://bücher.example/", transport=httpx.MockTransport(answer))
    assert seen[0].headers["host"] == "xn--bcher-kva.example"
    assert seen[0].url.host == PUBLIC_IP
