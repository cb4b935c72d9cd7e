"""BOT-1, BOT-2, BOT-4, BOT-11: `manage.py runbot` start-up failures, shutdown and the token.

Start-up failures are one stderr line with BOT-2's exit code; the token never reaches stderr or
a log line; SIGTERM stops the bot cleanly, releasing the lease (a real process)."""

import asyncio
import io
import logging
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import discord
import discord.http
import pytest
from django.core.management import call_command

from patt.discord import bot as bot_module
from patt.discord.bot import (
    MEMBERS_INTENT_OFF,
    TOKEN_REJECTED,
    PattBot,
    StartupFailure,
    install_url,
    redact_every_handler,
    serve,
)
from patt.discord.lease import acquire_lease, renew_lease
from patt.models import BotStatus, SiteConfig

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "MTIzNDU2.secret-bot-token-value"


def runbot(*args):
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("runbot", *args, stderr=err)
    return exit_.value.code, err.getvalue().strip()


@pytest.fixture(autouse=True)
def keep_discord_base(monkeypatch):
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)


def test_bot_2_no_token_exits_1_with_one_line(settings):
    settings.DISCORD_BOT_TOKEN = ""
    assert runbot() == (1, "DISCORD_BOT_TOKEN is not set; the bot is disabled.")


@pytest.mark.django_db
@pytest.mark.parametrize("guild_id", ["", "not-a-number"])
def test_bot_2_a_missing_or_bad_server_id_exits_1(settings, guild_id):
    settings.DISCORD_BOT_TOKEN, settings.DISCORD_GUILD_ID = TOKEN, guild_id
    SiteConfig.get()  # blank discord_guild_id: the setting decides
    code, line = runbot()
    assert code == 1 and line.startswith("DISCORD_GUILD_ID is missing or not a Discord server id")
    assert "\n" not in line and TOKEN not in line


@pytest.mark.django_db
def test_bot_2_a_held_lease_exits_1_naming_the_host(settings):
    settings.DISCORD_BOT_TOKEN, settings.DISCORD_GUILD_ID = TOKEN, "424242"
    acquire_lease(instance_id="other", hostname="raid-box", pid=7)
    code, line = runbot()
    assert code == 1 and line.startswith("Another bot instance is running on raid-box (pid 7")
    assert BotStatus.objects.get().instance_id == "other"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_bot_2_a_rejected_token_exits_2_releases_the_lease_and_logs_no_token(
    fake_discord, settings, caplog
):
    settings.DISCORD_BOT_TOKEN = "wrong-" + TOKEN
    with caplog.at_level(logging.DEBUG):
        code, line = runbot()
    assert (code, line) == (2, TOKEN_REJECTED)
    row = BotStatus.objects.get()
    assert (row.instance_id, row.connected) == ("", False)  # released on the way out
    assert TOKEN not in caplog.text and TOKEN not in line


def test_bot_2_members_intent_off_is_exit_2():
    bot = PattBot(guild_id=1)

    async def login(token):
        return None

    async def connect(reconnect=True):
        raise discord.PrivilegedIntentsRequired(shard_id=None)

    bot.login, bot.connect = login, connect  # type: ignore[method-assign]
    with pytest.raises(StartupFailure) as failure:
        asyncio.run(serve(bot, TOKEN))
    assert (failure.value.code, failure.value.message) == (2, MEMBERS_INTENT_OFF)


def test_bot_11_the_token_is_redacted_by_a_filter_on_every_handler():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        redact_every_handler(TOKEN)
        # discord.py's records propagate to the root's handlers; a logger filter would miss them.
        logging.getLogger("discord.gateway").warning("identify with %s", TOKEN)
        logging.getLogger("discord.http").warning("headers {'Authorization': 'Bot abcdefghijkl'}")
    finally:
        root.removeHandler(handler)
    text = stream.getvalue()
    assert TOKEN not in text and "abcdefghijkl" not in text
    assert text.count("[redacted]") == 2


def test_bot_12_the_install_url_asks_for_the_bots_permissions():
    assert install_url(99) == (
        "https://discord.com/oauth2/authorize?client_id=99"
        "&scope=bot+applications.commands&permissions=268520448"
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_bot_4_shutdown_waits_for_handlers_releases_the_lease_and_closes(monkeypatch):
    acquire_lease(instance_id="me", hostname="h", pid=1)
    renew_lease(instance_id="me", connected=True)
    bot = PattBot(guild_id=1, instance_id="me", drain_seconds=5)
    finished = []
    closed = []

    async def close():
        closed.append(True)

    monkeypatch.setattr(bot, "close", close)

    async def scenario():
        async def handler():
            bot.in_flight.add(asyncio.current_task())
            await asyncio.sleep(0.2)
            finished.append(True)
            bot.in_flight.discard(asyncio.current_task())

        task = asyncio.create_task(handler())
        await asyncio.sleep(0)
        await bot.shutdown()
        assert task.done()
        # New events after the shutdown began are not taken.
        assert await bot.dispatch_to_listeners("member_join", None, "1", None) == "ignored"

    asyncio.run(scenario())
    assert finished == [True] and closed == [True]
    row = BotStatus.objects.get()
    assert (row.instance_id, row.connected) == ("", False)


@pytest.mark.skipif(sys.platform != "linux", reason="signals a real process")
def test_bot_4_sigterm_stops_a_running_bot_with_exit_0_and_frees_the_lease(tmp_path):
    """A real `runbot`, stuck logging in to a Discord that never answers, holds the lease;
    SIGTERM ends it with exit 0 and frees the lease."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    accepted = []
    threading.Thread(target=lambda: accepted.append(silent.accept()), daemon=True).start()
    database = tmp_path / "bot.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "DISCORD_BOT_TOKEN": TOKEN,
        "DISCORD_GUILD_ID": "424242",
        "DISCORD_API_URL": f"http://127.0.0.1:{silent.getsockname()[1]}/api/v10",
    }
    env.pop("REDIS_URL", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=180,
    )
    bot = subprocess.Popen(
        [sys.executable, "manage.py", "runbot"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        holder = ""
        while time.monotonic() < deadline and not (holder and accepted):
            with sqlite3.connect(database) as db:
                found = db.execute("select instance_id, pid from patt_botstatus").fetchone()
            holder = found[0] if found else ""
            time.sleep(0.2)
        assert holder and found[1] == bot.pid, "the running bot holds the lease"
        bot.send_signal(signal.SIGTERM)
        _, stderr = bot.communicate(timeout=30)
        assert bot.returncode == 0, stderr
        assert TOKEN not in stderr
        with sqlite3.connect(database) as db:
            assert db.execute("select instance_id, connected from patt_botstatus").fetchone() == (
                "",
                0,
            )
    finally:
        if bot.poll() is None:
            bot.kill()
        silent.close()


def test_bot_module_keeps_no_rule_of_its_own():
    """The bot reaches the apps only through the registry (patt imports no app)."""
    source = Path(bot_module.__file__).read_text()
    assert "from identity" not in source and "from onboarding" not in source
