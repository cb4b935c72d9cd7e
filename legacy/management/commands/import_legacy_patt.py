"""`manage.py import_legacy_patt --from postgres://… [--dry-run] [--report FILE] [-v 0/1/2]`

Imports the legacy PATT database (FastAPI + PostgreSQL, Alembic head 0181) into this
project's models (issue 14). The rules live in `legacy.importer`; this command parses its
options, shows progress per table on stderr and prints the summary. A failure prints one line
naming the legacy table and row and exits 1 with nothing written.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from legacy.importer import ImportFailed, SourceError, run_import


class Command(BaseCommand):
    help = (
        "Import a legacy PATT database (read-only) into this site, in one transaction. Safe to "
        "re-run: a ledger remembers every legacy row, so only new rows are imported."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--from",
            dest="source",
            required=True,
            help="URL of the legacy PostgreSQL database, e.g. postgres://user@host/patt",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="run the whole import, print the same report and roll everything back",
        )
        parser.add_argument("--report", help="also write the report as JSON to this file")

    def handle(self, *args, source, dry_run=False, report=None, **options):
        verbosity = options.get("verbosity", 1)

        def progress(message: str) -> None:
            if verbosity >= 1:
                self.stderr.write(message)

        try:
            result = run_import(source, dry_run=dry_run, progress=progress)
        except SourceError as exc:
            raise CommandError(f"Legacy database: {exc}") from exc
        except ImportFailed as exc:
            raise CommandError(f"Import failed, nothing was written. {exc}") from exc
        if report:
            try:
                Path(report).write_text(result.to_json() + "\n", encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"Cannot write the report to {report}: {exc}") from exc
        if verbosity >= 2:
            self.stdout.write(result.summary())
        elif verbosity >= 1:
            self.stdout.write(_short(result.summary()))

    # No `requires_system_checks` override: the usual checks run first.


def _short(summary: str) -> str:
    """The counts table, merged/reported rows and every section; -v 2 adds imported-with-
    changes rows."""
    lines, skipping = [], False
    for line in summary.splitlines():
        if line.startswith("Imported with changes"):
            skipping = True
            lines.append(line + " — shown with -v 2")
            continue
        if skipping and line and not line.startswith("  "):
            skipping = False
        if not skipping or not line.startswith("  "):
            lines.append(line)
    return "\n".join(lines)
