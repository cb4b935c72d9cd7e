"""What onboarding contributes to the registry (patt/registry.py): its bot listeners (join and
DMs), officer permissions and the demo sessions."""

from patt.discord.events import DM, MEMBER_JOIN
from patt.registry import BotListener, DemoBuilder, DemoReport, OfficerPermissions


def build_demo_sessions(options, progress) -> DemoReport:
    """Onboarding sessions in several states (issue 13 item 5; onboarding/demo.py)."""
    from onboarding.demo import seed_demo_sessions

    return DemoReport(lines=(seed_demo_sessions(),))


def contributions() -> list:
    from onboarding import bot_listeners

    return [
        # ONB-8: after identity's DiscordUser upsert; ONB-12: every DM.
        BotListener(
            "onboarding.member_join",
            MEMBER_JOIN,
            bot_listeners.on_member_join,
            order=bot_listeners.JOIN_ORDER,
            report=bot_listeners.report_join,
        ),
        BotListener("onboarding.dm", DM, bot_listeners.on_dm),
        # ONB-60: officers view and change sessions (actions need change); the timeline is a
        # record they only view.
        OfficerPermissions(
            "onboarding",
            view_change=frozenset({"onboardingsession"}),
            view_only=frozenset({"onboardingevent"}),
        ),
        # After the demo guild (10), whose Discord users the sessions belong to.
        DemoBuilder("onboarding-sessions", 45, build_demo_sessions),
    ]
