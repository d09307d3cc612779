"""Every command the README shows works as written, from a fresh copy of the checkout, and
leaves no server running; `make help` lists every target and no target is dead."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from dealtracker import launcher
from tests.trust.server import free_port

ROOT = Path(__file__).resolve().parents[2]


def make(*args: str, cwd: Path = ROOT, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        **kwargs,
    )


# --- The Makefile ---------------------------------------------------------------------------


def phony_targets() -> list[str]:
    text = (ROOT / "Makefile").read_text()
    line = re.search(r"^\.PHONY:(.*)$", text, flags=re.MULTILINE)
    return line.group(1).split()


def test_make_help_lists_every_target_and_nothing_else():
    result = make("help")
    assert result.returncode == 0, result.stderr
    listed = re.findall(r"^make (\S+)\s+\S", result.stdout, flags=re.MULTILINE)
    assert sorted(listed) == sorted(phony_targets())
    assert make().stdout == result.stdout  # plain `make` is `make help`


@pytest.mark.parametrize("target", sorted(set(phony_targets()) - {"help"}))
def test_no_make_target_is_dead(target):
    """Each target runs commands of its own (a dry run shows them)."""
    result = make("-n", target, "PORT=8123")
    assert result.returncode == 0, result.stderr
    assert "Nothing to be done" not in result.stdout + result.stderr
    own = {
        "run": "dealtracker.launcher serve",
        "test": "-m pytest",
        "lint": "ruff check",
        "typecheck": "bin/mypy",
        "format": "ruff format",
        "check": "check --deploy",
        "audit": ".ci/audit",
        "bench": "bench/run.py",
        "soak": "bench/soak.py",
        "bench-import": "bench/import_rate.py",
        "clean-db": "rm -rf .pgdata",
    }
    assert own[target] in result.stdout


def test_make_run_honours_port_and_host_and_serves_on_loopback_by_default():
    default = make("-n", "run").stdout
    assert "serve --host '127.0.0.1' --port '8000'" in default
    chosen = make("-n", "run", "PORT=8001", "HOST=::1").stdout
    assert "serve --host '::1' --port '8001'" in chosen
    from_env = make("-n", "run", env={**os.environ, "PORT": "8002"}).stdout
    assert "--port '8002'" in from_env
    assert launcher.runserver_address("::1", "8001") == "[::1]:8001"
    with pytest.raises(SystemExit, match="PORT must be a number"):
        launcher.runserver_address("127.0.0.1", "eighty")


# --- The README's commands, as written ----------------------------------------------------------


def readme_commands() -> list[str]:
    """The command lines of the README's code blocks (indented four spaces)."""
    commands = []
    for line in (ROOT / "README.md").read_text().splitlines():
        if re.match(r"^ {4,}(make\b|\.venv/bin/python |createdb |export )", line):
            commands.append(line.strip())
    return commands


AGREEMENT = """AGREEMENT ON A TRUCE IN THE NORTH

Article 1. The parties cease all hostilities from the first day.

Article 2. Prisoners are exchanged within ten days.
"""

# What a command's placeholders stand for in the copy.
PLACEHOLDERS = {
    "NAME": None,  # per command: a user name
    "name@example.org": "desk-admin@example.org",
    "FILE": "agreement.txt",
    "SLUG": "gaza-ceasefire-2025",
    "/path/to/dealtracker-YYYYMMDD.tar": "backups/dealtracker-20250101.tar",
}

# Shown but not run here, and why.
NOT_RUN = {
    "make test": "it is this test suite",
    "make bench                        # or: .venv/bin/python bench/run.py --help": (
        "make bench takes minutes (its --help form is run instead)"
    ),
    "createdb dealtracker": "needs a PostgreSQL server of the reader's own",
    "export DATABASE_URL=postgresql://USER:PASSWORD@HOST:5432/dealtracker": (
        "names the reader's own server (CI runs the suite against one)"
    ),
}


class Copy:
    """A fresh copy of the checkout (what `git clone` gives, plus work not committed yet)
    sharing the checkout's installed .venv, in which commands run as a reader types them."""

    def __init__(self, path: Path):
        self.path = path
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout.split(b"\0")
        for name in filter(None, (n.decode() for n in listed)):
            source = ROOT / name
            if source.is_file():
                (path / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, path / name)  # mtimes kept: make sees .venv up to date
        (path / ".venv").symlink_to(ROOT / ".venv")
        self.env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"DATABASE_URL", "ENV_FILE", "DEBUG", "SECRET_KEY", "PUBLIC_READ"}
            and not k.startswith(("PYTEST_", "DJANGO_"))
        }
        self.port = free_port()
        self.env["PORT"] = str(self.port)  # this machine's 8000 may be taken

    def run(self, command: str, *, stdin: str = "") -> subprocess.CompletedProcess:
        # A session of its own: no terminal, so a password prompt reads standard input.
        return subprocess.run(
            command,
            shell=True,
            cwd=self.path,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=600,
            start_new_session=True,
        )

    def serve(self, command: str) -> str:
        """Start `make run`, wait for the site, press Ctrl-C; return what it printed."""
        log = self.path / "make-run.log"
        with open(log, "w") as out:
            process = subprocess.Popen(
                command,
                shell=True,
                cwd=self.path,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            deadline = time.monotonic() + 400
            while True:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                try:
                    url = f"http://127.0.0.1:{self.port}/deals/gaza-ceasefire-2025/"
                    if httpx.get(url, timeout=3).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.5)
        finally:
            # Ctrl-C in a terminal: SIGINT to the whole foreground process group.
            os.killpg(process.pid, signal.SIGINT)
            process.wait(timeout=120)
        # make itself got the Ctrl-C too, and ends by it, as it does in a terminal.
        assert process.returncode in (0, -signal.SIGINT), log.read_text()
        return log.read_text()

    def nothing_running(self) -> None:
        for folder in (".pgdata", ".pgdata-test"):
            assert launcher.postgres_processes(self.path / folder) == [], folder
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=2)


@pytest.fixture
def copy(server_tmp):
    if make("-q", ".venv/.installed").returncode != 0:
        pytest.fail("the checkout's .venv is not up to date with pyproject.toml: run make first")
    made = Copy(server_tmp / "dealtracker")
    yield made
    for folder in (".pgdata", ".pgdata-test"):
        if launcher.postgres_processes(made.path / folder):
            launcher._stop(made.path / folder)


def test_every_command_the_readme_shows_works_as_written_and_leaves_no_server_running(copy):
    commands = readme_commands()
    assert "make run" in commands and len(commands) >= 10
    done: list[str] = []
    users = iter(["desk-editor", "desk-admin"])
    (copy.path / PLACEHOLDERS["FILE"]).write_text(AGREEMENT)
    (copy.path / "backups").mkdir()

    def as_run(command: str) -> str:
        command = command.split("  #")[0].strip()
        # Optional parts, shown in brackets, are given: `--title ...` with a title.
        command = re.sub(r"\[([^\]]+)\]", r"\1", command).replace(
            "--title ...", "--title 'Unofficial translation'"
        )
        words = []
        for word in shlex.split(command):
            if word == "NAME":
                word = next(users)
            words.append(PLACEHOLDERS.get(word) or word)
        return shlex.join(words)

    def check(command: str, **kwargs) -> subprocess.CompletedProcess:
        result = copy.run(as_run(command), **kwargs)
        assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
        copy.nothing_running()
        done.append(command)
        return result

    # First, as the README says: make run (writes .env, loads the demo), then Ctrl-C.
    assert not (copy.path / ".env").exists()
    out = copy.serve("make run")
    assert "Stopped the embedded PostgreSQL" in out
    assert (copy.path / ".env").exists()
    assert "DEBUG=true" in (copy.path / ".env").read_text()
    assert subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=ROOT).returncode == 0
    copy.nothing_running()
    done.append("make run")

    for command in commands:
        if command in done or command in NOT_RUN:
            continue
        if "createuser" in command:
            result = check(command, stdin="a-long-desk-password-1\na-long-desk-password-1\n")
            assert "Created" in result.stdout
        elif "restore" in command:
            # "into an empty database": the README's own way to get one.
            check("make clean-db")
            result = check(command)
        else:
            check(command)
    check(".venv/bin/python bench/run.py --help")

    unknown = [c for c in commands if c not in done and c not in NOT_RUN]
    assert unknown == [], "README commands this test does not run yet: add them here"
    # What the commands did is there (read with one more command, as written).
    counted = check(
        ".venv/bin/python manage.py shell -c "
        "'from django.contrib.auth.models import User; "
        'print(sorted(User.objects.values_list("username", flat=True)))\''
    )
    assert "desk-editor" in counted.stdout and "desk-admin" in counted.stdout
