"""onboarding's handlers of the bot's events (BOT-7, BOT-8): thin adapters over the services.

The bot (patt/discord/bot.py) calls these in its sync thread with plain values and sends the
`OutMessage`s they return; `report_join` receives how the opening DM went (ONB-8 step 3,
ONB-40). Registered in onboarding/contributions.py.
"""

from __future__ import annotations

from functools import partial

from onboarding.services.conversation import finish_dm, receive_dm
from onboarding.services.joins import member_joined, report_opening_dm
from patt.discord.events import Delivery, DmIn, FollowUp, MemberInfo, OutMessage

JOIN_ORDER = 20  # after identity's DiscordUser upsert (identity.bot_listeners.JOIN_ORDER = 10)


def on_member_join(member: MemberInfo) -> OutMessage | None:
    """ONB-8: the join step, after identity's upsert."""
    return member_joined(discord_user_id=member.id)


def report_join(member: MemberInfo, delivery: Delivery) -> None:
    """ONB-8 step 3, ONB-40: a refused opening DM."""
    if not delivery.ok:
        report_opening_dm(discord_user_id=member.id, outcome=delivery.outcome)


def on_dm(message: DmIn) -> list[OutMessage] | FollowUp:
    """ONB-12: every DM. When the answer ends the questions (ONB-25), the summary goes out
    first and verification (`finish_dm`) runs after it, in the same user turn."""
    turn = receive_dm(author_id=message.author_id, message_id=message.message_id, text=message.text)
    if turn.verify_session_id is None:
        return turn.replies
    return FollowUp(tuple(turn.replies), then=partial(finish_dm, session_id=turn.verify_session_id))
