"""`manage.py runworker`: run the queued jobs until Ctrl-C or SIGTERM (dealtracker/tasks)."""

from __future__ import annotations

import asyncio
import contextlib
from importlib import import_module

from django.core.management.base import BaseCommand
from procrastinate.contrib.django import app

from dealtracker.tasks import services, work


class Command(BaseCommand):
    help = (
        "Run the task queue's jobs (revisions of large sources, archive imports). Start "
        "one or more beside the web servers; a job whose worker was killed is run again "
        "(TASKS_HEARTBEAT_SECONDS, TASKS_STALLED_SECONDS)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--concurrency", type=int, default=1, help="jobs run at once (default 1)"
        )
        parser.add_argument(
            "--import",
            dest="modules",
            action="append",
            default=[],
            metavar="MODULE",
            help="a module registering more kinds of work (the tests' own)",
        )

    def handle(self, *args, concurrency: int, modules: list[str], **options):
        work.load()
        for module in modules:
            import_module(module)
        # The worker listens and polls with connections of its own (psycopg's async pool);
        # the jobs' work uses Django's.
        with app.replace_connector(app.connector.get_worker_connector()) as worker_app:

            async def run() -> None:
                async with worker_app.open_async():
                    watch = asyncio.create_task(services.stalled_jobs_watch(worker_app))
                    try:
                        await worker_app.run_worker_async(
                            concurrency=concurrency, **services.worker_options()
                        )
                    finally:
                        watch.cancel()
                        with contextlib.suppress(asyncio.CancelledError):
                            await watch

            asyncio.run(run())
