"""What roster contributes to the registry (patt/registry.py): its pages and API, four
navigation items, the landing page's recruiting block and quote of the day, officer
permissions, the sections of identity's player page and the demo roster and quotes."""

from patt.registry import (
    AdminInline,
    DemoBuilder,
    DemoReport,
    LandingSection,
    NavItem,
    OfficerPermissions,
    UrlMount,
    anyone,
    signed_in,
)


def officer(request) -> bool:
    """ACC-45 "officer": the raid planner's own rule (the viewer module's `is_officer`)."""
    from identity.services.viewer import is_officer

    return signed_in(request) and is_officer(request)


def build_demo_roster(options, progress) -> DemoReport:
    from roster.demo.raid_roster import seed_demo_roster

    return DemoReport(lines=(seed_demo_roster().line,))


def build_demo_raid_event(options, progress) -> DemoReport:
    from roster.demo.raid_event import seed_demo_raid_event

    return DemoReport(lines=(seed_demo_raid_event().line,))


def build_demo_quotes(options, progress) -> DemoReport:
    from roster.demo.quotes import seed_demo_quotes

    return DemoReport(lines=(seed_demo_quotes().line,))


def recruiting_needs_section(request) -> list[str]:
    """ROS-28 / ACC-47 #5: roles below their minimum (constant queries)."""
    from roster.landing import recruiting_needs_lines

    return recruiting_needs_lines()


def raid_week_section(request):
    """Issue 16 / ACC-47: the member's week strip, its raid part (next raid, availability)."""
    from roster.landing import raid_week

    return raid_week(request)


def quote_of_the_day_section(request):
    """ROS-54 / ACC-47 #7: Mito's Corner's pick of the day."""
    from roster.services.quotes import landing_quote_of_the_day

    return landing_quote_of_the_day()


def contributions() -> list:
    from roster.admin import PLAYER_PAGE_INLINES

    return [
        UrlMount("roster-pages", "", "roster.urls", order=40),
        UrlMount("roster-api", "api/v1/guild/", "roster.api_urls", order=41),
        NavItem("Roster", "roster-view", "anyone", order=30, shown_to=anyone),
        NavItem("My characters", "roster", "member", order=40, shown_to=signed_in),
        NavItem("Mito's Corner", "mitos-corner", "anyone", order=50, shown_to=anyone),
        NavItem("Raid planner", "raid-admin", "officer", order=60, shown_to=officer),
        LandingSection("recruiting_needs", recruiting_needs_section, order=30),
        LandingSection("quote_of_the_day", quote_of_the_day_section, order=31),
        LandingSection("raid_week", raid_week_section, order=32),
        OfficerPermissions("roster"),
        # ROS-18: raid preferences, availability and roster characters on the player page.
        AdminInline("roster-player-sections", "identity.player", PLAYER_PAGE_INLINES),
        DemoBuilder("roster-raid-roster", 30, build_demo_roster),
        DemoBuilder("roster-raid-event", 35, build_demo_raid_event),
        DemoBuilder("roster-quotes", 40, build_demo_quotes),
    ]
