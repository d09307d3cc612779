"""The local `.env`: settings for running dealtracker on this machine, read by manage.py.

`make run` (and `make test`) write it once when it is missing — DEBUG on, a secret key
made for this checkout, public reading on — so that every `manage.py` command the
README shows works as written. It is git-ignored and never read by the WSGI
application (gunicorn in production reads only its environment). Variables set in
the environment win over the file; delete the file to get a fresh one.

`ENV_FILE` names another file to read instead; set empty, no file is read (the
test suite does that: its settings are its own).

The format is the usual one: `NAME=value` lines, `#` comments, optional `export `,
values optionally in single or double quotes.
"""

from __future__ import annotations

import os
import re
import secrets
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_ENV_FILE = BASE_DIR / ".env"


def local_env_file() -> Path | None:
    """The file to read: ENV_FILE when set (None when set empty), else .env."""
    named = os.environ.get("ENV_FILE")
    if named is None:
        return DEFAULT_ENV_FILE
    return Path(named) if named.strip() else None


_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")

TEMPLATE = """\
# Local settings for this checkout, written by `make run` / `make test` (git-ignored).
# manage.py reads them; variables set in the environment win. Never used by gunicorn.
# Every setting is described in .env.example. Delete this file to get a fresh one.
DEBUG=true
SECRET_KEY={secret_key}
PUBLIC_READ=true
"""


def parse(text: str) -> dict[str, str]:
    values = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _LINE.match(line)
        if not match:
            continue
        name, value = match.groups()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        else:
            value = value.split(" #", 1)[0].rstrip()
        values[name] = value
    return values


def load_local_env(path: Path | None = None) -> dict[str, str]:
    """Put the file's values into os.environ where the environment has none; return them."""
    path = path or local_env_file()
    if path is None:
        return {}
    try:
        values = parse(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    for name, value in values.items():
        os.environ.setdefault(name, value)
    return values


def ensure_local_env(path: Path | None = None) -> Path | None:
    """Write the local .env when it is missing; return its path if it was written."""
    path = path or local_env_file()
    if path is None or path.exists():
        return None
    text = TEMPLATE.format(secret_key=secrets.token_urlsafe(50))
    # Created readable by its owner only: it holds the secret key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return None  # another command wrote it meanwhile
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


if __name__ == "__main__":
    written = ensure_local_env()
    if written:
        print(
            f"Wrote {written.name}: local settings (DEBUG on, a new secret key).", file=sys.stderr
        )
