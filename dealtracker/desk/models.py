from __future__ import annotations

from django.db import models


class DemoRecord(models.Model):
    """One record of the demo data that `loaddemo` has loaded, once.

    `loaddemo` never loads a key twice: a demo claim (or party, passage...) that an
    editor deleted stays deleted, and one they changed is left as they left it.
    `key` names the record by its natural key in devdata/demo/data.py; `object_id` is the
    row it became, so a record is found again even after its natural key was edited.
    """

    key = models.TextField(unique=True)
    model = models.CharField(max_length=100)
    object_id = models.BigIntegerField(null=True)
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.key
