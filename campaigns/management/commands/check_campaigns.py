"""`manage.py check_campaigns`: run the campaign status checker once (CMP-31)."""

from django.core.management.base import BaseCommand

from campaigns.services.lifecycle import check_campaign_status


class Command(BaseCommand):
    help = (
        "Activate drafts whose start time has come, close campaigns whose end time has passed "
        "or where every eligible member voted. The same code the every-minute schedule runs."
    )

    def handle(self, *args, **options):
        self.stdout.write(check_campaign_status().line)
