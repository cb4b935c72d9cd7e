"""Shared set-up for the report tests: an audit channel on the fake Discord, and issues."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from identity.models import AuditIssue, IssueSeverity, IssueType, SyncRun
from patt.models import SiteConfig

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SITE = "https://patt.example"
_keys = itertools.count(1)

DEFAULT_SEVERITY = {
    IssueType.ROLE_MISMATCH: IssueSeverity.WARNING,
    IssueType.NO_GUILD_ROLE: IssueSeverity.WARNING,
    IssueType.ORPHAN_WOW: IssueSeverity.WARNING,
    IssueType.ORPHAN_DISCORD: IssueSeverity.WARNING,
    IssueType.AUTO_LINK_SUGGESTION: IssueSeverity.INFO,
    IssueType.STALE_CHARACTER: IssueSeverity.INFO,
    IssueType.STAFF_ACCESS_WITHDRAWN: IssueSeverity.WARNING,
}


def make_issue(issue_type=IssueType.ORPHAN_WOW, summary=None, *, severity=None, age=0, **fields):
    """An open issue; `age` minutes before NOW is its first detection."""
    number = next(_keys)
    return AuditIssue.objects.create(
        issue_type=issue_type,
        severity=severity or DEFAULT_SEVERITY[issue_type],
        dedup_key=f"{issue_type}:t{number}",
        summary=summary
        or f"WoW character 'Char{number}-Sen'jin' (Druid, Member) has no player link",
        first_detected_at=NOW - timedelta(minutes=age),
        last_detected_at=NOW,
        **fields,
    )


def make_run(source, status, *, minutes=0, duration=12.3, **fields):
    """A finished SyncRun of `source`, started `minutes` after NOW."""
    started = NOW + timedelta(minutes=minutes)
    return SyncRun.objects.create(
        source=source,
        trigger="schedule",
        status=status,
        started_at=started,
        finished_at=started + timedelta(seconds=duration),
        duration_seconds=duration,
        **fields,
    )


def set_channel(channel_id: str) -> None:
    config = SiteConfig.get()
    config.discord_audit_channel_id = channel_id
    config.save()


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def audit_channel(db, fake_discord):
    """The audit channel on the fake Discord, set in SiteConfig; its id."""
    channel_id = fake_discord.add_channel(name="officer-audit")
    set_channel(channel_id)
    return channel_id


@pytest.fixture
def posted(fake_discord, audit_channel):
    """The embeds of each message posted in the audit channel so far."""

    def read():
        return [message.embeds for message in fake_discord.channel_messages(audit_channel)]

    return read
