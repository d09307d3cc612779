"""Helpers of the stable-id migrations (sources 0008, claims 0009), kept with them
so that later changes to the models cannot change what those migrations did."""

import uuid

import django.contrib.postgres.functions
from django.db import models


def uid_field(**options):
    return models.UUIDField(
        db_default=django.contrib.postgres.functions.RandomUUID(),
        default=uuid.uuid4,
        editable=False,
        help_text="The row's identity across instances (archives); never changes.",
        verbose_name="stable id",
        **options,
    )


def align_history(live: str, historical: str) -> str:
    return f"""
        UPDATE {historical} h SET uid = l.uid FROM {live} l WHERE l.id = h.id;
        WITH gone AS (
            SELECT id, gen_random_uuid() AS uid
            FROM (SELECT DISTINCT id FROM {historical} h
                  WHERE NOT EXISTS (SELECT 1 FROM {live} l WHERE l.id = h.id)) d
        )
        UPDATE {historical} h SET uid = gone.uid FROM gone WHERE gone.id = h.id;
    """
