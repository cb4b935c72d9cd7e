"""The bot's single-instance lease (BOT-3): take, renew, release, and "is the bot online?".

Two bots on one server would answer every DM twice, so `manage.py runbot` holds the lease in the
`BotStatus` row while it runs. The lease is taken when it is free (no `instance_id`), stale (no
heartbeat for `STALE_AFTER`) or with `force`; the holder renews it every `HEARTBEAT_EVERY`.

Taking it is one conditional UPDATE of the singleton row: the database locks the row, and a
second acquirer re-reads it after the first committed, finds a fresh heartbeat and updates
nothing. So of two bots starting together exactly one gets the lease, on PostgreSQL as on SQLite.

Every function takes `now` (default `timezone.now()`) so tests need no clock.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from patt.models import BotStatus

log = logging.getLogger("patt.bot")

HEARTBEAT_EVERY = timedelta(seconds=30)
STALE_AFTER = timedelta(seconds=90)


class LeaseHeld(Exception):
    """Another live instance holds the lease (BOT-2: exit 1)."""

    def __init__(self, status: BotStatus):
        self.hostname = status.hostname or "an unknown host"
        self.pid = status.pid
        self.heartbeat_at = status.heartbeat_at
        seen = status.heartbeat_at.astimezone(UTC) if status.heartbeat_at else None
        when = f", last heartbeat {seen:%Y-%m-%d %H:%M:%S} UTC" if seen else ""
        super().__init__(
            f"Another bot instance is running on {self.hostname} (pid {self.pid}{when}); "
            "stop it, or start this one with --force."
        )


def _row() -> BotStatus:
    row, _ = BotStatus.objects.get_or_create(pk=BotStatus.SINGLETON_PK)
    return row


def acquire_lease(
    *,
    instance_id: str,
    hostname: str,
    pid: int,
    force: bool = False,
    now: datetime | None = None,
) -> BotStatus:
    """Take the lease for `instance_id` (BOT-3) and return the row; raise `LeaseHeld` when a
    live instance holds it and `force` is off."""
    now = now or timezone.now()
    _row()  # the singleton exists before the conditional update below
    takeable = Q(pk=BotStatus.SINGLETON_PK)
    if not force:
        takeable &= (
            Q(instance_id="")
            | Q(heartbeat_at__isnull=True)
            | Q(heartbeat_at__lt=now - STALE_AFTER)
            | Q(instance_id=instance_id)
        )
    taken = BotStatus.objects.filter(takeable).update(
        instance_id=instance_id,
        hostname=hostname[:255],
        pid=pid,
        started_at=now,
        heartbeat_at=now,
        connected=False,
    )
    row = _row()
    if not taken:
        raise LeaseHeld(row)
    if force:
        log.warning("Bot lease taken over with --force", extra={"event": "lease"})
    return row


def renew_lease(
    *, instance_id: str, connected: bool | None = None, now: datetime | None = None
) -> bool:
    """The heartbeat: renew the lease if `instance_id` still holds it, optionally recording
    whether the gateway is connected. False means another instance took it over (`--force`):
    the caller must stop, or two bots would answer."""
    values: dict[str, object] = {"heartbeat_at": now or timezone.now()}
    if connected is not None:
        values["connected"] = connected
    return bool(
        BotStatus.objects.filter(pk=BotStatus.SINGLETON_PK, instance_id=instance_id).update(
            **values
        )
    )


def release_lease(*, instance_id: str, now: datetime | None = None) -> bool:
    """Give the lease up on shutdown (BOT-4): marked disconnected, free for the next start; the
    last heartbeat becomes the "offline since" time. Only the holder can release it."""
    return bool(
        BotStatus.objects.filter(pk=BotStatus.SINGLETON_PK, instance_id=instance_id).update(
            instance_id="", connected=False, heartbeat_at=now or timezone.now()
        )
    )


@dataclass(frozen=True)
class BotPresence:
    """What the admin shows about the bot (BOT-3)."""

    online: bool
    since: datetime | None  # offline: the last heartbeat; None when no bot ever ran
    hostname: str = ""

    @property
    def label(self) -> str:
        if self.online:
            return "Bot online"
        if self.since is None:
            return "Bot offline (never started)"
        seen = self.since.astimezone(UTC)
        return f"Bot offline since {seen:%Y-%m-%d %H:%M} UTC"


def bot_presence(*, now: datetime | None = None) -> BotPresence:
    """Online = a holder whose heartbeat is fresh and who is connected to the gateway (one
    query; the row is not created)."""
    now = now or timezone.now()
    row = BotStatus.objects.filter(pk=BotStatus.SINGLETON_PK).first()
    if row is None:
        return BotPresence(online=False, since=None)
    fresh = row.heartbeat_at is not None and now - row.heartbeat_at <= STALE_AFTER
    if row.instance_id and row.connected and fresh:
        return BotPresence(online=True, since=row.started_at, hostname=row.hostname)
    return BotPresence(online=False, since=row.heartbeat_at, hostname=row.hostname)
