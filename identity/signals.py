"""Signal receivers of the identity app."""

from django.db import connections
from django.db.models.signals import post_migrate
from django.dispatch import receiver

# Sent on commit after the Discord member sync created DiscordUser rows, with
# `discord_user_ids` (their Discord ids) and `now`. Apps above identity listen (onboarding's
# missed joins, ONB-10) without identity importing them. Defined by its sender, so the
# services never import this module (no import circle).
from identity.services.discord_sync import discord_users_created
from identity.services.roster_sync import roster_synced

__all__ = ["discord_users_created", "roster_synced"]


@receiver(post_migrate, dispatch_uid="identity.ensure_officers_group")
def ensure_officers_group_after_migrate(sender, app_config=None, using="default", **kwargs):
    """ACC-38: the Officers group and its permissions are re-asserted after every migrate.

    Runs after each app's post_migrate, so apps installed after `identity` are covered too.
    """
    from identity.services.accounts import ensure_officers_group

    ensure_officers_group()


@receiver(post_migrate, dispatch_uid="identity.setup_schedules")
def setup_schedules_after_migrate(sender, app_config=None, using="default", verbosity=1, **kwargs):
    """IDN-47: the django-q2 schedules are upserted after `migrate`.

    Once per migrate: only on the identity app's signal, and only when django-q2's table
    exists (a partial `migrate` may not have created it yet).
    """
    if app_config is None or app_config.label != "identity":
        return
    from django_q.models import Schedule

    if Schedule._meta.db_table not in connections[using].introspection.table_names():
        return
    from patt.schedules import setup_schedules

    outcomes = setup_schedules(using=using)
    if verbosity >= 2:
        for name, outcome in outcomes.items():
            print(f"  Schedule {name}: {outcome}")
