"""Demo onboarding sessions for `manage.py seed_demo` (issue 13 item 5): newcomers in several
states, so the officer admin shows the filters and the timeline. Idempotent: fixed Discord ids,
sessions updated in place, timeline lines written only when a session is first made."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from identity.models import DiscordUser
from onboarding.models import LandingNoticeStatus, OnboardingEvent, OnboardingSession, State


@dataclass(frozen=True)
class DemoNewcomer:
    discord_id: str
    username: str
    display_name: str
    state: str
    fields: dict[str, Any] = field(default_factory=dict)
    timeline: tuple[tuple[str, str], ...] = ()


def _newcomers(now) -> list[DemoNewcomer]:
    hour = timedelta(hours=1)
    return [
        DemoNewcomer(
            "990000000000000001",
            "freshfern",
            "Fresh Fern",
            State.AWAITING_DM,
            timeline=(("state", "-> awaiting_dm: joined"),),
        ),
        DemoNewcomer(
            "990000000000000002",
            "quietquill",
            "Quiet Quill",
            State.ASKED_MAIN,
            {
                "opening_dm_sent_at": now - 3 * hour,
                "prompted_at": now - 2 * hour,
                "is_in_guild": True,
            },
            (
                ("state", "awaiting_dm -> asked_in_guild: joined: opening DM"),
                ("dm_in", "yes"),
                ("state", "asked_in_guild -> asked_main: yes, in the guild"),
            ),
        ),
        DemoNewcomer(
            "990000000000000003",
            "altaholic",
            "Altaholic",
            State.ASKED_ALTS,
            {
                "opening_dm_sent_at": now - hour,
                "prompted_at": now - 0.1 * hour,
                "is_in_guild": True,
                "reported_main_name": "Shinyhunter",
            },
            (
                ("dm_in", "Shinyhunter"),
                ("state", "asked_main -> asked_alts: main not on the roster"),
            ),
        ),
        DemoNewcomer(
            "990000000000000004",
            "closeddoors",
            "Closed Doors",
            State.DECLINED,
            {"dm_blocked_at": now - 5 * hour, "landing_notice_status": LandingNoticeStatus.QUEUED},
            (("state", "awaiting_dm -> declined: DMs closed"),),
        ),
        DemoNewcomer(
            "990000000000000005",
            "notyetguilded",
            "Not Yet Guilded",
            State.PENDING_VERIFICATION,
            {
                "opening_dm_sent_at": now - 30 * hour,
                "prompted_at": now - 29 * hour,
                "is_in_guild": False,
                "dm_completed_at": now - 29 * hour,
                "deadline_at": now - 5 * hour,
                "verification_attempts": 4,
                "last_verification_at": now - hour,
                "last_verification_result": "no_name",
            },
            (("state", "asked_in_guild -> pending_verification: not in the guild yet"),),
        ),
        DemoNewcomer(
            "990000000000000006",
            "wanderer",
            "Wanderer",
            State.DISMISSED,
            {"resolution_note": "Joined for a podcast episode, not the guild."},
            (("officer", "dismissed: not joining the guild"),),
        ),
    ]


def seed_demo_sessions() -> str:
    """Write the demo newcomers and their sessions; return the report line."""
    now = timezone.now()
    created = 0
    newcomers = _newcomers(now)
    with transaction.atomic():
        for newcomer in newcomers:
            user, _ = DiscordUser.objects.update_or_create(
                discord_id=newcomer.discord_id,
                defaults={
                    "username": newcomer.username,
                    "display_name": newcomer.display_name,
                    "joined_at": now - timedelta(days=1),
                    "is_present": True,
                    "left_at": None,
                },
            )
            session, is_new = OnboardingSession.objects.update_or_create(
                discord_user=user, defaults={"state": newcomer.state, **newcomer.fields}
            )
            if is_new:
                created += 1
                OnboardingEvent.objects.bulk_create(
                    OnboardingEvent(session=session, at=now, kind=kind, detail=detail)
                    for kind, detail in newcomer.timeline
                )
    return f"Onboarding: {len(newcomers)} demo sessions ({created} new) in {len(newcomers)} states"
