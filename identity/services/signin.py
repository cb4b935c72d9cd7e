"""Sign in with Discord: which website account a Discord account is (ACC-13 … ACC-17, ACC-22).

The Discord user id identifies the person; the Discord username is never used to find anyone.
Only what the bot and the member sync stored is consulted (`DiscordUser.is_present`,
`highest_guild_role`): signing in never calls Discord's API. The allauth adapter
(`identity/auth/adapters.py`) turns the outcome into a sign-in or a refusal page.
"""

import logging
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from identity.models import DiscordUser, GuildRank, Player, RankSource
from identity.services.accounts import available_username, sync_officer_access
from patt.refusals import Refused

logger = logging.getLogger(__name__)

INACTIVE_MESSAGE = "This account is inactive. Contact an officer."
LINKED_ELSEWHERE_MESSAGE = (
    "This Discord account is linked to a different website account. Ask an officer."
)
CONNECT_MISMATCH_MESSAGE = "That Discord account doesn't match your guild profile."
WELCOME_MESSAGE = "Welcome, {display_name}! Your account is ready."

# The codes of a refused Discord sign-in (`Refused.code`, ACC-14, ACC-15): each has its own
# page (identity/auth/views.py `sign_in_refused`), all answered 403; nothing was stored.
NOT_A_MEMBER = "not_a_member"
INACTIVE = "inactive"
LINKED_ELSEWHERE = "linked_elsewhere"

_USERNAME_ATTEMPTS = 5


@dataclass(frozen=True)
class DiscordSignIn:
    """The account a Discord sign-in resolved to."""

    user: object
    player: Player
    user_created: bool
    player_created: bool

    @property
    def welcome_message(self) -> str | None:
        """ACC-14 row 2: the flash for a freshly created website account."""
        if not self.user_created:
            return None
        return WELCOME_MESSAGE.format(display_name=self.player.display_name)


def holds_guild_role(discord_user: DiscordUser | None) -> bool:
    """ACC-14: present in the Discord server with a guild role, as the syncs last saw it."""
    return bool(
        discord_user is not None and discord_user.is_present and discord_user.highest_guild_role_id
    )


def resolve_discord_sign_in(
    *, discord_id: str, discord_username: str = "", connected_user_id: int | None = None
) -> DiscordSignIn:
    """ACC-14: resolve a Discord sign-in to a website user, creating what the table says.

    `connected_user_id` is the user the Discord social account is already connected to (None
    when it is not connected yet). In order:

    1. the Player of that Discord user is inactive → refused (inactive);
    2. no Player and no guild role → refused (not a member); nothing is created;
    3. the Discord account is connected to another user than the Player's → refused, WARNING;
    4. no Player, guild role → a Player is created (lowest rank, `rank_source=auto`);
    5. the Player has no user → a user is created (username from the Discord username,
       lower-cased, `-2`, `-3` … when taken; unusable password) and linked;
    6. the officer rule is applied to the user (ACC-36).

    Everything happens in one transaction: a refusal or failure stores nothing. The website
    username is set once and never follows Discord renames (ACC-22).
    """
    with transaction.atomic():
        discord_user = DiscordUser.objects.filter(discord_id=discord_id).first()
        player = (
            Player.objects.select_for_update().filter(discord_user__discord_id=discord_id).first()
        )
        if player is not None and not player.is_active:
            raise Refused(INACTIVE_MESSAGE, code=INACTIVE)
        if player is None and not holds_guild_role(discord_user):
            raise Refused("", code=NOT_A_MEMBER)
        player_user_id = player.user_id if player is not None else None
        if connected_user_id is not None and connected_user_id != player_user_id:
            logger.warning(
                "Discord sign-in refused: Discord id %s is connected to user %s, "
                "but its player %s has user %s",
                discord_id,
                connected_user_id,
                player.pk if player is not None else None,
                player_user_id,
            )
            raise Refused(LINKED_ELSEWHERE_MESSAGE, code=LINKED_ELSEWHERE)

        player_created = False
        if player is None:
            assert discord_user is not None  # holds_guild_role above refused a missing one
            player = _create_initiate(discord_user)
            player_created = True

        user_created = False
        if player.user_id is None:
            username = discord_username
            if not username:
                assert discord_user is not None  # the player was found through it
                username = discord_user.username
            user = _create_user(username)
            player.user = user
            player.save(update_fields=["user", "updated_at"])
            user_created = True
            logger.info("Discord sign-in created user %s for player %s", user.username, player.pk)
        else:
            assert player.user is not None  # user_id is set
            user = player.user
        sync_officer_access(user)
    return DiscordSignIn(
        user=user, player=player, user_created=user_created, player_created=player_created
    )


def discord_connect_allowed(user: AbstractBaseUser, *, discord_id: str) -> bool:
    """ACC-17: a signed-in user may connect only the Discord account of their own Player."""
    return Player.objects.filter(user_id=user.pk, discord_user__discord_id=discord_id).exists()


def _create_initiate(discord_user: DiscordUser) -> Player:
    """ACC-14 row 4: a Player for a guild-role Discord user, at the lowest rank (Initiate)."""
    lowest = GuildRank.objects.order_by("level").first()
    try:
        with transaction.atomic():
            player = Player.objects.create(
                display_name=discord_user.display_name or discord_user.username,
                discord_user=discord_user,
                guild_rank=lowest,
                rank_source=RankSource.AUTO,
            )
    except IntegrityError:
        # A concurrent sign-in of the same person created it first: use that one.
        player = Player.objects.select_for_update().get(discord_user=discord_user)
        if not player.is_active:
            raise Refused(INACTIVE_MESSAGE, code=INACTIVE) from None
        return player
    logger.info(
        "Discord sign-in created player %s for Discord id %s", player.pk, discord_user.discord_id
    )
    return player


def _create_user(discord_username: str) -> User:
    """A website user with an unusable password; the name is redrawn on a unique clash."""
    User = get_user_model()
    for _ in range(_USERNAME_ATTEMPTS):
        username = available_username(discord_username)
        try:
            with transaction.atomic():
                user = User(username=username, date_joined=timezone.now())
                user.set_unusable_password()
                user.save()
                return user
        except IntegrityError:
            continue
    raise RuntimeError(f"Could not find a free username for {discord_username!r}")
