"""Blizzard roster sync against the fake over real HTTP (IDN-9, IDN-23, IDN-24, IDN-25, IDN-48)."""

import copy

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from identity.models import (
    CharacterNameHistory,
    NameChangeReason,
    Player,
    PlayerCharacter,
    SyncRun,
    SyncStatus,
    SyncTrigger,
    WowCharacter,
)
from identity.services.roster_sync import EMPTY_ROSTER, rank_warning, sync_roster
from identity.testing.fake_blizzard import load_fixture

pytestmark = pytest.mark.django_db


def _fixture(fake):
    return copy.deepcopy(fake.fixture)


def _state():
    return {
        row.pk: (row.in_guild, row.left_guild_at, row.name_key, row.level, row.item_level)
        for row in WowCharacter.objects.all()
    }


def test_idn23_first_sync_creates_the_guild_with_ranks_classes_and_specs(fake_blizzard):
    result = sync_roster(trigger=SyncTrigger.COMMAND)
    run = result.run
    assert run.counts["found"] == 30
    assert run.counts["new"] == 30
    assert WowCharacter.objects.filter(in_guild=True).count() == 30
    trog = WowCharacter.objects.get(name="Trogmoon")
    assert trog.blizzard_id == 210000000
    assert trog.guild_rank.name == "Guild Leader"
    assert trog.playable_class.blizzard_id == 7
    assert trog.active_spec.blizzard_spec_id == 262
    assert trog.item_level == 672 and trog.race and trog.last_login_at is not None
    assert trog.realm_name == "Sen'jin"
    assert run.counts["profiles_missing"] == 1  # the fixture has one not_found profile
    assert run.status == SyncStatus.PARTIAL
    assert "Trogmoon-senjin" in run.details["new"]


def test_idn9_unmapped_rank_index_warns(fake_blizzard):
    run = sync_roster(trigger=SyncTrigger.COMMAND).run
    warnings = run.details["warnings"]
    assert "Rank index 7 has no guild rank (set wow_rank_index in admin)" in warnings
    assert run.counts["unmapped_ranks"] == 3  # indices 5, 6, 7
    assert WowCharacter.objects.filter(guild_rank_index=7, guild_rank__isnull=True).exists()


def test_idn46_second_run_on_unchanged_data_changes_nothing(fake_blizzard):
    sync_roster(trigger=SyncTrigger.COMMAND)
    before = _state()
    run = sync_roster(trigger=SyncTrigger.COMMAND).run
    assert run.counts["updated"] == 0
    assert run.counts["unchanged"] == 30
    assert run.counts["new"] == run.counts["departed"] == run.counts["renamed"] == 0
    assert _state() == before


def test_idn23_rename_by_id_writes_history(fake_blizzard):
    sync_roster(trigger=SyncTrigger.COMMAND)
    fixture = _fixture(fake_blizzard)
    fixture["members"][0]["name"] = "Trogsun"
    fake_blizzard.load(fixture)
    run = sync_roster(trigger=SyncTrigger.COMMAND).run
    row = WowCharacter.objects.get(blizzard_id=210000000)
    assert row.name == "Trogsun" and row.name_key == "trogsun" and row.in_guild
    assert run.counts["renamed"] == 1 and run.counts["departed"] == 0
    history = CharacterNameHistory.objects.get(character=row)
    assert (history.old_name, history.new_name) == ("Trogmoon", "Trogsun")
    assert history.reason == NameChangeReason.RENAME


def test_idn23_name_released_to_a_new_character(fake_blizzard):
    sync_roster(trigger=SyncTrigger.COMMAND)
    fixture = _fixture(fake_blizzard)
    fixture["members"][0]["id"] = 999
    fake_blizzard.load(fixture)
    run = sync_roster(trigger=SyncTrigger.COMMAND).run
    old = WowCharacter.objects.get(blizzard_id=210000000)
    new = WowCharacter.objects.get(blizzard_id=999)
    assert old.name_key == f"trogmoon#{old.pk}" and not old.in_guild
    assert new.name_key == "trogmoon" and new.in_guild
    assert run.counts["departed"] == 1 and run.counts["new"] == 1
    assert CharacterNameHistory.objects.get(character=old).reason == "name_released"


def test_idn23_a_row_without_id_adopts_the_id(fake_blizzard):
    row = WowCharacter.objects.create(name="Trogmoon", realm_slug="senjin", guild_note="tank")
    sync_roster(trigger=SyncTrigger.COMMAND)
    row.refresh_from_db()
    assert row.blizzard_id == 210000000 and row.guild_note == "tank"
    assert WowCharacter.objects.filter(name_key="trogmoon").count() == 1


def test_idn23_merge_a_no_id_row_holding_the_new_name(fake_blizzard):
    sync_roster(trigger=SyncTrigger.COMMAND)
    stub = WowCharacter.objects.create(
        name="Trogsun", realm_slug="senjin", officer_note="alt of Trog", in_guild=False
    )
    player = Player.objects.create(display_name="Trog", main_character=stub)
    PlayerCharacter.objects.create(
        character=stub, player=player, link_source="manual", confirmed=True, confidence="high"
    )
    fixture = _fixture(fake_blizzard)
    fixture["members"][0]["name"] = "Trogsun"
    fake_blizzard.load(fixture)
    run = sync_roster(trigger=SyncTrigger.COMMAND).run
    row = WowCharacter.objects.get(blizzard_id=210000000)
    stub.refresh_from_db()
    player.refresh_from_db()
    assert row.name_key == "trogsun" and row.officer_note == "alt of Trog"
    assert row.link.player == player and player.main_character == row
    assert stub.name_released and not stub.in_guild
    assert run.counts["departed"] == 0


def test_idn23_merge_conflict_between_players_is_recorded(fake_blizzard):
    sync_roster(trigger=SyncTrigger.COMMAND)
    trog = WowCharacter.objects.get(blizzard_id=210000000)
    stub = WowCharacter.objects.create(name="Trogsun", realm_slug="senjin", in_guild=False)
    for char, name in ((trog, "A"), (stub, "B")):
        PlayerCharacter.objects.create(
            character=char,
            player=Player.objects.create(display_name=name),
            link_source="manual",
            confirmed=True,
            confidence="high",
        )
    fixture = _fixture(fake_blizzard)
    fixture["members"][0]["name"] = "Trogsun"
    fake_blizzard.load(fixture)
    run = sync_roster(trigger=SyncTrigger.COMMAND).run
    assert run.counts["conflicts"] == 1 and run.status == SyncStatus.PARTIAL
    trog.refresh_from_db()
    assert trog.in_guild


def test_idn24_departures_and_returns(fake_blizzard):
    sync_roster(trigger=SyncTrigger.COMMAND)
    full = _fixture(fake_blizzard)
    smaller = copy.deepcopy(full)
    smaller["members"] = smaller["members"][1:]
    fake_blizzard.load(smaller)
    run = sync_roster(trigger=SyncTrigger.COMMAND).run
    assert run.counts["departed"] == 1
    trog = WowCharacter.objects.get(blizzard_id=210000000)
    assert not trog.in_guild and trog.left_guild_at is not None
    fake_blizzard.load(full)
    run = sync_roster(trigger=SyncTrigger.COMMAND).run
    assert run.counts["returned"] == 1 and run.counts["departed"] == 0
    assert "Trogmoon-senjin" in run.details["returned"]


@pytest.mark.parametrize("mode", ["empty", "error", "no_members_key", "html"])
def test_idn24_a_failed_or_empty_roster_writes_nothing(fake_blizzard, mode):
    sync_roster(trigger=SyncTrigger.COMMAND)
    before = _state()
    fake_blizzard.set_roster_mode(mode)
    result = sync_roster(trigger=SyncTrigger.COMMAND)
    assert result.run.status == SyncStatus.ERROR
    if mode == "empty":
        assert result.run.error == EMPTY_ROSTER
    else:
        assert result.run.error.startswith("Roster fetch failed: ")
    assert _state() == before
    assert WowCharacter.objects.filter(in_guild=False).count() == 0


@pytest.mark.parametrize(
    "mode,params,key",
    [
        ("not_found", {}, "profiles_missing"),
        ("rate_limited", {"n": 10, "retry_after": "0"}, "profiles_failed"),
        ("server_error", {}, "profiles_failed"),
        ("html", {}, "profiles_failed"),
    ],
)
def test_idn24_profile_failures_cause_no_departures_and_keep_values(
    fake_blizzard, mode, params, key
):
    sync_roster(trigger=SyncTrigger.COMMAND)
    fake_blizzard.set_profile_mode("Bloodvalor", "alterac-mountains", mode, **params)
    run = sync_roster(trigger=SyncTrigger.COMMAND).run
    assert run.status == SyncStatus.PARTIAL
    assert run.counts[key] >= 1
    assert run.counts["departed"] == 0
    row = WowCharacter.objects.get(name="Bloodvalor")
    assert row.in_guild and row.item_level == 669 and row.active_spec is not None


def test_idn24_a_roster_answered_200_with_html_is_a_handled_error_run(fake_blizzard):
    """Issue 11 item 1: an HTML error page with HTTP 200 used to escape as a decode error."""
    result = sync_roster(trigger=SyncTrigger.COMMAND)
    before = _state()
    fake_blizzard.set_roster_mode("html")

    result = sync_roster(trigger=SyncTrigger.COMMAND)

    assert result.run.status == SyncStatus.ERROR
    assert result.run.error.startswith("Roster fetch failed: Blizzard answered /data/wow/guild/")
    assert "not a JSON object (text/html)" in result.run.error
    assert _state() == before


def test_idn23_a_profile_answered_200_with_html_fails_only_that_profile(fake_blizzard):
    """IDN-23 step 5 (issue 11 item 1): the one profile counts as failed, the run is partial,
    every other profile is saved, and the character keeps its stored values."""
    sync_roster(trigger=SyncTrigger.COMMAND)
    fake_blizzard.set_profile_mode("Bloodvalor", "alterac-mountains", "html")

    run = sync_roster(trigger=SyncTrigger.COMMAND).run

    assert run.status == SyncStatus.PARTIAL
    assert run.counts["profiles_failed"] == 1
    assert run.counts["profiles_ok"] == run.counts["found"] - 2  # one fixture profile is 404
    row = WowCharacter.objects.get(name="Bloodvalor")
    assert row.in_guild and row.item_level == 669 and row.active_spec is not None


def test_idn24_profile_timeout_causes_no_departure(fake_blizzard, settings):
    sync_roster(trigger=SyncTrigger.COMMAND)
    settings.BLIZZARD_TIMEOUT = (1.0, 0.3)
    fake_blizzard.set_profile_mode("Bloodvalor", "alterac-mountains", "slow", seconds=1.0)
    run = sync_roster(trigger=SyncTrigger.COMMAND).run
    assert run.counts["profiles_failed"] == 1 and run.counts["departed"] == 0
    assert WowCharacter.objects.get(name="Bloodvalor").in_guild


def test_idn24_roster_only_skips_profiles_and_still_departs(fake_blizzard):
    sync_roster(trigger=SyncTrigger.COMMAND)
    smaller = _fixture(fake_blizzard)
    smaller["members"] = smaller["members"][1:]
    fake_blizzard.load(smaller)
    run = sync_roster(trigger=SyncTrigger.COMMAND, roster_only=True).run
    assert run.counts["departed"] == 1 and run.counts["profiles_ok"] == 0
    assert fake_blizzard.requests("/profile") == []
    assert WowCharacter.objects.get(name="Bloodvalor").item_level == 669


def test_idn48_command_prints_the_result_lines(fake_blizzard, capsys):
    call_command("sync_blizzard")
    out = capsys.readouterr().out
    assert "Blizzard roster sync: pull-all-the-things @ senjin (us)" in out
    assert "Roster: 30 members · Profiles: 30/30 (ok 29, not found 1, failed 0)" in out
    assert "Saved: 30 new" in out
    assert f"SyncRun #{SyncRun.objects.get().pk} partial" in out


def test_idn48_command_verbosity_0_is_silent_on_success(fake_blizzard, capsys):
    call_command("sync_blizzard", verbosity=0)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    assert SyncRun.objects.get().status == SyncStatus.PARTIAL


def test_idn48_command_verbosity_2_adds_the_warnings(fake_blizzard, capsys):
    # The fixture has members on rank indices 5–7, which no GuildRank maps (IDN-9).
    call_command("sync_blizzard", verbosity=1)
    assert "Warning:" not in capsys.readouterr().err
    call_command("sync_blizzard", verbosity=2)
    assert "Warning: " + rank_warning(7) in capsys.readouterr().err


def test_idn25_command_shows_profile_progress(fake_blizzard, capsys):
    call_command("sync_blizzard")
    out = capsys.readouterr().out
    assert "Profiles: 30/30" in out


def test_idn48_command_dry_run_writes_nothing(fake_blizzard, capsys):
    call_command("sync_blizzard", "--dry-run", "--no-post")
    assert "Dry run" in capsys.readouterr().out
    assert not WowCharacter.objects.exists() and not SyncRun.objects.exists()


def test_idn48_command_fails_without_credentials(fake_blizzard, settings):
    settings.BLIZZARD_CLIENT_ID = ""
    with pytest.raises(CommandError, match="BLIZZARD_CLIENT_ID"):
        call_command("sync_blizzard")
    assert SyncRun.objects.get().status == SyncStatus.SKIPPED


def test_idn48_command_fails_on_a_failed_roster(fake_blizzard):
    fake_blizzard.set_roster_mode("error")
    with pytest.raises(CommandError, match="Roster fetch failed"):
        call_command("sync_blizzard")


def test_idn47_scheduled_task_runs_the_sync(fake_blizzard):
    from identity import tasks

    line = tasks.run_blizzard_pipeline()
    assert SyncRun.objects.get().trigger == SyncTrigger.SCHEDULE
    assert "Saved: 30 new" in line


def test_idn23_unused_fixture_loader_is_importable():
    assert load_fixture()["guild"]["slug"] == "pull-all-the-things"


def _queries(fake, members):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from identity.testing.fake_blizzard import generate_guild

    WowCharacter.objects.all().delete()
    SyncRun.objects.all().delete()
    fake.load(generate_guild(members))
    counts = []
    for _ in range(2):  # the first sync creates, the second updates
        with CaptureQueriesContext(connection) as ctx:
            sync_roster(trigger=SyncTrigger.COMMAND, roster_only=True)
        counts.append(len(ctx.captured_queries))
    return counts


def test_idn23_queries_do_not_grow_with_the_guild(fake_blizzard, settings):
    from identity.testing.fake_blizzard import generate_guild
    from patt.models import SiteConfig, clear_site_config_cache

    guild = generate_guild(20)["guild"]
    SiteConfig.objects.update_or_create(
        pk=SiteConfig.SINGLETON_PK,
        defaults={"guild_realm_slug": guild["realm"]["slug"], "guild_name_slug": guild["slug"]},
    )
    clear_site_config_cache()
    _queries(fake_blizzard, 5)  # warm-up (one-off caches)
    small, large = _queries(fake_blizzard, 20), _queries(fake_blizzard, 400)
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        assert small == large  # the first run and the update run
    else:
        # SQLite caps bulk write batches by its variable limit (reconcile's audit issues
        # included), so 20x the guild costs a few more batches, never a query per character.
        assert large[1] <= small[1] + 5
