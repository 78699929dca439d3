"""`flightbridge mfb_sandbox`: run the local MyFlightbook sandbox until Ctrl-C (see sandbox/server.py)."""

from __future__ import annotations

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand

from flightbridge.myflightbook.sandbox import serve


class Command(BaseCommand):
    help = "Run a local MyFlightbook (OAuth2 + OAuthResource API) with a generated logbook, for tests and the demo."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765, help="default 8765 (the model source sandbox takes 8766)")
        parser.add_argument("--flights", type=int, default=250, help="flights in the generated logbook")
        parser.add_argument("--seed", type=int, default=1, help="same seed, same logbook")
        parser.add_argument("--client-id", default="", help="default: MFB_CLIENT_ID if set, else flightbridge-sandbox")
        parser.add_argument("--client-secret", default="",
                            help="default: MFB_CLIENT_SECRET if set (keeps it off the command line), else sandbox-secret")
        parser.add_argument("--redirect-uri", action="append", default=[],
                            help="allowed callback URL (repeatable); any http(s) URL when none is given")
        parser.add_argument("--token-lifetime", type=int, default=14 * 24 * 3600, help="access-token lifetime in seconds")
        parser.add_argument("--no-refresh-token-rotation", dest="rotate_refresh_tokens", action="store_false",
                            help="leave the refresh token out of refresh answers (MyFlightbook sends a new one each time)")
        parser.add_argument("--latency-ms", type=int, default=0)
        parser.add_argument("--error-rate", type=float, default=0.0, help="share of calls answered 503")
        parser.add_argument("--timeout-rate", type=float, default=0.0, help="share of calls that hang")
        parser.add_argument("--malformed-rate", type=float, default=0.0)
        parser.add_argument("--truncate-rate", type=float, default=0.0)
        parser.add_argument("--rate-limit-rate", type=float, default=0.0, help="share answered 429 with Retry-After")
        parser.add_argument("--date-style", choices=["iso", "mdy"], default="iso")
        parser.add_argument("--rounding-unit", type=int, choices=[60, 100], default=60,
                            help="the pilot's MathRoundingUnit: totals round each flight to minutes (60) or hundredths (100)")
        parser.add_argument("--quiet", action="store_true",
                            help="print only where it listens (the demo, which configures FlightBridge itself)")
        parser.add_argument("--currency", choices=["flights", "canned"], default="flights",
                            help="flight-experience currency computed from the flights as MyFlightbook does (default), "
                                 "or the canned items of every label and state")

    def handle(self, *args, host, port, flights, seed, client_id, client_secret, redirect_uri, rounding_unit, currency,
               **options):
        # The same variables FlightBridge reads, so one environment configures both ends.
        client_id = client_id or settings.CONFIG.mfb_client_id or "flightbridge-sandbox"
        client_secret = client_secret or settings.CONFIG.mfb_client_secret or "sandbox-secret"
        faults = {name: options[name] for name in (
            "token_lifetime", "rotate_refresh_tokens", "latency_ms", "error_rate", "timeout_rate", "malformed_rate",
            "truncate_rate", "rate_limit_rate", "date_style")}
        server = serve(host=host, port=port, flights=flights, seed=seed, client_id=client_id,
                       client_secret=client_secret, redirect_uris=redirect_uri, rounding_unit=rounding_unit,
                       canned_currency=currency == "canned", **faults)
        url = f"http://{server.server_address[0]}:{server.server_address[1]}"
        self.stdout.write(f"MyFlightbook sandbox on {url} ({flights} flights, seed {seed}); client id {client_id!r}")
        if not options["quiet"]:
            self.stdout.write(f"To point FlightBridge at it, set MFB_BASE_URL={url} MFB_CLIENT_ID={client_id} "
                              "MFB_CLIENT_SECRET=<the secret>")
        self.stdout.flush()
        # SIGTERM (from the demo's supervisor or a test) stops cleanly, like Ctrl-C.
        signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown, daemon=True).start())
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
