"""The matching run: candidates, strategies, fuzzy scores, applying matches (IDN-32 … IDN-35)."""

import pytest
from django.core.management import call_command
from rapidfuzz import fuzz

from identity.matching import normalise
from identity.models import AuditIssue, Player, PlayerCharacter
from identity.services.matching import run_matching
from tests.factories import (
    DiscordUserFactory,
    PlayerCharacterFactory,
    PlayerFactory,
    WowCharacterFactory,
    rank,
)

pytestmark = pytest.mark.django_db


def owner_of(character):
    return PlayerCharacter.objects.get(character=character).player


def link_of(character):
    return PlayerCharacter.objects.get(character=character)


# --- IDN-34 reference scores ---------------------------------------------------------------

LINK = [
    ("Rocketman", "Rockettman", 0.947),
    ("Skatefarm", "Skatefarms", 0.947),
    ("Shodoom", "Shodom", 0.923),
    ("Bloodvalor", "Bloodvaior", 0.90),
    ("Mitoo", "Mito", 0.889),
    ("Rocket", "Rocketdh", 0.857),
]
SUGGEST = [
    ("Trogmoon", "Trogmun", 0.80),
    ("Shodoom", "Shodoomhavoc", 0.737),
    ("Skatefarm", "Skate", 0.714),
]
SKIP = [("Trog", "Trogmoon", 0.667), ("Trogmoon", "Moontrog", 0.50)]


@pytest.mark.parametrize(("a", "b", "score"), LINK + SUGGEST + SKIP)
def test_idn34_reference_scores(a, b, score):
    assert fuzz.ratio(normalise(a), normalise(b)) / 100 == pytest.approx(score, abs=0.0005)


@pytest.mark.parametrize(("name", "username", "score"), LINK)
def test_idn34_reference_link_pairs_link_fuzzy_medium_unconfirmed(member, name, username, score):
    user = member(username.lower())
    character = WowCharacterFactory(name=name)
    result = run_matching()
    link = link_of(character)
    assert (link.link_source, link.confidence, link.confirmed) == ("fuzzy", "medium", False)
    assert link.player.discord_user == user
    assert result.stats["fuzzy"] == 1
    assert result.links[0].score == pytest.approx(score, abs=0.0005)


@pytest.mark.parametrize(("name", "username", "score"), SUGGEST)
def test_idn34_reference_suggestion_pairs_file_a_suggestion(member, name, username, score):
    user = member(username.lower())
    character = WowCharacterFactory(name=name)
    result = run_matching()
    assert not PlayerCharacter.objects.exists()
    issue = AuditIssue.objects.get()
    assert issue.dedup_key == f"auto_link_suggestion:c{character.pk}:d{user.pk}"
    assert (issue.issue_type, issue.severity) == ("auto_link_suggestion", 10)
    assert issue.summary == (
        f"Possible match: {character} ↔ {user.username} (score: {round(score * 100)}%)"
    )
    assert issue.details["score"] == pytest.approx(score, abs=0.0005)
    assert result.stats["suggestions"] == 1


@pytest.mark.parametrize(("name", "username", "score"), SKIP)
def test_idn34_reference_skip_pairs_do_nothing(member, name, username, score):
    member(username.lower())
    WowCharacterFactory(name=name)
    result = run_matching()
    assert not PlayerCharacter.objects.exists() and not AuditIssue.objects.exists()
    assert result.stats["skipped"] == 1


def test_idn34_better_of_username_and_display_name(member):
    user = member("xyzzy", display_name="Rockettman")
    character = WowCharacterFactory(name="Rocketman")
    run_matching()
    assert owner_of(character).discord_user == user


def test_idn34_tie_at_link_score_suggests_each_candidate(member):
    first, second = member("rocketmann"), member("rockettman")
    character = WowCharacterFactory(name="Rocketman")
    result = run_matching()
    assert not PlayerCharacter.objects.exists()
    assert set(AuditIssue.objects.values_list("dedup_key", flat=True)) == {
        f"auto_link_suggestion:c{character.pk}:d{first.pk}",
        f"auto_link_suggestion:c{character.pk}:d{second.pk}",
    }
    assert result.stats["suggestions"] == 2


def test_idn34_only_candidates_at_the_best_score_are_suggested(member):
    best = member("trogmun")  # 0.80
    member("shodoomhavoc")  # unrelated
    member("trogmoonxyzab")  # 0.76
    character = WowCharacterFactory(name="Trogmoon")
    run_matching()
    assert list(AuditIssue.objects.values_list("dedup_key", flat=True)) == [
        f"auto_link_suggestion:c{character.pk}:d{best.pk}"
    ]


def test_idn38_suggestion_upserted_and_officer_resolved_pair_never_reopened(member):
    member("trogmun")
    WowCharacterFactory(name="Trogmoon")
    run_matching()
    run_matching()
    issue = AuditIssue.objects.get()
    assert issue.last_detected_at > issue.first_detected_at
    officer = PlayerFactory()
    AuditIssue.objects.update(resolved_at=issue.last_detected_at, resolved_by=officer)
    result = run_matching()
    assert AuditIssue.objects.count() == 1 and result.stats["suggestions"] == 0
    # An automatic resolution (resolved_by null) does not block a new suggestion.
    AuditIssue.objects.update(resolved_by=None)
    run_matching()
    assert AuditIssue.objects.filter(resolved_at__isnull=True).count() == 1


# --- IDN-33 candidates and strategies --------------------------------------------------------


def test_idn33_exact_match_creates_high_confirmed_link(member):
    user = member("trog")
    character = WowCharacterFactory(name="Trog")
    run_matching()
    link = link_of(character)
    assert (link.link_source, link.confidence, link.confirmed) == ("exact_name", "high", True)
    assert link.linked_by is None and link.player.discord_user == user


def test_idn33_exact_username_beats_display_name_and_ties_go_to_lowest_pk(member):
    by_display = member("someone", display_name="Trog")
    by_username = member("trog")
    character = WowCharacterFactory(name="Trog")
    run_matching()
    assert owner_of(character).discord_user == by_username
    assert by_display.pk < by_username.pk
    first, _ = member("moon1", display_name="Moon"), member("moon2", display_name="Moon")
    other = WowCharacterFactory(name="Moon")
    run_matching()
    assert owner_of(other).discord_user == first


def test_idn33_discord_candidates_need_presence_ladder_role_and_no_player(member, ladder):
    DiscordUserFactory(username="norole", role_ids=["123"])
    member("gone", is_present=False, left_at=None)
    taken = member("taken")
    PlayerFactory(discord_user=taken)
    names = ["Norole", "Gone", "Taken"]
    characters = [WowCharacterFactory(name=name) for name in names]
    result = run_matching()
    assert not PlayerCharacter.objects.filter(character__in=characters).exists()
    assert result.stats["skipped"] == 3


def test_idn33_character_candidates_skip_linked_blocked_and_departed(member):
    member("trog")
    owned = PlayerCharacterFactory(character__name="Trog").character
    WowCharacterFactory(name="Trog", realm_slug="area-52", automatch_blocked=True)
    WowCharacterFactory(name="Trog", realm_slug="illidan", in_guild=False)
    result = run_matching()
    assert result.stats["considered"] == 0 and PlayerCharacter.objects.count() == 1
    assert link_of(owned).link_source == "manual"  # never changed


def test_idn33_guild_note_then_officer_note(member):
    mike = PlayerFactory(display_name="Mike", discord_user=DiscordUserFactory(username="trog"))
    moon = PlayerFactory(display_name="Moon", discord_user=DiscordUserFactory(username="moon"))
    by_guild = WowCharacterFactory(name="Alpha", guild_note="dc: trog", officer_note="@moon")
    by_officer = WowCharacterFactory(name="Beta", guild_note="Raider", officer_note="@moon")
    result = run_matching()
    assert (owner_of(by_guild), link_of(by_guild).link_source) == (mike, "guild_note")
    assert (owner_of(by_officer), link_of(by_officer).link_source) == (moon, "officer_note")
    assert link_of(by_officer).confirmed and link_of(by_officer).confidence == "high"
    assert (result.stats["guild_note"], result.stats["officer_note"]) == (1, 1)


def test_idn33_passes_repeat_so_alt_of_alt_chains_resolve():
    mike = PlayerFactory(display_name="Mike")
    PlayerCharacterFactory(player=mike, character__name="Trogmoon")
    # "Aalt" sorts before "Balt", whose owner is only known after "Balt" is linked.
    first = WowCharacterFactory(name="Aalt", guild_note="alt of Balt")
    second = WowCharacterFactory(name="Balt", guild_note="alt of Trogmoon")
    result = run_matching()
    assert owner_of(first) == mike and owner_of(second) == mike
    assert result.stats["passes"] == 2  # pass 1 links Balt, pass 2 Aalt; nothing is left


def test_idn33_fuzzy_runs_after_note_strategies(member):
    member("trogg")  # fuzzy 0.889 with "Trog"
    mike = PlayerFactory(discord_user=DiscordUserFactory(username="mike"))
    character = WowCharacterFactory(name="Trog", officer_note="@mike")
    run_matching()
    assert owner_of(character) == mike


# --- IDN-32 resolving hints ------------------------------------------------------------------


def test_idn32_discord_hint_matches_display_name_unless_ambiguous():
    mike = PlayerFactory(discord_user=DiscordUserFactory(username="m1", display_name="Mike"))
    PlayerFactory(discord_user=DiscordUserFactory(username="m2", display_name="Mike"))
    ambiguous = WowCharacterFactory(name="Alpha", guild_note="discord: Mike")
    DiscordUserFactory(username="r1", display_name="Rocket")
    unique = WowCharacterFactory(name="Beta", guild_note="discord: mIke", officer_note="@Rocket")
    run_matching()
    assert not PlayerCharacter.objects.filter(character=ambiguous).exists()
    assert owner_of(unique).discord_user.username == "r1"  # "mIke" is ambiguous, "Rocket" not
    assert not mike.character_links.exists()


def test_idn32_owner_hint_prefers_own_realm_then_common_owner():
    mike, other = PlayerFactory(display_name="Mike"), PlayerFactory(display_name="Other")
    PlayerCharacterFactory(player=mike, character__name="Moon", character__realm_slug="senjin")
    PlayerCharacterFactory(player=other, character__name="Moon", character__realm_slug="illidan")
    alt = WowCharacterFactory(name="Alt", guild_note="alt of Moon")
    far = WowCharacterFactory(name="Faralt", realm_slug="stormrage", guild_note="alt of Moon")
    named = WowCharacterFactory(name="Named", guild_note="alt of Moon-Illidan")
    run_matching()
    assert owner_of(alt) == mike  # own realm wins
    assert not PlayerCharacter.objects.filter(character=far).exists()  # several owners
    assert owner_of(named) == other  # Name-Realm hint


def test_idn32_unowned_owner_candidate_falls_back_to_discord():
    mike = PlayerFactory(discord_user=DiscordUserFactory(username="moon"))
    WowCharacterFactory(name="Moon", in_guild=False)
    alt = WowCharacterFactory(name="Alt", guild_note="Moon's alt")
    run_matching()
    assert owner_of(alt) == mike


def test_idn32_hint_landing_on_inactive_player_is_ignored():
    PlayerFactory(is_active=False, discord_user=DiscordUserFactory(username="trog"))
    active = PlayerFactory(discord_user=DiscordUserFactory(username="moon"))
    character = WowCharacterFactory(name="Alt", guild_note="dc: trog, @moon")
    lone = WowCharacterFactory(name="Lone", guild_note="dc: trog")
    run_matching()
    assert owner_of(character) == active
    assert not PlayerCharacter.objects.filter(character=lone).exists()


# --- IDN-35 examples and applying matches ----------------------------------------------------


def test_idn35_zatanna_exact_by_display_name_creates_player(member):
    user = member("rocket", display_name="Zatanna", role="Officer")
    character = WowCharacterFactory(name="Zatañña", realm_slug="sargeras")
    result = run_matching()
    player = owner_of(character)
    assert (player.display_name, player.discord_user, player.rank_source) == (
        "Zatanna",
        user,
        "auto",
    )
    assert link_of(character).link_source == "exact_name"
    assert result.stats["players_created"] == 1


def test_idn35_trogalt_discord_note_joins_mike():
    mike = PlayerFactory(display_name="Mike", discord_user=DiscordUserFactory(username="trog"))
    trogalt = WowCharacterFactory(name="Trogalt", guild_note="DC: trog.")
    run_matching()
    assert owner_of(trogalt) == mike and Player.objects.count() == 1


def test_idn35_moonalt_owner_note_joins_mike_without_discord_user():
    mike = PlayerFactory(display_name="Mike")
    PlayerCharacterFactory(player=mike, character__name="Trogmoon")
    moonalt = WowCharacterFactory(name="Moonalt", guild_note="alt of Trogmoon")
    run_matching()
    assert owner_of(moonalt) == mike and Player.objects.count() == 1


def test_idn35_one_discord_user_two_realms_one_player(member):
    member("trog", role="Member")
    senjin = WowCharacterFactory(name="Trog", realm_slug="senjin")
    area = WowCharacterFactory(name="Trog", realm_slug="area-52")
    result = run_matching()
    assert owner_of(senjin) == owner_of(area) and Player.objects.count() == 1
    assert result.stats == {
        "considered": 2,
        "passes": 1,
        "exact": 2,
        "guild_note": 0,
        "officer_note": 0,
        "fuzzy": 0,
        "suggestions": 0,
        "skipped": 0,
        "players_created": 1,
    }


def test_idn35_exact_match_beats_discord_note(member):
    rocket = member("rocket")
    member("mito")
    character = WowCharacterFactory(name="Rocket", guild_note="Discord: Mito")
    run_matching()
    assert owner_of(character).discord_user == rocket


def test_idn35_run_created_player_reused_by_notes(member):
    trog = member("trog")
    main = WowCharacterFactory(name="Trog")
    alt = WowCharacterFactory(name="Zalt", guild_note="Trog's alt")
    run_matching()
    assert owner_of(main) == owner_of(alt) and owner_of(main).discord_user == trog


def test_idn35_ranks_recomputed_after_the_run(member, ladder):
    member("trog", role="Officer")
    character = WowCharacterFactory(name="Trog", guild_rank=rank("Veteran"))
    details = {}
    run_matching(run_details=details)
    assert owner_of(character).guild_rank == rank("Veteran")
    assert details["rank_changes"][0]["new"] == "Veteran"


def test_idn35_second_run_creates_nothing_and_same_data_same_result(member):
    member("trog")
    member("trogmun")
    WowCharacterFactory(name="Trog")
    WowCharacterFactory(name="Trogmoon")
    WowCharacterFactory(name="Rocketman", officer_note="alt of Trog")
    dry = run_matching(dry_run=True)
    assert not Player.objects.exists() and not AuditIssue.objects.exists()
    first = run_matching()
    assert [(x.character, x.player, x.source) for x in dry.links] == [
        (x.character, x.player, x.source) for x in first.links
    ]
    counts = (Player.objects.count(), PlayerCharacter.objects.count(), AuditIssue.objects.count())
    second = run_matching()
    assert second.links == [] and second.stats["players_created"] == 0
    assert counts == (
        Player.objects.count(),
        PlayerCharacter.objects.count(),
        AuditIssue.objects.count(),
    )


def test_idn35_players_never_merged(member):
    mike = PlayerFactory(discord_user=DiscordUserFactory(username="mike"))
    member("trog")
    character = WowCharacterFactory(name="Trog", guild_note="dc: mike")
    run_matching()
    assert owner_of(character).discord_user.username == "trog"  # exact wins, mike untouched
    assert Player.objects.count() == 2 and not mike.character_links.exists()


def test_idn48_run_matching_command_dry_run_prints_links_and_writes_nothing(member, capsys):
    member("trog")
    WowCharacterFactory(name="Trog")
    call_command("run_matching", "--dry-run", "--no-integrity", "--no-post")
    out = capsys.readouterr().out
    assert "Would link Trog-Sen'jin → trog (new player) [exact_name, high]" in out
    assert out.strip().endswith("players_created=1")
    assert not PlayerCharacter.objects.exists()
    call_command("run_matching")
    assert "exact=1" in capsys.readouterr().out and PlayerCharacter.objects.count() == 1


@pytest.mark.postgres
def test_idn45_matching_holds_the_reconcile_advisory_lock(member, monkeypatch):
    from django.db import connection

    from identity.matching import engine

    seen = []

    class Spy(engine.Planner):
        def __init__(self):
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT objid FROM pg_locks WHERE locktype = 'advisory' "
                    "AND pid = pg_backend_pid() AND granted"
                )
                seen.extend(row[0] for row in cursor.fetchall())
            super().__init__()

    monkeypatch.setattr(engine, "Planner", Spy)
    run_matching(dry_run=True)
    assert engine.RECONCILE_LOCK_KEY in seen
