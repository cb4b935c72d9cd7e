"""The pipelines post what IDN-39, IDN-41 and IDN-42 describe, and `--no-post` posts nothing."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from identity.models import AddonUpload, AuditIssue, SyncRun
from identity.services import reconcile as reconcile_module
from identity.services.discord_sync import sync_discord_members
from identity.services.reconcile import run_reconcile_pipeline
from identity.services.roster_sync import sync_roster
from identity.uploads.pipeline import run_upload_pipeline
from identity.uploads.tokens import create_token
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


# --- a pipeline that raises still posts its failure (IDN-42, issue 11 item 2) -----------------


def _upload_pipeline():
    upload = AddonUpload.objects.create(
        token=create_token(name="Trog's gaming PC").token,
        payload_sha256="0" * 64,
        export_time=timezone.now(),
        guild_name="Pull All The Things",
        status=AddonUpload.Status.APPLIED,
    )
    return run_upload_pipeline(upload.pk)


PIPELINES = {
    "blizzard_roster": ("Blizzard roster", lambda post: sync_roster(post=post)),
    "discord_members": ("Discord members", lambda post: sync_discord_members(post=post)),
    "reconcile": ("Matching and integrity", lambda post: run_reconcile_pipeline(post=post)),
    "addon_upload": ("WoW addon upload", lambda post: _upload_pipeline()),
}


@pytest.fixture
def matching_breaks(monkeypatch):
    """Reconcile's first step raises, as a lost database connection or a bug would: every
    pipeline runs reconcile, so each one raises out of its SyncRun block."""

    def boom(**kwargs):
        raise RuntimeError("matching blew up")

    monkeypatch.setattr(reconcile_module, "run_matching", boom)


@pytest.mark.parametrize("source", list(PIPELINES))
def test_idn42_a_pipeline_that_raises_records_error_and_posts_the_failure_once(
    source, fake_blizzard, fake_discord, posted, matching_breaks
):
    label, run = PIPELINES[source]
    fake_discord.add_member(username="somebody")

    for _ in range(2):  # the second failure in a row stays silent
        with pytest.raises(RuntimeError, match="matching blew up"):
            run(True)

    runs = list(SyncRun.objects.filter(source=source).order_by("pk"))
    assert [r.status for r in runs] == ["error", "error"]
    assert runs[0].error == "matching blew up"
    [[embed]] = posted()
    assert embed["title"] == f"🚨 Sync failed: {label}"
    assert embed["description"] == "matching blew up"
    assert embed["footer"]["text"] == f"SyncRun #{runs[0].pk}"


@pytest.mark.parametrize("source", ["blizzard_roster", "discord_members", "reconcile"])
def test_idn48_no_post_sends_no_failure_post_when_a_pipeline_raises(
    source, fake_blizzard, fake_discord, posted, matching_breaks
):
    fake_discord.add_member(username="somebody")

    with pytest.raises(RuntimeError, match="matching blew up"):
        PIPELINES[source][1](False)

    assert SyncRun.objects.get(source=source).status == "error"
    assert posted() == []
