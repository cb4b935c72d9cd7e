"""What identity contributes to the registry (patt/registry.py): its URLs, the officers block
of the landing page, the class colours of the theme, its schedules, officer permissions, the
sync pages of the admin and the demo guild."""

import re

from patt.discord.events import MEMBER_JOIN, MEMBER_REMOVE, MEMBER_UPDATE
from patt.registry import (
    AdminAppEntry,
    AdminView,
    BotListener,
    DemoBuilder,
    LandingSection,
    OfficerPermissions,
    ScheduleSpec,
    ThemeColours,
    UrlMount,
)

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
# Issue 16 item 3: the lightest surface text sits on (site.css `--card-2`) and WCAG AA's ratio.
CARD_SURFACE = "#1e1e22"
READABLE_RATIO = 4.5


def _luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of "#rrggbb"."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(colour: str, background: str) -> float:
    """WCAG 2.x contrast ratio of two "#rrggbb" colours (1 … 21)."""
    light, dark = sorted((_luminance(colour), _luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def readable_colour(
    colour: str, *, background: str = CARD_SURFACE, ratio: float = READABLE_RATIO
) -> str:
    """Issue 16 item 3: `colour`, or the lightest-needed tint of it (mixed toward white in 2 %
    steps) that reaches `ratio` against `background`; colours already readable are unchanged."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    for step in range(51):
        share = step / 50
        mixed = "#" + "".join(f"{round(c + (255 - c) * share):02x}" for c in (red, green, blue))
        if contrast_ratio(mixed, background) >= ratio:
            return colour if step == 0 else mixed
    return "#ffffff"


def playable_class_colours() -> list[tuple[str, str]]:
    """ACC-59: each playable class's colour, by slug (one query), tinted where needed so class
    coloured names read at 4.5:1 on the dark cards (issue 16 item 3; the data keeps Blizzard's
    colour)."""
    from identity.models import PlayableClass

    return [
        (slug, readable_colour(colour) if _HEX.match(colour or "") else colour)
        for slug, colour in PlayableClass.objects.order_by("slug").values_list("slug", "colour")
    ]


def officers_section(request):
    """ACC-47 #7: the officers block (identity/landing.py)."""
    from identity.landing import officers

    return officers()


def contributions() -> list:
    from identity import bot_listeners
    from identity.admin.sync import ENTRY_NAME, can_use_sync_tools, health_view, sync_view
    from identity.demo.builders import GUILD_OPTIONS, build_guild, build_upload_token

    return [
        # Accounts (ACC-11 … ACC-34) first, in front of every app's pages, as before.
        UrlMount("identity-accounts", "", "identity.auth.urls", order=10),
        UrlMount("identity-api", "api/v1/guild-sync/", "identity.api_urls", order=30),
        UrlMount("identity-legacy-upload", "", "identity.uploads.legacy_urls", order=31),
        # ACC-47 #7: the officers block.
        LandingSection("officers", officers_section, order=10),
        ThemeColours("playable-classes", "class-", playable_class_colours),
        # IDN-47: the syncs; UPL-7: clear stored upload payloads older than
        # ADDON_UPLOAD_RETENTION_DAYS, daily.
        ScheduleSpec(
            name="identity.blizzard_roster_sync",
            func="identity.tasks.run_blizzard_pipeline",
            cron="0 1,7,13,19 * * *",
            order=10,
        ),
        ScheduleSpec(
            name="identity.discord_member_sync",
            func="identity.tasks.run_discord_pipeline",
            minutes=15,
            order=11,
        ),
        # issue 17: runs a killed worker left `running` are closed and announced.
        ScheduleSpec(
            name="identity.close_abandoned_runs",
            func="identity.tasks.close_abandoned_runs",
            minutes=5,
            order=13,
        ),
        ScheduleSpec(
            name="addon-upload-cleanup",
            func="identity.tasks.cleanup_addon_uploads",
            cron="30 3 * * *",
            order=12,
        ),
        # ACC-38: officers only view sync runs and Discord users (the syncs write them).
        OfficerPermissions("identity", view_only=frozenset({"syncrun", "discorduser"})),
        # IDN-43, IDN-47: the sync page and worker health, for officers only.
        AdminView("identity_sync", "identity/sync/", sync_view),
        AdminView("identity_sync_health", "identity/sync/health/", health_view),
        AdminAppEntry("identity", ENTRY_NAME, "Sync", "identity_sync", can_use_sync_tools),
        # IDN-51: the demo guild first (every other app's demo data builds on its players);
        # UPL-2: the companion's token last.
        DemoBuilder("identity-guild", 10, build_guild, options=GUILD_OPTIONS),
        DemoBuilder("identity-upload-token", 50, build_upload_token),
        # IDN-28, BOT-7: the bot's member events keep DiscordUser current within seconds.
        # Onboarding's join step (ONB-8) is a second MEMBER_JOIN listener, ordered after this one
        # (bot_listeners.ONBOARDING_JOIN_ORDER).
        BotListener(
            "identity.member_join",
            MEMBER_JOIN,
            bot_listeners.on_member_join,
            order=bot_listeners.JOIN_ORDER,
        ),
        BotListener("identity.member_remove", MEMBER_REMOVE, bot_listeners.on_member_remove),
        BotListener("identity.member_update", MEMBER_UPDATE, bot_listeners.on_member_update),
    ]
