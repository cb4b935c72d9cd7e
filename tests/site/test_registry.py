"""The registry (patt/registry.py, issue 12 item 1): discovered at app ready, idempotent,
ordered, typed; the admin site and the roof ask it."""

import pytest
from django.apps import apps

from patt import registry
from patt.registry import (
    AdminInline,
    DemoBuilder,
    LandingSection,
    NavItem,
    OfficerPermissions,
    Registry,
    ScheduleSpec,
    UrlMount,
)


def _snapshot() -> dict:
    return {kind: registry.registry.of(kind) for kind in registry.KINDS}


def test_running_ready_again_duplicates_nothing():
    before = _snapshot()

    apps.get_app_config("patt").ready()
    apps.get_app_config("patt").ready()

    assert _snapshot() == before
    assert len({item.key for item in registry.schedules()}) == len(registry.schedules())


def test_every_app_contributes_through_the_registry():
    mounts = [mount.urlconf for mount in registry.url_mounts()]
    assert mounts == [
        "identity.auth.urls",
        "campaigns.urls",
        "campaigns.api_urls",
        "identity.api_urls",
        "identity.uploads.legacy_urls",
        "roster.urls",
        "roster.api_urls",
    ]
    assert [section.name for section in registry.landing_sections()] == [
        "officers",
        "active_votes",
        "recent_results",
        "votes_waiting",  # issue 16: the member's week
        "recruiting_needs",
        "quote_of_the_day",
        "raid_week",  # issue 16: the member's week
    ]
    assert [builder.name for builder in registry.demo_builders()] == [
        "identity-guild",
        "campaigns",
        "roster-raid-roster",
        "roster-raid-event",  # issue 16: the member's week has a raid to show
        "roster-quotes",
        "onboarding-sessions",
        "identity-upload-token",
    ]
    assert {rule.app_label for rule in registry.officer_permissions()} == {
        "patt",
        "identity",
        "campaigns",
        "roster",
        "onboarding",
        "django_q",
    }
    assert [inline.__name__ for inline in registry.inlines_for("identity.Player")] == [
        "RaidPreferencesInline",
        "PlayerAvailabilityInline",
        "RosterCharacterInline",
    ]


def test_same_key_replaces_and_order_is_order_then_key():
    local = Registry()
    local.add(
        NavItem("B", "b", "anyone", order=20),
        NavItem("A", "a", "anyone", order=20),
        NavItem("First", "z", "anyone", order=10),
    )
    local.add(NavItem("A again", "a", "anyone", order=20))

    assert [item.label for item in local.of(NavItem)] == ["First", "A again", "B"]


def test_contributions_are_frozen_and_typed():
    spec = ScheduleSpec(name="x", func="x.y", minutes=5)
    with pytest.raises(AttributeError):
        spec.minutes = 6  # type: ignore[misc]
    with pytest.raises(TypeError, match="Not a registry contribution"):
        Registry().add("not a contribution")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="exactly one of cron or minutes"):
        ScheduleSpec(name="x", func="x.y")


def test_officer_permissions_rule():
    rule = OfficerPermissions(
        "campaigns", view_only=frozenset({"ballot"}), view_change=frozenset({"campaign"})
    )
    assert rule.allows("entry", "delete")
    assert rule.allows("ballot", "view") and not rule.allows("ballot", "change")
    assert rule.allows("campaign", "change") and not rule.allows("campaign", "add")
    assert not OfficerPermissions("django_q", all_view_only=True).allows("task", "delete")


def test_kinds_have_keys():
    assert UrlMount("m", "", "x.urls", order=1).key == "m"
    assert LandingSection("s", lambda request: None).key == "s"
    assert DemoBuilder("d", 1, lambda options, progress: None).key == "d"  # type: ignore[arg-type,return-value]
    assert AdminInline("i", "identity.player", ()).key == "i"
