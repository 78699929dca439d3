"""`flightbridge registry load PATH | lookup TAIL | status | sample OUT.zip`."""

from django.core.management.base import BaseCommand, CommandError

from flightbridge.errors import FatalError
from flightbridge.registry import sample, services


class Command(BaseCommand):
    help = "The FAA aircraft registry: load the releasable database, look up a tail, show what is loaded."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="load ReleasableAircraft.zip (or a folder of its .txt files); replaces the current copy atomically")
        load.add_argument("path")
        load.add_argument("--show-problems", type=int, default=20, metavar="N", help="print the first N bad rows (default 20)")
        lookup = sub.add_parser("lookup", help="look up a tail number, e.g. N12345")
        lookup.add_argument("tail")
        sub.add_parser("status", help="which registry file is loaded")
        build = sub.add_parser("sample", help="write the synthetic sample ZIP (the one shipped for tests and the demo)")
        build.add_argument("out", nargs="?", default=str(sample.SAMPLE_PATH))

    def handle(self, *args, action, **options):
        if action == "load":
            try:
                report = services.load_registry(
                    options["path"], progress=self.stdout.write if options["verbosity"] >= 1 else None)
            except FatalError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(report.summary())
            # Skipped rows first: they are what an operator must look at.
            for problem in sorted(report.problems, key=lambda problem: not problem.skipped)[: options["show_problems"]]:
                self.stdout.write(f"  {problem}")
            hidden = report.bad_rows + report.warnings - min(len(report.problems), options["show_problems"])
            if hidden > 0:
                self.stdout.write(f"  … and {hidden} more (the first {len(report.problems)} are kept on the load in the admin)")
        elif action == "lookup":
            answer = services.lookup(options["tail"])
            self.stdout.write(answer.message)
            if answer.found:
                for name in ("manufacturer", "model", "aircraft_type", "engine_type", "seats", "year", "status", "mode_s_hex"):
                    self.stdout.write(f"  {name}: {getattr(answer, name)}")
        elif action == "status":
            generation = services.current_generation()
            self.stdout.write(str(generation) if generation else "No FAA registry loaded; run: flightbridge registry load PATH")
        elif action == "sample":
            self.stdout.write(str(sample.build_sample(options["out"])))
