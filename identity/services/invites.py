"""Invite codes (IDN-16, ACC-27 … ACC-29). Every code in the product is created here."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from identity.models import INVITE_ALPHABET, InviteCode, Player

CODE_LENGTH = 8
_MAX_DRAWS = 10


def generate_code() -> str:
    """8 characters from the unambiguous alphabet (no I, L, O, 0, 1), drawn with `secrets`."""
    return "".join(secrets.choice(INVITE_ALPHABET) for _ in range(CODE_LENGTH))


def create_invite(
    player: Player, *, created_by: Player | None = None, ttl_hours: int | None = None
) -> InviteCode:
    """Issue a new invite for `player` (ACC-28).

    The player's earlier unused codes expire now, so a player has at most one valid code. A
    code that clashes with an existing one is redrawn (the unique index decides).
    """
    if ttl_hours is None:
        ttl_hours = settings.INVITE_CODE_TTL_HOURS
    now = timezone.now()
    for _ in range(_MAX_DRAWS):
        try:
            with transaction.atomic():
                InviteCode.objects.filter(
                    player=player, used_at__isnull=True, expires_at__gt=now
                ).update(expires_at=now)
                return InviteCode.objects.create(
                    code=generate_code(),
                    player=player,
                    created_by=created_by,
                    created_at=now,
                    expires_at=now + timedelta(hours=ttl_hours),
                )
        except IntegrityError:
            continue
    raise RuntimeError("Could not draw a unique invite code; try again.")
