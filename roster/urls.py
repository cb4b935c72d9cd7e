"""Roster pages (ROS-12 … ROS-55)."""

from django.urls import path

from roster import (
    views_legacy,
    views_member,
    views_planner,
    views_profile,
    views_public,
    views_quotes,
)

urlpatterns = [
    path("roster", views_member.my_roster, name="roster"),
    # Issue 11 item 16: a member's profile (display name, main/off-spec, Discord, password).
    path("profile", views_profile.profile, name="profile"),
    path("roster-view", views_public.roster_view, name="roster-view"),
    path("raid-admin", views_planner.raid_admin, name="raid-admin"),
    # R4: Mito's Corner (ROS-53 … ROS-55), legacy pages and config (ROS-56 … ROS-58).
    path("mitos-corner", views_quotes.mitos_corner, name="mitos-corner"),
    *(
        path(old, views_legacy.legacy_redirect(new), name=f"legacy-{old}")
        for old, new in views_legacy.LEGACY_PAGES.items()
    ),
    path("patt-config.json", views_legacy.patt_config, name="patt-config"),
]
