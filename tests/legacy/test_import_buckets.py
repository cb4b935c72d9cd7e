"""Every trap of the legacy README lands in its bucket (issue 14, README §1-§5).

The legacy database is tests/legacy/traps.py on top of the real schema and reference rows;
each test imports it into the (empty) test database and checks one group of tables.
"""

import json
from datetime import UTC, datetime, time

import pytest
from django.db import transaction

from campaigns.models import (
    Ballot,
    BallotPick,
    BallotReceipt,
    Campaign,
    CampaignEntry,
    CampaignResult,
    ContestAgentLog,
)
from identity.models import (
    AuditIssue,
    CharacterNameHistory,
    DiscordUser,
    GuildRank,
    InviteCode,
    Player,
    PlayerCharacter,
    SyncRun,
    WowCharacter,
)
from legacy.importer import run_import
from legacy.importer.run import IN_SCOPE
from legacy.models import LegacyRow
from onboarding.models import OnboardingSession
from patt.models import Quote, QuoteTitle, SiteConfig
from roster.models import PlayerAvailability, RaidPreferences
from tests.legacy.traps import SECRET_VALUES

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture(scope="module")
def imported(django_db_setup, django_db_blocker, legacy_url):
    """One import for the whole module, in a transaction rolled back at its end; each test
    runs in a savepoint inside it (pytest-django's `db`)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield run_import(legacy_url)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def report(imported, db):
    return imported


def bucket(table: str, legacy_id: int) -> LegacyRow:
    return LegacyRow.objects.get(table=table, legacy_id=legacy_id)


def target(table: str, legacy_id: int, model):
    row = bucket(table, legacy_id)
    assert row.object_id is not None, row
    return model.objects.get(pk=row.object_id)


def reason(report, table: str, legacy_id: int) -> str:
    notes = [n for n in report.rows if n.table == table and n.legacy_id == legacy_id]
    assert len(notes) == 1, notes
    return notes[0].reason


def test_every_row_is_in_one_bucket_and_counts_add_up(report, legacy_url):
    """Issue 14 item 2: counts per table add up to the legacy count; one ledger row each."""
    assert set(report.tables) == IN_SCOPE and len(IN_SCOPE) == 28
    for name, count in report.tables.items():
        assert count.imported + count.merged + count.reported == count.legacy, name
        assert LegacyRow.objects.filter(table=name).count() == count.legacy, name
    assert report.tables["guild_identity.wow_characters"].legacy == 15
    # README §5: the 71 other tables, each with its reason (none unknown).
    assert len(report.not_imported) == 71
    assert "unknown" not in " ".join(report.not_imported.values())
    assert report.not_imported["patt.alembic_version"].startswith("bookkeeping")
    data = json.loads(report.to_json())
    assert data["tables"]["patt.votes"]["accounted"] == data["tables"]["patt.votes"]["legacy"]


def test_ranks_match_by_name_then_level_and_extra_indices_are_reported(report):
    """README §2 guild_ranks / rank_wow_mapping: level < 1 reported, extra index reported."""
    gl = target("common.guild_ranks", 11, GuildRank)
    assert (gl.name, gl.wow_rank_index, gl.discord_role_id, gl.description) == (
        "Guild Leader",
        0,
        "5000",
        "The boss",
    )
    assert bucket("common.guild_ranks", 12).bucket == "merged"
    assert target("common.guild_ranks", 14, GuildRank).name == "Veteran"  # same level
    trial = target("common.guild_ranks", 19, GuildRank)
    assert bucket("common.guild_ranks", 19).bucket == "imported"
    assert (trial.level, trial.wow_rank_index) == (6, 6)
    assert "level 0" in reason(report, "common.guild_ranks", 20)
    assert bucket("common.rank_wow_mapping", 1).bucket == "merged"
    assert "index 5" in reason(report, "common.rank_wow_mapping", 2)


def test_discord_users_and_website_accounts(report):
    """README §2 discord_users / users: '' id reported, NULL present = left, the role name
    gives the rank; bcrypt hashes kept; accounts of no player or taken names reported."""
    trog = target("guild_identity.discord_users", 201, DiscordUser)
    assert trog.highest_guild_role.name == "Guild Leader" and trog.is_present
    rocket = target("guild_identity.discord_users", 202, DiscordUser)
    assert not rocket.is_present and rocket.left_at == datetime(2025, 6, 1, tzinfo=UTC)
    mito = target("guild_identity.discord_users", 204, DiscordUser)
    assert not mito.is_present and mito.left_at is None and mito.display_name == "Mitó"
    assert bucket("guild_identity.discord_users", 203).bucket == "reported"

    player = Player.objects.get(display_name="Trog")
    assert player.user.username == "trogdor"
    assert player.user.password.startswith("bcrypt$$2b$04$")
    spaces = Player.objects.get(display_name="Rocket").user
    assert spaces.username == "old name with spaces" and not spaces.is_active
    assert "belongs to no player" in reason(report, "common.users", 103)
    assert "taken (ignoring case)" in reason(report, "common.users", 105)
    assert Player.objects.get(display_name="Skate").user is None


def test_characters_case_duplicates_casefold_and_the_placeholder_realm(report):
    """README §4: case and ß/ss duplicates merged, accents kept apart, 'unknown' merged into
    the one real character or reported when several, never merged across realms."""
    trogdor = target("guild_identity.wow_characters", 301, WowCharacter)
    assert target("guild_identity.wow_characters", 302, WowCharacter) == trogdor
    assert "differ only in case" in reason(report, "guild_identity.wow_characters", 302)
    assert trogdor.blizzard_id == 9001 and trogdor.playable_class.name == "Warrior"
    assert trogdor.active_spec.name == "Arms" and trogdor.guild_rank.name == "Guild Leader"
    assert trogdor.guild_rank_index == 0
    assert trogdor.last_login_at == datetime(2026, 1, 1, tzinfo=UTC)
    assert len(trogdor.guild_note) == 255
    strasse = target("guild_identity.wow_characters", 303, WowCharacter)
    assert target("guild_identity.wow_characters", 304, WowCharacter) == strasse
    assert "ß = ss" in reason(report, "guild_identity.wow_characters", 304)
    assert target("guild_identity.wow_characters", 305, WowCharacter).name == "Zatañña"
    assert target("guild_identity.wow_characters", 306, WowCharacter).name == "Zatanna"
    rocket = target("guild_identity.wow_characters", 308, WowCharacter)
    assert target("guild_identity.wow_characters", 307, WowCharacter) == rocket
    assert rocket.realm_name == ""  # 'Unknown' from a failed profile call
    assert "area-52, senjin" in reason(report, "guild_identity.wow_characters", 309)
    assert target("guild_identity.wow_characters", 312, WowCharacter).realm_slug == "unknown"
    assert "without a name" in reason(report, "guild_identity.wow_characters", 316)
    assert target("guild_identity.wow_characters", 313, WowCharacter).realm_slug == "area-52"
    gone = target("guild_identity.wow_characters", 314, WowCharacter)
    assert not gone.in_guild and gone.left_guild_at == datetime(2025, 3, 1, tzinfo=UTC)
    assert not target("guild_identity.wow_characters", 311, WowCharacter).in_guild
    history = CharacterNameHistory.objects.filter(character=trogdor).order_by("changed_at")
    assert [(h.old_name, h.new_name) for h in history] == [
        ("Trogg", "Trogdorr"),
        ("Trogdorr", "Trogdor"),
    ]


def test_players_stubs_links_and_mains(report):
    """README §2 players / player_characters: the stub is merged, a character of two
    players keeps one link, mains only when the player's own and the spec fits (IDN-13)."""
    trog = target("guild_identity.players", 401, Player)
    assert target("guild_identity.players", 403, Player) == trog  # the stub 'trog'
    assert trog.rank_source == "manual" and trog.guild_rank.name == "Guild Leader"
    assert trog.created_at.year < 2026  # the legacy creation time, not the import's
    assert trog.main_character.pk == target("guild_identity.wow_characters", 301, WowCharacter).pk
    assert trog.main_spec.name == "Fury"
    assert trog.offspec_character is not None and trog.offspec_spec is None  # Holy: a Paladin spec
    rocket = target("guild_identity.players", 402, Player)
    assert rocket.main_character is None  # Trog's character
    skate = target("guild_identity.players", 405, Player)
    assert skate.main_spec is None and skate.rank_source == "manual"
    assert not target("guild_identity.players", 404, Player).is_active  # NULL

    manual = target("guild_identity.player_characters", 501, PlayerCharacter)
    assert (manual.link_source, manual.confidence, manual.confirmed) == ("manual", "high", True)
    assert "linked to two players" in reason(report, "guild_identity.player_characters", 502)
    stub_link = target("guild_identity.player_characters", 503, PlayerCharacter)
    assert stub_link.player == trog and stub_link.link_source == "guild_note"
    assert bucket("guild_identity.player_characters", 504).bucket == "merged"
    oauth = target("guild_identity.player_characters", 505, PlayerCharacter)
    assert (oauth.link_source, oauth.confidence) == ("import", "high")
    claim = target("guild_identity.player_characters", 506, PlayerCharacter)
    assert (claim.link_source, claim.confidence) == ("roster_form", "medium")
    assert target("guild_identity.player_characters", 507, PlayerCharacter).link_source == "fuzzy"
    assert bucket("guild_identity.player_characters", 508).bucket == "reported"
    assert (
        PlayerCharacter.objects.filter(character__name="Trogdor", character__realm_slug="senjin")
        .get()
        .player
        == trog
    )


def test_invites_audit_issues_onboarding_and_sync_runs(report):
    """README §2: invites without a player reported, without an expiry given one; one open
    audit issue per key; OAuth states reported; a run left running becomes an error."""
    assert "no player" in reason(report, "common.invite_codes", 801)
    used = target("common.invite_codes", 802, InviteCode)
    assert used.used_by.username == "trogdor"
    never = target("common.invite_codes", 803, InviteCode)
    assert never.expires_at == datetime(2024, 2, 4, tzinfo=UTC)  # manual: +72 h
    assert "not 8 characters" in reason(report, "common.invite_codes", 804)
    assert target("common.invite_codes", 805, InviteCode).code == "LLLLLLLL"

    newest = target("guild_identity.audit_issues", 902, AuditIssue)
    assert target("guild_identity.audit_issues", 901, AuditIssue) == newest
    assert AuditIssue.objects.filter(dedup_key="h1", resolved_at__isnull=True).count() == 1
    assert "legacy platform" in reason(report, "guild_identity.audit_issues", 903)
    resolved = target("guild_identity.audit_issues", 904, AuditIssue)
    assert resolved.first_detected_at <= resolved.resolved_at
    assert resolved.resolved_by.display_name == "Trog" and resolved.severity == 10

    session = target("guild_identity.onboarding_sessions", 701, OnboardingSession)
    assert session.state == "provisioned" and session.invite == used
    assert session.reported_main_realm == "senjin" and session.player.display_name == "Trog"
    assert "Battle.net" in reason(report, "guild_identity.onboarding_sessions", 702)
    assert bucket("guild_identity.onboarding_sessions", 703).bucket == "reported"
    assert "without its player" in reason(report, "guild_identity.onboarding_sessions", 705)
    asked = target("guild_identity.onboarding_sessions", 704, OnboardingSession)
    assert asked.escalation_reason == "no_match" and asked.prompted_at is not None

    crashed = target("guild_identity.sync_log", 1001, SyncRun)
    assert (crashed.source, crashed.status) == ("blizzard_roster", "error")
    assert crashed.finished_at is not None and crashed.counts == {"found": 10}
    assert bucket("guild_identity.sync_log", 1003).bucket == "reported"
    assert bucket("guild_identity.player_note_aliases", 1101).bucket == "reported"
    assert bucket("guild_identity.player_action_log", 1201).bucket == "reported"


def test_campaigns_keep_their_ballots_and_closed_ones_are_recomputed(report):
    """README §2 campaigns/votes/results; CMP-3, CMP-23 … CMP-25: one ballot per voter,
    results recomputed, the winner change reported."""
    best = target("patt.campaigns", 1301, Campaign)
    assert best.status == "closed" and best.close_reason == "time" and not best.secret_ballot
    assert best.closed_at == datetime(2025, 1, 3, tzinfo=UTC) and best.voted_at_close == 2
    assert best.created_at == datetime(2024, 12, 30, tzinfo=UTC)
    early = target("patt.campaigns", 1304, Campaign)
    assert early.close_reason == "manual" and early.picks_per_voter == 3
    assert early.agent_chattiness == "normal"
    assert target("patt.campaigns", 1302, Campaign).discord_channel_id == ""
    assert target("patt.campaigns", 1305, Campaign).status == "draft"  # NULL status
    assert "minimum rank to vote 9" in reason(report, "patt.campaigns", 1303)

    trog_entry = target("patt.campaign_entries", 1401, CampaignEntry)
    assert target("patt.campaign_entries", 1402, CampaignEntry) == trog_entry
    assert target("patt.campaign_entries", 1403, CampaignEntry).image_url == ""
    assert bucket("patt.campaign_entries", 1407).bucket == "reported"

    assert BallotReceipt.objects.filter(campaign=best).count() == 2
    ballots = {b.voter.display_name: b for b in Ballot.objects.filter(campaign=best)}
    assert set(ballots) == {"Trog", "Rocket"}
    assert [p.entry.name for p in ballots["Rocket"].picks.order_by("rank")] == ["Rocket", "Trog"]
    assert bucket("patt.votes", 1506).bucket == "merged"  # the same entry twice
    assert "voted in this campaign too" in reason(report, "patt.votes", 1507)
    assert "beyond the campaign's 3 picks" in reason(report, "patt.votes", 1508)
    assert bucket("patt.votes", 1509).bucket == "reported"
    assert BallotPick.objects.filter(ballot__campaign=best).count() == 5

    results = {r.entry.name: r for r in CampaignResult.objects.filter(campaign=best)}
    assert {n for n, r in results.items() if r.is_winner} == {"Trog", "Rocket"}  # CMP-25
    assert results["Trog"].rank == results["Rocket"].rank == 1
    assert results["Mito"].points == 1
    assert report.winner_changes == [
        {
            "campaign": "Best tank",
            "legacy_id": 1301,
            "legacy_winners": ["Trog"],
            "new_winners": sorted(["Trog", "Rocket"], key=lambda n: results[n].entry_id),
        }
    ]
    assert target("patt.campaign_results", 1601, CampaignResult) == results["Trog"]
    assert target("patt.campaign_results", 1604, Campaign).status == "live"
    assert not CampaignResult.objects.filter(campaign__status="live").exists()
    log = target("patt.contest_agent_log", 1701, ContestAgentLog)
    assert log.status == "posted" and log.created_at == datetime(2025, 1, 1, tzinfo=UTC)
    assert bucket("patt.contest_agent_log", 1702).bucket == "reported"


def test_site_settings_secrets_quotes_and_availability(report, legacy_url):
    """README §1 secrets (ROS-49), site/discord config, Mito's quotes (ROS-53 … ROS-55) and
    availability (ROS-6)."""
    config = SiteConfig.objects.get()
    assert config.accent_colour == "#112233" and config.guild_realm_name == "Sen'jin"
    assert config.discord_guild_id == "123456789012345678"
    assert config.channel_announcement == "223456789012345678"
    assert config.raid_start_time == time(20, 30) and config.raid_duration_minutes == 180
    assert config.onboarding_landing_channel_id == ""  # 'x' is no id
    assert config.bot_dms_enabled and config.raid_timezone == "America/Chicago"
    named = {s["column"]: s["setting"] for s in report.secrets}
    assert named["common.discord_config.bot_token_encrypted"] == "DISCORD_BOT_TOKEN"
    assert named["common.discord_config.raid_helper_api_key"] == "RAID_HELPER_API_KEY"
    assert named["common.site_config.blizzard_client_secret_encrypted"] == "BLIZZARD_CLIENT_SECRET"
    everything = (
        report.to_json()
        + report.summary()
        + json.dumps([list(SiteConfig.objects.values().get().values())], default=str)
        + " ".join(LegacyRow.objects.values_list("note", flat=True))
    )
    for secret in SECRET_VALUES:
        assert secret not in everything

    assert list(Quote.objects.values_list("text", flat=True)) == ["Hello there"]
    assert bucket("patt.guild_quotes", 2002).bucket == "merged"
    assert "blank" in reason(report, "patt.guild_quotes", 2003)
    assert "at most 500" in reason(report, "patt.guild_quotes", 2004)
    assert "another quote subject" in reason(report, "patt.guild_quotes", 2005)
    assert list(QuoteTitle.objects.values_list("text", flat=True)) == ["Healer Supreme"]
    assert bucket("patt.quote_subjects", 1901).bucket == "merged"
    assert bucket("patt.quote_subjects", 1902).bucket == "reported"

    trog = Player.objects.get(display_name="Trog")
    assert list(
        PlayerAvailability.objects.filter(player=trog).values_list("weekday", "available")
    ) == [(0, True)]
    assert bucket("patt.player_availability", 1802).bucket == "merged"
    assert RaidPreferences.objects.get(player=trog).auto_signup
    assert not RaidPreferences.objects.get(player__display_name="Rocket").auto_signup
