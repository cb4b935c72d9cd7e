"""`manage.py fake_blizzard`: serve the fake Blizzard API for the demo (IDN-49)."""

from django.core.management.base import BaseCommand

from identity.testing.demo_guild import fixture_from_database
from identity.testing.fake_blizzard import DEMO_FIXTURE, FakeBlizzard, generate_guild, load_fixture


class Command(BaseCommand):
    help = "Serve a fake Blizzard API (token, roster, profiles) on a loopback port."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--fixture", default=str(DEMO_FIXTURE), help="fixture JSON (IDN-51)")
        parser.add_argument(
            "--members", type=int, default=None, help="serve a generated guild of N members"
        )
        parser.add_argument(
            "--from-db",
            action="store_true",
            help="serve the database's in-guild characters (the demo: `make run` uses this)",
        )
        parser.add_argument("--latency-ms", type=int, default=0, help="delay of every answer")

    def handle(self, *args, host, port, fixture, members, from_db, latency_ms, **options):
        if from_db:
            guild = fixture_from_database()
        elif members:
            guild = generate_guild(members)
        else:
            guild = load_fixture(fixture)
        fake = FakeBlizzard(guild, latency=latency_ms / 1000)
        base = f"http://{host}:{port}"
        self.stdout.write(
            f"Fake Blizzard API on {base} ({len(guild['members'])} members)\n"
            f"  BLIZZARD_API_URL={base}\n  BLIZZARD_OAUTH_URL={base}/oauth\n"
            "  BLIZZARD_CLIENT_ID=fake-id\n  BLIZZARD_CLIENT_SECRET=fake-secret\n"
            "Ctrl-C to stop."
        )
        try:
            fake.serve_forever(host, port)
        except KeyboardInterrupt:
            self.stdout.write("stopped")
