"""What onboarding contributes to the registry (patt/registry.py): its bot listeners (join and
DMs), officer permissions and the demo sessions."""

from patt.discord.events import DM, MEMBER_JOIN
from patt.registry import (
    BotCommands,
    BotListener,
    DemoBuilder,
    DemoReport,
    FieldNote,
    OfficerPermissions,
    ScheduleSpec,
)


def build_demo_sessions(options, progress) -> DemoReport:
    """Onboarding sessions in several states (issue 13 item 5; onboarding/demo.py)."""
    from onboarding.demo import seed_demo_sessions

    return DemoReport(lines=(seed_demo_sessions(),))


def dm_backlog_note() -> str:
    """ONB-62: the backlog beside the DM switch: sessions waiting for their opening DM (with
    DMs off they all wait in `awaiting_dm`; the checker resumes them once DMs are on)."""
    from onboarding.models import OnboardingSession, State

    waiting = OnboardingSession.objects.filter(state=State.AWAITING_DM).count()
    sessions = "session waits" if waiting == 1 else "sessions wait"
    return f"Backlog: {waiting} onboarding {sessions} for an opening DM."


def build_bot_commands() -> list:
    """§10: the slash commands, built when the bot starts (discord.py stays out of the site's
    import path)."""
    from onboarding import bot_commands

    return bot_commands.build()


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
        # §10: /verify and the officer commands (BOT-12 registers them for the server).
        BotCommands("onboarding.commands", build_bot_commands),
        FieldNote("onboarding.dm_backlog", "patt.siteconfig", "bot_dms_enabled", dm_backlog_note),
        # ONB-60: officers view and change sessions (actions need change); the timeline is a
        # record they only view.
        OfficerPermissions(
            "onboarding",
            view_change=frozenset({"onboardingsession"}),
            view_only=frozenset({"onboardingevent"}),
        ),
        # ONB-31: the checker every 30 minutes, upserted by `manage.py setup_schedules`.
        ScheduleSpec(
            name="onboarding-deadline-check",
            func="onboarding.checker_tasks.run_deadline_checker",
            minutes=30,
            order=40,
        ),
        # After the demo guild (10), whose Discord users the sessions belong to.
        DemoBuilder("onboarding-sessions", 45, build_demo_sessions),
    ]
