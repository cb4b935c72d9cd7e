"""`manage.py seed_demo [--players N]`: a deterministic, idempotent PATT demo guild.

A roof module: it asks the registry for the apps' `DemoBuilder`s (patt/registry.py) and runs
them in order — identity's guild first, then campaigns, the raid roster, Mito's Corner and
the upload token — after checking it may run. Each builder declares the options it reads;
the command prints each builder's lines, then one summary with the elapsed time.
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from patt import registry


class Command(BaseCommand):
    help = (
        "Create or refresh the demo guild: players, characters on several realms, Discord "
        "users, notes, audit issues and demo logins. Same options, same guild; safe to re-run."
    )

    def add_arguments(self, parser):
        for builder in registry.demo_builders():
            for option in builder.options:
                flag = f"--{option.name.replace('_', '-')}"
                if option.flag:
                    parser.add_argument(flag, action="store_true", help=option.help)
                else:
                    parser.add_argument(
                        flag, type=option.type, default=option.default, help=option.help
                    )
        parser.add_argument(
            "--force",
            action="store_true",
            help="run even when DEBUG is off",
        )

    def handle(self, *args, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo writes demo data; refusing on a production database (use --force)"
            )
        progress = None
        if options["verbosity"] >= 1:

            def progress(label: str, done: int, total: int) -> None:
                self.stdout.write(f"{label}: {done}/{total}")

        started = time.monotonic()
        reports = [builder.build(options, progress) for builder in registry.demo_builders()]
        elapsed = time.monotonic() - started

        for report in reports:
            for line in report.lines:
                self.stdout.write(line)
        summary = " ".join(report.summary for report in reports if report.summary)
        self.stdout.write(self.style.SUCCESS(f"Demo guild ready in {elapsed:.1f}s: {summary}"))
