"""Soak test: simulated readers and editors for a few minutes against gunicorn.

Readers browse and search (some logged in, some anonymous); editors mark passages,
create claims on them, and edit the *same* few claims at once. At the end every
acknowledged write is looked up in the database, and the claims edited
concurrently are checked for lost updates: each accepted edit must have been based
on a different version (a stale form is refused with 409), the claim's final
statement is the last accepted edit, and every accepted edit is in its history.

    python bench/soak.py --base-url http://127.0.0.1:8000 --database-url postgresql://...
    python bench/soak.py            # standalone: its own database and gunicorn

`make bench` runs it against its large database; `make soak` runs it standalone.
Exit status 1 when a server error occurred or a check failed. Loopback only.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx

BASE_DIR = Path(__file__).resolve().parent.parent
PASSWORD = "soak-" + secrets.token_urlsafe(12)
SENTENCES = 400


# --- HTML forms ------------------------------------------------------------------------


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {
                "action": a.get("action") or "",
                "method": (a.get("method") or "get").lower(),
                "fields": [],
                "buttons": [],
            }
            self.forms.append(self._form)
        if self._form is None:
            return
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            name = a.get("name")
            if not name:
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form["fields"].append((name, a.get("value", "on")))
            elif kind == "submit":
                self._form["buttons"].append((name, a.get("value", "")))
            elif kind not in ("file", "image", "reset", "button"):
                self._form["fields"].append((name, a.get("value", "")))
        elif tag == "button" and a.get("name"):
            self._form["buttons"].append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select, self._select_first, self._select_chosen = a.get("name"), None, False
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in a:
                self._form["fields"].append((self._select, value))
                self._select_chosen = True
        elif tag == "textarea":
            self._textarea, self._text = a.get("name"), ""

    def handle_data(self, data):
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select:
            if (
                not self._select_chosen
                and self._select_first is not None
                and self._form is not None
            ):
                self._form["fields"].append((self._select, self._select_first))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            if self._form is not None:
                self._form["fields"].append((self._textarea, self._text))
            self._textarea = None


def forms(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def form_with(html: str, field_name: str) -> dict | None:
    for form in forms(html):
        if any(name == field_name for name, _ in form["fields"]):
            return form
    return None


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if match:
        return match.group(1)
    match = re.search(r'"X-CSRFToken": "([^"]+)"', html)
    return match.group(1) if match else ""


# --- figures -----------------------------------------------------------------------------


@dataclass
class Figures:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: dict[str, list[float]] = field(default_factory=dict)
    statuses: dict[int, int] = field(default_factory=dict)
    server_errors: list[str] = field(default_factory=list)
    transport_errors: list[str] = field(default_factory=list)
    passages: list[tuple[int, int, int]] = field(default_factory=list)  # (source, start, end)
    claims_created: list[str] = field(default_factory=list)
    edits: list[tuple[int, int, str]] = field(
        default_factory=list
    )  # (claim, version read, statement)
    stale_refused: int = 0

    def record(
        self, kind: str, response: httpx.Response | None, seconds: float, url: str, error: str = ""
    ):
        with self.lock:
            self.latencies.setdefault(kind, []).append(seconds * 1000)
            if response is None:
                self.transport_errors.append(f"{kind} {url}: {error}")
                return
            self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
            if response.status_code >= 500:
                self.server_errors.append(f"{kind} {url}: {response.status_code}")


def p95(values: list[float]) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


# --- simulated people ------------------------------------------------------------------


class Person(threading.Thread):
    def __init__(self, base_url: str, figures: Figures, until: float, seed: int):
        super().__init__(daemon=True)
        self.http = httpx.Client(base_url=base_url, timeout=60)
        self.figures = figures
        self.until = until
        self.random = random.Random(seed)

    def run(self):
        try:
            self.act()
        except Exception as exc:  # a failed login or a broken page is a finding
            with self.figures.lock:
                self.figures.transport_errors.append(f"{type(self).__name__}: {exc!r}")

    def act(self) -> None:
        raise NotImplementedError

    def request(self, kind: str, method: str, url: str, **kwargs) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            response = self.http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            self.figures.record(kind, None, time.perf_counter() - started, url, repr(exc))
            return None
        self.figures.record(kind, response, time.perf_counter() - started, url)
        return response

    def login(self, username: str) -> None:
        page = self.http.get("/accounts/login/")
        response = self.http.post(
            "/accounts/login/",
            data={
                "username": username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": csrf_token(page.text),
            },
        )
        if response.status_code != 302:
            raise RuntimeError(f"login of {username} failed: {response.status_code}")

    def post(self, kind: str, url: str, data: list[tuple[str, str]] | dict, page_html: str):
        token = csrf_token(page_html)
        items = list(data.items()) if isinstance(data, dict) else list(data)
        items = [(k, v) for k, v in items if k != "csrfmiddlewaretoken"] + [
            ("csrfmiddlewaretoken", token)
        ]
        data_dict: dict[str, list[str]] = {}
        for key, value in items:
            data_dict.setdefault(key, []).append(value)
        return self.request(kind, "POST", url, data=data_dict)


class Reader(Person):
    def __init__(self, *args, world: dict, username: str | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.world = world
        self.username = username

    def act(self):
        if self.username:
            self.login(self.username)
        w = self.world
        pages = [
            ("home", "/"),
            ("deal list", "/deals/"),
            ("deal", f"/deals/{w['deal_slug']}/"),
            ("claims", "/claims/"),
            ("claims filtered", "/claims/?kind=compliance"),
            ("parties", "/parties/"),
            ("sources", "/sources/"),
            ("source", f"/sources/{w['source_id']}/"),
            ("claim", f"/claims/{w['claim_ids'][0]}/"),
        ]
        words = ["ceasefire", "hostages", "withdrawal", "aid", "Hamas", "Israel", "phase", "soak"]
        while time.monotonic() < self.until:
            if self.random.random() < 0.3:
                self.request("search", "GET", "/search/", params={"q": self.random.choice(words)})
            else:
                kind, url = self.random.choice(pages)
                self.request(kind, "GET", url)


class Editor(Person):
    def __init__(self, *args, world: dict, username: str, number: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.world = world
        self.username = username
        self.number = number
        self.count = 0

    def act(self):
        self.login(self.username)
        while time.monotonic() < self.until:
            roll = self.random.random()
            try:
                if roll < 0.35:
                    self.mark_passage()
                elif roll < 0.55:
                    self.create_claim()
                else:
                    self.edit_shared_claim()
            except Exception as exc:  # a broken page is a finding, not a crash of the soak
                with self.figures.lock:
                    self.figures.transport_errors.append(f"{self.username}: {exc!r}")

    def _span(self) -> tuple[int, int]:
        start, end = self.random.choice(self.world["spans"])
        return start, end

    def mark_passage(self) -> int | None:
        source = self.world["source_id"]
        page = self.request("source", "GET", f"/sources/{source}/")
        if page is None or page.status_code != 200:
            return None
        start, end = self._span()
        response = self.post(
            "mark passage", f"/sources/{source}/passages/", {"start": start, "end": end}, page.text
        )
        if response is not None and response.status_code in (302, 303):
            match = re.search(r"/passages/(\d+)/", response.headers.get("Location", ""))
            if match:
                with self.figures.lock:
                    self.figures.passages.append((source, start, end))
                return int(match.group(1))
        return None

    def create_claim(self) -> None:
        passage = self.mark_passage()
        if passage is None:
            return
        source = self.world["source_id"]
        url = f"/sources/{source}/passages/{passage}/"
        page = self.request("passage", "GET", url)
        if page is None or page.status_code != 200:
            return
        form = form_with(page.text, "claim-statement")
        if form is None:
            raise RuntimeError(f"no new-claim form on {url}")
        self.count += 1
        statement = f"Soak claim {self.username} #{self.count} {secrets.token_hex(4)}"
        fields = [(k, v) for k, v in form["fields"] if k != "claim-statement"]
        # The editor's choice: a draft (the form refuses a claim saved without one).
        fields += [("claim-statement", statement), ("action", "new"), ("save", "draft")]
        action = urljoin(url, form["action"]) if form["action"] else url
        response = self.post("create claim", action, fields, page.text)
        if response is not None and response.status_code in (200, 201, 302, 303):
            with self.figures.lock:
                self.figures.claims_created.append(statement)

    def edit_shared_claim(self) -> None:
        claim = self.random.choice(self.world["shared_claim_ids"])
        url = f"/claims/{claim}/edit/"
        page = self.request("claim editor", "GET", url)
        if page is None or page.status_code != 200:
            return
        form = form_with(page.text, "version")
        if form is None:
            raise RuntimeError(f"no edit form with a version on {url}")
        version = int(dict(form["fields"])["version"])
        # Think a moment, as an editor would: others may save in between.
        time.sleep(self.random.uniform(0.0, 0.2))
        self.count += 1
        statement = f"Shared claim {claim} edited by {self.username} #{self.count}"
        fields = [(k, v) for k, v in form["fields"] if k != "statement"] + [
            ("statement", statement)
        ]
        action = urljoin(url, form["action"]) if form["action"] else url
        response = self.post("edit claim", action, fields, page.text)
        if response is None:
            return
        if response.status_code in (302, 303):
            with self.figures.lock:
                self.figures.edits.append((claim, version, statement))
        elif response.status_code == 409:
            with self.figures.lock:
                self.figures.stale_refused += 1


# --- setup and checks (Django, in this process, on the same database) ----------------------


def django_setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealtracker.settings")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
    os.environ.setdefault("STATIC_PLAIN", "true")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


def prepare_world(readers: int, editors: int) -> dict:
    from django.contrib.auth.hashers import make_password

    from dealtracker.accounts.services import user_create
    from dealtracker.claims.models import Claim
    from dealtracker.deals.models import Deal
    from dealtracker.sources.services import source_create

    run = secrets.token_hex(3)
    deal = (
        Deal.objects.filter(slug="gaza-ceasefire-2025").first()
        or Deal.objects.order_by("id").first()
    )
    if deal is None:
        raise SystemExit("soak: the database has no deal (load the demo first)")
    users = {"readers": [], "editors": []}
    hashed = make_password(PASSWORD)
    for role, count in (("reader", readers), ("editor", editors)):
        for i in range(count):
            user = user_create(
                username=f"soak-{run}-{role}-{i}", password=PASSWORD, role=role, validate=False
            )
            user.password = hashed
            user.save(update_fields=["password"])
            users[f"{role}s"].append(user.username)
    # The run's id in the text: a rerun on the same database must not be a wire copy.
    text = f"Soak report {run}.\n\n" + "\n\n".join(
        f"Soak paragraph {i}: the mediators said on day {i} that the ceasefire terms held in sector {i % 17}."
        for i in range(SENTENCES)
    )
    source = source_create(
        text=text,
        title=f"Soak report {run}",
        url=f"https://soak.example.org/{run}",
        by=None,
    )
    spans = [(m.start(), m.end()) for m in re.finditer(r"the ceasefire terms held", source.text)]
    shared = [
        Claim.objects.create(statement=f"Shared soak claim {run} {i}", deal=deal, kind="other").pk
        for i in range(3)
    ]
    claim_ids = (
        list(
            Claim.objects.filter(is_published=True).order_by("id").values_list("id", flat=True)[:1]
        )
        or shared
    )
    return {
        "run": run,
        "deal_slug": deal.slug,
        "source_id": source.pk,
        "spans": spans,
        "shared_claim_ids": shared,
        "claim_ids": claim_ids,
        "users": users,
    }


def check_writes(world: dict, figures: Figures) -> tuple[list[str], int]:
    from dealtracker.claims.models import Claim
    from dealtracker.sources.models import Passage

    problems: list[str] = []
    checked = 0
    for source, start, end in figures.passages:
        checked += 1
        if not Passage.objects.filter(source_id=source, start=start, end=end).exists():
            problems.append(f"acknowledged passage {source}:{start}-{end} is missing")
    dupes = [
        (start, end)
        for start, end in set((s, e) for _, s, e in figures.passages)
        if Passage.objects.filter(source_id=world["source_id"], start=start, end=end).count() > 1
    ]
    if dupes:
        problems.append(
            f"the same span was stored as several passages (marking twice must reuse): {sorted(dupes)[:5]}"
        )
    for statement in figures.claims_created:
        checked += 1
        claim = Claim.objects.filter(statement=statement).first()
        if claim is None:
            problems.append(f"acknowledged new claim {statement!r} is missing")
        elif not claim.evidence.exists():
            problems.append(f"new claim {statement!r} rests on no passage")
    for claim_id in world["shared_claim_ids"]:
        edits = [(version, statement) for c, version, statement in figures.edits if c == claim_id]
        versions = [v for v, _ in edits]
        if len(versions) != len(set(versions)):
            problems.append(
                f"claim {claim_id}: two edits based on the same version were both accepted (lost update)"
            )
        claim = Claim.objects.get(pk=claim_id)
        history = set(claim.history.values_list("statement", flat=True))
        for _, statement in edits:
            checked += 1
            if statement not in history:
                problems.append(
                    f"claim {claim_id}: accepted edit {statement!r} is not in its history"
                )
        if edits:
            last = max(edits)[1]
            if claim.statement != last:
                problems.append(
                    f"claim {claim_id}: final statement {claim.statement!r} is not the last accepted edit {last!r}"
                )
    return problems, checked


# --- the server's memory -------------------------------------------------------------------


def gunicorn_workers_rss(base_url: str) -> dict[int, float] | None:
    """Resident memory (MB) of each worker of the gunicorn listening at base_url, by pid;
    None when what listens there is not a gunicorn of this machine (a proxy, say)."""
    import psutil

    port = urlsplit(base_url).port
    try:
        listening = [
            c.pid
            for c in psutil.net_connections(kind="tcp")
            if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port and c.pid
        ]
        if not listening:
            return None
        master = psutil.Process(listening[0])
        while master.parent() is not None and "gunicorn" in " ".join(master.parent().cmdline()):
            master = master.parent()  # a worker shares the listening socket
        if "gunicorn" not in " ".join(master.cmdline()):
            return None
        return {
            worker.pid: round(worker.memory_info().rss / 2**20, 1) for worker in master.children()
        }
    except (psutil.Error, OSError):
        return None


def rss_line(workers: dict[int, float]) -> str:
    return ", ".join(f"{pid} {mb} MB" for pid, mb in sorted(workers.items()))


# --- standalone server ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def standalone(database_url: str | None) -> tuple[str, str, subprocess.Popen, object]:
    """A fresh soak database (migrated, demo loaded) and gunicorn on it."""
    import psycopg
    from psycopg import sql

    embedded = None
    if not database_url:
        sys.path.insert(0, str(BASE_DIR))
        from dealtracker.launcher import ensure_database_url

        # Claimed for this process; stopped when it exits (dealtracker/launcher.py).
        database_url = embedded = ensure_database_url(
            data_dir=BASE_DIR / ".pgdata-soak", purpose="bench/soak.py", quiet=False
        )
    parts = urlsplit(database_url)
    name = (parts.path.lstrip("/") or "postgres") + "_soak"
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = parts._replace(path=f"/{name}").geturl()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "STATIC_PLAIN": "true",
        "PUBLIC_READ": "true",
        "LOG_LEVEL": "ERROR",
    }
    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], env=env, cwd=BASE_DIR, check=True)  # noqa: S603
    subprocess.run(  # noqa: S603
        [*manage, "loaddemo"], env=env, cwd=BASE_DIR, check=True, stdout=subprocess.DEVNULL
    )
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "gunicorn",
            "dealtracker.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "3",
            "--timeout",
            "60",
            "--log-level",
            "warning",
            # As a deployment runs it (README, "Deployment"): workers replaced now and then.
            "--max-requests",
            "1000",
            "--max-requests-jitter",
            "100",
        ],
        env=env,
        cwd=BASE_DIR,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(f"{base}/healthz", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    return base, url, server, embedded


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--base-url", help="a running server (else: start gunicorn on a fresh database)"
    )
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("SOAK_SECONDS", 180)))
    parser.add_argument("--readers", type=int, default=6)
    parser.add_argument("--editors", type=int, default=4)
    args = parser.parse_args()

    server = embedded = None
    base_url, database_url = args.base_url, args.database_url
    if not base_url:
        base_url, database_url, server, embedded = standalone(database_url)
    elif not database_url:
        parser.error("--database-url is needed with --base-url (the writes are checked there)")
    for host in (urlsplit(base_url).hostname,):
        if host not in ("127.0.0.1", "localhost", "::1"):
            parser.error("the soak runs against loopback only")
    try:
        django_setup(database_url)
        world = prepare_world(args.readers, args.editors)
        figures = Figures()
        until = time.monotonic() + args.seconds
        people: list[Person] = []
        for i in range(args.readers):
            username = world["users"]["readers"][i] if i % 2 == 0 else None  # half anonymous
            people.append(Reader(base_url, figures, until, seed=i, world=world, username=username))
        for i, username in enumerate(world["users"]["editors"]):
            people.append(
                Editor(
                    base_url, figures, until, seed=100 + i, world=world, username=username, number=i
                )
            )
        print(
            f"soak: {args.readers} readers and {args.editors} editors for {args.seconds:.0f} s against {base_url}"
        )
        rss_before = gunicorn_workers_rss(base_url)
        started = time.monotonic()
        for person in people:
            person.start()
        for person in people:
            person.join(timeout=args.seconds + 120)
        elapsed = time.monotonic() - started
        rss_after = gunicorn_workers_rss(base_url)
        from django.db import connection

        connection.close()
        problems, checked = check_writes(world, figures)
    finally:
        if server is not None:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=30)

    total = sum(len(v) for v in figures.latencies.values())
    all_latencies = [x for v in figures.latencies.values() for x in v]
    print(f"requests: {total} in {elapsed:.0f} s ({total / elapsed:.1f}/s)")
    print(f"statuses: {dict(sorted(figures.statuses.items()))}")
    print(
        f"server errors (5xx): {len(figures.server_errors)}; transport/page errors: {len(figures.transport_errors)}"
    )
    print(
        f"p95 overall: {p95(all_latencies):.0f} ms; median {statistics.median(all_latencies) if all_latencies else float('nan'):.0f} ms"
    )
    for kind, values in sorted(figures.latencies.items()):
        print(f"  {kind:16} n={len(values):6}  p95={p95(values):7.0f} ms")
    print(
        f"writes acknowledged: {len(figures.passages)} passages, {len(figures.claims_created)} claims, "
        f"{len(figures.edits)} edits of shared claims; stale edits refused (409): {figures.stale_refused}"
    )
    print(f"writes checked in the database: {checked}")
    if rss_before is not None and rss_after is not None:
        # A pid missing after the run is a worker gunicorn replaced (--max-requests).
        print(f"worker memory (RSS) before: {rss_line(rss_before)}")
        print(f"worker memory (RSS) after:  {rss_line(rss_after)}")
    writes = len(figures.passages) + len(figures.claims_created) + len(figures.edits)
    if args.editors and not writes:
        problems.append("the editors got no write acknowledged")
    elif args.editors and figures.passages and not figures.claims_created:
        # Passages were marked but no claim was saved from them: the form refused them all.
        problems.append("the editors marked passages but no new claim was saved")
    for line in (figures.server_errors + figures.transport_errors)[:20]:
        print(f"  ERROR {line}")
    for problem in problems:
        print(f"  FAIL {problem}")
    ok = not figures.server_errors and not figures.transport_errors and not problems and total > 0
    print("soak: OK" if ok else "soak: FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
