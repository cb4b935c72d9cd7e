from django.conf import settings
from django.contrib import admin
from django.urls import path
from django.views.static import serve

from patt import views

urlpatterns = [
    path("", views.landing, name="landing"),
    path("api/health", views.health, name="health"),
    path("theme.css", views.theme_css, name="theme-css"),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    urlpatterns.append(
        path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}),
    )
