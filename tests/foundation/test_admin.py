"""The Django admin: every model's pages render for an admin; everyone else is turned away."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from dealtracker.accounts.services import user_create
from dealtracker.claims.models import Claim
from dealtracker.deals.models import Clause, Deal, Party

DOMAIN_APPS = {"deals", "sources", "claims"}


def registered(app_labels=None):
    return [
        model
        for model in admin.site._registry
        if app_labels is None or model._meta.app_label in app_labels
    ]


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_domain_model_is_in_the_admin():
    names = {m._meta.label for m in registered(DOMAIN_APPS)}
    assert {
        "deals.Party",
        "deals.Deal",
        "deals.Phase",
        "deals.Clause",
        "sources.Source",
        "sources.SourceRevision",
        "sources.Passage",
        "claims.Claim",
        "claims.Evidence",
        "claims.VerificationChange",
        "claims.Assessment",
    } <= names


@pytest.fixture
def superuser_client(db):
    user = get_user_model().objects.create_superuser(
        "root", "root@example.org", "a-long-root-password-1"
    )
    client = Client()
    client.force_login(user)
    return client


def test_every_admin_page_renders_for_an_admin(demo, admin_client, superuser_client):
    """Changelist, search, add, change and history of every registered model answer 200.

    One test over all models, so the demo is loaded once.
    """
    failures = []
    for model in registered():
        model_admin = admin.site._registry[model]
        # Domain models and users are the Admins group's; other apps' (login lockouts) the superuser's.
        client = (
            admin_client if model._meta.app_label in DOMAIN_APPS | {"auth"} else superuser_client
        )
        urls = [admin_url(model, "changelist"), admin_url(model, "changelist") + "?q=Hamas"]
        response = client.get(urls[0])
        if model_admin.has_add_permission(response.wsgi_request):
            urls.append(admin_url(model, "add"))
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            urls.append(admin_url(model, "change", obj.pk))
            if hasattr(model_admin, "history_view"):
                urls.append(admin_url(model, "history", obj.pk))
        for url in urls:
            status = client.get(url).status_code
            if status != 200:
                failures.append(f"{url}: {status}")
    assert not failures
    assert len(registered(DOMAIN_APPS)) >= 11


def test_the_deal_page_shows_phases_clauses_and_parties_inline(demo, admin_client):
    response = admin_client.get(admin_url(Deal, "change", demo.pk))
    html = response.content.decode()
    assert "Permanent ceasefire" in html
    assert "Remains and reconstruction" in html
    assert "party to a deal" in html.lower() or "parties to a deal" in html.lower()
    assert 'name="memberships-0-party"' in html
    assert 'name="phases-0-name"' in html
    assert 'name="clauses-0-reference"' in html


def test_the_claim_page_shows_its_evidence_inline(demo, admin_client):
    claim = Claim.objects.get(statement__startswith="Israel refused to honour phase two")
    html = admin_client.get(admin_url(Claim, "change", claim.pk)).content.decode()
    assert 'name="evidence-0-passage"' in html
    assert "However, the official accused Israel" in html


def test_parties_are_found_by_alias_in_the_autocomplete(demo, admin_client):
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "claims",
            "model_name": "claim",
            "field_name": "subjects",
            "term": "Islamic Resistance",
        },
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Hamas"]


def test_the_claim_list_is_bounded_in_queries(demo, admin_client, django_assert_max_num_queries):
    deal = demo
    claims = [
        Claim(statement=f"Claim number {i} about the truce.", deal=deal, kind="other")
        for i in range(120)
    ]
    Claim.objects.bulk_create(claims)
    with django_assert_max_num_queries(20):
        response = admin_client.get(admin_url(Claim, "changelist"))
    assert response.status_code == 200


@pytest.mark.parametrize("model", [Party, Deal, Clause, Claim])
def test_the_domain_lists_are_bounded_in_queries(
    demo, admin_client, django_assert_max_num_queries, model
):
    with django_assert_max_num_queries(20):
        assert admin_client.get(admin_url(model, "changelist")).status_code == 200


@pytest.mark.parametrize("role", ["reader", "editor"])
@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/deals/party/",
        "/admin/claims/claim/",
        "/admin/auth/user/",
        "/admin/deals/deal/add/",
    ],
)
def test_readers_and_editors_are_turned_away_from_the_admin(db, role, url):
    user = user_create(username=role, password="a-long-test-password-42", role=role, validate=False)
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response["Location"].startswith("/admin/login/")


def test_anonymous_visitors_are_sent_to_the_admin_login(client, db):
    response = client.get("/admin/deals/deal/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_a_staff_flag_alone_does_not_open_the_admin(db):
    user = user_create(
        username="journalist", password="a-long-test-password-42", role="reader", validate=False
    )
    user.is_staff = True
    user.save()
    client = Client()
    client.force_login(user)
    assert client.get("/admin/").status_code == 302


def test_an_admin_sees_the_admin_index(admin_client):
    response = admin_client.get("/admin/")
    assert response.status_code == 200
    assert "Parties" in response.content.decode()


def test_publishing_a_claim_in_the_admin_stamps_its_publication_time(demo, admin_client):
    claim = Claim.objects.filter(is_published=False).first()
    data = {
        "statement": claim.statement,
        "kind": claim.kind,
        "compliance": claim.compliance,
        "made_on": claim.made_on.isoformat(),
        "made_on_precision": claim.made_on_precision,
        "language": "en",
        "attribution": claim.attribution,
        "subjects": [p.pk for p in claim.subjects.all()],
        "verification": claim.verification,
        "is_published": "on",
        "evidence-TOTAL_FORMS": "0",
        "evidence-INITIAL_FORMS": "0",
        "verification_changes-TOTAL_FORMS": "0",
        "verification_changes-INITIAL_FORMS": "0",
    }
    response = admin_client.post(admin_url(Claim, "change", claim.pk), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    claim.refresh_from_db()
    assert claim.is_published and claim.published_at is not None


def test_the_deal_page_is_bounded_in_queries_with_many_clauses(
    demo, admin_client, django_assert_max_num_queries
):
    phase = demo.phases.get(order=2)
    Clause.objects.bulk_create(
        Clause(
            deal=demo, phase=phase, reference=f"9.{i}", title=f"Extra term {i}", position=100 + i
        )
        for i in range(60)
    )
    with django_assert_max_num_queries(30):
        response = admin_client.get(admin_url(Deal, "change", demo.pk))
    assert response.status_code == 200
    assert "Extra term 59" in response.content.decode()
