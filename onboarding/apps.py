from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    """Onboarding sessions: the state machine, the DM conversation and the officer admin
    (onboarding-and-bot spec, ONB-1 … ONB-62).

    What it contributes to the site (officer permissions, the demo sessions) is in
    onboarding/contributions.py (the registry, patt/registry.py).
    """

    name = "onboarding"
    verbose_name = "Onboarding"
    default_auto_field = "django.db.models.BigAutoField"
