"""`manage.py run_matching`: the `reconcile` pipeline by hand (IDN-44, IDN-45, IDN-48).

Matching with the rank recompute, role push, integrity and the audit report, recorded as one
SyncRun (source `reconcile`). `--dry-run` prints the links matching would make and writes
nothing, not even a SyncRun.
"""

from django.core.management.base import BaseCommand, CommandError

from identity.models import SyncTrigger
from identity.services.matching import run_matching
from identity.services.reconcile import run_reconcile_pipeline


class Command(BaseCommand):
    help = (
        "Link unowned in-guild characters to players (exact name, notes, fuzzy), push ranks to "
        "Discord roles, run the integrity checks and post the audit report. Prints the stats."
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
            help="Skip the integrity checks (IDN-36).",
        )
        parser.add_argument(
            "--no-post",
            action="store_true",
            help="Post nothing to Discord (audit report, failure post).",
        )

    def handle(self, *args, dry_run=False, no_integrity=False, no_post=False, **options):
        if dry_run:
            result = run_matching(dry_run=True)
            for link in result.links:
                self.stdout.write(f"Would link {link.describe()}")
            for suggestion in result.suggestions:
                self.stdout.write(f"Would suggest {suggestion.summary}")
            self.stdout.write(result.stats_line())
            return
        outcome = run_reconcile_pipeline(
            trigger=SyncTrigger.COMMAND, integrity=not no_integrity, post=not no_post
        )
        for warning in outcome.run.details.get("warnings", []):
            self.stderr.write(f"Warning: {warning}")
        if not outcome.ok:
            raise CommandError(" · ".join(outcome.lines()))
        for line in outcome.lines():
            self.stdout.write(line)
