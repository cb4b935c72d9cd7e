"""`manage.py sync_discord [--dry-run] [--no-post]`: the Discord member pipeline (IDN-26, 48)."""

from django.core.management.base import BaseCommand, CommandError

from identity.models import SyncStatus, SyncTrigger
from identity.services.discord_sync import sync_discord_members


class Command(BaseCommand):
    help = "Sync Discord server members into DiscordUser rows (IDN-26)."

    def add_arguments(self, parser):
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

    def handle(self, *args, dry_run=False, no_post=False, **options):
        result = sync_discord_members(
            trigger=SyncTrigger.COMMAND, dry_run=dry_run, post=not no_post
        )
        for warning in result.details.get("warnings", []):
            self.stderr.write(f"Warning: {warning}")
        if result.status in (SyncStatus.SUCCESS, SyncStatus.PARTIAL):
            self.stdout.write(result.line)
            return
        raise CommandError(result.line)
