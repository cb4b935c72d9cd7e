"""The admin site of the project: Django's, plus what apps contribute through the registry.

Installed by `PattAdminConfig` (patt/apps.py, `default_site`), so `admin.site` is this site.
Apps add pages that are no model's (`AdminView`) and entries on the admin index
(`AdminAppEntry`) as registry contributions; nothing patches the site at run time.
"""

from django.contrib import admin
from django.urls import path, reverse

from patt import registry
from patt.discord.lease import bot_presence
from patt.worker_presence import worker_presence


class PattAdminSite(admin.AdminSite):
    # Fallbacks only: templates/admin/base_site.html shows the configured guild name.
    site_header = "PATT admin"
    site_title = "PATT admin"
    index_title = "Guild administration"

    def each_context(self, request):
        """BOT-3: officers see whether the bot is online in the header of every admin page
        (one query; not on the sign-in page), and whether a django-q2 worker is running
        (issue 16: two cache reads, one query more when none is; a red banner then)."""
        context = super().each_context(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_active and user.is_staff:
            context["bot_presence"] = bot_presence()
            context["worker_presence"] = worker_presence()
        return context

    def get_urls(self):
        """The contributed admin pages first (their routes sit under an app's prefix, which
        the app's catch-all pattern would otherwise take), then Django's own."""
        extra = [
            path(view.route, self.admin_view(self._bound(view.view)), name=view.name)
            for view in registry.admin_views()
        ]
        return [*extra, *super().get_urls()]

    def _bound(self, view):
        def bound(request, *args, **kwargs):
            return view(request, self, *args, **kwargs)

        return bound

    def get_app_list(self, request, app_label=None):
        """Django's app list plus the contributed entries the user may see, each app's
        entries sorted by name."""
        app_list = super().get_app_list(request, app_label)
        entries = [e for e in registry.admin_app_entries() if e.shown_to(request.user)]
        if not entries:
            return app_list
        for app in app_list:
            added = [e for e in entries if e.app_label == app["app_label"]]
            for entry in added:
                app["models"].append(
                    {
                        "name": entry.name,
                        "object_name": entry.object_name,
                        "perms": {"add": False, "change": False, "delete": False, "view": True},
                        "admin_url": reverse(f"admin:{entry.url_name}", current_app=self.name),
                        "add_url": None,
                        "view_only": True,
                    }
                )
            if added:
                app["models"].sort(key=lambda model: model["name"])
        return app_list
