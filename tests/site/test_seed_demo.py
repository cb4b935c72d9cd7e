"""`manage.py seed_demo`: a deterministic, idempotent PATT demo guild (IDN-51 core).

The command runs through `call_command`; the idempotency checks compare a snapshot of every
row the command writes (primary keys and field values, without the timestamps that are
relative to now), and one test pins the clock to compare the timestamps too.
"""

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Q
from django.test import override_settings
from django.utils import timezone

from identity.demo import (
    DEMO_PASSWORD,
    MEMBER_USERNAME,
    OFFICER_USERNAME,
    build_plan,
    fold,
    seed_demo_guild,
)
from identity.models import (
    AuditIssue,
    Confidence,
    DiscordUser,
    GuildRank,
    InviteCode,
    LinkSource,
    PlayableClass,
    Player,
    PlayerCharacter,
    RankSource,
    SyncRun,
    WowCharacter,
    validate_main_and_offspec,
)
from identity.services.accounts import OFFICERS_GROUP
from identity.services.invites import create_invite
from identity.services.ranks import highest_guild_role, recompute_player_ranks

pytestmark = pytest.mark.django_db

CORE_SIZE = len(build_plan(players=0).players)


@pytest.fixture(autouse=True)
def _demo_settings(settings):
    """pytest-django runs with DEBUG off; the demo needs it on. MD5 keeps logins fast."""
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def _freeze(value):
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    return value


def snapshot() -> dict[str, set[tuple]]:
    """Every row seed_demo writes: pk plus values, with relative timestamps reduced to null-ness."""
    User = get_user_model()
    queries = {
        "ranks": GuildRank.objects.values_list("pk", "name", "level", "discord_role_id"),
        "discord_users": DiscordUser.objects.values_list(
            "pk",
            "discord_id",
            "username",
            "display_name",
            "role_ids",
            "highest_guild_role",
            "is_present",
            Q(left_at__isnull=True),
            Q(joined_at__isnull=True),
        ),
        "characters": WowCharacter.objects.values_list(
            "pk",
            "blizzard_id",
            "name",
            "name_key",
            "realm_slug",
            "realm_name",
            "playable_class",
            "active_spec",
            "level",
            "item_level",
            "race",
            "guild_rank_index",
            "guild_rank",
            "guild_note",
            "officer_note",
            "in_guild",
            "automatch_blocked",
            Q(last_login_at__isnull=True),
            Q(left_guild_at__isnull=True),
            Q(last_addon_sync_at__isnull=True),
        ),
        "players": Player.objects.values_list(
            "pk",
            "display_name",
            "discord_user",
            "user",
            "guild_rank",
            "rank_source",
            "main_character",
            "main_spec",
            "offspec_character",
            "offspec_spec",
            "is_active",
            "notes",
        ),
        "links": PlayerCharacter.objects.values_list(
            "pk",
            "character",
            "player",
            "link_source",
            "confidence",
            "confirmed",
            "linked_by",
            "confirmed_by",
            Q(confirmed_at__isnull=True),
        ),
        "invites": InviteCode.objects.values_list(
            "pk", "code", "player", "created_by", "used_at", "expires_at"
        ),
        "issues": AuditIssue.objects.values_list(
            "pk",
            "issue_type",
            "severity",
            "dedup_key",
            "summary",
            "character",
            "discord_user",
            "player",
            Q(notified_at__isnull=True),
            Q(dismissed_at__isnull=True),
            "resolved_at",
        ),
        "sync_runs": SyncRun.objects.values_list(
            "pk", "source", "trigger", "status", "counts", "details", "error"
        ),
        "users": User.objects.values_list(
            "pk", "username", "password", "is_staff", "is_superuser", "groups__name"
        ),
    }
    return {name: {_freeze(list(row)) for row in rows} for name, rows in queries.items()}


# --- the default guild -----------------------------------------------------------------------


def test_default_guild_has_about_60_players_and_150_characters():
    seed()
    assert Player.objects.count() == 60
    assert 130 <= WowCharacter.objects.count() <= 180
    assert 45 <= DiscordUser.objects.count() <= 75


def test_all_five_ranks_are_held_by_players_including_manual_ranks():
    seed()
    held = set(Player.objects.values_list("guild_rank__name", flat=True))
    assert {"Guild Leader", "Officer", "Veteran", "Member", "Initiate"} <= held
    assert Player.objects.filter(rank_source=RankSource.MANUAL).exists()
    assert Player.objects.filter(guild_rank__name="Guild Leader").count() == 1


def test_patt_core_is_on_its_realms_with_its_ranks():
    seed()
    trogmoon = WowCharacter.objects.by_name("Trogmoon", "senjin").get()
    assert (trogmoon.guild_rank_index, trogmoon.guild_rank.name) == (0, "Guild Leader")
    assert trogmoon.link.player.display_name == "Trog"
    assert trogmoon.link.player.guild_rank.name == "Guild Leader"
    for name, realm in [
        ("Bloodvalor", "alterac-mountains"),
        ("Zatañña", "sargeras"),
        ("Shodoom", "bleeding-hollow"),
        ("Skatefarm", "tichondrius"),
    ]:
        officer = WowCharacter.objects.by_name(name, realm).get()
        assert (officer.guild_rank_index, officer.guild_rank.name) == (1, "Officer")
        assert officer.link.player.guild_rank.name == "Officer"
    assert {"Rocket", "Mito", "Trog"} <= set(Player.objects.values_list("display_name", flat=True))


def test_accented_names_keep_their_accents_in_the_key():
    seed()
    zatanna = WowCharacter.objects.get(realm_slug="sargeras", name="Zatañña")
    assert zatanna.name_key == "zatañña"
    assert zatanna.realm_name == "Sargeras"
    assert not WowCharacter.objects.filter(name_key="zatanna").exists()
    accented = [n for n in WowCharacter.objects.values_list("name", flat=True) if not n.isascii()]
    assert len(accented) >= 4


def test_characters_are_cross_realm_with_proper_realm_names_and_all_classes():
    seed()
    realms = dict(WowCharacter.objects.values_list("realm_slug", "realm_name").distinct())
    assert realms["senjin"] == "Sen'jin"
    assert realms["area-52"] == "Area 52"
    assert realms["alterac-mountains"] == "Alterac Mountains"
    assert len(realms) >= 6
    classes = set(WowCharacter.objects.values_list("playable_class", flat=True))
    assert classes == set(PlayableClass.objects.values_list("pk", flat=True))
    assert WowCharacter.objects.filter(level=80).count() > WowCharacter.objects.count() // 2
    assert WowCharacter.objects.filter(level__lt=80).exists()


def test_specs_fit_their_class_and_mains_belong_to_their_player():
    seed()
    wrong_active = WowCharacter.objects.exclude(active_spec=None).exclude(
        active_spec__playable_class=F("playable_class")
    )
    assert not wrong_active.exists()
    players = Player.objects.select_related(
        "main_character__playable_class",
        "main_spec__playable_class",
        "offspec_character__playable_class",
        "offspec_spec__playable_class",
    )
    with_main = 0
    for player in players:
        try:
            validate_main_and_offspec(player)
        except ValidationError as error:  # pragma: no cover - reported with the player
            pytest.fail(f"{player}: {error}")
        with_main += player.main_spec_id is not None
    assert with_main >= Player.objects.count() - 1  # Nyx plays on another server
    assert Player.objects.exclude(offspec_spec=None).count() >= 10


def test_links_mix_sources_and_keep_the_confidence_rules():
    seed()
    sources = set(PlayerCharacter.objects.values_list("link_source", flat=True))
    assert {"exact_name", "guild_note", "officer_note", "fuzzy", "manual"} <= sources
    fuzzy = PlayerCharacter.objects.filter(link_source=LinkSource.FUZZY)
    assert fuzzy.exists()
    assert set(fuzzy.values_list("confidence", "confirmed")) == {(Confidence.MEDIUM, False)}
    others = PlayerCharacter.objects.exclude(link_source=LinkSource.FUZZY)
    assert set(others.values_list("confidence", "confirmed")) == {(Confidence.HIGH, True)}
    average = WowCharacter.objects.count() / Player.objects.count()
    assert 2.0 <= average <= 3.0


def test_edge_cases_orphans_departures_stale_and_unmapped_rank():
    seed()
    unlinked = WowCharacter.objects.filter(in_guild=True, link__isnull=True)
    assert unlinked.count() >= 3
    bank = WowCharacter.objects.get(guild_rank_index=7)
    assert bank.guild_rank is None
    assert bank.active_spec is None
    departed = WowCharacter.objects.filter(in_guild=False)
    assert departed.exists()
    assert not departed.filter(left_guild_at=None).exists()
    assert WowCharacter.objects.filter(in_guild=True, last_login_at=None).exists()
    month_ago = timezone.now() - timedelta(days=30)
    assert WowCharacter.objects.filter(in_guild=True, last_login_at__lt=month_ago).count() >= 3
    ladder_ids = set(
        GuildRank.objects.exclude(discord_role_id="").values_list("discord_role_id", flat=True)
    )
    discord_orphans = [
        user
        for user in DiscordUser.objects.filter(is_present=True, player__isnull=True)
        if set(user.role_ids) & ladder_ids
    ]
    assert len(discord_orphans) >= 2
    left = DiscordUser.objects.filter(is_present=False)
    assert left.count() >= 2
    assert not left.filter(left_at=None).exists()
    assert Player.objects.filter(is_active=False).exists()


def test_notes_use_the_hint_styles_of_idn31():
    seed()
    notes = set(WowCharacter.objects.values_list("guild_note", flat=True))
    officer_notes = set(WowCharacter.objects.values_list("officer_note", flat=True))
    assert {"alt of Trogmoon", "DC: trog.", "Rocket's alt", "Main: Zatañña", "Raider"} <= notes
    assert "Discord: jager_hunts" in officer_notes
    assert any(note.startswith("Discord: ") for note in notes)
    assert "Social" in notes


def test_ladder_gets_demo_role_ids_only_where_blank_and_users_hold_them_consistently():
    GuildRank.objects.filter(name="Officer").update(discord_role_id="111122223333444455")
    seed()
    ladder = list(GuildRank.objects.all())
    ids = {rank.name: rank.discord_role_id for rank in ladder}
    assert ids["Officer"] == "111122223333444455"
    assert all(len(role_id) == 18 and role_id.isdigit() for role_id in ids.values())
    for user in DiscordUser.objects.select_related("highest_guild_role"):
        assert user.highest_guild_role == highest_guild_role(user.role_ids, ladder=ladder)
    shodoom = DiscordUser.objects.get(username="shodoom")
    assert "111122223333444455" in shodoom.role_ids


def test_player_ranks_already_follow_idn14():
    seed()
    assert recompute_player_ranks() == []


def test_audit_issues_use_idn36_dedup_keys_and_sync_runs_are_finished():
    seed()
    types = set(AuditIssue.objects.values_list("issue_type", flat=True))
    assert {"orphan_wow", "orphan_discord", "stale_character", "auto_link_suggestion"} <= types
    thalorin = WowCharacter.objects.by_name("Thalorin", "senjin").get()
    assert AuditIssue.objects.filter(dedup_key=f"orphan_wow:c{thalorin.pk}").exists()
    thalo = DiscordUser.objects.get(username="thalo")
    suggestion = AuditIssue.objects.get(
        dedup_key=f"auto_link_suggestion:c{thalorin.pk}:d{thalo.pk}"
    )
    assert suggestion.summary == "Possible match: Thalorin-Sen'jin ↔ thalo (score: 77%)"
    assert not AuditIssue.objects.filter(resolved_at__isnull=False).exists()
    runs = SyncRun.objects.all()
    assert {"blizzard_roster", "discord_members", "reconcile"} <= set(
        runs.values_list("source", flat=True)
    )
    assert not runs.filter(status="running").exists()
    assert runs.filter(status="partial", source="discord_members").exists()


def test_an_issue_an_officer_resolved_is_not_reopened_by_a_second_run():
    seed()
    issue = AuditIssue.objects.filter(issue_type="orphan_wow").first()
    issue.resolved_at = issue.last_detected_at
    issue.save()
    seed()
    assert not AuditIssue.objects.filter(dedup_key=issue.dedup_key, resolved_at=None).exists()


def test_invites_go_to_players_without_accounts_and_are_not_reissued():
    seed()
    invites = InviteCode.objects.select_related("player")
    assert {invite.player.display_name for invite in invites} == {"Rocket", "Jäger"}
    assert all(invite.player.user_id is None for invite in invites)
    codes = set(invites.values_list("code", flat=True))
    seed()
    assert set(InviteCode.objects.values_list("code", flat=True)) == codes


# --- idempotency and growth ------------------------------------------------------------------


def test_running_twice_changes_nothing():
    seed()
    first = snapshot()
    seed()
    assert snapshot() == first


def test_same_clock_gives_identical_rows_including_timestamps():
    now = datetime(2025, 3, 1, 20, 0, tzinfo=UTC)
    plan = build_plan(players=40)
    seed_demo_guild(plan, now=now)
    fields = ["pk", "last_login_at", "left_guild_at", "first_seen_at", "last_blizzard_sync_at"]
    characters = list(WowCharacter.objects.order_by("pk").values_list(*fields))
    users = list(DiscordUser.objects.order_by("pk").values_list("pk", "joined_at", "left_at"))
    first = snapshot()
    seed_demo_guild(build_plan(players=40), now=now)
    assert list(WowCharacter.objects.order_by("pk").values_list(*fields)) == characters
    assert (
        list(DiscordUser.objects.order_by("pk").values_list("pk", "joined_at", "left_at")) == users
    )
    assert snapshot() == first


def test_the_plan_is_deterministic_and_a_larger_plan_extends_a_smaller_one():
    small, again, large = build_plan(players=60), build_plan(players=60), build_plan(players=120)
    assert small == again
    assert large.players[:60] == small.players
    assert large.orphan_characters[: len(small.orphan_characters)] == small.orphan_characters
    assert build_plan(players=60, seed=7).players[CORE_SIZE:] != small.players[CORE_SIZE:]
    keys = [character.key for character in large.characters]
    assert len(keys) == len(set(keys))
    display_names = [fold(player.display_name) for player in large.players]
    assert len(display_names) == len(set(display_names))


def test_more_players_extend_the_guild_as_a_superset():
    seed()
    before = snapshot()
    seed(players=120)
    after = snapshot()
    assert Player.objects.count() == 120
    for table, rows in before.items():
        assert rows <= after[table], table
    assert len(after["characters"]) > len(before["characters"])


def test_fewer_players_than_the_core_still_builds_the_core():
    seed(players=3)
    assert Player.objects.count() == CORE_SIZE
    assert WowCharacter.objects.by_name("Trogmoon", "senjin").exists()
    assert Player.objects.values("guild_rank").distinct().count() == 5


def test_benchmark_guild_of_1000_players_is_built_with_progress():
    """The large guild the benchmarks use; its speed is measured in bench/, not asserted here."""
    out = seed(players=1000)
    assert Player.objects.count() == 1000
    assert 2200 <= WowCharacter.objects.count() <= 2800
    assert "Characters: 500/" in out


# --- accounts, output and safety -------------------------------------------------------------


def test_officer_account_gets_admin_through_the_officers_group_not_superuser(client):
    out = seed()
    officer = get_user_model().objects.get(username=OFFICER_USERNAME)
    assert officer.is_staff
    assert not officer.is_superuser
    assert officer.groups.filter(name=OFFICERS_GROUP).exists()
    assert officer.player.display_name == "Shodoom"
    assert officer.player.guild_rank.is_officer
    member = get_user_model().objects.get(username=MEMBER_USERNAME)
    assert not member.is_staff
    assert member.player.display_name == "Mito"
    assert f"Demo officer login: {OFFICER_USERNAME} / {DEMO_PASSWORD}" in out
    assert client.login(username=OFFICER_USERNAME, password=DEMO_PASSWORD)
    assert client.get("/admin/").status_code == 200


def test_officer_sees_the_player_changelist(client):
    seed()
    assert client.login(username=OFFICER_USERNAME, password=DEMO_PASSWORD)
    response = client.get("/admin/identity/player/")
    assert response.status_code == 200
    assert "Zatañña" in response.content.decode()


def test_the_password_is_set_only_when_the_account_is_created():
    seed()
    officer = get_user_model().objects.get(username=OFFICER_USERNAME)
    officer.set_password("changed-by-the-developer")
    officer.save()
    out = seed(password="something-else")
    officer.refresh_from_db()
    assert officer.check_password("changed-by-the-developer")
    assert "password unchanged" in out


def test_output_summarises_the_guild():
    out = seed()
    assert "60 players (Guild Leader, Officer, Veteran, Member, Initiate)" in out
    assert "/admin/" in out


def test_refuses_when_debug_is_off_unless_forced():
    with override_settings(DEBUG=False):
        with pytest.raises(CommandError, match="refusing on a production database"):
            seed()
        assert not Player.objects.exists()
        seed(players=0, force=True)
    assert Player.objects.count() == CORE_SIZE


def test_counts_by_rank_are_plausible():
    seed(players=200)
    by_rank = dict(
        Player.objects.values_list("guild_rank__name").annotate(n=Count("pk")).order_by()
    )
    assert by_rank["Guild Leader"] == 1
    assert by_rank["Officer"] == 4
    assert by_rank["Member"] > by_rank["Veteran"]


def test_printed_demo_invite_registers_an_account(client):
    """The summary offers a newcomer a working invite: /register?code=… with its username."""
    import re

    out = seed()
    match = re.search(r"/register\?code=([A-Z2-9]{8}) \(Discord username: ([^;]+);", out)
    assert match, out
    code, username = match.groups()
    response = client.post(
        "/accounts/signup/",
        {
            "code": code,
            "username": username,
            "password1": "salt-all-the-things-42",
            "password2": "salt-all-the-things-42",
        },
    )
    assert response.status_code == 302
    assert (
        get_user_model()
        .objects.get(username=username.lower())
        .player.invite_codes.filter(code=code, used_at__isnull=False)
    )


def test_printed_demo_invite_makes_a_plain_member_without_admin_or_planner(client):
    """Issue 11 item 12 / ACC-35: the invite a newcomer tries is a plain Member's, so the new
    account has no staff access and no raid planner; a second run prints a member's invite
    again (idempotent), even when an older run left a valid officer invite behind."""
    import re

    out = seed()
    bloodvalor = Player.objects.get(display_name="Bloodvalor")
    create_invite(bloodvalor, created_by=None)  # an older demo's officer invite
    again = seed()
    invite = r"/register\?code=([A-Z2-9]{8}) \(Discord username: ([^;]+);"
    assert re.search(invite, again).groups() == re.search(invite, out).groups()
    code, username = re.search(invite, out).groups()
    invited = InviteCode.objects.select_related("player__guild_rank").get(code=code).player
    assert (invited.display_name, invited.guild_rank.name) == ("Jäger", "Member")
    assert invited.user_id is None

    response = client.post(
        "/accounts/signup/",
        {
            "code": code,
            "username": username,
            "password1": "salt-all-the-things-42",
            "password2": "salt-all-the-things-42",
        },
    )
    assert response.status_code == 302
    user = get_user_model().objects.get(username=username.lower())
    assert not user.is_staff and not user.is_superuser
    assert not user.groups.filter(name=OFFICERS_GROUP).exists()
    assert client.get("/raid-admin").status_code == 403
    assert client.get("/admin/").status_code == 403
