"""The kinds of long work: a registry of functions the worker runs, one per kind.

A kind's function takes the Job and does the whole work inside the transaction
the runner opened (services.job_run), by calling the domain's services; it
returns Done, or raises Refused with words the editor can act on. Any other
exception is taken for a passing trouble (a lost connection, a deadlock) and
the job is tried again.

The kinds are written beside the services they call (settings.TASKS_WORK_MODULES)
and imported by the worker when it starts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from typing import TYPE_CHECKING, Any

from django.conf import settings

if TYPE_CHECKING:
    from .models import Job


@dataclass(frozen=True)
class Done:
    """What the work did, for the editor, and where to see it."""

    outcome: str
    url: str = ""
    # What the work found, kept on the Job (Job.result) for the page at `url` to read.
    result: dict[str, Any] = field(default_factory=dict)


class Refused(Exception):
    """The work cannot be done as asked; trying again would not help. The message says
    why and what to do, and nothing of the work was kept."""


@dataclass(frozen=True)
class Kind:
    name: str
    label: str  # "revising a source"
    run: Callable[[Job], Done]


_KINDS: dict[str, Kind] = {}


def work(name: str, label: str) -> Callable[[Callable[[Job], Done]], Callable[[Job], Done]]:
    """Register the decorated function as the work of kind `name`."""

    def register(run: Callable[[Job], Done]) -> Callable[[Job], Done]:
        _KINDS[name] = Kind(name=name, label=label, run=run)
        return run

    return register


def load() -> None:
    """Import the modules that register the kinds (the worker does this once)."""
    for module in settings.TASKS_WORK_MODULES:
        import_module(module)


def kind(name: str) -> Kind | None:
    if name not in _KINDS:
        load()
    return _KINDS.get(name)
