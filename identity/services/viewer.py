"""Who is looking: the viewer's Player, guild level, officer flag and vote right (ACC-1, ACC-2,
CMP-17, CMP-32, ROS spec's "Officer").

The one place these rules live. Views, JSON endpoints, template tags, the navigation and the
sign-in gates ask `viewer_of(request)` (or the shorthands `viewer_player`, `viewer_level`,
`is_officer`); services are handed a `Viewer` (or build one from a user with
`viewer_for_user`) and never read a request or ranks themselves.

The viewer's Player is loaded once per request (one query, rank joined, "has left the guild"
annotated) and cached on the request, so the view, the navigation and the user menu share it.
On a signed-in request the account middleware loads it (`viewer_and_access_of`), with what
ACC-36/37 need in the same query, so a member's request pays for its Player once.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, QuerySet
from django.http import HttpRequest

from identity.models import GuildRank, Player
from identity.services.accounts import OFFICERS_GROUP, AccountAccess, left_guild_q
from patt.compiled import CompiledQuery, fields_of, instance_of

# The cache is keyed by the user's pk, so signing in or out during a request never serves the
# previous user's viewer.
_CACHE_ATTR = "_patt_viewer"


def _players_of(user_id: int) -> QuerySet[Player]:
    return (
        Player.objects.select_related("guild_rank")
        .annotate(has_left_guild=ExpressionWrapper(left_guild_q(), output_field=BooleanField()))
        .filter(user_id=user_id)
    )


_PLAYER_FIELDS = fields_of(Player)
_RANK_FIELDS = fields_of(GuildRank, via="guild_rank")


def _officers_membership() -> QuerySet:
    """Rows of the Officers group's membership (ACC-37)."""
    return get_user_model().groups.through.objects.filter(group__name=OFFICERS_GROUP)


def _viewer_row(user_id: int) -> QuerySet:
    """`_players_of` as one row of values, with whether the user is in the Officers group."""
    return (
        _players_of(user_id)
        .annotate(
            in_officers_group=Exists(_officers_membership().filter(user_id=OuterRef("user_id")))
        )
        .order_by()
        .values_list(
            *_PLAYER_FIELDS,
            *_RANK_FIELDS,
            "has_left_guild",
            "in_officers_group",
        )
    )


# Compiled once per process: every signed-in request asks it (issue 17, patt.compiled).
_VIEWER_ROW = CompiledQuery(_viewer_row)


def _viewer_player(row: tuple) -> Player:
    """The Player of a `_viewer_row`, its rank attached and `has_left_guild` set, as
    `_players_of` would load it."""
    players, ranks = len(_PLAYER_FIELDS), len(_RANK_FIELDS)
    player = instance_of(Player, row[:players])
    player.guild_rank = instance_of(GuildRank, row[players : players + ranks])
    player.has_left_guild = row[players + ranks]
    return player


def player_for_user(user: Any) -> Player | None:
    """The Player linked to `user`, rank joined and `has_left_guild` annotated (IDN-15); None
    for an anonymous visitor or a user without a Player. One query (none when anonymous)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return _players_of(user.pk).first()


def player_level(player: Player | None) -> int:
    """ACC-1 for a Player: 0 when None, inactive or without a rank, else the rank's level
    (1 Initiate … 5 Guild Leader)."""
    if player is None or not player.is_active or player.guild_rank is None:
        return 0
    return player.guild_rank.level


def _has_left_guild(player: Player) -> bool:
    """IDN-15 for a Player: read from `player_for_user`'s annotation, asked when missing."""
    known = getattr(player, "has_left_guild", None)
    if known is not None:
        return bool(known)
    return Player.objects.filter(pk=player.pk).filter(left_guild_q()).exists()


def rank_allows_vote(*, level: int, required_level: int) -> bool:
    """CMP-17 checks 4 and 6, CMP-32: an active ranked Player (level ≥ 1, ACC-1) whose level
    reaches the campaign's `min_rank_to_vote` level."""
    return level >= 1 and level >= required_level


@dataclass(frozen=True)
class Viewer:
    """A viewer as plain values: the user (None or anonymous when signed out) and their Player
    (None when unlinked; may be inactive — it names the user in the menu but grants nothing)."""

    user: Any
    player: Player | None

    @property
    def signed_in(self) -> bool:
        return bool(self.user is not None and getattr(self.user, "is_authenticated", False))

    @property
    def level(self) -> int:
        """ACC-1: 0 when anonymous, unlinked, inactive or unranked; else the rank's level. A
        superuser has no guild level of their own (ACC-2)."""
        return player_level(self.player)

    @property
    def is_officer(self) -> bool:
        """The one officer rule (ACC-2, ACC-39, the roster spec's "Officer"): level ≥ 4
        (`GuildRank.OFFICER_LEVEL`) and not left the guild (IDN-15, the staff-access rule of
        `identity.services.accounts`), or a Django superuser, who administers the site whether
        or not they have a Player. Every officer page and the navigation follow this rule, so
        the navigation shows a superuser the raid planner the page lets them into."""
        if not self.signed_in:
            return False
        return self.holds_officer_rank or bool(getattr(self.user, "is_superuser", False))

    @property
    def holds_officer_rank(self) -> bool:
        """ACC-35 with IDN-15: an active Player of rank level ≥ 4 who has not left the guild —
        the rule that makes a user staff (`identity.services.accounts.OFFICER_Q` is the same
        rule over many users in SQL)."""
        return (
            self.player is not None
            and self.level >= GuildRank.OFFICER_LEVEL
            and not _has_left_guild(self.player)
        )

    def may_vote(self, *, required_level: int) -> bool:
        """CMP-17 checks 2, 4 and 6: signed in, with an active Player whose level reaches
        `required_level` (the campaign's `min_rank_to_vote`)."""
        return self.signed_in and rank_allows_vote(level=self.level, required_level=required_level)


def viewer_for_user(user: Any) -> Viewer:
    """The Viewer of `user` outside a request (services, commands, tests): one query."""
    return Viewer(user=user, player=player_for_user(user))


def viewer_and_access(user: Any) -> tuple[Viewer, AccountAccess]:
    """A signed-in user's Viewer and what ACC-36/37 check on every request, in one query.

    The Player query of `player_for_user` also says whether the user is in the Officers group;
    the user row itself (loaded by the authentication middleware) gives `is_staff` and
    `is_superuser`. A user without a Player costs a second query, for the group membership.
    """
    row = _VIEWER_ROW.first(user.pk)
    if row is None:
        player = None
        in_group = _officers_membership().filter(user_id=user.pk).exists()
    else:
        player = _viewer_player(row)
        in_group = row[-1]
    viewer = Viewer(user=user, player=player)
    access = AccountAccess(
        is_superuser=bool(user.is_superuser),
        is_staff=bool(user.is_staff),
        has_player=player is not None,
        player_active=player is not None and player.is_active,
        officer=viewer.holds_officer_rank,
        in_officers_group=bool(in_group),
    )
    return viewer, access


def viewer_and_access_of(request: HttpRequest) -> AccountAccess | None:
    """ACC-36/37's facts about the signed-in user of `request` (None when anonymous), loaded
    with the request's Viewer, which is cached for `viewer_of`."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    viewer, access = viewer_and_access(user)
    setattr(request, _CACHE_ATTR, viewer)
    return access


def viewer_of(request: HttpRequest) -> Viewer:
    """The Viewer of `request`, built once per request and user (one query when signed in)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return Viewer(user=user, player=None)
    cached = getattr(request, _CACHE_ATTR, None)
    if cached is not None and cached.user.pk == user.pk:
        return cached
    viewer = viewer_for_user(user)
    setattr(request, _CACHE_ATTR, viewer)
    return viewer


def viewer_player(request: HttpRequest) -> Player | None:
    """The Player linked to the signed-in user, rank joined; None when anonymous or unlinked."""
    return viewer_of(request).player


def viewer_level(request: HttpRequest) -> int:
    """ACC-1: the viewer's guild level (`Viewer.level`)."""
    return viewer_of(request).level


def is_officer(request: HttpRequest) -> bool:
    """ACC-2: whether the viewer is an officer (`Viewer.is_officer`)."""
    return viewer_of(request).is_officer
