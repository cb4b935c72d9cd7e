"""Invite codes (IDN-16, ACC-27 … ACC-30, ACC-33). Every code in the product is created here."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from identity.models import INVITE_ALPHABET, InviteCode, InviteDmStatus, Player
from identity.services.accounts import sync_officer_access
from patt.refusals import Refused

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
                InviteCode.objects.filter(player=player).valid(now).update(expires_at=now)
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


def expire_invites(invites: QuerySet[InviteCode], *, now: datetime | None = None) -> int:
    """ACC-30 "Expire now": `expires_at = now` on the valid codes among `invites`.

    Used and already expired codes are left as they are. Returns how many codes expired.
    """
    now = now or timezone.now()
    return (
        InviteCode.objects.filter(pk__in=list(invites.values_list("pk", flat=True)))
        .valid(now)
        .update(expires_at=now)
    )


# --- a player's newest invite and the "Website account" status (ACC-33) ----------------------

# The invite fields `website_account_status` reads, annotated as `invite_<field>`.
NEWEST_INVITE_FIELDS = ("expires_at", "used_at", "dm_status", "dm_error")
_NEWEST_FIRST = ("-created_at", "-pk")


def newest_invite(player: Player) -> InviteCode | None:
    """The player's newest invite (one query); see `with_newest_invite` for many players."""
    return player.invite_codes.order_by(*_NEWEST_FIRST).first()


def with_newest_invite(players: QuerySet[Player]) -> QuerySet[Player]:
    """Annotate each player with its newest invite's `NEWEST_INVITE_FIELDS` as `invite_<field>`.

    Correlated subqueries, so a page of players costs the same queries however long it is;
    `annotated_newest_invite` turns the values back into an invite.
    """
    newest = InviteCode.objects.filter(player=OuterRef("pk")).order_by(*_NEWEST_FIRST)
    return players.annotate(
        **{f"invite_{field}": Subquery(newest.values(field)[:1]) for field in NEWEST_INVITE_FIELDS}
    )


def annotated_newest_invite(player: Player) -> InviteCode | None:
    """The newest invite rebuilt (unsaved) from `with_newest_invite`'s annotations, no query.

    None when the player has no invite (`expires_at` is never null on a stored code) or is not
    saved yet, as on the admin's add page.
    """
    if player.pk is None:
        return None
    values = {field: getattr(player, f"invite_{field}") for field in NEWEST_INVITE_FIELDS}
    if values["expires_at"] is None:
        return None
    return InviteCode(**values)


def website_account_status(player: Player, *, invite: InviteCode | None) -> str:
    """The "Website account" status of `player` (ACC-33), given its newest invite (or None).

    Registered / Invite used / Invite expired / Invite sent (DM) / Invite DM failed: {reason} /
    Invite created (DM queued) / Invite created (not DMed) / Not invited / Needs Discord link.
    Reads only `player.user_id`, `player.discord_user_id` and the invite, so it costs no query.
    """
    if player.user_id:
        return "Registered"
    if invite is None:
        return "Not invited" if player.discord_user_id else "Needs Discord link"
    status = invite.status  # Used / Expired / Valid: one rule with `InviteCodeQuerySet`
    if status == "Used":
        return "Invite used"
    if status == "Expired":
        return "Invite expired"
    dm_status = invite.dm_status
    if dm_status == InviteDmStatus.SENT:
        return "Invite sent (DM)"
    if dm_status in (InviteDmStatus.FAILED, InviteDmStatus.DMS_CLOSED):
        return f"Invite DM failed: {invite.dm_error or InviteDmStatus(dm_status).label}"
    if dm_status == InviteDmStatus.QUEUED:
        return "Invite created (DM queued)"
    return "Invite created (not DMed)"


# --- redemption: registering a website account with a code (IDN-16, ACC-25, ACC-26) ---------

INVALID_CODE_MESSAGE = "That invite code is not valid."
USED_CODE_MESSAGE = "This invite code has already been used."
EXPIRED_CODE_MESSAGE = "This invite code has expired; ask an officer for a new one."
WRONG_USERNAME_MESSAGE = "Use your Discord username as your username."
HAS_ACCOUNT_MESSAGE = "This player already has an account; sign in instead."
USERNAME_TAKEN_MESSAGE = "That username is already taken. Ask an officer."


@dataclass(frozen=True)
class RedeemedInvite:
    user: object
    player: Player
    invite: InviteCode


def normalize_invite_code(raw: str | None) -> str:
    """IDN-16: the code input is trimmed and upper-cased."""
    return (raw or "").strip().upper()


def redeem_invite(*, code: str, username: str, password: str) -> RedeemedInvite:
    """Create the website account of an invite's Player (ACC-25 checks 5-10, ACC-26 effects).

    Checks, in order, each refusing with its message: the code exists and its Player is active;
    it is unused; it has not expired (`now >= expires_at`); `username` equals the Player's
    Discord username case-insensitively (no Discord link never matches); the Player has no
    website account; nobody else has that username.

    Effects, in one transaction: the code is consumed by the conditional update of IDN-16
    (`used_at IS NULL AND expires_at > now`) *before* anything else is written; zero rows
    updated rolls back with the "already used" message, so concurrent redemptions create
    exactly one account. The code row is also locked when it is read, so a concurrent
    redemption waits for the first to finish and then fails check 6 with that same message.
    Then the user is created (username = the Discord username lower-cased, `password` set),
    `used_by` and `Player.user` are set and the officer rule is applied (ACC-35). On any
    failure nothing is stored. Password rules (ACC-12) are the form's job: they come first.
    """
    code = normalize_invite_code(code)
    username = (username or "").strip()
    User = get_user_model()
    with transaction.atomic():
        # Locking the code row makes a concurrent redemption of the same code wait here and
        # then read it as used (check 6), whatever stage the first one had reached.
        invite = (
            InviteCode.objects.select_related("player__discord_user")
            .select_for_update(of=("self",))
            .filter(code=code)
            .first()
        )
        now = timezone.now()
        if invite is None or not invite.player.is_active:
            raise Refused(INVALID_CODE_MESSAGE, code=Refused.NOT_FOUND)
        if invite.used_at is not None:
            raise Refused(USED_CODE_MESSAGE, code=Refused.CONFLICT)
        if now >= invite.expires_at:
            raise Refused(EXPIRED_CODE_MESSAGE, code=Refused.CONFLICT)
        player = invite.player
        discord_user = player.discord_user
        if discord_user is None or discord_user.username.lower() != username.lower():
            raise Refused(WRONG_USERNAME_MESSAGE, code=Refused.INVALID)
        if player.user_id is not None:
            raise Refused(HAS_ACCOUNT_MESSAGE, code=Refused.CONFLICT)
        new_username = discord_user.username.lower()
        if User.objects.filter(username__iexact=new_username).exists():
            raise Refused(USERNAME_TAKEN_MESSAGE, code=Refused.CONFLICT)

        consumed = InviteCode.objects.filter(pk=invite.pk).valid(now).update(used_at=now)
        if consumed != 1:
            raise Refused(USED_CODE_MESSAGE, code=Refused.CONFLICT)
        try:
            with transaction.atomic():
                user = User.objects.create_user(username=new_username, password=password)
        except IntegrityError:
            raise Refused(USERNAME_TAKEN_MESSAGE, code=Refused.CONFLICT) from None
        InviteCode.objects.filter(pk=invite.pk).update(used_by=user)
        linked = Player.objects.filter(pk=player.pk, user__isnull=True).update(
            user=user, updated_at=now
        )
        if linked != 1:
            raise Refused(HAS_ACCOUNT_MESSAGE, code=Refused.CONFLICT)
        sync_officer_access(user)
    invite.used_at, invite.used_by = now, user
    player.user = user
    return RedeemedInvite(user=user, player=player, invite=invite)
