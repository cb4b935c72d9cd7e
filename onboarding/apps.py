from django.apps import AppConfig


def _record_missed_joins(sender, *, discord_user_ids, now, **kwargs) -> None:
    """ONB-10: the member sync created these Discord users; recent joiners without a session
    get one (the service checks that onboarding is enabled)."""
    from onboarding.services.joins import record_missed_joins

    record_missed_joins(discord_user_ids=list(discord_user_ids), now=now)


def _queue_checker(sender, **kwargs) -> None:
    """ONB-31: the end of every Blizzard roster sync queues the checker (a new roster may
    match pending members)."""
    from identity.models import SyncTrigger
    from onboarding.checker_tasks import queue_checker_run

    queue_checker_run(trigger=SyncTrigger.SCHEDULE)


class OnboardingConfig(AppConfig):
    """Onboarding sessions: the state machine, the DM conversation and the officer admin
    (onboarding-and-bot spec, ONB-1 … ONB-62).

    What it contributes to the site (officer permissions, the demo sessions) is in
    onboarding/contributions.py (the registry, patt/registry.py).
    """

    name = "onboarding"
    verbose_name = "Onboarding"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # identity never imports onboarding: it announces new Discord users with a signal.
        from identity.signals import discord_users_created, roster_synced

        discord_users_created.connect(
            _record_missed_joins, dispatch_uid="onboarding.record_missed_joins"
        )
        roster_synced.connect(_queue_checker, dispatch_uid="onboarding.queue_checker")
