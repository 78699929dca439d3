"""gunicorn settings loaded by `flightbridge serve` (`--config python:flightbridge.web.gunicorn_hooks`).

Only what gunicorn's command line cannot say: when a web worker process exits, its live metrics
files are dropped, so `/metrics` adds up the processes that exist (multiprocess prometheus_client).
"""


def child_exit(server, worker) -> None:
    from flightbridge.metrics import forget_process

    forget_process(worker.pid)
