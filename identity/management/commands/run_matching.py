"""`manage.py run_matching`: reconcile by hand — matching, ranks, integrity (IDN-45, IDN-48)."""

from django.core.management.base import BaseCommand

from identity.services.matching import run_matching
from identity.services.reconcile import reconcile


class Command(BaseCommand):
    help = (
        "Link unowned in-guild characters to players (exact name, notes, fuzzy) and file "
        "suggestions for near misses. Prints the stats line."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print the links matching would make; write nothing.",
        )
        parser.add_argument(
            "--no-integrity",
            action="store_true",
            help="Run matching only, without the integrity checks (IDN-36).",
        )
        parser.add_argument(
            "--no-post",
            action="store_true",
            help="Do not post the audit report (IDN-39). Applies once reports exist; today "
            "this command posts nothing.",
        )

    def handle(self, *args, dry_run=False, no_integrity=False, **options):
        if not dry_run:
            for line in reconcile(integrity=not no_integrity).lines():
                self.stdout.write(line)
            return
        result = run_matching(dry_run=True)
        for link in result.links:
            self.stdout.write(f"Would link {link.describe()}")
        for suggestion in result.suggestions:
            self.stdout.write(f"Would suggest {suggestion.summary}")
        self.stdout.write(result.stats_line())
