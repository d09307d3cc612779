"""The trick "loaded" (dealtracker/db/loaded.py): objects read from the database built
without Model.__init__ are the objects Django's from_db builds, and behave as them."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db.models import Prefetch, signals

from dealtracker.claims.models import Claim, Evidence
from dealtracker.db.loaded import LoadedRows
from dealtracker.deals.models import Deal, Party
from dealtracker.sources.models import Passage, Source
from tests.factories import build_lists_world

pytestmark = pytest.mark.django_db

DOMAIN_APPS = ("deals", "claims", "sources")


def domain_models() -> list[type]:
    """The domain apps' own models (their history models are simple_history's)."""
    return [
        model
        for app in DOMAIN_APPS
        for model in apps.get_app_config(app).get_models()
        if not model.__name__.startswith("Historical")
    ]


def state(obj) -> dict:
    """What a loaded object holds: its values, its relations' cached objects, its state."""
    # (prefetched lists are compared by the tests, item by item)
    values = {
        k: v for k, v in obj.__dict__.items() if k not in ("_state", "_prefetched_objects_cache")
    }
    cached = {
        name: state(related) if related is not None else None
        for name, related in obj._state.fields_cache.items()
    }
    return {"values": values, "cached": cached, "adding": obj._state.adding, "db": obj._state.db}


def loads(settings, read) -> tuple[list, list]:
    """read() with the trick, then on Django's from_db (DB_PLAIN=loaded)."""
    settings.DB_PLAIN = frozenset()
    fast = read()
    settings.DB_PLAIN = frozenset({"loaded"})
    plain = read()
    return fast, plain


@pytest.fixture
def w(db):
    return build_lists_world()


def test_every_domain_model_is_loaded_by_the_trick():
    # A new model of the domain apps joins the trick (or says here why it does not).
    assert [m.__name__ for m in domain_models() if not issubclass(m, LoadedRows)] == []


def test_each_domain_models_rows_load_as_djangos_from_db_loads_them(w, settings):
    with_rows = 0
    for model in domain_models():
        fast, plain = loads(settings, lambda m=model: list(m._base_manager.order_by("pk")[:20]))
        assert [state(o) for o in fast] == [state(o) for o in plain], model
        assert all(o._state.adding is False and o._state.db == "default" for o in fast)
        with_rows += bool(fast)
    assert with_rows >= 8, "the world has rows in most of the domain's tables"


def test_deferred_fields_joined_and_prefetched_rows_load_the_same(w, settings):
    def read():
        claims = list(
            Claim.objects.select_related("deal", "clause__phase", "claimant")
            .prefetch_related(
                "subjects",
                Prefetch("evidence", Evidence.objects.select_related("passage__source")),
            )
            .defer("statement", "deal__summary")
            .order_by("pk")
        )
        parties = list(Party.objects.only("name", "slug").order_by("name"))
        return {
            "claims": [
                (
                    state(c),
                    [state(p) for p in c.subjects.all()],
                    [state(e) for e in c.evidence.all()],
                )
                for c in claims
            ],
            "parties": [state(p) for p in parties],
        }

    fast, plain = loads(settings, read)
    assert fast == plain
    assert any(evidence for _, _, evidence in fast["claims"]), "some claims have evidence"
    deals = [c["cached"]["deal"] for c, _, _ in fast["claims"] if c["cached"]["deal"]]
    assert deals and all("summary" not in deal["values"] for deal in deals), "deferred"


def test_a_loaded_object_reads_its_deferred_fields_saves_in_place_and_changes_relation(w):
    claims_before = Claim.objects.count()
    claim = Claim.objects.defer("statement").select_related("deal").get(pk=w.refused.pk)
    assert "statement" not in claim.__dict__
    assert claim.statement == w.refused.statement  # read when asked for, as Django does
    deal_before = claim.deal
    claim.statement = "Edited statement."
    claim.save(update_fields=["statement"])
    assert Claim.objects.get(pk=claim.pk).statement == "Edited statement."
    assert Claim.objects.count() == claims_before  # no new row
    other = Deal.objects.exclude(pk=deal_before.pk).first()
    claim.deal_id = other.pk  # through the descriptor: the joined deal is forgotten
    assert claim.deal == other


def test_the_trick_does_not_run_model_init(w, monkeypatch, settings):
    def refused(self, *args, **kwargs):
        raise AssertionError("Model.__init__ ran")

    monkeypatch.setattr(Source, "__init__", refused)
    assert Source.objects.filter(pk=w.source.pk).get().pk == w.source.pk
    settings.DB_PLAIN = frozenset({"loaded"})
    with pytest.raises(AssertionError, match="Model.__init__ ran"):
        Source.objects.get(pk=w.source.pk)


def test_a_model_with_init_receivers_is_built_by_its_init(w):
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance.pk)

    signals.post_init.connect(receiver, sender=Passage)
    try:
        passages = list(Passage.objects.order_by("pk"))
    finally:
        signals.post_init.disconnect(receiver, sender=Passage)
    assert passages and seen == [p.pk for p in passages]


def test_every_choice_fields_labels_are_djangos(w, settings):
    from django.db.models import Model

    fields = [
        (model, field)
        for model in domain_models()
        for field in model._meta.concrete_fields
        if field.choices
    ]
    assert len(fields) >= 10
    for model, field in fields:
        obj = model()
        display = getattr(obj, f"get_{field.name}_display")
        for value in [v for v, _ in field.flatchoices] + ["not-a-choice", None]:
            setattr(obj, field.attname, value)
            assert display() == Model._get_FIELD_display(obj, field), (model, field, value)
    claim = Claim.objects.get(pk=w.refused.pk)
    assert claim.get_kind_display() == "compliance"
    settings.DB_PLAIN = frozenset({"loaded"})
    assert claim.get_kind_display() == "compliance"
