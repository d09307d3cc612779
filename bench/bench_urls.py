"""The benchmark's URLs: the site's, plus its baseline page /bench/trivial/.

Only bench_settings.py uses this URLconf, so the baseline exists in `make bench`
runs and nowhere else (a production site has no page that answers anyone
without the access checks).
"""

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from dealtracker.urls import handler400, handler403, handler404, handler500  # noqa: F401
from dealtracker.urls import urlpatterns as site_urlpatterns


@require_GET
def trivial(request: HttpRequest) -> HttpResponse:
    """The benchmark's baseline: the same middleware, one template, one query.

    `make bench` measures every page against it in the same run, so its ratios
    say what a page costs beyond what any request through this stack costs.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (one,) = cursor.fetchone()
    return render(request, "desk/trivial.html", {"one": one})


urlpatterns = [path("bench/trivial/", trivial, name="trivial"), *site_urlpatterns]
