from django.apps import AppConfig


class SiteConfigAppConfig(AppConfig):
    """The site app: SiteConfig, layout, landing page, health."""

    name = "patt"
    label = "patt"
    verbose_name = "Site"
    default_auto_field = "django.db.models.BigAutoField"
