"""Production settings for `make bench`, with static files collected into a
temporary folder instead of the project's staticfiles/ (nothing else differs)."""

import os

from dealtracker.settings import *  # noqa: F403

STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
