from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    """Campaigns, entries, ballots, results and the contest agent (campaigns spec, CMP-1 … 59).

    Its schedules, pages and other contributions are in campaigns/contributions.py (the
    registry, patt/registry.py).
    """

    name = "campaigns"
    verbose_name = "Campaigns"
    default_auto_field = "django.db.models.BigAutoField"
