"""Upsert, recurrence, dismissal, auto-resolve and counts (IDN-38)."""

from datetime import timedelta

import pytest

from identity.models import AuditIssue, IssueSeverity, IssueType
from identity.services.integrity import run_integrity_checks
from tests.conftest import LADDER_ROLE_IDS
from tests.factories import (
    PlayerCharacterFactory,
    PlayerFactory,
    WowCharacterFactory,
)
from tests.integrity.conftest import NOW

pytestmark = pytest.mark.django_db

LATER = NOW + timedelta(hours=6)


def open_issues(kind=None):
    issues = AuditIssue.objects.filter(resolved_at__isnull=True)
    return list(issues.filter(issue_type=kind) if kind else issues)


def assert_auto_resolved(issue, note):
    issue.refresh_from_db()
    assert issue.resolved_at == LATER
    assert issue.resolved_by is None
    assert issue.resolution_note == note


def officer(ladder):
    return PlayerFactory(guild_rank=ladder["Officer"])


# --- upsert -------------------------------------------------------------------------------


def test_idn38_upsert_refreshes_open_issue_and_keeps_notified_at(ladder):
    character = WowCharacterFactory(name="Trogmoon", guild_rank=ladder["Member"])
    run_integrity_checks(now=NOW)
    issue = open_issues()[0]
    AuditIssue.objects.filter(pk=issue.pk).update(notified_at=NOW)
    character.guild_rank = ladder["Veteran"]
    character.save()
    result = run_integrity_checks(now=LATER)
    assert (result.new, result.still_open, result.resolved) == (0, 1, 0)
    issue.refresh_from_db()
    assert AuditIssue.objects.count() == 1
    assert "(Druid, Veteran)" in issue.summary
    assert issue.details["rank"] == "Veteran"
    assert (issue.first_detected_at, issue.last_detected_at) == (NOW, LATER)
    assert issue.notified_at == NOW


def test_idn38_upsert_updates_severity(guildie, ladder):
    player = guildie("Member", "Veteran")
    run_integrity_checks(now=NOW)
    assert open_issues()[0].severity == IssueSeverity.WARNING
    player.discord_user.highest_guild_role = ladder["Officer"]
    player.discord_user.role_ids = [LADDER_ROLE_IDS["Officer"]]
    player.discord_user.save()
    run_integrity_checks(now=LATER)
    issue = open_issues()[0]
    assert issue.severity == IssueSeverity.CRITICAL
    assert "but Officer on Discord" in issue.summary
    assert AuditIssue.objects.count() == 1


def test_idn38_second_run_on_unchanged_data_changes_nothing(ladder, guildie, member):
    WowCharacterFactory()
    member("Veteran")
    guildie("Member", "Officer")
    guildie("Veteran", None)
    PlayerCharacterFactory(character=WowCharacterFactory(last_login_at=NOW - timedelta(days=60)))
    first = run_integrity_checks(now=NOW)
    assert (first.new, first.still_open, first.resolved) == (5, 0, 0)
    before = {(i.pk, i.dedup_key, i.summary, i.severity) for i in AuditIssue.objects.all()}
    second = run_integrity_checks(now=LATER)
    assert (second.new, second.still_open, second.resolved, second.open_total) == (0, 5, 0, 5)
    after = {(i.pk, i.dedup_key, i.summary, i.severity) for i in AuditIssue.objects.all()}
    assert after == before


# --- recurrence and dismissal -------------------------------------------------------------


def test_idn38_recurrence_after_resolve_opens_new_issue(ladder):
    character = WowCharacterFactory()
    run_integrity_checks(now=NOW)
    first = open_issues()[0]
    first.resolved_at = NOW
    first.resolved_by = officer(ladder)
    first.save()
    result = run_integrity_checks(now=LATER)
    assert result.new == 1
    second = open_issues()[0]
    assert second.pk != first.pk
    assert second.dedup_key == first.dedup_key == f"orphan_wow:c{character.pk}"
    assert second.first_detected_at == LATER


def test_idn38_dismissed_issue_stays_open_and_auto_resolves(ladder):
    character = WowCharacterFactory()
    run_integrity_checks(now=NOW)
    issue = open_issues()[0]
    issue.dismissed_at = NOW
    issue.dismissed_by = officer(ladder)
    issue.save()
    result = run_integrity_checks(now=NOW + timedelta(hours=1))
    issue.refresh_from_db()
    assert (result.new, result.still_open) == (0, 1)
    assert issue.resolved_at is None
    assert issue.dismissed_at == NOW
    assert issue.last_detected_at == NOW + timedelta(hours=1)
    PlayerCharacterFactory(character=character)
    run_integrity_checks(now=LATER)
    assert_auto_resolved(issue, "Character now linked")
    assert issue.dismissed_at == NOW


# --- auto-resolve -------------------------------------------------------------------------


def test_idn38_orphan_wow_resolves_when_linked_or_left(ladder):
    linked, left = WowCharacterFactory(), WowCharacterFactory()
    run_integrity_checks(now=NOW)
    issues = {i.character_id: i for i in open_issues()}
    PlayerCharacterFactory(character=linked)
    left.in_guild = False
    left.save()
    result = run_integrity_checks(now=LATER)
    assert result.resolved == result.per_type["orphan_wow"]["resolved"] == 2
    assert_auto_resolved(issues[linked.pk], "Character now linked")
    assert_auto_resolved(issues[left.pk], "Character left the guild")


def test_idn38_orphan_discord_resolves_when_cleared_or_user_leaves(member):
    gone, linked, unroled = member("Member"), member("Member"), member("Member")
    run_integrity_checks(now=NOW)
    issues = {i.discord_user_id: i for i in open_issues()}
    gone.is_present = False
    gone.left_at = NOW
    gone.save()
    PlayerCharacterFactory(player=PlayerFactory(discord_user=linked))
    unroled.role_ids, unroled.highest_guild_role = [], None
    unroled.save()
    run_integrity_checks(now=LATER)
    assert_auto_resolved(issues[gone.pk], "Discord user left the server")
    assert_auto_resolved(issues[linked.pk], "Character now linked")
    assert_auto_resolved(issues[unroled.pk], "Discord user no longer holds a guild role")


def test_idn38_role_issues_resolve_when_roles_agree_or_player_leaves_population(ladder, guildie):
    agree, inactive = guildie("Member", "Veteran"), guildie("Member", None)
    run_integrity_checks(now=NOW)
    issues = {i.player_id: i for i in open_issues()}
    agree.discord_user.highest_guild_role = ladder["Member"]
    agree.discord_user.role_ids = [LADDER_ROLE_IDS["Member"]]
    agree.discord_user.save()
    inactive.is_active = False
    inactive.save()
    result = run_integrity_checks(now=LATER)
    assert result.per_type["role_mismatch"]["resolved"] == 1
    assert result.per_type["no_guild_role"]["resolved"] == 1
    assert_auto_resolved(issues[agree.pk], "Roles now agree")
    assert issues[inactive.pk].issue_type == IssueType.NO_GUILD_ROLE
    assert_auto_resolved(
        issues[inactive.pk], "Player no longer checked (inactive, no rank, or not in guild/Discord)"
    )


def test_idn38_role_removed_turns_mismatch_into_no_guild_role(guildie):
    player = guildie("Member", "Veteran")
    run_integrity_checks(now=NOW)
    mismatch = open_issues()[0]
    player.discord_user.highest_guild_role, player.discord_user.role_ids = None, []
    player.discord_user.save()
    result = run_integrity_checks(now=LATER)
    assert_auto_resolved(mismatch, "Discord role changed")
    assert result.per_type["no_guild_role"]["new"] == 1


def test_idn38_stale_character_resolves_on_login_or_leaving(ladder):
    back, left = (WowCharacterFactory(last_login_at=NOW - timedelta(days=40)) for _ in range(2))
    for character in (back, left):
        PlayerCharacterFactory(character=character)
    run_integrity_checks(now=NOW)
    issues = {i.character_id: i for i in open_issues()}
    back.last_login_at = NOW
    back.save()
    left.in_guild = False
    left.save()
    run_integrity_checks(now=LATER)
    assert_auto_resolved(issues[back.pk], "Character logged in recently")
    assert_auto_resolved(issues[left.pk], "Character left the guild")


def suggestion(character, user, **kwargs):
    return AuditIssue.objects.create(
        issue_type=IssueType.AUTO_LINK_SUGGESTION,
        severity=IssueSeverity.INFO,
        character=character,
        discord_user=user,
        dedup_key=f"auto_link_suggestion:c{character.pk}:d{user.pk}",
        summary="Possible match",
        **kwargs,
    )


def test_idn38_suggestion_resolves_when_linked_left_blocked_or_user_gone(ladder, member):
    def pair():
        return WowCharacterFactory(), member(None)

    names = ("kept", "linked", "left", "blocked", "gone")
    pairs = {name: pair() for name in names}
    issues = {name: suggestion(*pairs[name]) for name in names}
    linked, left, blocked, gone = (pairs[name] for name in names[1:])
    PlayerCharacterFactory(character=linked[0])
    left[0].in_guild = False
    left[0].save()
    blocked[0].automatch_blocked = True
    blocked[0].save()
    gone[1].is_present, gone[1].left_at = False, NOW
    gone[1].save()
    result = run_integrity_checks(now=LATER)
    counts = result.per_type["auto_link_suggestion"]
    assert (counts["new"], counts["still_open"], counts["resolved"]) == (0, 1, 4)
    issues["kept"].refresh_from_db()
    assert issues["kept"].resolved_at is None
    assert_auto_resolved(issues["linked"], "Character now linked")
    assert_auto_resolved(issues["left"], "Character left the guild")
    assert_auto_resolved(issues["blocked"], "Character blocked from automatic matching")
    assert_auto_resolved(issues["gone"], "Discord user left the server")


def test_idn38_officer_resolved_suggestion_is_not_reopened(ladder, member):
    character = WowCharacterFactory()
    issue = suggestion(character, member(None), resolved_at=NOW, resolved_by=officer(ladder))
    run_integrity_checks(now=LATER)
    assert not AuditIssue.objects.filter(
        issue_type=IssueType.AUTO_LINK_SUGGESTION, resolved_at__isnull=True
    ).exists()
    issue.refresh_from_db()
    assert issue.resolved_at == NOW


# --- counts -------------------------------------------------------------------------------


def test_idn38_counts_per_type_and_run_details(ladder, guildie):
    WowCharacterFactory()
    resolved_later = WowCharacterFactory()
    guildie("Member", "Officer")
    run_integrity_checks(now=NOW)
    PlayerCharacterFactory(character=resolved_later)
    WowCharacterFactory()
    details = {}
    result = run_integrity_checks(now=LATER, run_details=details)
    assert result.per_type["orphan_wow"] == {
        "new": 1,
        "still_open": 1,
        "resolved": 1,
        "open_total": 2,
    }
    assert result.per_type["role_mismatch"]["still_open"] == 1
    assert (result.new, result.still_open, result.resolved, result.open_total) == (1, 2, 1, 3)
    assert result.open_total == AuditIssue.objects.filter(resolved_at__isnull=True).count()
    assert details["integrity"] == result.as_dict()
    assert details["integrity"]["per_type"]["stale_character"]["open_total"] == 0
