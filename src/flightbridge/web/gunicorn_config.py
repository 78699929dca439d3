"""gunicorn settings for `flightbridge serve` (loaded with `-c python:flightbridge.web.gunicorn_config`).

gunicorn has no setting for its `Server: gunicorn` header; a banner only tells a scanner which
server's advisories to try, so the header is dropped from every response here, before workers fork.
And when a web worker process exits, its live metrics files are dropped (`child_exit`), so `/metrics`
adds up the processes that exist (multiprocess prometheus_client).
"""

from gunicorn.http import wsgi

_default_headers = wsgi.Response.default_headers


def _headers_without_banner(self):
    return [line for line in _default_headers(self) if not line.lower().startswith("server:")]


wsgi.Response.default_headers = _headers_without_banner


def child_exit(server, worker) -> None:
    from flightbridge.metrics import forget_process

    forget_process(worker.pid)
