"""Roster JSON endpoints under /api/v1/guild/ (ROS-59 … ROS-62)."""

urlpatterns = []
