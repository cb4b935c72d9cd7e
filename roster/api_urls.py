"""Roster JSON endpoints under /api/v1/guild/ (ROS-59 … ROS-62, and the legacy platform's
public ranks and roster, issue 11 item 15)."""

from django.urls import path, re_path

from roster import api, views_legacy

urlpatterns = [
    # The legacy platform's public guild JSON (issue 11 item 15).
    path("ranks", views_legacy.guild_ranks, name="api-guild-ranks"),
    path("roster", views_legacy.guild_roster, name="api-guild-roster"),
    # R4: legacy JSON (ROS-59 … ROS-61) and the retired endpoints (ROS-62).
    path("roster-data", api.roster_data, name="api-roster-data"),
    path("availability", api.availability, name="api-availability"),
    path("roster-submit", api.retired, {"page": "/roster"}, name="api-roster-submit-retired"),
    re_path(r"^mito", api.retired, {"page": "/mitos-corner"}, name="api-mito-retired"),
]
