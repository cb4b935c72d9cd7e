from django.apps import AppConfig


class LegacyConfig(AppConfig):
    """The legacy PATT import (issue 14): `manage.py import_legacy_patt` and its ledger.

    It sits on the roof: it may import every app, and no app imports it.
    """

    name = "legacy"
    verbose_name = "Legacy import"
    default_auto_field = "django.db.models.BigAutoField"
