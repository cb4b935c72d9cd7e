"""Roster JSON endpoints under /api/v1/guild/ (ROS-59 … ROS-62)."""

from django.urls import path, re_path

from roster import api

urlpatterns = [
    # R4: legacy JSON (ROS-59 … ROS-61) and the retired endpoints (ROS-62).
    path("roster-data", api.roster_data, name="api-roster-data"),
    path("availability", api.availability, name="api-availability"),
    path("roster-submit", api.retired, {"page": "/roster"}, name="api-roster-submit-retired"),
    re_path(r"^mito", api.retired, {"page": "/mitos-corner"}, name="api-mito-retired"),
]
