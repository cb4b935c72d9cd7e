"""The pipelines post what IDN-39, IDN-41 and IDN-42 describe, and `--no-post` posts nothing."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from identity.models import AuditIssue
from identity.services.roster_sync import sync_roster
from tests.factories import WowCharacterFactory, rank

pytestmark = pytest.mark.django_db


def _titles(posted) -> list[str]:
    return [embed["title"] for message in posted() for embed in message]


def test_idn44_discord_pipeline_posts_the_audit_report_then_the_summary(fake_discord, posted):
    fake_discord.add_member(username="somebody")
    WowCharacterFactory(name="Lonelyorc", guild_rank=rank("Member"), guild_rank_index=3)

    call_command("sync_discord")

    titles = _titles(posted)
    assert titles[0] == "🔍 Guild Identity Audit Report"
    assert "🎮 WoW Characters Without a Player (1)" in titles
    assert titles[-1] == "📡 Sync Complete: Discord members"
    assert AuditIssue.objects.get(dedup_key__startswith="orphan_wow").notified_at is not None


def test_idn48_no_post_posts_nothing_and_leaves_issues_unnotified(fake_discord, posted):
    fake_discord.add_member(username="somebody")
    WowCharacterFactory(name="Lonelyorc", guild_rank=rank("Member"), guild_rank_index=3)

    call_command("sync_discord", "--no-post")

    assert posted() == []
    assert AuditIssue.objects.get(dedup_key__startswith="orphan_wow").notified_at is None


def test_idn46_an_unchanged_second_run_posts_nothing(fake_discord, posted):
    fake_discord.add_member(username="somebody")
    call_command("sync_discord")
    before = len(posted())

    call_command("sync_discord")

    assert len(posted()) == before


def test_idn42_blizzard_failure_is_posted_once_and_recovery_after(
    fake_blizzard, fake_discord, posted
):
    fake_blizzard.set_roster_mode("error")
    for _ in range(2):
        with pytest.raises(CommandError):
            call_command("sync_blizzard")
    assert _titles(posted) == ["🚨 Sync failed: Blizzard roster"]

    fake_blizzard.set_roster_mode("ok")
    sync_roster()

    assert "✅ Blizzard roster sync recovered after 2 failed runs" in _titles(posted)
