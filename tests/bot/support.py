"""Stand-ins for discord.py objects (BOT-32): only the attributes the adapters read."""

from datetime import UTC, datetime
from types import SimpleNamespace
from unittest.mock import AsyncMock, MagicMock

import discord

GUILD_ID = 424242
OTHER_GUILD_ID = 777
JOINED = datetime(2025, 5, 1, 18, 30, tzinfo=UTC)


def stand_in_member(
    *,
    id=1001,
    name="trogdor",
    global_name="Trog",
    nick=None,
    bot=False,
    guild_id=GUILD_ID,
    role_ids=(9002,),
):
    roles = [SimpleNamespace(id=guild_id)] + [SimpleNamespace(id=r) for r in role_ids]
    return SimpleNamespace(
        id=id,
        name=name,
        global_name=global_name,
        nick=nick,
        display_name=nick or global_name or name,
        bot=bot,
        joined_at=JOINED,
        roles=roles,
        guild=SimpleNamespace(id=guild_id),
        send=AsyncMock(return_value=SimpleNamespace(id=5555)),
    )


def stand_in_dm(*, author_id=1001, text="yes", message_id=9_000_001, bot=False):
    return SimpleNamespace(
        author=SimpleNamespace(id=author_id, bot=bot, name="trogdor"),
        content=text,
        id=message_id,
        guild=None,
        channel=SimpleNamespace(send=AsyncMock(return_value=SimpleNamespace(id=6666))),
    )


def forbidden(code: int) -> discord.Forbidden:
    response = MagicMock(status=403, reason="Forbidden")
    return discord.Forbidden(
        response, {"code": code, "message": "Cannot send messages to this user"}
    )
