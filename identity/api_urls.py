"""The identity app's API, mounted at `/api/v1/guild-sync/` (UPL-1; no trailing slash, ACC-62)."""

from django.urls import path

from identity.uploads.views import addon_upload

urlpatterns = [path("addon-upload", addon_upload, name="addon-upload")]
