"""What the read API keeps: the rate limiter's counters (nothing else)."""

from __future__ import annotations

from django.db import models


class RateWindow(models.Model):
    """Requests one client made in the current window (see api/ratelimit.py).

    The table is UNLOGGED (migration 0001): counters are worth nothing after a
    crash, and writing them without the write-ahead log keeps each request cheap.
    """

    key = models.CharField(max_length=100, primary_key=True)
    window_start = models.DateTimeField()
    hits = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["window_start"], name="ratewindow_start_idx")]

    def __str__(self) -> str:
        return f"{self.key}: {self.hits} since {self.window_start:%H:%M:%S}"
