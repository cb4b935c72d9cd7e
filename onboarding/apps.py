from django.apps import AppConfig


def _record_missed_joins(sender, *, discord_user_ids, now, **kwargs) -> None:
    """ONB-10: the member sync created these Discord users; recent joiners without a session
    get one (the service checks that onboarding is enabled)."""
    from onboarding.services.joins import record_missed_joins

    record_missed_joins(discord_user_ids=list(discord_user_ids), now=now)


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
        from identity.signals import discord_users_created

        discord_users_created.connect(
            _record_missed_joins, dispatch_uid="onboarding.record_missed_joins"
        )
