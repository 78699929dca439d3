"""Background jobs: how fast the one-active-job guard answers a double click."""

import time


def bench_job_request(ctx):
    from django.contrib.auth import get_user_model

    from flightbridge.jobs import services
    from flightbridge.jobs.models import SyncJob

    @services.job_kind("bench.noop")
    def noop(context):
        return {}

    services.register_job_kinds(noop)

    services.enqueue = lambda job_id: None  # measure the guard, not the queue
    users = [get_user_model().objects.create_user(username=f"bench{i}") for i in range(ctx.scale(200, 20))]
    started = time.perf_counter()
    for user in users:
        noop.request(owner=user)
        noop.request(owner=user)  # the double click: returns the same job
    elapsed = time.perf_counter() - started
    assert SyncJob.objects.count() == len(users)
    return [{"metric": "job requests/s (half of them double clicks)", "value": 2 * len(users) / elapsed}]
