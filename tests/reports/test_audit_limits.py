"""The audit report within Discord's limits, and what a failed send leaves behind (IDN-40)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from identity.models import AuditIssue, IssueType
from identity.reports import send_audit_report
from identity.reports.audit import DESCRIPTION_LIMIT, MESSAGE_TEXT_LIMIT
from identity.reports.embeds import clip_title, embed_text_length, escape_markdown, pack_messages
from patt.discord.embeds import check_message
from patt.models import clear_site_config_cache
from tests.fakes.fake_discord import Reply
from tests.reports.conftest import NOW, make_issue

pytestmark = pytest.mark.django_db

MESSAGES_ROUTE = "/channels/{channel_id}/messages"


def report(client, **kwargs):
    return send_audit_report(client=client, now=NOW, **kwargs)


def long_summary(number: int, fill: str = "x") -> str:
    return f"#{number:03d} " + fill * 295  # 300 characters, the longest a summary can be


def fill_every_type(per_type=20, fill="x"):
    """`per_type` issues of each type, all with 300-character summaries."""
    number = 0
    for kind in IssueType.values:
        for _ in range(per_type):
            number += 1
            make_issue(kind, long_summary(number, fill))


def test_idn40_summaries_are_cut_to_200_characters(discord_client, posted):
    summary = "'" + "A" * 298 + "'"
    make_issue(summary=summary)

    report(discord_client)

    line = posted()[0][1]["description"]
    assert line == "• " + summary[:199] + "…"
    assert len(line) == 2 + 200


def test_idn40_a_200_character_summary_is_not_cut(discord_client, posted):
    make_issue(summary="B" * 200)

    report(discord_client)

    assert posted()[0][1]["description"] == "• " + "B" * 200


def test_idn40_20_lines_then_and_k_more_and_all_stamped(discord_client, posted):
    issues = [make_issue(IssueType.ORPHAN_WOW, f"orphan {n:02d}", age=100 - n) for n in range(25)]

    result = report(discord_client)

    embed = posted()[0][1]
    lines = embed["description"].split("\n")
    assert embed["title"] == "🎮 WoW Characters Without a Player (25)"
    assert lines[:20] == [f"• orphan {n:02d}" for n in range(20)]
    assert lines[20:] == ["_…and 5 more_"]
    assert result.issues_notified == 25
    assert AuditIssue.objects.filter(pk__in=[i.pk for i in issues], notified_at=NOW).count() == 25


def test_idn40_long_bullets_are_dropped_whole_and_marked_truncated(discord_client, posted):
    # 20 summaries of markdown characters: each escaped bullet is ~400 characters, 8000 in all.
    for number in range(20):
        make_issue(IssueType.ORPHAN_WOW, long_summary(number, "*"))
    make_issue(IssueType.ORPHAN_WOW, long_summary(99, "*"))

    result = report(discord_client)

    description = posted()[0][1]["description"]
    lines = description.split("\n")
    assert len(description) <= DESCRIPTION_LIMIT
    assert lines[-2:] == ["_…truncated_", "_…and 1 more_"]
    expected = [
        "• " + escape_markdown(long_summary(n, "*")[:199] + "…") for n in range(len(lines) - 2)
    ]
    assert 5 <= len(lines) - 2 < 20
    assert lines[:-2] == expected
    assert result.issues_notified == 21
    assert not AuditIssue.objects.filter(notified_at__isnull=True).exists()


def test_idn40_titles_are_at_most_256_characters():
    title = clip_title("⚠️ " + "R" * 300)

    assert len(title) == 256
    assert title.endswith("…")
    assert clip_title("short") == "short"


def test_idn40_many_long_types_split_into_messages_within_limits(discord_client, posted):
    fill_every_type()

    result = report(discord_client)

    messages = posted()
    assert result.status == "posted"
    assert len(messages) == len(result.messages) > 1
    for embeds in messages:
        check_message(None, embeds)
        assert len(embeds) <= 10
        assert sum(embed_text_length(embed) for embed in embeds) <= MESSAGE_TEXT_LIMIT
    titles = [embed["title"] for embeds in messages for embed in embeds]
    assert titles[0] == "🔍 Guild Identity Audit Report"
    footers = [embed.get("footer") for embeds in messages for embed in embeds]
    assert footers[-1]["text"].startswith("Review: ") and not any(footers[:-1])
    assert len(titles) == 1 + len(IssueType.values)
    assert result.issues_notified == 20 * len(IssueType.values)
    assert not AuditIssue.objects.filter(notified_at__isnull=True).exists()


def test_idn40_message_holds_at_most_10_embeds():
    embeds = [{"title": f"embed {n}"} for n in range(23)]

    assert [len(m) for m in pack_messages(embeds, max_text=MESSAGE_TEXT_LIMIT)] == [10, 10, 3]


def test_idn40_new_message_before_the_text_passes_5900():
    exact = [{"description": "a" * 2950}, {"description": "b" * 2950}]
    over = [{"description": "a" * 2950}, {"title": "t", "description": "b" * 2950}]

    assert pack_messages(exact, max_text=MESSAGE_TEXT_LIMIT) == [[0, 1]]
    assert pack_messages(over, max_text=MESSAGE_TEXT_LIMIT) == [[0], [1]]


def test_idn40_failed_send_stops_and_leaves_the_unsent_un_notified(
    discord_client, posted, fake_discord
):
    fill_every_type()
    fake_discord.script("POST", MESSAGES_ROUTE, [Reply.normal(), Reply.error(500)])

    result = report(discord_client)

    assert result.status == "failed"
    assert result.messages_sent == 1
    assert len(fake_discord.requests_to("POST", MESSAGES_ROUTE)) == 2  # nothing after the failure
    sent_titles = [embed["title"] for embed in posted()[0][1:]]
    sent = AuditIssue.objects.filter(notified_at=NOW)
    assert sent.count() == result.issues_notified == 20 * len(sent_titles)
    assert AuditIssue.objects.filter(notified_at__isnull=True).count() == 20 * (
        len(IssueType.values) - len(sent_titles)
    )
    assert "HTTP 500" in result.error
    assert result.line.startswith(f"Audit report failed after 1 of {len(result.messages)} messages")

    retry = report(discord_client)

    assert retry.status == "posted"
    assert retry.issues_selected == 20 * (len(IssueType.values) - len(sent_titles))
    assert not AuditIssue.objects.filter(notified_at__isnull=True).exists()


def test_idn40_failed_first_send_notifies_nothing(discord_client, fake_discord, audit_channel):
    make_issue()
    fake_discord.script("POST", MESSAGES_ROUTE, [Reply.error(403, 50013)])

    result = report(discord_client)

    assert result.status == "failed"
    assert result.issues_notified == 0
    assert AuditIssue.objects.get().notified_at is None


def count_report_queries(client, count):
    AuditIssue.objects.all().delete()
    for number in range(count):
        make_issue(IssueType.ORPHAN_WOW, f"orphan {number}")
        make_issue(IssueType.STALE_CHARACTER, f"stale {number}")
    clear_site_config_cache()  # both runs read SiteConfig afresh
    with CaptureQueriesContext(connection) as queries:
        result = report(client)
    assert result.status == "posted"
    return len(queries)


def test_idn40_query_count_does_not_grow_with_the_issues(discord_client, audit_channel):
    assert count_report_queries(discord_client, 3) == count_report_queries(discord_client, 60)
