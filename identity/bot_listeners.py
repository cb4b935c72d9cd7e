"""identity's handlers of the bot's member events (IDN-28, BOT-7).

The bot (patt/discord/bot.py) filters other servers and bots and hands each handler a
`MemberInfo`; these turn it into identity's `MemberData` and call one member-event service. They
run in the bot's sync thread (`bot_unit`), never on the event loop. identity/contributions.py
registers them as `BotListener`s at `JOIN_ORDER`, so another app's join step (onboarding's
ONB-8) runs after the DiscordUser upsert by contributing a listener of `MEMBER_JOIN` with a
higher `order` (e.g. `ONBOARDING_JOIN_ORDER`).
"""

from identity.models import DiscordUser
from identity.services.member_events import (
    MemberData,
    record_member_join,
    record_member_leave,
    record_member_update,
)
from patt.discord.events import MemberInfo

JOIN_ORDER = 10
ONBOARDING_JOIN_ORDER = 20  # after the upsert: the join step finds the DiscordUser


def member_data(member: MemberInfo) -> MemberData:
    return MemberData(
        discord_id=member.id,
        username=member.username,
        global_name=member.global_name,
        nick=member.nick,
        role_ids=member.role_ids,
        joined_at=member.joined_at,
        bot=member.bot,
    )


def on_member_join(member: MemberInfo) -> DiscordUser | None:
    return record_member_join(member=member_data(member))


def on_member_remove(member: MemberInfo) -> DiscordUser | None:
    return record_member_leave(discord_id=member.id)


def on_member_update(member: MemberInfo) -> DiscordUser | None:
    return record_member_update(member=member_data(member))
