"""Website accounts and officer access (ACC-35 … ACC-38, IDN-15).

Officer ⇔ the user's Player exists, is active, has rank level ≥ 4 and has not left the guild
(IDN-15, below). Officers are `is_staff` and in the "Officers" group; everyone else is
neither. Superusers are never changed.

Left the guild (IDN-15): the player has an identity on record (a linked character or a
Discord user) and none of it is current: no in-guild character (a self-added roster claim an
officer has not confirmed does not count, as for the rank) and no present Discord user. Such
a player keeps their rank for history but no staff access; integrity opens a
`staff_access_withdrawn` issue saying why. A player with nothing linked at all (an account an
officer set up by hand before any sync) shows no sign of having left and is not judged.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from identity.models import GuildRank, LinkSource, Player, PlayerCharacter
from patt import registry

OFFICERS_GROUP = "Officers"


def left_guild_q(prefix: str = "") -> Q:
    """IDN-15: the Player (at `prefix`, e.g. "player__" from a User) has left the guild: a
    linked character or a Discord user on record, but no in-guild character (unconfirmed
    roster-form claims do not count) and no present Discord user."""
    player = OuterRef(f"{prefix}pk")
    links = PlayerCharacter.objects.filter(player=player)
    in_guild = links.filter(character__in_guild=True).exclude(
        link_source=LinkSource.ROSTER_FORM, confirmed=False
    )
    on_record = Exists(links) | Q(**{f"{prefix}discord_user__isnull": False})
    # Spelt out rather than negated: in an annotation, NOT on a missing Discord user is NULL.
    not_present = Q(**{f"{prefix}discord_user__isnull": True}) | Q(
        **{f"{prefix}discord_user__is_present": False}
    )
    return on_record & ~Exists(in_guild) & not_present


# ACC-35 with IDN-15: officer ⇔ the user's Player exists, is active, has rank level ≥ 4 and
# has not left the guild (on User rows).
OFFICER_Q = Q(
    player__is_active=True, player__guild_rank__level__gte=GuildRank.OFFICER_LEVEL
) & ~left_guild_q("player__")


def officers_who_left() -> QuerySet[Player]:
    """Players whose officer rank gives no staff access because they left the guild (IDN-15):
    active, rank level ≥ 4, a website account that is not a superuser's."""
    return Player.objects.filter(
        left_guild_q(),
        is_active=True,
        guild_rank__level__gte=GuildRank.OFFICER_LEVEL,
        user__isnull=False,
        user__is_superuser=False,
    )


def officer_permissions() -> list[Permission]:
    """The permissions of the Officers group (ACC-38): each app says what officers may do with
    its models (`OfficerPermissions` in the registry, patt/registry.py); the apps that say
    nothing grant nothing."""
    rules = {rule.app_label: rule for rule in registry.officer_permissions()}
    permissions = Permission.objects.filter(content_type__app_label__in=list(rules)).select_related(
        "content_type"
    )
    granted = []
    for permission in permissions:
        app_label, model_name = permission.content_type.app_label, permission.content_type.model
        action = permission.codename.split("_", 1)[0]
        if rules[app_label].allows(model_name, action):
            granted.append(permission)
    return granted


def ensure_officers_group() -> Group:
    """Create the Officers group and (re-)assert its permissions, idempotently (ACC-38).

    Extra permissions a superuser added by hand are kept.
    """
    group, _ = Group.objects.get_or_create(name=OFFICERS_GROUP)
    group.permissions.add(*officer_permissions())
    return group


def sync_officer_access_for_players(*, player_ids: Iterable[int] | None = None) -> int:
    """Apply the officer rule to the users of `player_ids`; to every user when None (IDN-15)."""
    User = get_user_model()
    users = User.objects.all()
    if player_ids is not None:
        users = users.filter(player__pk__in=list(player_ids))
    return _apply_officer_rule(users)


def sync_officer_access(user: AbstractBaseUser) -> bool:
    """ACC-36: apply the officer rule to one user; True when something changed."""
    changed = _apply_officer_rule(get_user_model().objects.filter(pk=user.pk))
    if changed:
        user.refresh_from_db(fields=["is_staff"])
    return bool(changed)


def _apply_officer_rule(users: QuerySet[Any]) -> int:
    """ACC-35 for a set of users, in a fixed number of queries. Returns the changes made."""
    User = get_user_model()
    users = users.filter(is_superuser=False)
    scope = dict(users.annotate(officer=OFFICER_Q).values_list("pk", "officer"))
    if not scope:
        return 0
    officer_ids = {pk for pk, officer in scope.items() if officer}
    other_ids = set(scope) - officer_ids
    group = Group.objects.filter(name=OFFICERS_GROUP).first() or ensure_officers_group()
    Membership = User.groups.through
    in_group = set(
        Membership.objects.filter(group=group, user_id__in=scope).values_list("user_id", flat=True)
    )
    to_add, to_remove = officer_ids - in_group, in_group & other_ids
    with transaction.atomic():
        changed = User.objects.filter(pk__in=officer_ids, is_staff=False).update(is_staff=True)
        changed += User.objects.filter(pk__in=other_ids, is_staff=True).update(is_staff=False)
        Membership.objects.bulk_create(
            [Membership(user_id=pk, group=group) for pk in to_add], ignore_conflicts=True
        )
        if to_remove:
            Membership.objects.filter(group=group, user_id__in=to_remove).delete()
    return changed + len(to_add) + len(to_remove)


# --- per-request account checks (ACC-36, ACC-37) --------------------------------------------


@dataclass(frozen=True)
class AccountAccess:
    """What the officer rule and the inactive-Player rule need to know about one user."""

    is_superuser: bool
    is_staff: bool
    has_player: bool
    player_active: bool
    officer: bool
    in_officers_group: bool

    @property
    def player_inactive(self) -> bool:
        """ACC-37: the user's Player exists and is inactive."""
        return self.has_player and not self.player_active

    @property
    def officer_access_differs(self) -> bool:
        """ACC-35: `is_staff` or the Officers membership disagrees with the rule."""
        if self.is_superuser:
            return False
        return self.is_staff != self.officer or self.in_officers_group != self.officer


def has_inactive_player(user: AbstractBaseUser) -> bool:
    """ACC-19 / ACC-37: the user's Player exists and is inactive."""
    return Player.objects.filter(user_id=user.pk, is_active=False).exists()


# --- website usernames (ACC-14, ACC-22) ------------------------------------------------------

_USERNAME_UNSAFE = re.compile(r"[^\w.@+-]")
_USERNAME_MAX = 150
_SUFFIX_ROOM = 8


def available_username(wanted: str) -> str:
    """A free website username for `wanted` (a Discord username): lower-cased, then `-2`, `-3` …
    appended while the name is taken, case-insensitively (ACC-14).

    Characters Django's username validator rejects (legacy Discord names could hold spaces)
    are dropped; nothing usable left gives "player".
    """
    base = _USERNAME_UNSAFE.sub("", (wanted or "").strip().lower())[: _USERNAME_MAX - _SUFFIX_ROOM]
    base = base or "player"
    User = get_user_model()
    taken = {
        name.lower()
        for name in User.objects.filter(username__istartswith=base).values_list(
            "username", flat=True
        )
    }
    candidate, number = base, 2
    while candidate in taken:
        candidate = f"{base}-{number}"
        number += 1
    return candidate
