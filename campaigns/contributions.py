"""What campaigns contributes to the registry (patt/registry.py): its pages and API, the
"Campaigns" item, the landing page's campaign cards, its schedules, officer permissions and
the demo campaigns."""

from patt.registry import (
    DemoBuilder,
    DemoReport,
    LandingSection,
    NavItem,
    OfficerPermissions,
    ScheduleSpec,
    UrlMount,
    anyone,
)


def build_demo_campaigns(options, progress) -> DemoReport:
    """Two live campaigns, one closed, one draft (campaigns/demo.py)."""
    from campaigns.demo import seed_demo_campaigns

    return DemoReport(lines=(seed_demo_campaigns().line,))


def contributions() -> list:
    from campaigns import landing

    return [
        UrlMount("campaigns-pages", "", "campaigns.urls", order=20),
        UrlMount("campaigns-api", "api/v1/", "campaigns.api_urls", order=21),
        NavItem("Campaigns", "campaigns", "anyone", order=20, shown_to=anyone),
        # CMP-35 / ACC-47 #2–3: campaign cards (constant queries).
        LandingSection("active_votes", landing.active_votes, order=20),
        LandingSection("recent_results", landing.recent_results, order=21),
        # Issue 16: the member's week strip, its "votes waiting" part (the cards above, filtered).
        LandingSection("votes_waiting", landing.votes_waiting, order=22),
        # CMP-31 and CMP-43: upserted by `manage.py setup_schedules` with the other schedules.
        ScheduleSpec(
            name="campaigns.status_checker",
            func="campaigns.tasks.check_campaign_status",
            minutes=1,
            order=20,
        ),
        ScheduleSpec(
            name="campaigns.contest_agent",
            func="campaigns.tasks.run_contest_agent",
            minutes=5,
            order=21,
        ),
        # ACC-38: ballots, receipts and the agent's log are records officers only view.
        OfficerPermissions(
            "campaigns", view_only=frozenset({"ballot", "ballotreceipt", "contestagentlog"})
        ),
        DemoBuilder("campaigns", 20, build_demo_campaigns),
    ]
