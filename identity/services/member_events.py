"""What the bot's member handlers call: join, leave, update (IDN-28).

The bot (patt/discord/bot.py) copies each gateway event into a `MemberInfo`; identity's
listeners (identity/bot_listeners.py) turn it into `MemberData` and call the keyword-only
`record_member_join` / `record_member_leave` / `record_member_update` in the bot's sync thread.
`member_joined` / `member_left` / `member_updated` are the same services with positional
arguments, as the earlier tests call them. The upsert rule itself is
`discord_sync.apply_member` (IDN-27), shared with the full sync. Bots are ignored and nothing
is posted. The linked player's rank is recomputed after each change (IDN-15).
"""

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from identity.models import DiscordUser, GuildRank, Player
from identity.services.discord_sync import NEW, UNCHANGED, MemberData, apply_member
from identity.services.ranks import recompute_player_ranks

__all__ = [
    "MemberData",
    "member_joined",
    "member_left",
    "member_updated",
    "record_member_join",
    "record_member_leave",
    "record_member_update",
]

log = logging.getLogger(__name__)


def _recompute_linked_player(discord_user: DiscordUser) -> None:
    player_ids = list(Player.objects.filter(discord_user=discord_user).values_list("pk", flat=True))
    if player_ids:
        recompute_player_ranks(player_ids=player_ids)


def _log_role_change(row: DiscordUser, old_id: int | None, ladder: list[GuildRank]) -> None:
    if old_id == row.highest_guild_role_id:
        return
    names: dict[int | None, str] = {rank.pk: rank.name for rank in ladder}
    log.info(
        "Guild role of %s: %s -> %s",
        row,
        names.get(old_id, "none"),
        names.get(row.highest_guild_role_id, "none"),
    )


def _upsert(
    data: MemberData, *, only_if_changed: bool, now: datetime | None = None
) -> DiscordUser | None:
    if data.bot:
        return None
    ladder = list(GuildRank.objects.all())
    with transaction.atomic():
        row = DiscordUser.objects.select_for_update().filter(discord_id=data.discord_id).first()
        old_role_id = row.highest_guild_role_id if row else None
        row, outcome = apply_member(row=row, member=data, ladder=ladder, now=timezone.now())
        if only_if_changed and outcome == UNCHANGED:
            return row  # e.g. an avatar-only change: nothing is written
        row.save()
        if outcome != NEW:
            _log_role_change(row, old_role_id, ladder)
            _recompute_linked_player(row)
        else:
            # A row just created has no player pointing at it yet: no rank to recompute.
            log.info("Discord member joined: %s", row)
    return row


def record_member_join(*, member: MemberData, now: datetime | None = None) -> DiscordUser | None:
    """`on_member_join` (IDN-28, BOT-7): upsert as IDN-27 and return the row (None for a bot)."""
    return _upsert(member, only_if_changed=False, now=now)


def member_joined(data: MemberData) -> DiscordUser | None:
    return record_member_join(member=data)


def member_updated(data: MemberData) -> DiscordUser | None:
    return record_member_update(member=data)


def member_left(discord_id: str) -> DiscordUser | None:
    return record_member_leave(discord_id=discord_id)


def record_member_update(*, member: MemberData, now: datetime | None = None) -> DiscordUser | None:
    """`on_member_update` / `on_user_update` (IDN-28).

    Writes only when username, display name (nick / global name) or roles changed; then
    updates `highest_guild_role`, logs a ladder-role change old -> new and recomputes the linked
    player's rank. An unknown member is upserted as a join (the bot missed the join event).
    """
    return _upsert(member, only_if_changed=True, now=now)


def record_member_leave(*, discord_id: str, now: datetime | None = None) -> DiscordUser | None:
    """`on_member_remove`: `is_present=false`, `left_at=now`; player and links are kept.

    An unknown user is a no-op (returns None).
    """
    with transaction.atomic():
        row = DiscordUser.objects.select_for_update().filter(discord_id=str(discord_id)).first()
        if row is None:
            return None
        if row.is_present:
            row.is_present = False
            row.left_at = now or timezone.now()
            row.save(update_fields=["is_present", "left_at"])
            log.info("Discord member left: %s", row)
            _recompute_linked_player(row)
    return row
