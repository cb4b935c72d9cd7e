"""Website accounts and officer access (ACC-35 … ACC-38, IDN-15).

Officer ⇔ the user's Player exists, is active and has rank level ≥ 4. Officers are `is_staff`
and in the "Officers" group; everyone else is neither. Superusers are never changed.
"""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

from identity.models import GuildRank

OFFICERS_GROUP = "Officers"

# ACC-38: the guild apps whose models officers manage. Apps that do not exist yet are skipped.
GUILD_APPS = ("patt", "identity", "campaigns", "roster", "onboarding")
# Models officers may only view (ACC-38), by app label and model name.
VIEW_ONLY_MODELS = {
    ("identity", "syncrun"),
    ("identity", "discorduser"),
    ("campaigns", "ballot"),
    ("campaigns", "ballotreceipt"),
    ("campaigns", "contestagentlog"),
}
# SiteConfig: view + change, never add or delete (ACC-5).
VIEW_CHANGE_MODELS = {("patt", "siteconfig")}
# django-q2's task and schedule models: view (ACC-38).
VIEW_ONLY_APPS = ("django_q",)


def officer_permissions() -> list[Permission]:
    """The permissions of the Officers group (ACC-38)."""
    permissions = Permission.objects.filter(
        content_type__app_label__in=(*GUILD_APPS, *VIEW_ONLY_APPS)
    ).select_related("content_type")
    granted = []
    for permission in permissions:
        key = (permission.content_type.app_label, permission.content_type.model)
        action = permission.codename.split("_", 1)[0]
        if key[0] in VIEW_ONLY_APPS or key in VIEW_ONLY_MODELS:
            allowed = action == "view"
        elif key in VIEW_CHANGE_MODELS:
            allowed = action in ("view", "change")
        else:
            allowed = True
        if allowed:
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


def sync_officer_access(user) -> bool:
    """ACC-36: apply the officer rule to one user; True when something changed."""
    changed = _apply_officer_rule(get_user_model().objects.filter(pk=user.pk))
    if changed:
        user.refresh_from_db(fields=["is_staff"])
    return bool(changed)


def _apply_officer_rule(users) -> int:
    """ACC-35 for a set of users, in a fixed number of queries. Returns the changes made."""
    User = get_user_model()
    users = users.filter(is_superuser=False)
    officer_q = Q(player__is_active=True, player__guild_rank__level__gte=GuildRank.OFFICER_LEVEL)
    scope = dict(users.annotate(officer=officer_q).values_list("pk", "officer"))
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
