from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest


@pytest.fixture
def server_tmp():
    """A temporary folder the server's own user can reach. (Not under pytest's tmp_path: each
    pytest session on the machine resets /tmp/pytest-of-<user> to 0700, and as root the
    embedded server runs as another user.)"""
    folder = Path(tempfile.mkdtemp(prefix="dealtracker-test-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)
