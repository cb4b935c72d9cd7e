"""`manage.py runbot`: the Discord gateway bot as its own process (BOT-1 … BOT-4).

- `--sync-commands`: register the slash commands for the server, then run;
- `--sync-only`: register them, then exit 0 (no lease: it answers nothing);
- `--force`: take the lease over from another instance.

Start-up failures are one line on stderr without the token, exit 1 (token unset, bad server id,
lease held) or 2 (token rejected, members intent off) (BOT-2). SIGTERM/SIGINT stop the bot
cleanly and exit 0 (BOT-4). The client and its handlers are patt/discord/bot.py.
"""

import asyncio
import os
import socket
import sys
import uuid

import discord.http
from django.conf import settings
from django.core.management.base import BaseCommand

from patt.discord import lease
from patt.discord.bot import TOKEN_UNSET, PattBot, StartupFailure, redact_every_handler, serve
from patt.discord.rest import configured_guild_id

DEFAULT_DISCORD_API_URL = "https://discord.com/api/v10"


class Command(BaseCommand):
    help = "Run the Discord gateway bot (one instance per server)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--sync-commands", action="store_true", help="Register the slash commands, then run."
        )
        parser.add_argument(
            "--sync-only", action="store_true", help="Register the slash commands, then exit."
        )
        parser.add_argument(
            "--force", action="store_true", help="Take the lease over from another instance."
        )

    def fail(self, code: int, message: str):
        self.stderr.write(message)
        sys.exit(code)

    def handle(self, *args, **options):
        token = settings.DISCORD_BOT_TOKEN
        if not token:
            self.fail(1, TOKEN_UNSET)
        redact_every_handler(token)
        guild_id = configured_guild_id()
        if not guild_id.isdigit():
            shown = f" (got {guild_id!r})" if guild_id else ""
            self.fail(1, f"DISCORD_GUILD_ID is missing or not a Discord server id{shown}.")
        # discord.py's REST base follows DISCORD_API_URL, so tests and the demo can point the
        # bot at loopback fakes as they do the REST client.
        if settings.DISCORD_API_URL.rstrip("/") != DEFAULT_DISCORD_API_URL:
            discord.http.Route.BASE = settings.DISCORD_API_URL.rstrip("/")

        sync_only = options["sync_only"]
        instance_id = ""
        if not sync_only:
            instance_id = uuid.uuid4().hex
            try:
                lease.acquire_lease(
                    instance_id=instance_id,
                    hostname=socket.gethostname(),
                    pid=os.getpid(),
                    force=options["force"],
                )
            except lease.LeaseHeld as held:
                self.fail(1, str(held))

        bot = PattBot(
            guild_id=int(guild_id),
            instance_id=instance_id,
            sync_commands=options["sync_commands"] or sync_only,
            heartbeat_seconds=settings.BOT_HEARTBEAT_SECONDS,
        )
        try:
            asyncio.run(serve(bot, token, sync_only=sync_only))
        except StartupFailure as failure:
            self.fail(failure.code, failure.message)
        except Exception as exc:  # e.g. Discord unreachable: one line, never a traceback with URLs
            self.fail(1, f"The bot stopped: {type(exc).__name__}.")
