"""Derived player ranks, the ladder and officer access (IDN-6, IDN-14, IDN-15, ACC-35)."""

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from identity.models import GuildRank, Player, RankSource, WowCharacter
from identity.services.accounts import (
    OFFICERS_GROUP,
    officer_permissions,
    sync_officer_access,
)
from identity.services.ranks import (
    highest_guild_role,
    recompute_player_ranks,
    resolve_ladder,
    return_ranks_to_automatic,
    set_manual_rank,
)
from tests.factories import (
    DiscordUserFactory,
    PlayerCharacterFactory,
    PlayerFactory,
    UserFactory,
    WowCharacterFactory,
    rank,
)

pytestmark = pytest.mark.django_db


def linked_character(player, rank_name, *, in_guild=True):
    character = WowCharacterFactory(
        guild_rank=rank(rank_name),
        guild_rank_index=rank(rank_name).wow_rank_index,
        in_guild=in_guild,
        left_guild_at=None if in_guild else timezone.now(),
    )
    PlayerCharacterFactory(player=player, character=character)
    return character


def rank_of(player) -> str | None:
    player.refresh_from_db()
    return player.guild_rank.name if player.guild_rank else None


# --- IDN-14 rule 1: the highest in-guild character ------------------------------------------


def test_idn14_rank_is_highest_in_guild_character_rank():
    player = PlayerFactory()
    linked_character(player, "Member")
    linked_character(player, "Officer")
    linked_character(player, "Initiate")
    changes = recompute_player_ranks()
    assert rank_of(player) == "Officer"
    assert [(c.player, c.old, c.new, c.basis) for c in changes] == [
        (player.display_name, None, "Officer", "character")
    ]


def test_idn14_rank_derivation_ignores_departed_characters():
    player = PlayerFactory()
    linked_character(player, "Guild Leader", in_guild=False)
    linked_character(player, "Member")
    recompute_player_ranks()
    assert rank_of(player) == "Member"


def test_idn14_character_rank_wins_over_discord_role():
    discord_user = DiscordUserFactory(highest_guild_role=rank("Officer"))
    player = PlayerFactory(discord_user=discord_user)
    linked_character(player, "Veteran")
    recompute_player_ranks()
    assert rank_of(player) == "Veteran"


# --- IDN-14 rule 2 and 3: Discord role, else unchanged ---------------------------------------


def test_idn14_without_in_guild_characters_the_present_discord_role_counts():
    discord_user = DiscordUserFactory(highest_guild_role=rank("Veteran"))
    player = PlayerFactory(discord_user=discord_user)
    linked_character(player, "Guild Leader", in_guild=False)
    changes = recompute_player_ranks()
    assert rank_of(player) == "Veteran"
    assert changes[0].basis == "discord"


def test_idn14_discord_role_of_a_departed_user_does_not_count():
    discord_user = DiscordUserFactory(
        highest_guild_role=rank("Officer"), is_present=False, left_at=timezone.now()
    )
    player = PlayerFactory(discord_user=discord_user, guild_rank=rank("Member"))
    assert recompute_player_ranks() == []
    assert rank_of(player) == "Member"


def test_idn14_no_basis_leaves_rank_unchanged():
    player = PlayerFactory(guild_rank=rank("Veteran"))
    nobody = PlayerFactory()
    assert recompute_player_ranks() == []
    assert rank_of(player) == "Veteran"
    assert rank_of(nobody) is None


# --- IDN-14: manual ranks are never touched --------------------------------------------------


def test_idn14_manual_rank_is_never_overwritten_by_recompute():
    player = PlayerFactory(guild_rank=rank("Officer"), rank_source=RankSource.MANUAL)
    linked_character(player, "Initiate")
    player.discord_user = DiscordUserFactory(highest_guild_role=rank("Member"))
    player.save()
    assert recompute_player_ranks() == []
    assert rank_of(player) == "Officer"


def test_idn14_set_manual_rank_then_return_to_automatic():
    player = PlayerFactory()
    linked_character(player, "Member")
    set_manual_rank(player=player, rank=rank("Veteran"))
    recompute_player_ranks()
    assert rank_of(player) == "Veteran"
    assert player.rank_source == RankSource.MANUAL

    changes = return_ranks_to_automatic(player_ids=[player.pk])
    assert rank_of(player) == "Member"
    assert player.rank_source == RankSource.AUTO
    assert [(c.old, c.new) for c in changes] == [("Veteran", "Member")]


# --- IDN-15: bookkeeping and the staff rule --------------------------------------------------


def test_idn15_changes_are_appended_to_run_details():
    player = PlayerFactory(display_name="Trog")
    linked_character(player, "Guild Leader")
    details: dict = {"rank_changes": [{"player": "earlier", "old": None, "new": "x"}]}
    recompute_player_ranks(run_details=details)
    assert details["rank_changes"][1:] == [
        {"player": "Trog", "old": None, "new": "Guild Leader", "basis": "character"}
    ]


def test_idn15_recompute_is_idempotent():
    player = PlayerFactory()
    linked_character(player, "Member")
    assert len(recompute_player_ranks()) == 1
    assert recompute_player_ranks() == []


def test_idn14_recompute_runs_a_constant_number_of_queries(django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def build(n):
        for _ in range(n):
            player = PlayerFactory()
            linked_character(player, "Member")

    build(3)
    with CaptureQueriesContext(connection) as small:
        recompute_player_ranks()
    Player.objects.update(guild_rank=None)
    build(30)
    with CaptureQueriesContext(connection) as large:
        recompute_player_ranks()
    assert len(small) == len(large)
    with django_assert_max_num_queries(12):
        Player.objects.update(guild_rank=None)
        recompute_player_ranks()


def test_idn15_promotion_to_officer_gives_staff_and_group_demotion_removes_them():
    user = UserFactory(username="shodoom")
    player = PlayerFactory(user=user)
    character = linked_character(player, "Officer")
    recompute_player_ranks()
    user.refresh_from_db()
    assert user.is_staff
    assert user.groups.filter(name=OFFICERS_GROUP).exists()

    WowCharacter.objects.filter(pk=character.pk).update(guild_rank=rank("Member"))
    recompute_player_ranks()
    user.refresh_from_db()
    assert not user.is_staff
    assert not user.groups.filter(name=OFFICERS_GROUP).exists()


def test_acc35_superusers_are_never_changed():
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    PlayerFactory(user=admin, guild_rank=rank("Initiate"))
    recompute_player_ranks()
    sync_officer_access(admin)
    admin.refresh_from_db()
    assert admin.is_staff


def test_acc35_inactive_officer_loses_access():
    user = UserFactory(username="gone")
    PlayerFactory(user=user, guild_rank=rank("Officer"), is_active=False)
    user.is_staff = True
    user.save()
    assert sync_officer_access(user) is True
    assert not user.is_staff


def test_acc35_manual_staff_flag_of_a_non_officer_is_overwritten():
    user = UserFactory(username="sneaky", is_staff=True)
    assert sync_officer_access(user) is True
    assert not user.is_staff
    assert sync_officer_access(user) is False


def test_acc38_officers_group_permissions():
    group = Group.objects.get(name=OFFICERS_GROUP)
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"change_player", "add_wowcharacter", "delete_playercharacter"} <= codenames
    assert {"view_syncrun", "view_discorduser", "view_siteconfig", "change_siteconfig"} <= codenames
    assert not {"change_syncrun", "delete_discorduser", "add_siteconfig"} & codenames
    assert not {"delete_siteconfig", "add_user", "change_group"} & codenames
    assert {"view_schedule", "view_task"} <= codenames
    assert "add_schedule" not in codenames
    assert {p.pk for p in officer_permissions()} <= set(
        group.permissions.values_list("pk", flat=True)
    )


# --- IDN-6 / IDN-9: ladder edits re-resolve ---------------------------------------------------


def test_idn6_changing_wow_rank_index_reresolves_characters_and_players():
    player = PlayerFactory()
    character = linked_character(player, "Member")  # index 3
    recompute_player_ranks()
    GuildRank.objects.filter(name="Member").update(wow_rank_index=None)
    GuildRank.objects.filter(name="Veteran").update(wow_rank_index=3)
    GuildRank.objects.filter(name="Member").update(wow_rank_index=2)
    resolve_ladder()
    character.refresh_from_db()
    assert character.guild_rank.name == "Veteran"
    assert rank_of(player) == "Veteran"


def test_idn9_index_without_a_rank_resolves_to_none():
    character = WowCharacterFactory(guild_rank_index=7, guild_rank=rank("Member"))
    resolve_ladder()
    character.refresh_from_db()
    assert character.guild_rank is None


def test_idn6_changing_discord_role_id_reresolves_highest_guild_role():
    discord_user = DiscordUserFactory(role_ids=["1000", "2000"])
    player = PlayerFactory(discord_user=discord_user)
    GuildRank.objects.filter(name="Member").update(discord_role_id="1000")
    resolve_ladder()
    discord_user.refresh_from_db()
    assert discord_user.highest_guild_role.name == "Member"
    GuildRank.objects.filter(name="Officer").update(discord_role_id="2000")
    resolve_ladder()
    discord_user.refresh_from_db()
    assert discord_user.highest_guild_role.name == "Officer"
    assert rank_of(player) == "Officer"


def test_idn28_highest_guild_role_examples():
    GuildRank.objects.filter(name="Member").update(discord_role_id="2")
    GuildRank.objects.filter(name="Guild Leader").update(discord_role_id="3")
    GuildRank.objects.filter(name="Officer").update(discord_role_id="4")
    ladder = list(GuildRank.objects.all())
    everyone, booster, nitro = "1", "8", "9"
    assert highest_guild_role([everyone, "2", "3", "4"], ladder=ladder).name == "Guild Leader"
    assert highest_guild_role([booster, nitro], ladder=ladder) is None


def test_idn14_a_self_added_roster_character_lends_no_rank_until_confirmed():
    """A member's unconfirmed roster-form claim (ROS-14) on an officer's alt grants nothing."""
    from identity.services.ranks import recompute_player_ranks

    member = PlayerFactory(guild_rank=None)
    PlayerCharacterFactory(player=member, character=WowCharacterFactory(guild_rank=rank("Veteran")))
    claim = PlayerCharacterFactory(
        player=member,
        character=WowCharacterFactory(guild_rank=rank("Officer")),
        link_source="roster_form",
        confidence="high",
        confirmed=False,
    )

    recompute_player_ranks()
    member.refresh_from_db()
    assert member.guild_rank.name == "Veteran"  # the confirmed character still counts

    claim.confirmed = True
    claim.save()
    recompute_player_ranks()
    member.refresh_from_db()
    assert member.guild_rank.name == "Officer"
