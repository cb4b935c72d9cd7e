"""`manage.py audit_report [--full] [--dry-run]`: post the audit report (IDN-39, IDN-48)."""

import json

from django.core.management.base import BaseCommand, CommandError

from identity.models import SyncTrigger
from identity.reports import send_audit_report
from identity.services.audit_report import run_audit_report


class Command(BaseCommand):
    help = "Post open audit issues not yet notified to the audit channel (IDN-39)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--full",
            action="store_true",
            help="Report every open, not dismissed issue, also those already posted.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print the messages as JSON instead of posting; write nothing (not a SyncRun).",
        )

    def handle(self, *args, full=False, dry_run=False, **options):
        if dry_run:
            report = send_audit_report(full=full, dry_run=True)
            if report.messages:
                self.stdout.write(json.dumps(report.payloads, indent=2, ensure_ascii=False))
            self.stdout.write(report.line)
            return
        outcome = run_audit_report(full=full, trigger=SyncTrigger.COMMAND)
        for warning in outcome.run.details.get("warnings", []):
            self.stderr.write(f"Warning: {warning}")
        if not outcome.ok:
            raise CommandError(outcome.line)
        self.stdout.write(outcome.line)
