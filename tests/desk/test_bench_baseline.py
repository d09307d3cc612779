"""The benchmark's baseline view: one template, one query — in the benchmark's URLs only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

BENCH_URLS = "bench.bench_urls"


@pytest.mark.urls(BENCH_URLS)
def test_the_baseline_page_answers_with_one_query(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/bench/trivial/")
    assert response.status_code == 200
    assert "The database answered 1." in response.content.decode()


@pytest.mark.urls(BENCH_URLS)
def test_the_baseline_page_accepts_only_get(client):
    assert client.post("/bench/trivial/").status_code == 405


@pytest.mark.urls(BENCH_URLS)
def test_the_benchmark_serves_the_whole_site_too(client, public_read):
    assert client.get("/deals/").status_code == 200


def test_the_baseline_page_does_not_exist_on_the_site(client, public_read):
    assert client.get("/bench/trivial/").status_code == 404


def test_the_benchmark_settings_serve_the_baseline(tmp_path):
    """bench_settings (what make bench's gunicorn and probe run) resolve the baseline."""
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": os.pathsep.join([str(root / "bench"), str(root)]),
        "BENCH_STATIC_ROOT": str(tmp_path),
        "DATABASE_URL": "postgresql://unused@127.0.0.1:9/unused",
    }
    code = "import django; django.setup(); from django.urls import resolve; print(resolve('/bench/trivial/').url_name)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "trivial", out.stderr[-2000:]
