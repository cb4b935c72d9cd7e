"""`manage.py run_contest_agent [--campaign ID] [--dry-run]`: one run of the contest agent
(CMP-43). The dry run prints what would be posted and writes nothing."""

from django.core.management.base import BaseCommand, CommandError

from campaigns.agent import run_agent
from campaigns.models import Campaign


class Command(BaseCommand):
    help = "Run the contest agent once: at most one Discord post per campaign (CMP-43)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--campaign", type=int, metavar="ID", help="Only this campaign (by id)."
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print what would be posted; post nothing and write nothing.",
        )

    def handle(self, *args, campaign=None, dry_run=False, **options):
        if campaign is not None and not Campaign.objects.filter(pk=campaign).exists():
            raise CommandError(f"Campaign {campaign} not found.")
        result = run_agent(campaign_id=campaign, dry_run=dry_run)
        if campaign is not None and not result.outcomes and not result.skipped:
            self.stdout.write(
                f"Campaign {campaign} is not followed by the agent (agent off, not live, or "
                "its results were posted or closed more than 48 hours ago)."
            )
        for outcome in result.outcomes:
            head = f"#{outcome.campaign_id} “{outcome.title}”: "
            if outcome.status in ("would_post", "posted"):
                verb = "would post" if outcome.status == "would_post" else "posted"
                self.stdout.write(f"{head}{verb} {outcome.event} to channel {outcome.channel_id}")
                self.stdout.write(f"    {outcome.embed['title']}")
                for line in outcome.message.splitlines():
                    self.stdout.write(f"    {line}")
            elif outcome.status == "failed":
                self.stdout.write(f"{head}{outcome.event} failed: {outcome.error}")
            elif outcome.status == "no_channel":
                self.stdout.write(f"{head}no channel set (campaign or SiteConfig); skipped")
            elif outcome.status == "backoff":
                self.stdout.write(
                    f"{head}{outcome.event} waits: a permanent Discord error less than 60 "
                    "minutes ago"
                )
            elif outcome.status == "error":
                self.stdout.write(f"{head}error: {outcome.error}")
            else:
                self.stdout.write(f"{head}nothing new to post")
        self.stdout.write(result.line)
