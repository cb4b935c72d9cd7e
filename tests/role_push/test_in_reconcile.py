"""The role push inside reconcile (IDN-29, IDN-45): after matching, before integrity."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from identity.models import AuditIssue, DiscordUser, SyncRun, SyncSource, SyncStatus
from identity.services.reconcile import run_reconcile_pipeline
from tests.conftest import LADDER_ROLE_IDS
from tests.role_push.conftest import BOOSTER

pytestmark = pytest.mark.django_db


def test_idn45_role_push_runs_before_integrity_so_a_fixed_role_opens_no_issue(guildie, writes_on):
    player = guildie("Member", roles=[BOOSTER], manual=True)

    outcome = run_reconcile_pipeline(post=False)

    assert outcome.ok
    user = DiscordUser.objects.get(pk=player.discord_user_id)
    assert LADDER_ROLE_IDS["Member"] in user.role_ids
    assert not AuditIssue.objects.filter(dedup_key=f"no_guild_role:p{player.pk}").exists()
    run = outcome.run
    assert run.source == SyncSource.RECONCILE and run.status == SyncStatus.SUCCESS
    assert run.counts["role_adds"] == 1
    assert run.details["role_changes"] == [
        {"discord_id": user.discord_id, "added": [LADDER_ROLE_IDS["Member"]], "removed": []}
    ]


def test_idn29_with_writes_off_reconcile_reports_and_integrity_files_the_issue(guildie, server):
    player = guildie("Member", roles=[BOOSTER], manual=True)

    outcome = run_reconcile_pipeline(post=False)

    assert server.requests_to("PUT") == []
    assert outcome.run.details["role_changes"] == [
        {
            "discord_id": player.discord_user.discord_id,
            "would_add": [LADDER_ROLE_IDS["Member"]],
            "would_remove": [],
        }
    ]
    assert AuditIssue.objects.filter(dedup_key=f"no_guild_role:p{player.pk}").exists()


def test_idn48_run_matching_records_a_reconcile_run_and_prints_every_step(guildie, capsys):
    guildie("Member", roles=[BOOSTER], manual=True)

    call_command("run_matching", "--no-post")

    out = capsys.readouterr().out
    run = SyncRun.objects.get(source=SyncSource.RECONCILE)
    assert "Matching: considered=" in out
    assert "Role push (report only): would add 1" in out
    assert "Integrity: new=" in out
    assert f"SyncRun #{run.pk} success" in out


def test_idn46_run_matching_fails_while_a_reconcile_is_running(db):
    SyncRun.objects.create(source=SyncSource.RECONCILE, trigger="schedule")

    with pytest.raises(CommandError, match="already running"):
        call_command("run_matching", "--no-post")
    assert SyncRun.objects.filter(status=SyncStatus.SKIPPED).count() == 1


def test_idn43_the_reconcile_task_runs_the_pipeline_as_an_admin_run(db):
    from identity import tasks

    line = tasks.run_reconcile_pipeline()

    run = SyncRun.objects.get(source=SyncSource.RECONCILE)
    assert run.trigger == "admin" and f"SyncRun #{run.pk}" in line
