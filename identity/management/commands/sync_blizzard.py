"""`manage.py sync_blizzard [--roster-only] [--dry-run] [--no-post]`: the roster sync (IDN-25)."""

from django.core.management.base import BaseCommand, CommandError

from identity.models import SyncStatus, SyncTrigger
from identity.services.roster_sync import sync_roster
from patt.models import SiteConfig

PROGRESS_EVERY = 50


class Command(BaseCommand):
    help = "Sync the guild roster and character profiles from Blizzard (IDN-23)."

    def add_arguments(self, parser):
        parser.add_argument("--roster-only", action="store_true", help="Skip character profiles.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Fetch and compute the changes; write nothing (not even a SyncRun).",
        )
        parser.add_argument(
            "--no-post",
            action="store_true",
            help="Post nothing to Discord (audit report, sync summary, failure post).",
        )

    def handle(self, *args, roster_only=False, dry_run=False, no_post=False, **options):
        verbosity = options.get("verbosity", 1)
        config = SiteConfig.get()
        if verbosity >= 1:
            self.stdout.write(
                f"Blizzard roster sync: {config.guild_name_slug} @ {config.guild_realm_slug} "
                f"({config.guild_region})"
            )

        def progress(done: int, total: int) -> None:
            if verbosity >= 1 and (done % PROGRESS_EVERY == 0 or done == total):
                self.stdout.write(f"Profiles: {done}/{total}")

        result = sync_roster(
            trigger=SyncTrigger.COMMAND,
            roster_only=roster_only,
            dry_run=dry_run,
            on_progress=progress,
            post=not no_post,
        )
        if verbosity >= 2:
            for warning in result.details.get("warnings", []):
                self.stderr.write(f"Warning: {warning}")
        if result.status in (SyncStatus.SUCCESS, SyncStatus.PARTIAL):
            if verbosity >= 1:
                self.stdout.write(result.body)
            return
        raise CommandError(result.body)
