from django.core.management.base import BaseCommand, CommandError

from flightbridge.accounts import services
from flightbridge.errors import NotFound


class Command(BaseCommand):
    help = "Manage personal API tokens: token create USERNAME | token list [USERNAME] | token revoke PREFIX"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="print a new token for USERNAME (shown once)")
        create.add_argument("username")
        create.add_argument("--name", default="", help="a label, e.g. the laptop or script using it")
        listing = sub.add_parser("list", help="list tokens (never their values)")
        listing.add_argument("username", nargs="?")
        revoke = sub.add_parser("revoke", help="revoke a token by its prefix (as shown by list)")
        revoke.add_argument("prefix")

    def handle(self, *args, action, **options):
        try:
            if action == "create":
                _row, token = services.create_token(options["username"], options["name"])
                self.stdout.write(token)
            elif action == "list":
                for row in services.list_tokens(options.get("username")):
                    state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "active"
                    used = f"{row.last_used_at:%Y-%m-%d %H:%M} UTC" if row.last_used_at else "never"
                    self.stdout.write(f"{row.prefix}\t{row.user.username}\t{row.name or '-'}\t{state}\tlast used {used}")
            elif action == "revoke":
                row = services.revoke_token(options["prefix"])
                self.stdout.write(f"revoked {row.prefix} ({row.user.username})")
        except NotFound as exc:
            raise CommandError(str(exc)) from None
