#!/usr/bin/env python
"""Django's command-line utility for dealtracker.

Reads the local `.env` (written by `make run`; the environment wins over it). With
DATABASE_URL unset, the embedded PostgreSQL in .pgdata/ is started (or shared with
a running `make run`) for the command, and stopped after it unless another process
still uses it (dealtracker/launcher.py).
"""

import os
import sys


def main() -> None:
    from dealtracker.launcher import die_with_parent, ensure_database_url
    from dealtracker.localenv import load_local_env

    die_with_parent()
    load_local_env()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealtracker.settings")
    ensure_database_url()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
