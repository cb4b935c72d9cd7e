"""The URL map of the site (ACC-62: site page and API paths have no trailing slash)."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

from patt import views

urlpatterns = [
    path("", views.landing, name="landing"),
    path("api/health", views.health, name="health"),
    path("theme.css", views.theme_css, name="theme-css"),
    path("robots.txt", views.robots_txt, name="robots-txt"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
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
