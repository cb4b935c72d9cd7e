"""Who is looking at a page: the viewer's Player and guild level (ACC-1, ACC-2).

Every gate in every app asks `viewer_level(request)` or `is_officer(request)`; none reads ranks
itself. The viewer's Player is loaded once per request (one query, rank joined) and cached on
the request, so the view, the navigation and the user menu share it.
"""

from django.db.models import BooleanField, ExpressionWrapper

from identity.models import GuildRank, Player
from identity.services.accounts import left_guild_q

# The cache is keyed by the user's pk, so signing in or out during a request never serves the
# previous user's Player.
_CACHE_ATTR = "_patt_viewer_player"


def viewer_player(request) -> Player | None:
    """The Player linked to the signed-in user, rank joined; None when anonymous or unlinked.

    The Player may be inactive (someone who left the guild): it names the user in the user
    menu, but it grants nothing — rules use `viewer_level` / `is_officer`, never the mere
    presence of a Player.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    cached = getattr(request, _CACHE_ATTR, None)
    if cached is not None and cached[0] == user.pk:
        return cached[1]
    player = (
        Player.objects.select_related("guild_rank")
        .annotate(has_left_guild=ExpressionWrapper(left_guild_q(), output_field=BooleanField()))
        .filter(user_id=user.pk)
        .first()
    )
    setattr(request, _CACHE_ATTR, (user.pk, player))
    return player


def viewer_level(request) -> int:
    """ACC-1: the viewer's guild level.

    0 for an anonymous visitor, for a signed-in user without a linked active Player, and for a
    Player without a rank; otherwise the level of the Player's GuildRank (1 Initiate … 5 Guild
    Leader). A superuser has no guild level of their own (ACC-2).
    """
    player = viewer_player(request)
    if player is None or not player.is_active or player.guild_rank is None:
        return 0
    return player.guild_rank.level


def is_officer(request) -> bool:
    """ACC-2: an officer is a viewer of level ≥ 4 (`GuildRank.OFFICER_LEVEL`) who has not left
    the guild (IDN-15, the same rule as staff access in `identity.services.accounts`): an
    officer whose characters all departed and who has no present Discord user keeps the rank for
    history but no officer page (issue 11 item 4)."""
    if viewer_level(request) < GuildRank.OFFICER_LEVEL:
        return False
    return not viewer_player(request).has_left_guild


def is_roster_officer(request) -> bool:
    """The roster spec's officer: level ≥ 4 (ACC-2) or a Django superuser.

    Roster pages (raid planner, Mito's Corner management, the officers-only parts of the legacy
    JSON) also let a superuser in, who has no guild level of their own (ACC-2).
    """
    user = getattr(request, "user", None)
    return bool(user and user.is_authenticated and (user.is_superuser or is_officer(request)))
