"""Production settings: they refuse to start without a secret and pass `check --deploy`."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # What a production process would not have: debug switches, test-only
    # switches set by other tests (e.g. DJANGO_ALLOW_ASYNC_UNSAFE for Playwright).
    dropped = {"DEBUG", "SECRET_KEY", "SECRET_KEY_FILE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environ = {k: v for k, v in os.environ.items() if k not in dropped}
    # Production defaults: undo what the test plugin sets for plain-HTTP tests.
    for name in ("SECURE_SSL_REDIRECT", "SECURE_COOKIES", "STATIC_PLAIN", "ALLOWED_HOSTS"):
        environ.pop(name, None)
    environ.update(env)
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="desk.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_settings_refuse_to_start_without_a_secret_key_when_debug_is_off():
    result = manage("check", DEBUG="false", ALLOWED_HOSTS="desk.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "ImproperlyConfigured" in result.stderr


def test_a_secret_key_file_is_read(tmp_path):
    key_file = tmp_path / "secret"
    key_file.write_text(secrets.token_urlsafe(64))
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY_FILE=str(key_file),
        ALLOWED_HOSTS="desk.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- .env.example lists every setting ----------------------------------------------------------

# Read outside the settings module, and listed in .env.example all the same.
READ_ELSEWHERE = {"ENV_FILE": "manage.py, through dealtracker/localenv.py"}
# Besides every helper named env_* (env_bool, env_int, env_secret...).
ENV_READERS = {"_storage_options", "getenv"}


def variables_the_settings_read() -> set[str]:
    """Every environment variable dealtracker/settings.py reads, found in its source: calls of
    its env_* helpers and os.environ.get / os.getenv, os.environ[...], and `"X" in os.environ`."""
    import ast

    tree = ast.parse((ROOT / "dealtracker" / "settings.py").read_text())
    names: set[str] = set()

    def literal(node) -> str | None:
        return (
            node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None
        )

    def is_environ(node) -> bool:
        return isinstance(node, ast.Attribute) and node.attr == "environ"

    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and (name := literal(node.args[0])):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            helper = called.startswith("env_") or called in ENV_READERS
            if helper or (called == "get" and is_environ(func.value)):
                names.add(name)
                if called == "env_secret":
                    names.add(f"{name}_FILE")
        elif isinstance(node, ast.Subscript) and is_environ(node.value):
            if name := literal(node.slice):
                names.add(name)
        elif isinstance(node, ast.Compare) and any(is_environ(c) for c in node.comparators):
            if name := literal(node.left):
                names.add(name)
    return names


def variables_in_env_example() -> set[str]:
    import re

    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^#?\s?([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def test_env_example_lists_every_variable_the_settings_read_and_no_other():
    read = variables_the_settings_read()
    assert {"DATABASE_URL", "SECRET_KEY", "SECRET_KEY_FILE", "DEBUG", "MEDIA_ROOT"} <= read
    assert "DOCUMENT_STORAGE_BACKEND" in read  # also read as `"…" in os.environ`
    listed = variables_in_env_example()
    assert sorted(read - listed) == [], "read by the settings, missing from .env.example"
    assert sorted(listed - read - set(READ_ELSEWHERE)) == [], "in .env.example, read by nobody"


def test_every_message_is_printed_once():
    """Django's own loggers and ours reach the console once each, with DEBUG on or off."""
    code = (
        "import logging, django; django.setup(); "
        "logging.getLogger('django.request').warning('Not Found: /x'); "
        "logging.getLogger('dealtracker.desk.views').warning('ours')"
    )
    for debug in ("true", "false"):
        environ = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "dealtracker.settings",
            "DEBUG": debug,
            "SECRET_KEY": secrets.token_urlsafe(50),
        }
        result = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
        lines = result.stderr.splitlines()
        assert lines.count("Not Found: /x") == 1, (debug, lines)
        assert lines.count("ours") == 1, (debug, lines)
