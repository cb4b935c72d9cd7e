"""Integrity checks: what is found and how it reads (IDN-36, IDN-37)."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model

from identity.models import AuditIssue, IssueSeverity, IssueType, RankSource
from identity.services.integrity import run_integrity_checks
from tests.factories import (
    PlayerCharacterFactory,
    PlayerFactory,
    WowCharacterFactory,
)
from tests.integrity.conftest import NOW

pytestmark = pytest.mark.django_db


def open_issues(kind=None):
    issues = AuditIssue.objects.filter(resolved_at__isnull=True)
    return list(issues.filter(issue_type=kind) if kind else issues)


def only_issue(kind):
    issues = open_issues(kind)
    assert len(issues) == 1, issues
    return issues[0]


# --- orphan_wow ---------------------------------------------------------------------------


def test_idn36_orphan_wow_in_guild_character_without_player(ladder):
    character = WowCharacterFactory(name="Trogmoon", guild_rank=ladder["Veteran"])
    WowCharacterFactory(name="Departed", in_guild=False)
    PlayerCharacterFactory(character=WowCharacterFactory(name="Owned"))
    result = run_integrity_checks(now=NOW)
    issue = only_issue(IssueType.ORPHAN_WOW)
    assert issue.severity == IssueSeverity.WARNING == 20
    assert issue.dedup_key == f"orphan_wow:c{character.pk}"
    assert issue.character == character
    assert issue.summary == "WoW character 'Trogmoon-Sen'jin' (Druid, Veteran) has no player link"
    assert issue.first_detected_at == issue.last_detected_at == NOW
    assert issue.details["character_id"] == character.pk
    assert (issue.details["class"], issue.details["rank"]) == ("Druid", "Veteran")
    assert result.per_type["orphan_wow"]["new"] == 1


def test_idn37_orphan_wow_summary_unknown_class_and_no_rank(ladder):
    WowCharacterFactory(name="Mystery", playable_class=None, guild_rank=None)
    run_integrity_checks(now=NOW)
    issue = only_issue(IssueType.ORPHAN_WOW)
    assert issue.summary == (
        "WoW character 'Mystery-Sen'jin' (unknown class, no rank) has no player link"
    )


# --- orphan_discord -----------------------------------------------------------------------


def test_idn36_orphan_discord_present_user_with_ladder_role_and_no_player(member):
    user = member("Veteran", display_name="Mito")
    member(None)  # no ladder role
    member("Member", is_present=False, left_at=NOW)  # gone
    linked = PlayerFactory(discord_user=member("Member"))
    PlayerCharacterFactory(player=linked)
    run_integrity_checks(now=NOW)
    issue = only_issue(IssueType.ORPHAN_DISCORD)
    assert issue.dedup_key == f"orphan_discord:d{user.pk}"
    assert issue.discord_user == user
    assert issue.severity == IssueSeverity.WARNING
    assert issue.summary == "Discord member 'Mito' (role: Veteran) has no WoW character linked"
    assert issue.details["discord_user_id"] == user.pk
    assert issue.details["role"] == "Veteran"


def test_idn36_orphan_discord_player_without_in_guild_character(member):
    player = PlayerFactory(discord_user=member("Member", display_name="Rocket"))
    PlayerCharacterFactory(player=player, character=WowCharacterFactory(in_guild=False))
    run_integrity_checks(now=NOW)
    issue = only_issue(IssueType.ORPHAN_DISCORD)
    assert issue.details["player_id"] == player.pk


def test_idn37_orphan_discord_role_shows_discord_role_name(ladder, member):
    member("Guild Leader", display_name="Boss")
    run_integrity_checks(now=NOW)
    assert only_issue(IssueType.ORPHAN_DISCORD).summary == (
        "Discord member 'Boss' (role: GM) has no WoW character linked"
    )


# --- role_mismatch ------------------------------------------------------------------------


def test_idn36_role_mismatch_critical_when_discord_role_is_officer_plus_above_rank(guildie):
    player = guildie("Member", "Officer", display_name="Skate")
    run_integrity_checks(now=NOW)
    issue = only_issue(IssueType.ROLE_MISMATCH)
    assert issue.severity == IssueSeverity.CRITICAL == 30
    assert issue.dedup_key == f"role_mismatch:p{player.pk}"
    assert (issue.player, issue.discord_user) == (player, player.discord_user)


@pytest.mark.parametrize(
    ("rank", "role"),
    [("Member", "Veteran"), ("Veteran", "Member"), ("Guild Leader", "Officer")],
)
def test_idn36_role_mismatch_warning_unless_officer_role_above_rank(guildie, rank, role):
    guildie(rank, role)
    run_integrity_checks(now=NOW)
    assert only_issue(IssueType.ROLE_MISMATCH).severity == IssueSeverity.WARNING


def test_idn36_role_mismatch_not_found_when_roles_agree(guildie):
    guildie("Officer", "Officer")
    run_integrity_checks(now=NOW)
    assert open_issues() == []


def test_idn37_role_mismatch_summary_in_game(guildie):
    player = guildie("Member", "Veteran", display_name="Skate")
    run_integrity_checks(now=NOW)
    issue = only_issue(IssueType.ROLE_MISMATCH)
    assert issue.summary == "'Skate' is Member in-game but Veteran on Discord (expected: Member)"
    character = player.character_links.get().character
    assert issue.details["characters"] == [
        {"id": character.pk, "character": f"{character.name}-Sen'jin", "in_guild": True}
    ]
    assert issue.details["player_id"] == player.pk
    assert issue.details["discord_user_id"] == player.discord_user_id
    assert (issue.details["role"], issue.details["expected"]) == ("Veteran", "Member")


def test_idn37_role_mismatch_summary_manual_rank(guildie):
    guildie("Guild Leader", "Member", manual=True, characters=0, display_name="Trog")
    run_integrity_checks(now=NOW)
    assert only_issue(IssueType.ROLE_MISMATCH).summary == (
        "'Trog' is Guild Leader (manual rank) but Member on Discord (expected: GM)"
    )


# --- no_guild_role ------------------------------------------------------------------------


def test_idn36_no_guild_role_in_population(guildie):
    player = guildie("Veteran", None, display_name="Shodoom")
    run_integrity_checks(now=NOW)
    issue = only_issue(IssueType.NO_GUILD_ROLE)
    assert issue.dedup_key == f"no_guild_role:p{player.pk}"
    assert issue.severity == IssueSeverity.WARNING
    assert issue.summary == (
        "'Shodoom' is Veteran in-game but has no guild role on Discord (expected: Veteran)"
    )
    assert len(issue.details["characters"]) == 1


def test_idn37_no_guild_role_summary_manual_rank(guildie):
    guildie("Officer", None, manual=True, characters=0, display_name="Mito")
    run_integrity_checks(now=NOW)
    assert only_issue(IssueType.NO_GUILD_ROLE).summary == (
        "'Mito' is Officer (manual rank) but has no guild role on Discord (expected: Officer)"
    )


def test_idn36_population_excludes_inactive_unranked_absent_and_characterless(
    ladder, guildie, member
):
    guildie("Member", None, is_active=False)
    guildie(None, None)
    absent = guildie("Member", None)
    absent.discord_user.is_present = False
    absent.discord_user.left_at = NOW
    absent.discord_user.save()
    guildie("Member", "Officer", characters=0)  # auto rank, no in-guild character
    departed = guildie("Member", None)
    for link in departed.character_links.all():
        link.character.in_guild = False
        link.character.save()
    PlayerFactory(guild_rank=ladder["Member"])  # no Discord user
    run_integrity_checks(now=NOW)
    kinds = {issue.issue_type for issue in open_issues()}
    assert IssueType.ROLE_MISMATCH not in kinds
    assert IssueType.NO_GUILD_ROLE not in kinds


def test_idn36_player_rank_source_manual_counts_without_characters(guildie):
    player = guildie("Veteran", "Member", characters=0)
    run_integrity_checks(now=NOW)
    assert open_issues(IssueType.ROLE_MISMATCH) == []
    player.rank_source = RankSource.MANUAL
    player.save()
    run_integrity_checks(now=NOW)
    assert len(open_issues(IssueType.ROLE_MISMATCH)) == 1


# --- stale_character ----------------------------------------------------------------------


def test_idn36_stale_character_whole_days_and_details(ladder):
    last_login = NOW - timedelta(days=45, hours=23)
    character = WowCharacterFactory(
        name="Sleepy", guild_rank=ladder["Member"], last_login_at=last_login
    )
    PlayerCharacterFactory(character=character)
    run_integrity_checks(now=NOW)
    issue = only_issue(IssueType.STALE_CHARACTER)
    assert issue.severity == IssueSeverity.INFO == 10
    assert issue.dedup_key == f"stale_character:c{character.pk}"
    assert issue.summary == "'Sleepy' (Member) hasn't logged in for 45 days"
    assert issue.details["last_login"] == last_login.isoformat()
    assert issue.details["days_inactive"] == 45
    assert issue.details["character_id"] == character.pk


def test_idn36_stale_character_threshold_null_and_departed(ladder):
    for character in [
        WowCharacterFactory(last_login_at=NOW - timedelta(days=30)),
        WowCharacterFactory(last_login_at=None),
        WowCharacterFactory(last_login_at=NOW - timedelta(days=90), in_guild=False),
    ]:
        PlayerCharacterFactory(character=character)
    stale = WowCharacterFactory(last_login_at=NOW - timedelta(days=30, minutes=1), guild_rank=None)
    PlayerCharacterFactory(character=stale)
    run_integrity_checks(now=NOW)
    issue = only_issue(IssueType.STALE_CHARACTER)
    assert issue.character == stale
    assert issue.summary == f"'{stale.name}' (no rank) hasn't logged in for 30 days"


def test_idn36_stale_character_follows_identity_stale_days(settings, ladder):
    settings.IDENTITY_STALE_DAYS = 10
    PlayerCharacterFactory(character=WowCharacterFactory(last_login_at=NOW - timedelta(days=11)))
    run_integrity_checks(now=NOW)
    assert only_issue(IssueType.STALE_CHARACTER).details["days_inactive"] == 11


# --- staff_access_withdrawn (IDN-15, issue 11 item 4) ---------------------------------------


def test_idn15_staff_access_withdrawn_names_the_discord_user_who_left(ladder, member):
    user = get_user_model().objects.create(username="olga")
    player = PlayerFactory(
        display_name="Olga",
        user=user,
        guild_rank=ladder["Officer"],
        rank_source=RankSource.MANUAL,
        discord_user=member("Officer", display_name="Olga the Bold", is_present=False),
    )
    PlayerFactory(display_name="No account", guild_rank=ladder["Officer"], discord_user=member())

    result = run_integrity_checks(now=NOW)

    issue = only_issue(IssueType.STAFF_ACCESS_WITHDRAWN)
    assert (issue.player, issue.severity) == (player, IssueSeverity.WARNING)
    assert issue.dedup_key == f"staff_access_withdrawn:p{player.pk}"
    assert issue.summary == (
        "'Olga' (Officer) lost admin access: no character in the guild and Discord user "
        "'Olga the Bold' left the server; the rank is kept for history"
    )
    assert result.per_type["staff_access_withdrawn"]["new"] == 1
