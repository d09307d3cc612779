"""The desk's addresses under a prefix: a URLconf of its own for test_fast_reverse."""

from django.urls import include, path

urlpatterns = [path("newsroom/", include("dealtracker.urls"))]
