"""Production settings for `make bench`, with static files collected into a
temporary folder instead of the project's staticfiles/, and the baseline page
/bench/trivial/ added to the URLs (bench_urls.py); nothing else differs."""

import os

from dealtracker.settings import *  # noqa: F403

STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]

# The site's URLs plus the baseline page /bench/trivial/, which exists only here.
ROOT_URLCONF = "bench_urls"
