"""IDN-15 / ACC-35: an officer who left the guild keeps the rank but not the staff access.

Left the guild = a linked character or a Discord user on record, but no in-guild character
(an unconfirmed roster-form claim does not count) and no present Discord user. Issue 11 item 4.
"""

import pytest
from django.contrib.auth import get_user_model

from identity.models import LinkSource, RankSource
from identity.services.accounts import (
    OFFICERS_GROUP,
    officers_who_left,
    sync_officer_access,
    sync_officer_access_for_players,
)
from identity.services.viewer import viewer_and_access
from tests.factories import (
    DiscordUserFactory,
    PlayerCharacterFactory,
    PlayerFactory,
    WowCharacterFactory,
    rank,
)

pytestmark = pytest.mark.django_db
User = get_user_model()


def officer(*, characters=(), discord=None, superuser=False, username="olga"):
    """An Officer (manual rank, so nothing recomputes it) with the given characters (in_guild
    flags, or (in_guild, link_source, confirmed)) and Discord user presence (None: none)."""
    user = User.objects.create(username=username, is_superuser=superuser, is_staff=superuser)
    player = PlayerFactory(
        user=user,
        guild_rank=rank("Officer"),
        rank_source=RankSource.MANUAL,
        discord_user=None if discord is None else DiscordUserFactory(is_present=discord),
    )
    for spec in characters:
        in_guild, source, confirmed = spec if isinstance(spec, tuple) else (spec, "manual", True)
        PlayerCharacterFactory(
            player=player,
            character=WowCharacterFactory(in_guild=in_guild),
            link_source=source,
            confirmed=confirmed,
        )
    return user


def staff(user) -> bool:
    user.refresh_from_db()
    in_group = user.groups.filter(name=OFFICERS_GROUP).exists()
    assert user.is_staff == in_group  # the two always move together (ACC-35)
    return user.is_staff


@pytest.mark.parametrize(
    "characters,discord,expected",
    [
        ([False], None, False),  # the only character left, no Discord user: withdrawn
        ([False], False, False),  # ... and the Discord user left the server too
        ([], False, False),  # only a Discord user, who left
        ([False], True, True),  # character left, still on the Discord server: kept
        ([True, False], None, True),  # one character still in the guild: kept
        ([], True, True),  # Discord only, present: kept
        ([], None, True),  # nothing on record: no sign of having left (see the module doc)
        ([(True, LinkSource.ROSTER_FORM, False)], None, False),  # an unconfirmed claim only
        ([(True, LinkSource.ROSTER_FORM, True)], None, True),  # the claim once confirmed
    ],
)
def test_idn15_officer_who_left_the_guild_loses_staff_access(characters, discord, expected):
    user = officer(characters=characters, discord=discord)

    sync_officer_access_for_players()

    assert staff(user) is expected
    assert user.player.guild_rank.name == "Officer"  # the rank stays for history
    assert viewer_and_access(user)[1].officer is expected  # the per-request check agrees
    assert officers_who_left().filter(user=user).exists() is not expected


def test_idn15_a_returning_officer_gets_staff_access_back():
    user = officer(characters=[False])
    sync_officer_access(user)
    assert not staff(user)

    character = user.player.character_links.get().character
    character.in_guild = True
    character.save()
    sync_officer_access(user)

    assert staff(user)


def test_acc35_a_superuser_who_left_stays_superuser_and_staff():
    user = officer(characters=[False], superuser=True)

    sync_officer_access_for_players()

    user.refresh_from_db()
    assert user.is_superuser and user.is_staff
    assert not officers_who_left().exists()  # no access was withdrawn, so no issue either
