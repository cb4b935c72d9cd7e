"""Database constraints of the identity model (IDN-4 … IDN-17).

Each test writes past the Python layer (`objects.create`, `update`, bulk) so that only the
database can refuse; the invariant holds whatever code path writes the row.
"""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

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
from tests.factories import (
    DiscordUserFactory,
    PlayerCharacterFactory,
    PlayerFactory,
    WowCharacterFactory,
    playable_class,
    spec,
)

pytestmark = pytest.mark.django_db


def refused(callable_, *args, **kwargs) -> bool:
    """True when the database refuses the write (IntegrityError), inside a savepoint."""
    try:
        with transaction.atomic():
            callable_(*args, **kwargs)
    except IntegrityError:
        return True
    return False


# --- IDN-8: one character per case-folded name and realm ------------------------------------


def test_idn8_name_key_is_casefolded_name_on_save():
    character = WowCharacterFactory(name="TROGMOON")
    assert character.name_key == "trogmoon"
    character.name = "Trogmoonx"
    character.save(update_fields=["name"])
    character.refresh_from_db()
    assert character.name_key == "trogmoonx"


def test_idn8_same_name_different_case_same_realm_is_refused():
    WowCharacterFactory(name="Trogmoon", realm_slug="senjin")
    assert refused(WowCharacter.objects.create, name="TROGMOON", realm_slug="senjin")


def test_idn8_same_name_on_another_realm_is_allowed():
    WowCharacterFactory(name="Trog", realm_slug="senjin")
    WowCharacterFactory(name="Trog", realm_slug="area-52")
    assert WowCharacter.objects.filter(name_key="trog").count() == 2


def test_idn8_accents_count_zatanna_and_zatanna_with_tilde_coexist():
    WowCharacterFactory(name="Zatañña", realm_slug="sargeras")
    WowCharacterFactory(name="Zatanna", realm_slug="sargeras")
    assert WowCharacter.objects.by_name("ZATAÑÑA", "sargeras").get().name == "Zatañña"


def test_idn8_german_sharp_s_casefolds_like_ss():
    WowCharacterFactory(name="Straße", realm_slug="senjin")
    assert refused(WowCharacter.objects.create, name="STRASSE", realm_slug="senjin")


def test_idn8_blizzard_id_unique_when_set_and_many_nulls_allowed():
    WowCharacterFactory(blizzard_id=42)
    WowCharacterFactory(blizzard_id=None)
    WowCharacterFactory(blizzard_id=None)
    assert refused(WowCharacter.objects.create, name="Other", realm_slug="senjin", blizzard_id=42)


def test_idn8_blank_name_or_realm_is_refused():
    assert refused(WowCharacter.objects.create, name="", realm_slug="senjin")
    assert refused(WowCharacter.objects.create, name="Trog", realm_slug="")


def test_idn8_in_guild_character_cannot_have_left_date():
    character = WowCharacterFactory()
    assert refused(
        WowCharacter.objects.filter(pk=character.pk).update, left_guild_at=timezone.now()
    )


def test_idn23_released_name_keeps_its_key_and_frees_the_name():
    old = WowCharacterFactory(name="Trog", realm_slug="senjin")
    old.name_key = f"trog#{old.pk}"
    old.save()
    old.refresh_from_db()
    assert old.name_key == f"trog#{old.pk}"
    assert old.name_released
    WowCharacterFactory(name="Trog", realm_slug="senjin")  # the name is free again


# --- IDN-11 / IDN-12: a character belongs to at most one player -----------------------------


def test_idn11_character_cannot_be_linked_to_two_players():
    link = PlayerCharacterFactory()
    other = PlayerFactory()
    assert refused(
        PlayerCharacter.objects.create,
        player=other,
        character=link.character,
        link_source="manual",
        confidence="high",
        confirmed=True,
    )


def test_idn11_manual_link_must_be_high_and_confirmed():
    assert refused(
        PlayerCharacterFactory, link_source="manual", confidence="medium", confirmed=False
    )
    PlayerCharacterFactory(link_source="fuzzy", confidence="medium", confirmed=False)


def test_idn11_unknown_link_source_and_confidence_are_refused():
    assert refused(PlayerCharacterFactory, link_source="telepathy", confidence="high")
    assert refused(PlayerCharacterFactory, link_source="fuzzy", confidence="certain")


def test_idn11_deleting_a_player_deletes_links_never_characters():
    link = PlayerCharacterFactory()
    character_pk = link.character_id
    link.player.delete()
    assert not PlayerCharacter.objects.exists()
    assert WowCharacter.objects.filter(pk=character_pk).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_idn11_concurrent_links_of_one_character_store_exactly_one():
    """Many connections insert a link for the same character at once: one row survives."""
    import threading

    from django.db import connection

    character = WowCharacterFactory()
    players = [PlayerFactory() for _ in range(8)]
    barrier = threading.Barrier(len(players))
    outcomes: list[str] = []
    lock = threading.Lock()

    def insert(player):
        try:
            barrier.wait(timeout=10)
            PlayerCharacter.objects.create(
                player=player,
                character=character,
                link_source="manual",
                confidence="high",
                confirmed=True,
            )
            result = "stored"
        except IntegrityError:
            result = "refused"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=insert, args=(player,)) for player in players]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["refused"] * 7 + ["stored"]
    assert PlayerCharacter.objects.filter(character=character).count() == 1


# --- IDN-10 / IDN-13: players -------------------------------------------------------------


def test_idn10_discord_user_and_website_account_are_one_to_one():
    from django.contrib.auth import get_user_model

    discord_user = DiscordUserFactory()
    user = get_user_model().objects.create(username="trog")
    PlayerFactory(discord_user=discord_user, user=user)
    assert refused(PlayerFactory, discord_user=discord_user)
    assert refused(PlayerFactory, user=user)


def test_idn13_spec_without_character_is_refused_by_the_database():
    player = PlayerFactory()
    assert refused(Player.objects.filter(pk=player.pk).update, main_spec=spec("Druid", "Balance"))
    assert refused(Player.objects.filter(pk=player.pk).update, offspec_spec=spec("Druid", "Feral"))


def test_idn10_rank_source_outside_choices_is_refused():
    player = PlayerFactory()
    assert refused(Player.objects.filter(pk=player.pk).update, rank_source="random")


# --- IDN-4 / IDN-6: the ladder ------------------------------------------------------------


def test_idn4_rank_name_level_and_index_are_unique():
    assert refused(GuildRank.objects.create, name="Member", level=9)
    assert refused(GuildRank.objects.create, name="Raider", level=2)
    assert refused(GuildRank.objects.create, name="Raider", level=9, wow_rank_index=3)
    GuildRank.objects.create(name="Alt", level=9, wow_rank_index=None)
    GuildRank.objects.create(name="Social", level=10, wow_rank_index=None)


def test_idn4_discord_role_id_unique_only_when_set():
    GuildRank.objects.filter(name="Member").update(discord_role_id="111111111111111111")
    assert refused(
        GuildRank.objects.filter(name="Veteran").update, discord_role_id="111111111111111111"
    )
    # Several ranks without a role id are fine (blank is not a value).
    assert GuildRank.objects.filter(discord_role_id="").count() == 4


def test_idn6_deleting_a_rank_used_by_a_player_is_refused():
    from django.db.models import ProtectedError

    player = PlayerFactory(guild_rank=GuildRank.objects.get(name="Member"))
    with pytest.raises(ProtectedError):
        player.guild_rank.delete()


# --- IDN-7: Discord users -----------------------------------------------------------------


def test_idn7_discord_id_is_unique_and_digits_only():
    DiscordUserFactory(discord_id="123456789012345678")
    assert refused(DiscordUser.objects.create, discord_id="123456789012345678", username="x")
    assert refused(DiscordUser.objects.create, discord_id="12345abc", username="y")


def test_idn7_present_user_has_no_left_date():
    user = DiscordUserFactory(is_present=True)
    assert refused(DiscordUser.objects.filter(pk=user.pk).update, left_at=timezone.now())
    DiscordUser.objects.filter(pk=user.pk).update(is_present=False, left_at=timezone.now())


# --- IDN-16: invite codes -----------------------------------------------------------------


def test_idn16_code_is_unique_and_exactly_eight_characters():
    player = PlayerFactory()
    InviteCode.objects.create(code="ABCDEFGH", player=player)
    assert refused(InviteCode.objects.create, code="ABCDEFGH", player=player)
    assert refused(InviteCode.objects.create, code="ABC", player=player)


def test_idn16_expiry_cannot_precede_creation():
    now = timezone.now()
    assert refused(
        InviteCode.objects.create,
        code="ABCDEFGJ",
        player=PlayerFactory(),
        created_at=now,
        expires_at=now - timedelta(hours=1),
    )


# --- IDN-17: audit issues and sync runs -----------------------------------------------------


def _issue(**kwargs) -> AuditIssue:
    defaults = {
        "issue_type": "orphan_wow",
        "severity": 20,
        "dedup_key": "orphan_wow:c1",
        "summary": "WoW character 'Trog-senjin' has no player link",
    }
    return AuditIssue.objects.create(**{**defaults, **kwargs})


def test_idn17_one_open_issue_per_dedup_key():
    _issue()
    assert refused(_issue)


def test_idn17_resolved_issue_does_not_block_a_new_one():
    first = _issue()
    first.resolved_at = timezone.now()
    first.save()
    second = _issue()
    assert second.pk != first.pk
    assert AuditIssue.objects.filter(dedup_key="orphan_wow:c1").count() == 2


def test_idn17_severity_and_type_must_be_known():
    assert refused(_issue, severity=25)
    assert refused(_issue, issue_type="vibes", dedup_key="vibes:1")


def test_idn17_severity_order_sorts_critical_first():
    _issue(severity=10, dedup_key="a")
    _issue(severity=30, dedup_key="b")
    _issue(severity=20, dedup_key="c")
    assert list(AuditIssue.objects.values_list("severity", flat=True)) == [30, 20, 10]


def test_idn17_one_running_sync_run_per_source():
    SyncRun.objects.create(source="blizzard_roster", trigger="schedule")
    assert refused(SyncRun.objects.create, source="blizzard_roster", trigger="command")
    SyncRun.objects.create(source="discord_members", trigger="schedule")
    SyncRun.objects.create(
        source="blizzard_roster", trigger="command", status="error", finished_at=timezone.now()
    )


def test_idn17_finished_run_needs_a_finish_time_and_known_values():
    assert refused(SyncRun.objects.create, source="reconcile", trigger="admin", status="success")
    assert refused(SyncRun.objects.create, source="tea", trigger="admin")
    assert refused(SyncRun.objects.create, source="reconcile", trigger="whim")


def test_idn9_name_history_reason_is_rename_or_name_released():
    character = WowCharacterFactory()
    values = {
        "character": character,
        "old_name": "A",
        "old_realm_slug": "senjin",
        "new_name": "B",
        "new_realm_slug": "senjin",
    }
    CharacterNameHistory.objects.create(reason="rename", **values)
    assert refused(CharacterNameHistory.objects.create, reason="typo", **values)


def test_idn3_character_class_in_use_cannot_be_deleted():
    from django.db.models import ProtectedError

    WowCharacterFactory(playable_class=playable_class("Mage"))
    with pytest.raises(ProtectedError):
        playable_class("Mage").delete()
