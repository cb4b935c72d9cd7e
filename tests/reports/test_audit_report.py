"""The audit report: selection, transport and layout (IDN-39)."""

from datetime import timedelta

import pytest

from identity.models import AuditIssue, IssueSeverity, IssueType
from identity.reports import send_audit_report
from patt.models import SiteConfig
from tests.reports.conftest import NOW, SITE, make_issue, set_channel

pytestmark = pytest.mark.django_db


def report(client, **kwargs):
    return send_audit_report(client=client, now=NOW, **kwargs)


def all_embeds(messages):
    return [embed for message in messages for embed in message]


def test_idn39_nothing_selected_posts_nothing(discord_client, posted, fake_discord):
    make_issue(resolved_at=NOW)
    make_issue(dismissed_at=NOW)
    make_issue(notified_at=NOW)

    result = report(discord_client)

    assert result.status == "nothing"
    assert result.messages == []
    assert posted() == []
    assert fake_discord.requests_to("POST") == []
    assert result.line == "Audit report: no new issues to post"


def test_idn39_new_issues_are_posted_and_stamped(discord_client, posted):
    first, second = make_issue(age=5), make_issue(age=1)

    result = report(discord_client)

    assert result.status == "posted"
    assert result.issues_notified == 2
    assert len(posted()) == 1
    assert [i.notified_at for i in AuditIssue.objects.order_by("pk")] == [NOW, NOW]
    assert posted()[0][1]["description"] == f"• {first.summary}\n• {second.summary}"
    assert result.line == "Audit report posted: 2 new issues in 1 message"


def test_idn39_notified_issues_are_not_posted_again(discord_client, posted):
    make_issue()
    assert report(discord_client).status == "posted"

    again = report(discord_client)

    assert again.status == "nothing"
    assert len(posted()) == 1


def test_idn39_only_the_new_issue_is_posted_next_time(discord_client, posted):
    old = make_issue(summary="old issue")
    report(discord_client)
    make_issue(summary="fresh issue")

    report(discord_client)

    description = posted()[1][1]["description"]
    assert description == "• fresh issue"
    assert old.summary not in description


def test_idn39_full_reports_notified_issues_and_restamps_them(discord_client, posted):
    earlier = NOW - timedelta(days=3)
    make_issue(summary="seen before", notified_at=earlier)
    make_issue(summary="never seen")

    result = report(discord_client, full=True)

    assert result.status == "posted"
    header, embed = posted()[0]
    assert header["description"].startswith("**2 open issues**\n")
    assert embed["description"] == "• seen before\n• never seen"
    assert set(AuditIssue.objects.values_list("notified_at", flat=True)) == {NOW}
    assert result.line == "Audit report posted: 2 open issues in 1 message"


def test_idn38_idn39_dismissed_issues_are_never_posted_even_in_full(discord_client, posted):
    make_issue(summary="muted", dismissed_at=NOW - timedelta(days=1))
    make_issue(summary="loud")

    report(discord_client, full=True)

    assert posted()[0][1]["description"] == "• loud"
    assert AuditIssue.objects.get(summary="muted").notified_at is None


def test_idn39_resolved_issues_are_not_posted_in_full(discord_client, posted):
    make_issue(summary="fixed", resolved_at=NOW)

    assert report(discord_client, full=True).status == "nothing"
    assert posted() == []


def test_idn39_header_embed(discord_client, posted):
    config = SiteConfig.get()
    config.accent_colour = "#112233"
    config.save()
    make_issue(IssueType.ROLE_MISMATCH, severity=IssueSeverity.CRITICAL)
    make_issue(IssueType.ORPHAN_WOW)
    make_issue(IssueType.ORPHAN_DISCORD)
    make_issue(IssueType.STALE_CHARACTER)

    report(discord_client)

    header = posted()[0][0]
    assert header["title"] == "🔍 Guild Identity Audit Report"
    assert header["description"] == (
        f"**4 new issues detected**\nRun at: <t:{int(NOW.timestamp())}:F>\n"
        "critical 1 · warning 2 · info 1"
    )
    assert header["color"] == 0x112233


def test_idn39_one_issue_reads_singular(discord_client, posted):
    make_issue()

    report(discord_client)

    assert posted()[0][0]["description"].startswith("**1 new issue detected**\n")


def test_idn39_types_in_fixed_order_with_labels(discord_client, posted):
    for kind in reversed(IssueType.values):
        make_issue(kind, severity=IssueSeverity.WARNING)

    report(discord_client)

    titles = [embed["title"] for embed in posted()[0][1:]]
    assert titles == [
        "⚠️ Role Mismatches (In-Game vs Discord) (1)",
        "🏷️ Missing Discord Guild Role (1)",
        "🎮 WoW Characters Without a Player (1)",
        "💬 Discord Members Without WoW Characters (1)",
        "🔗 Suggested Links (Needs Review) (1)",
        "💤 Inactive Characters (30+ days) (1)",
        "🔒 Officers Who Left: Admin Access Withdrawn (1)",
    ]


def test_idn39_worst_severity_orders_types_before_the_fixed_order(discord_client, posted):
    make_issue(IssueType.ROLE_MISMATCH, severity=IssueSeverity.WARNING)
    make_issue(IssueType.STALE_CHARACTER, severity=IssueSeverity.INFO)
    make_issue(IssueType.ORPHAN_DISCORD, severity=IssueSeverity.CRITICAL)
    make_issue(IssueType.STALE_CHARACTER, severity=IssueSeverity.WARNING)

    report(discord_client)

    titles = [embed["title"] for embed in posted()[0][1:]]
    assert titles == [
        "💬 Discord Members Without WoW Characters (1)",
        "⚠️ Role Mismatches (In-Game vs Discord) (1)",
        "💤 Inactive Characters (30+ days) (2)",
    ]


def test_idn39_issues_ordered_by_severity_then_first_detection_then_pk(discord_client, posted):
    make_issue(IssueType.ROLE_MISMATCH, "warning newer", severity=IssueSeverity.WARNING, age=1)
    make_issue(IssueType.ROLE_MISMATCH, "warning older", severity=IssueSeverity.WARNING, age=9)
    make_issue(IssueType.ROLE_MISMATCH, "critical newest", severity=IssueSeverity.CRITICAL)
    make_issue(IssueType.ROLE_MISMATCH, "warning tie 1", severity=IssueSeverity.WARNING, age=5)
    make_issue(IssueType.ROLE_MISMATCH, "warning tie 2", severity=IssueSeverity.WARNING, age=5)

    report(discord_client)

    assert posted()[0][1]["description"].split("\n") == [
        "• critical newest",
        "• warning older",
        "• warning tie 1",
        "• warning tie 2",
        "• warning newer",
    ]


@pytest.mark.parametrize(
    ("severities", "colour"),
    [
        ([IssueSeverity.CRITICAL, IssueSeverity.WARNING], 0xFF0000),
        ([IssueSeverity.WARNING, IssueSeverity.INFO], 0xFFA500),
        ([IssueSeverity.INFO], 0x3498DB),
    ],
)
def test_idn39_type_colour_is_its_worst_severity(discord_client, posted, severities, colour):
    for severity in severities:
        make_issue(IssueType.ROLE_MISMATCH, severity=severity)

    report(discord_client)

    assert posted()[0][1]["color"] == colour


def test_idn39_review_footer_on_the_last_embed_only(discord_client, posted):
    make_issue(IssueType.ROLE_MISMATCH)
    make_issue(IssueType.STALE_CHARACTER)

    report(discord_client)

    embeds = posted()[0]
    assert embeds[-1]["footer"] == {"text": f"Review: {SITE}/admin/identity/auditissue/"}
    assert all("footer" not in embed for embed in embeds[:-1])


def test_idn39_posts_with_no_mentions(discord_client, fake_discord, audit_channel):
    make_issue(summary="Discord member '@everyone <@123>' (role: Member) has no WoW character")

    report(discord_client)

    (message,) = fake_discord.channel_messages(audit_channel)
    assert message.allowed_mentions == {"parse": []}


def test_idn39_markdown_in_names_is_escaped(discord_client, posted):
    make_issue(summary="WoW character '*Zug_zug*~`|>-Sen'jin' (Druid, Member) has no player link")
    make_issue(summary=r"'Back\slash' (Member) hasn't logged in for 40 days")

    report(discord_client)

    assert posted()[0][1]["description"].split("\n") == [
        r"• WoW character '\*Zug\_zug\*\~\`\|\>-Sen'jin' (Druid, Member) has no player link",
        r"• 'Back\\slash' (Member) hasn't logged in for 40 days",
    ]


def test_idn39_no_audit_channel_is_skipped_with_a_warning(discord_client, fake_discord, db):
    make_issue()
    warnings = []

    result = report(discord_client, warn=warnings.append)

    assert result.status == "skipped"
    assert warnings == ["No audit channel configured (discord_audit_channel_id)"]
    assert fake_discord.requests_to("POST") == []
    assert AuditIssue.objects.get().notified_at is None
    assert result.line.startswith("Audit report skipped: No audit channel configured")


def test_idn39_discord_not_configured_is_skipped_with_a_warning(settings, db):
    set_channel("123456789012345678")
    settings.DISCORD_BOT_TOKEN = ""
    make_issue()
    warnings = []

    result = send_audit_report(warn=warnings.append)

    assert result.status == "skipped"
    assert warnings and warnings[0].startswith("Discord not configured")
    assert AuditIssue.objects.get().notified_at is None


def test_idn39_client_from_settings_posts_to_the_fake(fake_discord, posted):
    make_issue()

    assert send_audit_report().status == "posted"
    assert len(posted()) == 1


def test_idn39_dry_run_builds_messages_and_changes_nothing(fake_discord, db):
    make_issue(summary="would be posted")

    result = send_audit_report(dry_run=True, now=NOW)

    assert result.status == "dry_run"
    assert result.messages[0][1]["description"] == "• would be posted"
    assert result.payloads[0]["allowed_mentions"] == {"parse": []}
    assert fake_discord.requests == []
    assert AuditIssue.objects.get().notified_at is None
