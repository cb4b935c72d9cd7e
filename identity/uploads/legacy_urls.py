"""The legacy companion's upload path, mounted at the site's root (identity/contributions.py):
410 naming the new companion (issue 11 item 15)."""

from django.urls import re_path

from identity.uploads.views import legacy_addon_upload

urlpatterns = [
    re_path(r"^api/guild-sync/addon-upload/?$", legacy_addon_upload, name="legacy-addon-upload"),
]
