"""BOT-12 against the fake Discord: `--sync-commands` makes the tree the server's commands and
deletes this app's global ones; each start warns when the registered names differ from the
tree; a 50001 on sync logs the install URL and the role-order hint."""

import asyncio
import logging

import discord
import pytest

from patt.discord.bot import COMMANDS_OUT_OF_DATE, PattBot, install_url
from tests.fakes.fake_discord import Reply

ONBOARDING_COMMANDS = {
    "verify",
    "onboard-status",
    "onboard-dismiss",
    "onboard-start",
    "onboard-resolve",
    "onboard-retry",
}


@pytest.fixture
def discord_at_fake(fake_discord, monkeypatch):
    """discord.py's REST base pointed at the fake (as runbot does for a loopback URL)."""
    monkeypatch.setattr(discord.http.Route, "BASE", fake_discord.base_url.rstrip("/"))
    return fake_discord


def login(fake, *, sync_commands: bool) -> PattBot:
    """Log in (which runs setup_hook, BOT-5) and close; no gateway."""
    bot = PattBot(guild_id=int(fake.guild_id), sync_commands=sync_commands)

    async def go():
        try:
            await bot.login(fake.token)
        finally:
            await bot.close()

    asyncio.run(go())
    return bot


def test_bot_12_sync_registers_guild_commands_and_deletes_global_ones(discord_at_fake):
    fake = discord_at_fake
    fake.set_app_commands("global", ["verify", "old-global"])
    bot = login(fake, sync_commands=True)
    assert bot.commands_synced is True
    assert {c["name"] for c in fake.app_commands(fake.guild_id)} >= ONBOARDING_COMMANDS
    assert fake.app_commands("global") == []
    puts = fake.requests_to("PUT")
    assert [r.path.rsplit("/api/v10", 1)[-1] for r in puts] == [
        f"/applications/{fake.bot_user['id']}/guilds/{fake.guild_id}/commands",
        f"/applications/{fake.bot_user['id']}/commands",
    ]


def test_bot_12_a_start_without_sync_warns_when_the_names_differ(discord_at_fake, caplog):
    fake = discord_at_fake
    fake.set_app_commands(fake.guild_id, ["verify"])
    with caplog.at_level(logging.WARNING, logger="patt.bot"):
        bot = login(fake, sync_commands=False)
    assert bot.commands_synced is None
    assert COMMANDS_OUT_OF_DATE in caplog.text
    assert fake.requests_to("PUT") == []  # synced only on demand


def test_bot_12_no_warning_when_up_to_date(discord_at_fake, caplog):
    fake = discord_at_fake
    login(fake, sync_commands=True)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="patt.bot"):
        login(fake, sync_commands=False)
    assert COMMANDS_OUT_OF_DATE not in caplog.text


def test_bot_12_missing_access_logs_the_install_url(discord_at_fake, caplog):
    fake = discord_at_fake
    fake.script(
        "PUT",
        "/applications/{a}/guilds/{g}/commands",
        [Reply.error(403, 50001, "Missing Access")],
    )
    with caplog.at_level(logging.ERROR, logger="patt.bot"):
        bot = login(fake, sync_commands=True)
    assert bot.commands_synced is False
    assert install_url(fake.bot_user["id"]) in caplog.text
    assert "above every rank role" in caplog.text


def test_issue13_setup_freezes_what_is_loaded_and_the_bot_keeps_no_message_cache(
    discord_at_fake, monkeypatch
):
    """The one-time setup (BOT-5) moves what is loaded by then out of the cyclic collector's
    walks (a full collection would stall every handler); DMs are read once, so discord.py keeps
    no message cache."""
    from patt.discord import bot as bot_module

    frozen = []
    monkeypatch.setattr(bot_module.gc, "freeze", lambda: frozen.append(True))
    bot = login(discord_at_fake, sync_commands=False)
    assert frozen == [True]
    assert bot._connection.max_messages is None
