"""`manage.py audit_report [--full] [--dry-run]` and the admin task (IDN-39, IDN-48)."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from identity import tasks
from identity.models import AuditIssue, SyncRun, SyncSource, SyncStatus, SyncTrigger
from tests.fakes.fake_discord import Reply
from tests.reports.conftest import NOW, make_issue

pytestmark = pytest.mark.django_db


def run_command(*args):
    out, err = StringIO(), StringIO()
    call_command("audit_report", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def report_runs():
    return SyncRun.objects.filter(source=SyncSource.AUDIT_REPORT)


def test_idn48_audit_report_posts_and_records_a_success(posted):
    make_issue()
    make_issue()

    out, _ = run_command()

    run = report_runs().get()
    assert run.status == SyncStatus.SUCCESS
    assert run.trigger == SyncTrigger.COMMAND
    assert run.counts == {"selected": 2, "notified": 2, "messages": 1}
    assert out.strip().startswith(
        f"Audit report posted: 2 new issues in 1 message (SyncRun #{run.pk} success in "
    )
    assert len(posted()) == 1


def test_idn48_nothing_to_report_is_a_success(posted):
    out, _ = run_command()

    assert report_runs().get().status == SyncStatus.SUCCESS
    assert out.startswith("Audit report: no new issues to post (SyncRun #")
    assert posted() == []


def test_idn48_full_reposts_notified_issues(posted):
    make_issue(notified_at=NOW)

    out, _ = run_command("--full")

    assert out.startswith("Audit report posted: 1 open issue in 1 message")
    assert report_runs().get().details == {"full": True}
    assert posted()[0][0]["description"].startswith("**1 open issue**")


def test_idn48_dry_run_prints_the_json_and_writes_nothing(fake_discord, db):
    make_issue(summary="printed, not posted")

    out, _ = run_command("--dry-run")

    payload_text, line = out.rsplit("\n", 2)[0], out.strip().splitlines()[-1]
    payloads = json.loads(payload_text)
    assert payloads[0]["allowed_mentions"] == {"parse": []}
    assert payloads[0]["embeds"][0]["title"] == "🔍 Guild Identity Audit Report"
    assert payloads[0]["embeds"][1]["description"] == "• printed, not posted"
    assert line == "Audit report dry run: 1 new issue in 1 message (nothing posted)"
    assert not SyncRun.objects.exists()
    assert AuditIssue.objects.get().notified_at is None
    assert fake_discord.requests == []


def test_idn48_dry_run_with_nothing_prints_the_line_only(db):
    out, _ = run_command("--dry-run", "--full")

    assert out == "Audit report: no open issues to post\n"
    assert not SyncRun.objects.exists()


def test_idn48_no_channel_is_skipped_exit_1_with_a_warning(fake_discord, db):
    make_issue()

    with pytest.raises(CommandError) as raised:
        run_command()

    run = report_runs().get()
    assert run.status == SyncStatus.SKIPPED
    assert run.details["warnings"] == ["No audit channel configured (discord_audit_channel_id)"]
    assert "Audit report skipped: No audit channel configured" in str(raised.value)
    assert fake_discord.requests == []


def test_idn48_failed_send_is_an_error_exit_1(fake_discord, audit_channel):
    make_issue()
    fake_discord.script("POST", "/channels/{channel_id}/messages", [Reply.error(403, 50013)])

    with pytest.raises(CommandError) as raised:
        run_command()

    run = report_runs().get()
    assert run.status == SyncStatus.ERROR
    assert "Missing permissions" in run.error
    assert str(raised.value).startswith("Audit report failed after 0 of 1 messages")
    assert AuditIssue.objects.get().notified_at is None


def test_idn46_idn48_already_running_is_skipped_exit_1(fake_discord, audit_channel):
    make_issue()
    running = SyncRun.objects.create(source=SyncSource.AUDIT_REPORT, trigger=SyncTrigger.ADMIN)

    with pytest.raises(CommandError, match="already running"):
        run_command()

    skipped = report_runs().exclude(pk=running.pk).get()
    assert skipped.status == SyncStatus.SKIPPED
    assert AuditIssue.objects.get().notified_at is None
    assert fake_discord.requests_to("POST") == []


def test_idn43_task_runs_the_report_for_the_admin(posted):
    make_issue(notified_at=NOW)

    line = tasks.run_audit_report(full=True)

    run = report_runs().get()
    assert run.trigger == SyncTrigger.ADMIN
    assert line.startswith("Audit report posted: 1 open issue in 1 message")
    assert len(posted()) == 1


def test_idn43_task_new_only_by_default(posted):
    make_issue(notified_at=NOW)

    assert tasks.run_audit_report().startswith("Audit report: no new issues to post")
    assert posted() == []
