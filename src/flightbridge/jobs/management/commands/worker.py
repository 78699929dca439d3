"""`flightbridge worker`: one huey consumer. Run any number, on any machine that shares the queue.

`--workers N` is how many jobs the process runs at once, as threads. A paced MyFlightbook sync spends
nearly all its time waiting (the per-account interval, the deployment's call budget), so one process
runs many syncs: size N to the syncs you want in flight (see docs/operating-sync.md), not one
process per sync.
"""

import os

from django.core.management.base import BaseCommand
from django.utils.module_loading import autodiscover_modules


class Command(BaseCommand):
    help = "Run a background worker. Start as many as you like, on any machine sharing the database and queue."

    def add_arguments(self, parser):
        parser.add_argument("--workers", "-w", type=int, default=2,
                            help="jobs this process runs at once (threads; a paced sync mostly waits, so 8-32 is normal)")

    def handle(self, *args, workers, **options):
        from huey.contrib.djhuey import HUEY

        autodiscover_modules("tasks")
        # Our LOGGING config already formats and redacts huey's lines; run_huey would add a second handler.
        consumer = HUEY.create_consumer(workers=workers, worker_type="thread", periodic=True, check_worker_health=True)
        self.stdout.write(f"worker started ({workers} thread(s), queue {type(HUEY.storage).__name__})")
        try:
            consumer.run()
        finally:
            from flightbridge.metrics import forget_process

            forget_process(os.getpid())
