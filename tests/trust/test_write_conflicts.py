"""A write that loses a race in the database answers 409 with a message, never a 500 or 503."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, OperationalError
from django.test import RequestFactory
from django_htmx.middleware import HtmxDetails
from psycopg import errors

from dealtracker.desk.middleware import DatabaseUnavailableMiddleware


def _failure(wrapper, cause):
    try:
        try:
            raise cause
        except Exception as inner:
            raise wrapper(str(inner)) from inner
    except Exception as outer:
        return outer


@pytest.mark.parametrize(
    "exception",
    [
        _failure(OperationalError, errors.DeadlockDetected("deadlock detected")),
        _failure(OperationalError, errors.LockNotAvailable("lock timeout")),
        _failure(OperationalError, errors.SerializationFailure("could not serialize")),
        _failure(IntegrityError, errors.ForeignKeyViolation("violates foreign key")),
    ],
    ids=["deadlock", "lock-timeout", "serialization", "foreign-key"],
)
def test_a_write_that_lost_a_race_answers_409_saying_so(exception):
    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    request = RequestFactory().post("/claims/1/edit/")
    response = middleware.process_exception(request, exception)
    assert response.status_code == 409
    assert "nothing you sent was saved" in response.content.decode()
    htmx = RequestFactory().post("/claims/1/edit/", headers={"HX-Request": "true"})
    htmx.htmx = HtmxDetails(htmx)
    response = middleware.process_exception(htmx, exception)
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#desk-alert" and response["HX-Reswap"] == "innerHTML"


def test_a_lock_timeout_while_reading_is_still_a_503():
    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    request = RequestFactory().get("/deals/")
    exception = _failure(OperationalError, errors.LockNotAvailable("lock timeout"))
    assert middleware.process_exception(request, exception).status_code == 503
