"""`manage.py setup_schedules`: upsert the django-q2 schedules by name (IDN-47)."""

from django.core.management.base import BaseCommand

from patt.schedules import setup_schedules


class Command(BaseCommand):
    help = "Create or update the django-q2 schedules (never duplicates them)."

    def handle(self, *args, **options):
        outcomes = setup_schedules()
        for name, outcome in outcomes.items():
            self.stdout.write(f"{name}: {outcome}")
        created = sum(1 for outcome in outcomes.values() if outcome == "created")
        updated = sum(1 for outcome in outcomes.values() if outcome == "updated")
        self.stdout.write(f"Schedules: {created} created, {updated} updated, {len(outcomes)} total")
