"""`manage.py import_sheets (--file export.json | --url URL | --csv-dir DIR |
--characters-csv F --discord-ids-csv F) [--realm R] [--overwrite] [--dry-run]`

Imports the legacy Google Sheets export (ROS-63 … ROS-72), or its legacy CSV exports
(`characters.csv` + `discord_ids.csv`, issue 11 item 18); the rules live in
`roster.services.sheets_import`, where both readers produce the same export object. Fatal
problems print one line and exit 1 with nothing written; flagged rows are listed in the summary
and the command still exits 0.
"""

from django.core.management.base import BaseCommand, CommandError

from patt.refusals import Refused
from roster.services import sheets_import


class Command(BaseCommand):
    help = (
        "Import the legacy Google Sheets roster export (players, Discord ids, availability, "
        "characters, Mito's quotes and titles), or its characters.csv + discord_ids.csv "
        "exports. Safe to re-run."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", help="path of the export JSON file")
        parser.add_argument("--url", help="URL of the export JSON (GET, 30 s timeout)")
        parser.add_argument(
            "--csv-dir",
            help=(
                "folder holding the legacy CSV exports characters.csv "
                "(Discord,Character,Class,Spec,Role,MainAlt) and discord_ids.csv "
                "(Discord,DiscordID)"
            ),
        )
        parser.add_argument(
            "--characters-csv", help="path of the characters CSV (instead of --csv-dir's)"
        )
        parser.add_argument(
            "--discord-ids-csv", help="path of the Discord ids CSV (instead of --csv-dir's)"
        )
        parser.add_argument(
            "--realm",
            help="realm of the sheet's characters (default: the guild realm in SiteConfig)",
        )
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="also overwrite availability members changed on the website, API or admin",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="run the import, print the summary and roll everything back",
        )

    def handle(self, *args, file=None, url=None, realm=None, overwrite=False, **options):
        dry_run = options.get("dry_run", False)
        csv_options = (
            options.get("csv_dir"),
            options.get("characters_csv"),
            options.get("discord_ids_csv"),
        )
        if [bool(file), bool(url), any(csv_options)].count(True) != 1:
            raise CommandError(sheets_import.ONE_SOURCE)
        try:
            if file:
                data, source = sheets_import.read_export_file(file), file
            elif url:
                data, source = sheets_import.fetch_export(url), url
            else:
                paths = sheets_import.csv_paths(
                    csv_dir=options.get("csv_dir"),
                    characters_csv=options.get("characters_csv"),
                    discord_ids_csv=options.get("discord_ids_csv"),
                )
                characters_csv, discord_ids_csv = paths
                data = sheets_import.read_csv_export(
                    characters_csv=characters_csv, discord_ids_csv=discord_ids_csv
                )
                source = " + ".join(paths)
            report = sheets_import.import_export(
                data, source=source, realm=realm, overwrite=overwrite, dry_run=dry_run
            )
        except Refused as exc:
            raise CommandError(exc.message) from None
        for line in report.lines():
            self.stdout.write(line)
