"""django-q2 tasks of the onboarding checker (ONB-31, ONB-62). Thin: each calls one service.

A module of its own beside onboarding/tasks.py (provisioning), so the two are written apart.
"""

from __future__ import annotations

from django.utils import timezone

from identity.models import SyncTrigger
from patt.task_queue import enqueue_on_commit

# The dotted name the schedule (onboarding/contributions.py) and the admin button queue.
CHECKER_TASK = "onboarding.checker_tasks.run_deadline_checker"


def run_deadline_checker(trigger: str = SyncTrigger.SCHEDULE) -> str:
    """ONB-31: the schedule `onboarding-deadline-check` (every 30 min), the admin's "Run
    checker now" (`trigger="admin"`); returns the run's line ("… disabled", "… skipped:
    already running", or the counts)."""
    from onboarding.services.checker import run_checker

    return run_checker(trigger=trigger).line


def queue_checker_run(*, trigger: str = SyncTrigger.ADMIN) -> None:
    """ONB-62: queue one checker run after the current transaction commits (web requests
    and admin actions never call Discord inline, BOT-13)."""
    enqueue_on_commit(
        CHECKER_TASK, trigger, what="Onboarding checker run", task_name="onboarding-checker"
    )


def post_landing_notice(session_id: int) -> str:
    """ONB-41: post one queued landing notice now (the checker posts any still queued)."""
    from onboarding.services.notices import post_landing_notice as post
    from patt.discord.errors import DiscordNotConfigured
    from patt.discord.rest import DiscordRestClient
    from patt.models import SiteConfig

    try:
        client = DiscordRestClient()
    except DiscordNotConfigured:
        return "Discord not configured"
    try:
        return post(session_id, client=client, config=SiteConfig.get(), now=timezone.now())
    finally:
        client.close()
