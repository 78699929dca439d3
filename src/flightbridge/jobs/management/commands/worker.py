"""`flightbridge worker`: one huey consumer. Run any number, on any machine that shares the queue.

`--workers N` is how many jobs the process runs at once, as threads. A paced MyFlightbook sync spends
nearly all its time waiting (the per-account interval, the deployment's call budget), so one process
runs many syncs: size N to the syncs you want in flight (see docs/operating-sync.md), not one
process per sync.
"""

import os

from django.core.management.base import BaseCommand
from django.utils.module_loading import autodiscover_modules


#: Longest wait, in seconds, between an idle worker thread's looks at the queue. huey's default (10 s,
#: reached by backing off from 0.1 s by 1.15 a look) left a job "waiting for a worker" 5 s on average on
#: an idle demo. At 0.5 s a job starts within about half a second; the cost is one indexed query per
#: thread every half second on the SQLite or PostgreSQL queue (a Redis queue answers from memory).
MAX_POLL_DELAY = 0.5


def consumer_for(huey, workers: int):
    """The worker's huey consumer: `workers` threads, the periodic scheduler, and a short idle poll."""
    return huey.create_consumer(workers=workers, worker_type="thread", periodic=True, check_worker_health=True,
                                max_delay=MAX_POLL_DELAY)


class Command(BaseCommand):
    help = "Run a background worker. Start as many as you like, on any machine sharing the database and queue."

    def add_arguments(self, parser):
        parser.add_argument("--workers", "-w", type=int, default=2,
                            help="jobs this process runs at once (threads; a paced sync mostly waits, so 8-32 is normal)")

    def handle(self, *args, workers, **options):
        from huey.contrib.djhuey import HUEY

        autodiscover_modules("tasks")
        # Our LOGGING config already formats and redacts huey's lines; run_huey would add a second handler.
        consumer = consumer_for(HUEY, workers)
        self.stdout.write(f"worker started ({workers} thread(s), queue {type(HUEY.storage).__name__})")
        try:
            consumer.run()
        finally:
            from flightbridge.metrics import forget_process

            forget_process(os.getpid())
