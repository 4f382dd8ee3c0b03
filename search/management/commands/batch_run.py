from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from search.models import BatchJob
from search.web import batch


class Command(BaseCommand):
    help = (
        "Run the waiting batch searches (lists of names or queries), one line at a time; a job a stopped runner "
        "left half done goes on from its first line not done once that runner's lease has run out. Without "
        "--once it keeps watching for new jobs (a worker beside the web server)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Run what waits now, then stop.")
        parser.add_argument("--every", type=float, default=5.0, help="Seconds between looks for new jobs (default 5).")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            finished = batch.run_pending(on_line=self._progress)
            if finished:
                self.stdout.write(f"{finished} batch job(s) finished.")
            if options["once"]:
                waiting = BatchJob.objects.filter(state__in=[BatchJob.QUEUED, BatchJob.RUNNING]).count()
                if waiting:
                    self.stdout.write(f"{waiting} job(s) are held by another runner.")
                return
            time.sleep(options["every"])

    def _progress(self, job: BatchJob, done: int) -> None:
        if done == job.lines_total or done % 100 == 0:
            self.stdout.write(f"  job {job.pk} “{job.name}”: {done:,} of {job.lines_total:,} lines")
