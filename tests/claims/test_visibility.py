"""One visibility rule (accounts.roles.sees_drafts) and one editor test
(accounts.roles.is_editor) behind every read of drafts and every editor tier."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from dealtracker.accounts.roles import is_editor, sees_drafts
from dealtracker.claims.queries import visible_assessments, visible_claims
from dealtracker.desk.context_processors import desk
from dealtracker.desk.fragments import visitor_tier
from dealtracker.interchange.annotations import visible_evidence


@pytest.fixture(params=["anonymous", "reader", "editor", "admin_user"])
def user(request, db):
    if request.param == "anonymous":
        return AnonymousUser()
    return request.getfixturevalue(request.param)


def filters_drafts(queryset) -> bool:
    """Whether the query keeps only published rows."""
    _, _, where = str(queryset.query).partition(" WHERE ")
    return "is_published" in where


def test_every_read_of_drafts_follows_the_one_rule(user):
    drafts = sees_drafts(user)
    assert drafts is (user.is_authenticated)  # the roles: every logged-in role sees drafts
    for read in (visible_claims, visible_assessments, visible_evidence):
        assert filters_drafts(read(user=user)) is not drafts


def test_the_editor_tier_of_the_pages_and_the_page_cache_is_the_one_editor_test(user):
    request = RequestFactory().get("/")
    request.user = user
    assert desk(request)["can_edit"] is is_editor(user)
    assert (visitor_tier(user) is None) is is_editor(user)
    assert is_editor(user) is (user.is_authenticated and user.username != "reader")
