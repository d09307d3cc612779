#!/usr/bin/env python
"""Django's command-line utility for dealtracker.

With DATABASE_URL unset, the embedded PostgreSQL in .pgdata/ is started (or
reused) first and left running for the next command.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealtracker.settings")
    from dealtracker.launcher import ensure_database_url

    ensure_database_url()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
