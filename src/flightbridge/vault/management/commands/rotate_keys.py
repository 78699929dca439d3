from django.core.management.base import BaseCommand, CommandError

from flightbridge.vault.rotation import rotate_keys


class Command(BaseCommand):
    help = "Re-encrypt every stored secret with the first key of FLIGHTBRIDGE_ENCRYPTION_KEYS."

    def handle(self, *args, **options):
        report = rotate_keys()
        self.stdout.write(
            f"re-sealed {report.resealed} secret(s); {report.already_current} already on the current key; "
            f"{report.failed} failed"
        )
        if report.failed:
            raise CommandError("some secrets could not be opened with any configured key; keep the old key until fixed")
