from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class SiteConfigAppConfig(AppConfig):
    """The site app: SiteConfig, layout, landing page, health, and the registry."""

    name = "patt"
    label = "patt"
    verbose_name = "Site"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Every app's contributions (patt/registry.py): all models are loaded by now, and the
        # registry is rebuilt from scratch, so a second ready() duplicates nothing.
        from patt import registry

        registry.discover()


class PattAdminConfig(AdminConfig):
    """django.contrib.admin with the project's admin site (patt/admin_site.py)."""

    default_site = "patt.admin_site.PattAdminSite"
