"""The raid roster: availability, the sign-up form, the dashboard, the raid planner (ROS)."""
