"""`flightbridge model_source_sandbox`: run the fake aircraft model source in the foreground."""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError

from flightbridge.fleet.sandbox import ModelSourceSandbox, SandboxFaults

#: read only by this command, so the demo can hand the sandbox its key without putting it on a command line
API_KEY_ENV = "MODEL_SOURCE_SANDBOX_API_KEY"


class Command(BaseCommand):
    help = ("Serve the documented aircraft model feed at http://HOST:PORT/models (fault switches via flags "
            "or POST /_control). The API key comes from --api-key or $" + API_KEY_ENV + ".")

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8766, help="default 8766 (the MyFlightbook sandbox takes 8765)")
        parser.add_argument("--models", type=int, default=40, help="how many deterministic models to serve")
        parser.add_argument("--auth-type", choices=["api_key", "bearer", "basic", "none"], default="api_key")
        parser.add_argument("--api-key", default=None, help=f"the key clients must present (default ${API_KEY_ENV})")
        parser.add_argument("--username", default="", help="the username for --auth-type basic")
        parser.add_argument("--fail-5xx", action="store_true", help="answer every request with HTTP 503")
        parser.add_argument("--bad-json", action="store_true", help="answer with truncated JSON")
        parser.add_argument("--missing-external-id", type=int, default=0, metavar="N",
                            help="add N records without an external_id to the feed")
        parser.add_argument("--slow", type=float, default=0.0, metavar="SECONDS", help="wait before each answer")
        parser.add_argument("--quiet", action="store_true", help="do not log each request")

    def handle(self, *args, host, port, models, auth_type, api_key, username, fail_5xx, bad_json,
               missing_external_id, slow, quiet, **options):
        api_key = api_key if api_key is not None else os.environ.get(API_KEY_ENV, "")
        faults = SandboxFaults(fail_5xx=-1 if fail_5xx else 0, bad_json=bad_json,
                               missing_external_id=max(0, missing_external_id), slow=max(0.0, slow))
        try:
            sandbox = ModelSourceSandbox(models=models, api_key=api_key, auth_type=auth_type, username=username,
                                         host=host, port=port, faults=faults, verbose=not quiet)
        except (ValueError, OSError) as exc:
            raise CommandError(str(exc)) from None
        key_note = "no credentials" if auth_type == "none" else f"{auth_type} credentials (key set, not shown)"
        self.stdout.write(f"aircraft model source sandbox: {sandbox.url} serving {models} models, expecting {key_note}")
        self.stdout.flush()
        try:
            sandbox.serve_forever()
        except KeyboardInterrupt:
            pass
