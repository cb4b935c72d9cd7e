"""The officers' admin (IDN-1 … IDN-17, IDN-43, ACC-5, ACC-6, ACC-30, ACC-33, ACC-38).

Every test drives the real admin views through the test client: changelists, change forms
with their inlines, actions posted with `_selected_action`, custom views.
"""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from identity.models import (
    AuditIssue,
    CharacterNameHistory,
    DiscordUser,
    GuildRank,
    InviteCode,
    PlayableClass,
    Player,
    PlayerCharacter,
    RankSource,
    Role,
    Specialization,
    SyncRun,
    WowCharacter,
)
from identity.services.accounts import OFFICERS_GROUP, sync_officer_access
from patt.models import SiteConfig, clear_site_config_cache
from tests.admin_forms import form_data
from tests.factories import (
    DiscordUserFactory,
    PlayerCharacterFactory,
    PlayerFactory,
    WowCharacterFactory,
    playable_class,
    rank,
    spec,
)

pytestmark = pytest.mark.django_db

User = get_user_model()


# --- helpers --------------------------------------------------------------------------------


def changelist_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def add_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")


def change_url(obj) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def delete_url(obj) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[obj.pk])


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def run_action(client, model, action: str, objs, **extra):
    return client.post(
        changelist_url(model),
        {"action": action, "_selected_action": [obj.pk for obj in objs], **extra},
    )


def listed(response) -> list:
    """The objects on the changelist page that `response` rendered."""
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def save_change_form(client, obj, **changes):
    """GET the change page of `obj`, apply `changes` to its data, POST it back."""
    page = client.get(change_url(obj))
    assert page.status_code == 200
    data = form_data(page)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return client.post(change_url(obj), data)


_usernames = iter(range(1_000_000))


def make_user(username: str | None = None, **fields) -> User:
    """A user without a password: no hashing, so the module stays fast."""
    return User.objects.create(username=username or f"user{next(_usernames)}", **fields)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def acting_officer(username="olga") -> User:
    """A non-superuser whose Player is an Officer: staff and in the Officers group (ACC-35)."""
    user = make_user(username)
    PlayerFactory(display_name=f"Officer {username}", user=user, guild_rank=rank("Officer"))
    sync_officer_access(user)
    user.refresh_from_db()
    assert user.is_staff and user.groups.filter(name=OFFICERS_GROUP).exists()
    return user


@pytest.fixture
def officer():
    return acting_officer()


@pytest.fixture
def officer_client(officer):
    return logged_in(officer)


@pytest.fixture
def superuser_client():
    return logged_in(make_user("boss", is_staff=True, is_superuser=True))


# --- IDN-1: reference data refuses deletes while in use -------------------------------------


def test_idn1_delete_of_class_in_use_is_refused_with_message(superuser_client):
    druid = PlayableClass.objects.get(name="Druid")

    page = superuser_client.get(delete_url(druid))
    assert page.status_code == 302
    assert page.url == change_url(druid)
    assert "Druid is in use and cannot be deleted." in messages_of(page)

    posted = superuser_client.post(delete_url(druid), {"post": "yes"}, follow=True)
    assert posted.status_code == 200
    assert "Druid is in use and cannot be deleted." in messages_of(posted)
    assert "Cannot delete" not in posted.content.decode()
    assert PlayableClass.objects.filter(pk=druid.pk).exists()


def test_idn1_bulk_delete_of_role_in_use_is_refused_with_message(superuser_client):
    tank = Role.objects.get(key="tank")
    unused = Role.objects.create(name="Support", key="support", sort_order=9)

    response = run_action(superuser_client, Role, "delete_selected", [tank, unused], post="yes")

    assert response.status_code == 302  # back to the changelist, not the protected page
    assert messages_of(response) == ["Tank is in use and cannot be deleted."]
    assert Role.objects.filter(pk__in=[tank.pk, unused.pk]).count() == 2


def test_idn1_spec_in_use_by_a_character_is_refused(superuser_client):
    frost = spec("Mage", "Frost")
    WowCharacterFactory(playable_class=playable_class("Mage"), active_spec=frost)

    response = superuser_client.post(delete_url(frost), {"post": "yes"})

    assert "Frost (Mage) is in use and cannot be deleted." in messages_of(response)
    assert Specialization.objects.filter(pk=frost.pk).exists()


def test_idn1_unused_reference_rows_are_deleted(superuser_client):
    by_page = Role.objects.create(name="Support", key="support", sort_order=9)
    by_action = Role.objects.create(name="Bench", key="bench", sort_order=10)

    superuser_client.post(delete_url(by_page), {"post": "yes"})
    confirm = run_action(superuser_client, Role, "delete_selected", [by_action])
    assert confirm.status_code == 200  # Django's ordinary confirmation page
    run_action(superuser_client, Role, "delete_selected", [by_action], post="yes")

    assert not Role.objects.filter(pk__in=[by_page.pk, by_action.pk]).exists()


def test_idn1_reference_data_is_editable(superuser_client):
    druid = PlayableClass.objects.get(name="Druid")

    response = save_change_form(superuser_client, druid, colour="#FF7C0B")

    assert response.status_code == 302
    druid.refresh_from_db()
    assert druid.colour == "#FF7C0B"


# --- IDN-4 … IDN-6: the ladder ---------------------------------------------------------------


def _use_rank(rank_name: str, players: int, characters: int) -> GuildRank:
    used = rank(rank_name)
    for _ in range(players):
        PlayerFactory(guild_rank=used)
    for _ in range(characters):
        WowCharacterFactory(guild_rank=used, guild_rank_index=used.wow_rank_index)
    return used


def test_idn6_rank_changelist_shows_player_and_character_counts(superuser_client):
    _use_rank("Member", players=2, characters=3)

    response = superuser_client.get(changelist_url(GuildRank))

    counts = {r.name: (r.player_count, r.character_count) for r in listed(response)}
    assert counts["Member"] == (2, 3)
    assert counts["Officer"] == (0, 0)


def test_idn6_rank_delete_refused_with_counts(superuser_client):
    member = _use_rank("Member", players=2, characters=3)

    response = superuser_client.post(delete_url(member), {"post": "yes"})

    assert response.status_code == 302
    assert "Rank 'Member' is used by 2 players / 3 characters." in messages_of(response)
    assert GuildRank.objects.filter(pk=member.pk).exists()


def test_idn6_rank_bulk_delete_refused_with_counts(superuser_client):
    member = _use_rank("Member", players=1, characters=0)
    veteran = _use_rank("Veteran", players=0, characters=2)

    response = run_action(
        superuser_client, GuildRank, "delete_selected", [member, veteran], post="yes"
    )

    assert sorted(messages_of(response)) == [
        "Rank 'Member' is used by 1 players / 0 characters.",
        "Rank 'Veteran' is used by 0 players / 2 characters.",
    ]
    assert GuildRank.objects.filter(pk__in=[member.pk, veteran.pk]).count() == 2


def test_idn6_unused_rank_can_be_deleted(superuser_client):
    spare = GuildRank.objects.create(name="Alt", level=9)

    superuser_client.post(delete_url(spare), {"post": "yes"})

    assert not GuildRank.objects.filter(pk=spare.pk).exists()


def test_idn6_changing_wow_rank_index_re_resolves_characters_and_players(superuser_client):
    character = WowCharacterFactory(guild_rank_index=7, guild_rank=None)
    player = PlayerCharacterFactory(character=character).player
    assert player.guild_rank is None

    response = save_change_form(superuser_client, rank("Veteran"), wow_rank_index="7")

    assert response.status_code == 302
    character.refresh_from_db()
    player.refresh_from_db()
    assert character.guild_rank == rank("Veteran")
    assert player.guild_rank == rank("Veteran")
    assert any("Ladder re-resolved" in m for m in messages_of(response))


def test_idn6_changing_discord_role_id_re_resolves_highest_guild_role(superuser_client):
    role_id = "123456789012345678"
    discord_user = DiscordUserFactory(role_ids=[role_id])
    player = PlayerFactory(discord_user=discord_user)

    save_change_form(superuser_client, rank("Officer"), discord_role_id=role_id)

    discord_user.refresh_from_db()
    player.refresh_from_db()
    assert discord_user.highest_guild_role == rank("Officer")
    assert player.guild_rank == rank("Officer")


def test_idn6_saving_a_rank_without_ladder_changes_does_not_re_resolve(superuser_client):
    response = save_change_form(superuser_client, rank("Member"), description="Regular raiders")

    assert response.status_code == 302
    assert not any("Ladder re-resolved" in m for m in messages_of(response))
    assert rank("Member").description == "Regular raiders"


# --- IDN-10 … IDN-14, ACC-33: players --------------------------------------------------------


def test_idn14_admin_rank_edit_sets_manual(superuser_client):
    user = make_user("vera")
    player = PlayerFactory(guild_rank=rank("Member"), user=user)

    response = save_change_form(superuser_client, player, guild_rank=str(rank("Officer").pk))

    assert response.status_code == 302
    player.refresh_from_db()
    user.refresh_from_db()
    assert (player.guild_rank, player.rank_source) == (rank("Officer"), RankSource.MANUAL)
    assert user.is_staff  # ACC-36: officer access follows the rank at once


def test_idn14_keep_automatic_checkbox(superuser_client):
    player = PlayerFactory(guild_rank=rank("Member"))

    save_change_form(
        superuser_client, player, guild_rank=str(rank("Veteran").pk), keep_rank_automatic="on"
    )

    player.refresh_from_db()
    assert (player.guild_rank, player.rank_source) == (rank("Veteran"), RankSource.AUTO)


def test_idn14_saving_without_rank_change_keeps_source(superuser_client):
    player = PlayerFactory(guild_rank=rank("Member"))

    save_change_form(superuser_client, player, notes="Raids on Tuesdays")

    player.refresh_from_db()
    assert (player.notes, player.rank_source) == ("Raids on Tuesdays", RankSource.AUTO)


def test_idn14_return_rank_to_automatic_action(superuser_client):
    player = PlayerFactory(guild_rank=rank("Guild Leader"), rank_source=RankSource.MANUAL)
    PlayerCharacterFactory(player=player, character=WowCharacterFactory(guild_rank=rank("Veteran")))

    response = run_action(superuser_client, Player, "return_rank_to_automatic", [player])

    player.refresh_from_db()
    assert (player.guild_rank, player.rank_source) == (rank("Veteran"), RankSource.AUTO)
    assert messages_of(response) == ["Returned 1 players to automatic rank; 1 ranks changed."]


def test_idn13_main_character_choices_are_the_players_own(superuser_client):
    own = PlayerCharacterFactory().character
    player = own.link.player
    PlayerCharacterFactory()  # someone else's character
    WowCharacterFactory()  # nobody's character

    page = superuser_client.get(change_url(player))

    form = page.context["adminform"].form
    assert list(form.fields["main_character"].queryset) == [own]
    assert list(form.fields["offspec_character"].queryset) == [own]


def test_idn13_main_spec_of_another_class_is_refused(superuser_client):
    character = WowCharacterFactory(name="Trogmoon", playable_class=playable_class("Druid"))
    player = PlayerCharacterFactory(character=character).player

    response = save_change_form(
        superuser_client,
        player,
        main_character=str(character.pk),
        main_spec=str(spec("Mage", "Frost").pk),
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["main_spec"] == [
        "Frost (Mage) is not a spec of Trogmoon's class (Druid)."
    ]
    player.refresh_from_db()
    assert player.main_spec is None


def test_idn13_main_and_offspec_are_saved_when_valid(superuser_client):
    character = WowCharacterFactory(playable_class=playable_class("Druid"))
    player = PlayerCharacterFactory(character=character).player

    save_change_form(
        superuser_client,
        player,
        main_character=str(character.pk),
        main_spec=str(spec("Druid", "Guardian").pk),
        offspec_character=str(character.pk),
        offspec_spec=str(spec("Druid", "Restoration").pk),
    )

    player.refresh_from_db()
    assert player.main_role.key == "tank"
    assert player.offspec_role.key == "healer"


def _add_inline_row(data: dict, character) -> dict:
    index = int(data["character_links-TOTAL_FORMS"])
    data[f"character_links-{index}-character"] = str(character.pk)
    data["character_links-TOTAL_FORMS"] = str(index + 1)
    return data


def test_idn12_inline_refuses_owned_character(superuser_client):
    owned = WowCharacterFactory(name="Rocketz")
    PlayerCharacterFactory(character=owned, player=PlayerFactory(display_name="Rocket"))
    player = PlayerFactory(display_name="Trog")

    data = _add_inline_row(form_data(superuser_client.get(change_url(player))), owned)
    response = superuser_client.post(change_url(player), data)

    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert formset.forms[0].errors["character"] == [
        "Rocketz-Sen'jin is already linked to Rocket; unlink it first."
    ]
    assert owned.link.player.display_name == "Rocket"


def test_idn43_inline_add_makes_a_manual_confirmed_link(officer_client, officer):
    character = WowCharacterFactory(automatch_blocked=True, guild_rank=rank("Veteran"))
    player = PlayerFactory()

    data = _add_inline_row(form_data(officer_client.get(change_url(player))), character)
    response = officer_client.post(change_url(player), data)

    assert response.status_code == 302
    link = PlayerCharacter.objects.get(character=character)
    assert (link.player, link.link_source, link.confidence, link.confirmed) == (
        player,
        "manual",
        "high",
        True,
    )
    assert link.linked_by == officer.player
    character.refresh_from_db()
    player.refresh_from_db()
    assert not character.automatch_blocked
    assert player.guild_rank == rank("Veteran")  # ranks follow link changes (IDN-15)


def test_idn43_inline_delete_unlinks(superuser_client):
    character = WowCharacterFactory()
    player = PlayerCharacterFactory(character=character).player
    Player.objects.filter(pk=player.pk).update(main_character=character)

    data = form_data(superuser_client.get(change_url(player)))
    data["character_links-0-DELETE"] = "on"
    response = superuser_client.post(change_url(player), data)

    assert response.status_code == 302
    assert not PlayerCharacter.objects.filter(character=character).exists()
    character.refresh_from_db()
    player.refresh_from_db()
    assert character.automatch_blocked
    assert player.main_character is None


def test_idn43_inline_character_of_an_existing_link_cannot_be_repointed(superuser_client):
    first, other = WowCharacterFactory(), WowCharacterFactory()
    player = PlayerCharacterFactory(character=first).player

    data = form_data(superuser_client.get(change_url(player)))
    data["character_links-0-character"] = str(other.pk)
    superuser_client.post(change_url(player), data)

    assert list(player.character_links.values_list("character", flat=True)) == [first.pk]


def test_idn43_link_character_button_on_player_page(superuser_client):
    player = PlayerFactory()
    link_url = reverse("admin:identity_player_link_character", args=[player.pk])

    page = superuser_client.get(change_url(player))

    assert link_url in page.content.decode()
    assert superuser_client.get(link_url).status_code == 200


def test_idn43_link_character_view_makes_a_manual_link(officer_client, officer):
    character = WowCharacterFactory(automatch_blocked=True)
    player = PlayerFactory()
    url = reverse("admin:identity_player_link_character", args=[player.pk])

    response = officer_client.post(url, {"character": character.pk})

    assert response.status_code == 302
    assert response.url == change_url(player)
    link = PlayerCharacter.objects.get(character=character)
    assert (link.player, link.link_source, link.confirmed, link.linked_by) == (
        player,
        "manual",
        True,
        officer.player,
    )
    character.refresh_from_db()
    assert not character.automatch_blocked
    assert messages_of(response) == [f"Linked {character} to {player}."]


def test_idn43_link_character_view_refuses_owned_character(superuser_client):
    owned = WowCharacterFactory(name="Rocketz")
    PlayerCharacterFactory(character=owned, player=PlayerFactory(display_name="Rocket"))
    player = PlayerFactory(display_name="Trog")
    url = reverse("admin:identity_player_link_character", args=[player.pk])

    response = superuser_client.post(url, {"character": owned.pk})

    assert response.status_code == 200
    assert messages_of(response) == [
        "Rocketz-Sen'jin is already linked to Rocket; unlink it first."
    ]
    assert owned.link.player.display_name == "Rocket"


def test_idn12_link_autocomplete_offers_only_unlinked_characters(superuser_client):
    free = WowCharacterFactory(name="Zulfree")
    PlayerCharacterFactory(character=WowCharacterFactory(name="Zultaken"))

    response = superuser_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "Zul",
            "app_label": "identity",
            "model_name": "playercharacter",
            "field_name": "character",
        },
    )

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [str(free.pk)]


def _invite(player, *, used=False, expired=False, dm_status="not_sent", dm_error=""):
    now = timezone.now()
    return InviteCode.objects.create(
        code=f"C{InviteCode.objects.count():07d}",
        player=player,
        created_at=now - timedelta(hours=2),
        expires_at=now - timedelta(hours=1) if expired else now + timedelta(hours=70),
        used_at=now if used else None,
        dm_status=dm_status,
        dm_error=dm_error,
    )


def test_acc33_website_account_column(superuser_client):
    expected = {}

    def player(status, discord=True, **invite):
        made = PlayerFactory(discord_user=DiscordUserFactory() if discord else None)
        if invite:
            _invite(made, **invite)
        expected[made.display_name] = status
        return made

    registered = player("Registered")
    Player.objects.filter(pk=registered.pk).update(user=make_user())
    player("Invite used", used=True)
    player("Invite expired", expired=True)
    player("Invite sent (DM)", dm_status="sent")
    player(
        "Invite DM failed: not in the Discord server",
        dm_status="failed",
        dm_error="not in the Discord server",
    )
    player("Invite created (not DMed)", dm_status="dms_off")
    player("Not invited")
    player("Needs Discord link", discord=False)
    # Only the newest invite counts: an old expired code does not hide a fresh one.
    fresh = player("Invite created (not DMed)", expired=True)
    _invite(fresh)

    response = superuser_client.get(changelist_url(Player))

    html = response.content.decode()
    for status in expected.values():
        assert status in html
    admin_class = response.context["cl"].model_admin
    assert {p.display_name: admin_class.website_account(p) for p in listed(response)} == expected


def _website_account_rows(html: str) -> list[str]:
    """The values of the change page's read-only rows labelled "Website account"."""
    return [
        re.sub(r"\s+", " ", value).strip()
        for value in re.findall(
            r"<label>Website account:</label>\s*<div class=\"readonly\">(.*?)</div>", html, re.S
        )
    ]


def test_acc33_player_page_shows_website_account_once(superuser_client):
    """Issue 11 item 14: one "Website account" row, the ACC-33 status with the username once
    registered (the `user` field's label duplicated it with another value)."""
    registered = PlayerFactory(discord_user=DiscordUserFactory())
    Player.objects.filter(pk=registered.pk).update(user=make_user("trogdor"))
    invited = PlayerFactory(discord_user=DiscordUserFactory())
    _invite(invited, dm_status="sent")

    registered_page = superuser_client.get(change_url(registered)).content.decode()
    invited_page = superuser_client.get(change_url(invited)).content.decode()

    assert registered_page.count("Website account:") == 1
    assert _website_account_rows(registered_page) == ["Registered: trogdor"]
    assert invited_page.count("Website account:") == 1
    assert _website_account_rows(invited_page) == ["Invite sent (DM)"]


def test_player_changelist_search_by_character_name(superuser_client):
    trog = PlayerFactory(display_name="Trog")
    PlayerCharacterFactory(player=trog, character=WowCharacterFactory(name="Trogmoon"))
    PlayerCharacterFactory(player=trog, character=WowCharacterFactory(name="Trogbear"))
    PlayerFactory(display_name="Rocket")

    response = superuser_client.get(changelist_url(Player), {"q": "trogm"})

    assert listed(response) == [trog]


def test_player_changelist_search_by_discord_username(superuser_client):
    rocket = PlayerFactory(display_name="Rocket", discord_user=DiscordUserFactory(username="rkt"))
    PlayerFactory(display_name="Trog")

    assert listed(superuser_client.get(changelist_url(Player), {"q": "rkt"})) == [rocket]


def test_player_changelist_filters(superuser_client):
    linked = PlayerFactory(display_name="Linked", discord_user=DiscordUserFactory())
    registered = PlayerFactory(display_name="Registered", user=make_user())
    manual = PlayerFactory(
        display_name="Manual", guild_rank=rank("Officer"), rank_source=RankSource.MANUAL
    )
    inactive = PlayerFactory(display_name="Gone", is_active=False)
    url = changelist_url(Player)

    assert listed(superuser_client.get(url, {"has_discord": "yes"})) == [linked]
    assert listed(superuser_client.get(url, {"has_account": "yes"})) == [registered]
    assert registered not in listed(superuser_client.get(url, {"has_account": "no"}))
    assert listed(superuser_client.get(url, {"rank_source__exact": "manual"})) == [manual]
    assert listed(superuser_client.get(url, {"guild_rank__id__exact": rank("Officer").pk})) == [
        manual
    ]
    assert listed(superuser_client.get(url, {"is_active__exact": "0"})) == [inactive]


def test_player_changelist_columns_link_discord_user_and_main(superuser_client):
    character = WowCharacterFactory(name="Trogmoon")
    player = PlayerCharacterFactory(
        character=character, player=PlayerFactory(discord_user=DiscordUserFactory())
    ).player
    Player.objects.filter(pk=player.pk).update(main_character=character)

    html = superuser_client.get(changelist_url(Player)).content.decode()

    assert change_url(player.discord_user) in html
    assert change_url(character) in html


# --- IDN-8, IDN-9: characters ----------------------------------------------------------------


def test_idn8_synced_fields_are_read_only_only_automatch_blocked_is_editable(superuser_client):
    character = WowCharacterFactory(name="Trogmoon", level=80, guild_note="main")

    page = superuser_client.get(change_url(character))
    assert set(page.context["adminform"].form.fields) == {"automatch_blocked"}
    data = {**form_data(page), "name": "Hacked", "level": "1", "guild_note": "x"}
    data["automatch_blocked"] = "on"
    response = superuser_client.post(change_url(character), data)

    assert response.status_code == 302
    character.refresh_from_db()
    assert (character.name, character.level, character.guild_note) == ("Trogmoon", 80, "main")
    assert character.automatch_blocked


def test_idn8_only_superusers_add_characters(officer_client, superuser_client):
    assert officer_client.get(add_url(WowCharacter)).status_code == 403
    assert superuser_client.get(add_url(WowCharacter)).status_code == 200


def _character_with_everything():
    """Trogmoon: Trog's main and off-spec, on the raid roster, with history and an issue."""
    trog = PlayerFactory(display_name="Trog", guild_rank=rank("Member"))
    character = WowCharacterFactory(name="Trogmoon", realm_slug="stormrage", realm_name="Stormrage")
    PlayerCharacterFactory(player=trog, character=character, on_raid_roster=True)
    balance = spec("Druid", "Balance")
    Player.objects.filter(pk=trog.pk).update(
        main_character=character, main_spec=balance, offspec_character=character
    )
    CharacterNameHistory.objects.create(
        character=character,
        old_name="Trogmoo",
        old_realm_slug="stormrage",
        new_name="Trogmoon",
        new_realm_slug="stormrage",
        reason="rename",
    )
    AuditIssue.objects.create(
        issue_type="stale_character",
        severity=AuditIssue.Severity.INFO,
        character=character,
        dedup_key="stale_character:trogmoon",
        summary="Trogmoon has not logged in for 40 days",
    )
    return trog, character


def test_officer_deletes_a_character_after_a_confirmation_naming_what_goes_with_it(
    officer_client,
):
    """Issue 11 item 17: an officer (staff by rank, not a superuser) deletes a character; the
    confirmation names the link, history and issues that go with it and what happens to the
    owner; the delete unlinks through the link service (IDN-13: main/off-spec cleared)."""
    trog, character = _character_with_everything()

    page = officer_client.get(delete_url(character))

    assert page.status_code == 200
    html = re.sub(r"<[^>]+>", "", page.content.decode())  # the text, links unwrapped
    assert "permission to delete" not in html
    assert "Also affected" in html
    assert "Character link: Trogmoon-Stormrage → Trog" in html
    assert "Character name history: Trogmoo-stormrage → Trogmoon-stormrage" in html
    assert "Audit issue: Trogmoon has not logged in for 40 days" in html
    for line in (
        "Trogmoon-Stormrage is unlinked from Trog.",
        "Trog has no main character until one is chosen again.",
        "Trog has no off-spec character until one is chosen again.",
        "Trogmoon-Stormrage leaves Trog&#x27;s raid roster.",
        "Trog&#x27;s rank is worked out again from their other characters.",
        "Trogmoon-Stormrage is still in the guild: the next Blizzard sync adds it back",
    ):
        assert line in html

    response = officer_client.post(delete_url(character), {"post": "yes"})

    assert response.status_code == 302
    assert not WowCharacter.objects.filter(pk=character.pk).exists()
    assert not PlayerCharacter.objects.filter(player=trog).exists()
    assert not CharacterNameHistory.objects.exists()
    assert not AuditIssue.objects.filter(dedup_key="stale_character:trogmoon").exists()
    trog.refresh_from_db()
    assert (trog.main_character, trog.main_spec, trog.offspec_character) == (None, None, None)


def test_officer_bulk_deletes_characters_with_the_same_confirmation(officer_client):
    trog, character = _character_with_everything()
    spare = WowCharacterFactory(name="Sparechar", in_guild=False)

    confirm = run_action(officer_client, WowCharacter, "delete_selected", [character, spare])

    assert confirm.status_code == 200
    assert "Trogmoon-Stormrage is unlinked from Trog." in confirm.content.decode()
    run_action(officer_client, WowCharacter, "delete_selected", [character, spare], post="yes")
    assert not WowCharacter.objects.filter(pk__in=[character.pk, spare.pk]).exists()
    trog.refresh_from_db()
    assert trog.main_character_id is None


def test_a_plain_member_cannot_delete_a_character():
    member = make_user("plainmember")
    PlayerFactory(display_name="Plain", user=member, guild_rank=rank("Member"))
    sync_officer_access(member)
    character = WowCharacterFactory()

    client = logged_in(member)
    assert client.get(delete_url(character)).status_code == 403
    assert client.post(delete_url(character), {"post": "yes"}).status_code == 403
    assert WowCharacter.objects.filter(pk=character.pk).exists()


def test_idn8_character_changelist_filters_linked_unlinked_and_blocked(superuser_client):
    linked = PlayerCharacterFactory().character
    free = WowCharacterFactory()
    blocked = WowCharacterFactory(automatch_blocked=True)
    gone = WowCharacterFactory(in_guild=False, left_guild_at=timezone.now())
    url = changelist_url(WowCharacter)

    assert listed(superuser_client.get(url, {"linked": "yes"})) == [linked]
    assert set(listed(superuser_client.get(url, {"linked": "no"}))) == {free, blocked, gone}
    assert listed(superuser_client.get(url, {"automatch_blocked__exact": "1"})) == [blocked]
    assert listed(superuser_client.get(url, {"in_guild__exact": "0"})) == [gone]


def test_idn8_character_changelist_search_by_note_and_filter_by_class(superuser_client):
    noted = WowCharacterFactory(officer_note="alt of Trog")
    mage = WowCharacterFactory(playable_class=playable_class("Mage"))
    url = changelist_url(WowCharacter)

    assert listed(superuser_client.get(url, {"q": "alt of trog"})) == [noted]
    assert listed(
        superuser_client.get(url, {"playable_class__id__exact": playable_class("Mage").pk})
    ) == [mage]


def test_idn8_character_changelist_shows_owner_link(superuser_client):
    link = PlayerCharacterFactory()

    html = superuser_client.get(changelist_url(WowCharacter)).content.decode()

    assert change_url(link.player) in html


def test_idn9_character_page_shows_owner_and_name_history(superuser_client):
    link = PlayerCharacterFactory(player=PlayerFactory(display_name="Trog"))
    CharacterNameHistory.objects.create(
        character=link.character,
        old_name="Trogmoonx",
        old_realm_slug="senjin",
        new_name=link.character.name,
        new_realm_slug="senjin",
        reason="rename",
    )

    html = superuser_client.get(change_url(link.character)).content.decode()

    assert change_url(link.player) in html
    assert "Trogmoonx" in html


# --- IDN-43: character links -----------------------------------------------------------------


def test_idn43_confirm_action(officer_client, officer):
    link = PlayerCharacterFactory(link_source="fuzzy", confidence="medium", confirmed=False)
    already = PlayerCharacterFactory()

    response = run_action(officer_client, PlayerCharacter, "confirm", [link, already])

    link.refresh_from_db()
    assert (link.confirmed, link.confidence, link.confirmed_by) == (True, "high", officer.player)
    assert link.confirmed_at is not None
    assert messages_of(response) == ["Confirmed 1 links. 1 were already confirmed."]


def test_idn43_unlink_blocks_automatch_and_clears_main(superuser_client):
    character = WowCharacterFactory(guild_rank=rank("Officer"))
    other = WowCharacterFactory(guild_rank=rank("Member"))
    player = PlayerFactory(display_name="Trog")
    link = PlayerCharacterFactory(player=player, character=character)
    PlayerCharacterFactory(player=player, character=other)
    Player.objects.filter(pk=player.pk).update(
        main_character=character,
        main_spec=spec("Druid", "Guardian"),
        guild_rank=rank("Officer"),
    )

    response = run_action(superuser_client, PlayerCharacter, "unlink", [link])

    assert not PlayerCharacter.objects.filter(pk=link.pk).exists()
    character.refresh_from_db()
    player.refresh_from_db()
    assert character.automatch_blocked
    assert (player.main_character, player.main_spec) == (None, None)
    assert player.guild_rank == rank("Member")  # recomputed from the remaining character
    assert messages_of(response) == [
        f"Unlinked 1 characters: {character} from Trog. "
        "Automatic matching will not link them again."
    ]


def test_idn43_links_are_not_added_or_deleted_directly(superuser_client):
    link = PlayerCharacterFactory()

    assert superuser_client.get(add_url(PlayerCharacter)).status_code == 403
    assert superuser_client.post(delete_url(link), {"post": "yes"}).status_code == 403
    actions = superuser_client.get(changelist_url(PlayerCharacter)).context["action_form"]
    assert [name for name, _ in actions.fields["action"].choices if name] == [
        "confirm",
        "unlink",
    ]


def test_idn11_link_changelist_filters_by_source_confidence_and_confirmed(superuser_client):
    fuzzy = PlayerCharacterFactory(link_source="fuzzy", confidence="medium", confirmed=False)
    manual = PlayerCharacterFactory()
    url = changelist_url(PlayerCharacter)

    assert listed(superuser_client.get(url, {"link_source__exact": "fuzzy"})) == [fuzzy]
    assert listed(superuser_client.get(url, {"confidence__exact": "high"})) == [manual]
    assert listed(superuser_client.get(url, {"confirmed__exact": "0"})) == [fuzzy]


# --- IDN-7: Discord users --------------------------------------------------------------------


def test_idn7_discord_user_changelist_search_and_present_filter(superuser_client):
    here = DiscordUserFactory(username="rocket")
    gone = DiscordUserFactory(username="rocketeer", is_present=False, left_at=timezone.now())
    DiscordUserFactory(username="trog")
    url = changelist_url(DiscordUser)

    assert set(listed(superuser_client.get(url, {"q": "rocket"}))) == {here, gone}
    assert listed(superuser_client.get(url, {"q": "rocket", "is_present__exact": "0"})) == [gone]


def test_idn7_discord_users_are_read_only(superuser_client, officer_client):
    discord_user = DiscordUserFactory(username="rocket")

    page = superuser_client.get(change_url(discord_user))
    assert set(page.context["adminform"].form.fields) == set()
    superuser_client.post(change_url(discord_user), {"username": "hacked"})
    assert superuser_client.get(add_url(DiscordUser)).status_code == 403
    assert officer_client.post(change_url(discord_user), {}).status_code == 403

    discord_user.refresh_from_db()
    assert discord_user.username == "rocket"


# --- ACC-30: invite codes --------------------------------------------------------------------


def test_acc30_invite_add_form_asks_player_and_hours(superuser_client, settings):
    settings.INVITE_CODE_TTL_HOURS = 48

    page = superuser_client.get(add_url(InviteCode))

    form = page.context["adminform"].form
    assert list(form.fields) == ["player", "hours"]
    assert form["hours"].value() == 48


def test_acc30_invite_add_generates_code(officer_client, officer):
    player = PlayerFactory(display_name="Rocket", discord_user=DiscordUserFactory())
    InviteCode.objects.create(code="OLDCODE2", player=player)

    before = timezone.now()
    response = officer_client.post(add_url(InviteCode), {"player": player.pk, "hours": "24"})

    invite = InviteCode.objects.exclude(code="OLDCODE2").get()
    assert response.status_code == 302
    assert response.url == change_url(invite)
    assert len(invite.code) == 8
    assert (invite.player, invite.created_by) == (player, officer.player)
    assert before + timedelta(hours=24) <= invite.expires_at <= timezone.now() + timedelta(hours=24)
    assert InviteCode.objects.get(code="OLDCODE2").status == "Expired"  # ACC-28
    [message] = messages_of(response)
    assert message.startswith(f"Invite {invite.code} created for Rocket;")
    assert f"/register?code={invite.code}" in message


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"user": True}, "Rocket already has a website account."),
        ({"is_active": False}, "Rocket is inactive."),
        (
            {"discord_user": None},
            "Rocket has no Discord account linked; an invite needs their Discord username.",
        ),
    ],
)
def test_acc29_invite_add_refuses_players_who_could_not_redeem(superuser_client, fields, error):
    values = {"discord_user": DiscordUserFactory(), "is_active": True, **fields}
    if values.pop("user", False):
        values["user"] = make_user()
    player = PlayerFactory(display_name="Rocket", **values)

    response = superuser_client.post(add_url(InviteCode), {"player": player.pk, "hours": "72"})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["player"] == [error]
    assert not InviteCode.objects.exists()


def test_acc30_invite_codes_cannot_be_edited(superuser_client):
    invite = _invite(PlayerFactory())

    page = superuser_client.get(change_url(invite))
    assert page.status_code == 200
    assert invite.code in page.content.decode()
    assert 'name="code"' not in page.content.decode()
    response = superuser_client.post(
        change_url(invite), {"code": "HACKED22", "player": invite.player_id}
    )

    assert response.status_code == 403
    invite.refresh_from_db()
    assert invite.code != "HACKED22"


def test_acc30_expire_now_action(officer_client):
    valid = _invite(PlayerFactory())
    used = _invite(PlayerFactory(), used=True)

    response = run_action(officer_client, InviteCode, "expire_now", [valid, used])

    valid.refresh_from_db()
    used.refresh_from_db()
    assert valid.status == "Expired"
    assert used.status == "Used"
    assert messages_of(response) == ["Expired 1 invite codes. 1 were already used or expired."]


def test_acc30_invite_changelist_status_filter_and_search(superuser_client):
    valid = _invite(PlayerFactory(display_name="Valid Val"))
    used = _invite(PlayerFactory(display_name="Used Ursula"), used=True)
    expired = _invite(PlayerFactory(display_name="Expired Ed"), expired=True)
    failed = _invite(PlayerFactory(display_name="Failed Fay"), dm_status="failed")
    url = changelist_url(InviteCode)

    assert set(listed(superuser_client.get(url, {"status": "valid"}))) == {valid, failed}
    assert listed(superuser_client.get(url, {"status": "used"})) == [used]
    assert listed(superuser_client.get(url, {"status": "expired"})) == [expired]
    assert listed(superuser_client.get(url, {"dm_status__exact": "failed"})) == [failed]
    assert listed(superuser_client.get(url, {"q": "ursula"})) == [used]
    assert listed(superuser_client.get(url, {"q": valid.code})) == [valid]


# --- IDN-17: audit issues and sync runs ------------------------------------------------------


def _issue(key, **fields):
    return AuditIssue.objects.create(
        issue_type=fields.pop("issue_type", "orphan_wow"),
        severity=fields.pop("severity", 20),
        dedup_key=key,
        summary=fields.pop("summary", f"Issue {key}"),
        **fields,
    )


def test_idn17_audit_issue_filters_and_search(superuser_client):
    now = timezone.now()
    open_issue = _issue("a", summary="Trogmoon has no player", character=WowCharacterFactory())
    resolved = _issue("b", resolved_at=now)
    dismissed = _issue("c", dismissed_at=now, severity=30, issue_type="role_mismatch")
    url = changelist_url(AuditIssue)

    assert set(listed(superuser_client.get(url, {"state": "open"}))) == {open_issue, dismissed}
    assert listed(superuser_client.get(url, {"state": "resolved"})) == [resolved]
    assert listed(superuser_client.get(url, {"dismissed": "yes"})) == [dismissed]
    assert listed(superuser_client.get(url, {"severity__exact": "30"})) == [dismissed]
    assert listed(superuser_client.get(url, {"issue_type__exact": "role_mismatch"})) == [dismissed]
    response = superuser_client.get(url, {"q": "trogmoon"})
    assert listed(response) == [open_issue]
    assert change_url(open_issue.character) in response.content.decode()
    assert superuser_client.get(add_url(AuditIssue)).status_code == 403


def _sync_run():
    now = timezone.now()
    return SyncRun.objects.create(
        source="blizzard_roster",
        trigger="schedule",
        status="success",
        started_at=now - timedelta(seconds=12),
        finished_at=now,
        duration_seconds=12.34,
        counts={"found": 120, "new": 3},
    )


def test_idn17_sync_runs_are_read_only_and_officers_cannot_delete(officer_client, superuser_client):
    run = _sync_run()

    page = officer_client.get(changelist_url(SyncRun))
    html = page.content.decode()
    # jsonb on PostgreSQL reorders keys, so the summary's order is the database's.
    assert "found 120" in html and "new 3" in html and "12.3 s" in html
    assert officer_client.post(delete_url(run), {"post": "yes"}).status_code == 403
    assert officer_client.post(change_url(run), {"status": "error"}).status_code == 403
    assert superuser_client.get(add_url(SyncRun)).status_code == 403
    assert superuser_client.post(change_url(run), {"status": "error"}).status_code == 403
    run.refresh_from_db()
    assert run.status == "success"

    superuser_client.post(delete_url(run), {"post": "yes"})
    assert not SyncRun.objects.filter(pk=run.pk).exists()


# --- ACC-5, ACC-6: SiteConfig ----------------------------------------------------------------


def test_acc5_siteconfig_cannot_be_added_or_deleted(superuser_client):
    config = SiteConfig.get()

    assert superuser_client.get(add_url(SiteConfig)).status_code == 403
    assert superuser_client.post(delete_url(config), {"post": "yes"}).status_code == 403
    response = run_action(superuser_client, SiteConfig, "delete_selected", [config], post="yes")
    assert response.status_code == 302  # the changelist redirect: no action ran
    assert SiteConfig.objects.count() == 1


def test_acc5_siteconfig_changelist_opens_the_row(superuser_client):
    SiteConfig.objects.all().delete()  # QuerySet.delete: only a test can do this

    response = superuser_client.get(changelist_url(SiteConfig))

    assert response.status_code == 302
    assert response.url == reverse("admin:patt_siteconfig_change", args=[1])
    assert SiteConfig.objects.filter(pk=1).exists()


def test_acc6_siteconfig_fieldsets(superuser_client):
    page = superuser_client.get(change_url(SiteConfig.get()))

    names = [fieldset.name for fieldset in page.context["adminform"]]
    assert names[:4] == ["Guild identity", "Landing page", "Discord", "Onboarding & bot"]
    editable = set(page.context["adminform"].form.fields)
    model_fields = {
        f.name
        for f in SiteConfig._meta.get_fields()
        if getattr(f, "editable", False) and f.concrete
    } - {"id", "updated_at"}
    assert model_fields <= editable  # nothing a later issue adds goes missing


def test_acc5_officer_changes_siteconfig(officer_client):
    config = SiteConfig.get()

    response = save_change_form(officer_client, config, tagline="Loot is temporary")

    assert response.status_code == 302
    clear_site_config_cache()
    assert SiteConfig.get().tagline == "Loot is temporary"


def test_admin_header_uses_the_guild_name(superuser_client):
    SiteConfig.objects.filter(pk=SiteConfig.get().pk).update(guild_name="Salt All The Things")
    clear_site_config_cache()

    html = superuser_client.get(reverse("admin:index")).content.decode()

    assert "Salt All The Things admin" in html
    # The site's icon, so browsers do not ask for a missing /favicon.ico on every admin page.
    assert 'rel="icon" href="/static/img/favicon.svg"' in html


# --- ACC-38: officers use the admin; query counts stay flat ----------------------------------


def test_acc38_officer_opens_player_and_character_changelists(officer_client):
    link = PlayerCharacterFactory()

    for model in (Player, WowCharacter, PlayerCharacter, InviteCode, GuildRank, DiscordUser):
        assert officer_client.get(changelist_url(model)).status_code == 200, model
    for url in (change_url(link.player), change_url(link.character), add_url(InviteCode)):
        assert officer_client.get(url).status_code == 200, url


def test_idn13_new_player_form_offers_no_main_character(superuser_client):
    WowCharacterFactory()  # unlinked: must not be offered to a player that owns nothing

    page = superuser_client.get(add_url(Player))

    assert list(page.context["adminform"].form.fields["main_character"].queryset) == []


def build_guild(count: int, start: int = 0) -> None:
    """`count` players with two characters each (plus unlinked ones), with bulk_create."""
    ranks = list(GuildRank.objects.all())
    druid = PlayableClass.objects.get(name="Druid")
    numbers = range(start, start + count)
    characters = WowCharacter.objects.bulk_create(
        WowCharacter(
            name=f"Char{n}{suffix}",
            name_key=f"char{n}{suffix}",
            realm_slug="senjin",
            realm_name="Sen'jin",
            playable_class=druid,
            level=80,
            guild_rank=ranks[n % len(ranks)],
            guild_rank_index=ranks[n % len(ranks)].wow_rank_index,
        )
        for n in numbers
        for suffix in ("a", "b", "c")
    )
    discord_users = DiscordUser.objects.bulk_create(
        DiscordUser(discord_id=str(300_000_000_000_000_000 + n), username=f"member{n}")
        for n in numbers
    )
    users = User.objects.bulk_create(User(username=f"web{n}") for n in numbers if n % 4 == 0)
    users_by_number = dict(zip([n for n in numbers if n % 4 == 0], users, strict=True))
    players = Player.objects.bulk_create(
        Player(
            display_name=f"Player {n:05d}",
            discord_user=discord_users[i] if n % 3 else None,
            user=users_by_number.get(n),
            guild_rank=ranks[n % len(ranks)],
            main_character=characters[3 * i],
        )
        for i, n in enumerate(numbers)
    )
    # Two linked characters per player; the third stays unlinked.
    PlayerCharacter.objects.bulk_create(
        PlayerCharacter(
            player=player,
            character=characters[3 * i + offset],
            link_source="exact_name",
            confidence="high",
            confirmed=True,
        )
        for i, player in enumerate(players)
        for offset in (0, 1)
    )
    now = timezone.now()
    InviteCode.objects.bulk_create(
        InviteCode(
            code=f"Q{n:07d}",
            player=player,
            created_at=now,
            expires_at=now + timedelta(hours=72),
            dm_status="sent" if n % 2 else "failed",
        )
        for n, player in zip(numbers, players, strict=True)
        if n % 5 == 1
    )


def count_queries(client, url) -> tuple[int, int]:
    clear_site_config_cache()  # the same cache state for every measurement
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.context["cl"].result_count


def test_player_and_character_changelists_issue_constant_queries(
    superuser_client, django_assert_max_num_queries
):
    urls = [changelist_url(Player), changelist_url(WowCharacter)]
    build_guild(10)
    small = [count_queries(superuser_client, url) for url in urls]

    build_guild(990, start=10)
    large = [count_queries(superuser_client, url) for url in urls]

    assert [count for _, count in small] == [10, 30]
    assert [count for _, count in large] == [1000, 3000]
    assert [queries for queries, _ in small] == [queries for queries, _ in large]
    for url in urls:
        with django_assert_max_num_queries(12):
            superuser_client.get(url)
