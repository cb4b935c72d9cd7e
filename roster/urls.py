"""Roster pages (ROS-12 … ROS-55)."""

urlpatterns = []
