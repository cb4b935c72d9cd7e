"""The URL map of the site (ACC-62: site page and API paths have no trailing slash).

A roof module: patt's own pages, then every app's URLconf as its `UrlMount` in the registry
(patt/registry.py) says, then the admin. It names no app.
"""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

from patt import registry, views

urlpatterns = [
    path("", views.landing, name="landing"),
    path("api/health", views.health, name="health"),
    path("theme.css", views.theme_css, name="theme-css"),
    path("robots.txt", views.robots_txt, name="robots-txt"),
    *(path(mount.prefix, include(mount.urlconf)) for mount in registry.url_mounts()),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    urlpatterns.append(
        path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}),
    )

# ACC-49 … ACC-51: themed pages, JSON under /api/.
handler400 = "patt.errors.bad_request"
handler403 = "patt.errors.permission_denied"
handler404 = "patt.errors.page_not_found"
handler500 = "patt.errors.server_error"
# ACC-41: allauth renders every rate-limit refusal through this (themed 429, WARNING log). A
# dotted name allauth resolves, not an import: the rate limits are identity's accounts.
handler429 = "identity.auth.ratelimit.handler429"
