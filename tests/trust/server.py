"""Run the app under gunicorn in a subprocess, against a given database URL."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import httpx

BASE_DIR = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(settings_dict: dict, *, host: str | None = None, port: int | None = None) -> str:
    """A DATABASE_URL for the test database, optionally through another host and port."""
    from dealtracker.ops.backup import conninfo

    info = conninfo(settings_dict)
    user = quote(info.get("user") or "postgres")
    password = info.get("password") or ""
    auth = f"{user}:{quote(password)}" if password else user
    host = host or info.get("host") or "127.0.0.1"
    port = port or int(info.get("port") or 5432)
    name = quote(info["dbname"])
    if host.startswith("/"):
        return f"postgresql://{auth}@/{name}?host={quote(host)}&port={port}"
    return f"postgresql://{auth}@{host}:{port}/{name}"


class Gunicorn:
    def __init__(self, *, database_url: str, env: dict[str, str] | None = None, workers: int = 1):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        full_env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "dealtracker.settings",
            "DEBUG": "false",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            "STATIC_PLAIN": "true",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            **(env or {}),
        }
        full_env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "gunicorn",
                "dealtracker.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--timeout",
                "60",
                "--graceful-timeout",
                "2",
                "--log-level",
                "warning",
            ],
            cwd=BASE_DIR,
            env=full_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output = self.process.stdout.read().decode(errors="replace")
                raise RuntimeError(f"gunicorn exited: {output}")
            try:
                httpx.get(f"{self.url}/healthz", timeout=1.0)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not answer within 20 s")

    def stop(self) -> str:
        self.process.send_signal(signal.SIGINT)  # gunicorn: quick shutdown
        try:
            out, _ = self.process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, _ = self.process.communicate()
        return out.decode(errors="replace") if out else ""
