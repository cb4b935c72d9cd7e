"""BOT-3's heartbeat loop, BOT-9's connection health checks and BOT-11's logging: the DM text
only at DEBUG and cut to 100 characters, and LOG_FORMAT=json lines with the `extra` fields."""

import asyncio
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from patt import registry
from patt.discord import bot as bot_module
from patt.discord.bot import PattBot
from patt.logging import JsonFormatter
from tests.bot.support import stand_in_dm

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def no_sync_thread(monkeypatch):
    """The lease calls run inline: these tests are about the loop, not the database."""

    async def inline(fn, *args, **kwargs):
        return fn(*args, **kwargs)

    monkeypatch.setattr(bot_module, "run_unit", inline)


def test_bot_3_the_heartbeat_renews_every_interval_and_stops_when_the_lease_is_lost(
    monkeypatch, no_sync_thread
):
    renewals = []

    def renew_lease(*, instance_id, connected=None):
        renewals.append((instance_id, connected))
        return len(renewals) < 3  # the third beat finds another instance holding the lease

    monkeypatch.setattr(bot_module.lease, "renew_lease", renew_lease)
    bot = PattBot(guild_id=1, instance_id="me", heartbeat_seconds=0.01)

    async def scenario():
        await asyncio.wait_for(bot.heartbeat_loop(), timeout=5)  # returns by itself

    asyncio.run(scenario())
    assert renewals == [("me", False)] * 3  # not connected: the client never logged in
    assert bot.lease_lost and bot.stop_requested.is_set()


def test_bot_3_the_heartbeat_keeps_going_while_the_database_is_down(monkeypatch, no_sync_thread):
    calls = []

    def renew_lease(*, instance_id, connected=None):
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError("database unreachable")
        return False

    monkeypatch.setattr(bot_module.lease, "renew_lease", renew_lease)
    bot = PattBot(guild_id=1, instance_id="me", heartbeat_seconds=0.01)
    asyncio.run(asyncio.wait_for(bot.heartbeat_loop(), timeout=5))
    assert len(calls) == 3 and bot.lease_lost


def test_bot_9_database_connections_are_health_checked_before_reuse():
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


def test_bot_11_dm_text_is_logged_only_at_debug_and_cut_to_100_characters(monkeypatch, caplog):
    monkeypatch.setattr(registry, "bot_listeners", lambda event: [])
    bot = PattBot(guild_id=1)
    text = "my main is " + "x" * 300
    with caplog.at_level(logging.INFO, logger="patt.bot"):
        asyncio.run(bot.on_message(stand_in_dm(text=text)))
    assert "my main is" not in caplog.text  # INFO: the event line, never the text
    assert any(record.getMessage() == "dm from 1001: ok" for record in caplog.records)
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="patt.bot"):
        asyncio.run(bot.on_message(stand_in_dm(text=text)))
    logged = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert logged == ["DM from 1001: " + text[:100]]


def test_bot_11_json_lines_carry_the_extra_fields():
    logger = logging.getLogger("patt.bot.test")
    record = logger.makeRecord(
        "patt.bot",
        logging.INFO,
        __file__,
        1,
        "%s from %s: %s",
        ("dm", "1001", "sent"),
        None,
        extra={"event": "dm", "discord_user_id": "1001", "outcome": "sent", "duration_ms": 12},
    )
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "dm from 1001: sent"
    assert (line["level"], line["logger"]) == ("INFO", "patt.bot")
    assert {k: line[k] for k in ("event", "discord_user_id", "outcome", "duration_ms")} == {
        "event": "dm",
        "discord_user_id": "1001",
        "outcome": "sent",
        "duration_ms": 12,
    }
    try:
        raise ValueError("boom")
    except ValueError:
        failed = logger.makeRecord("patt.bot", logging.ERROR, __file__, 1, "x", (), sys.exc_info())
    assert "ValueError: boom" in json.loads(JsonFormatter().format(failed))["exc_info"]


def test_bot_11_log_format_json_switches_the_console_handler():
    code = (
        "import django, logging; django.setup(); "
        "logging.getLogger('patt.bot').warning('hello', extra={'event': 'ready'})"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "patt.settings", "LOG_FORMAT": "json"}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    line = json.loads(done.stderr.strip().splitlines()[-1])
    assert (line["message"], line["event"], line["level"]) == ("hello", "ready", "WARNING")
