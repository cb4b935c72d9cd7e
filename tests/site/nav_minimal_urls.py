"""A URL map without the campaign and roster pages, for the ACC-45 rule that navigation items
whose pages do not resolve are left out (every app's pages exist in the real map)."""

from django.contrib import admin
from django.urls import include, path

from patt import urls as patt_urls
from patt import views

urlpatterns = [
    path("", views.landing, name="landing"),
    path("api/health", views.health, name="health"),
    path("theme.css", views.theme_css, name="theme-css"),
    path("", include("identity.auth.urls")),
    path("admin/", admin.site.urls),
]
handler400 = patt_urls.handler400
handler403 = patt_urls.handler403
handler404 = patt_urls.handler404
handler500 = patt_urls.handler500
