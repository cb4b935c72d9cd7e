"""Building roster players for the /roster-view and composition tests."""

from django.utils import timezone

from identity.models import DiscordUser, Player, PlayerCharacter, WowCharacter
from roster.models import PlayerAvailability, RaidPreferences
from tests.factories import (
    DiscordUserFactory,
    PlayerCharacterFactory,
    PlayerFactory,
    WowCharacterFactory,
    playable_class,
    spec,
)


def roster_player(
    display_name: str,
    *characters: tuple,
    days=(),
    notes: str = "",
    auto_signup: bool = False,
    wants_reminders: bool = False,
    discord: str | None = None,
    main: int | None = 0,
    main_spec: bool = False,
    **player_fields,
) -> Player:
    """A roster player (ROS-1): preferences, availability on `days` (0 = Monday) and roster
    characters given as (name, class name, spec name or None). `main` is the index of the
    character that becomes Player.main_character (None: no main)."""
    discord_user = DiscordUserFactory(username=discord) if discord else None
    player = PlayerFactory(display_name=display_name, discord_user=discord_user, **player_fields)
    RaidPreferences.objects.create(
        player=player, notes=notes, auto_signup=auto_signup, wants_reminders=wants_reminders
    )
    PlayerAvailability.objects.bulk_create(
        PlayerAvailability(player=player, weekday=d, available=d in days) for d in range(7)
    )
    now = timezone.now()
    for index, (name, class_name, spec_name) in enumerate(characters):
        character = WowCharacterFactory(name=name, playable_class=playable_class(class_name))
        PlayerCharacterFactory(
            player=player,
            character=character,
            on_raid_roster=True,
            raid_spec=spec(class_name, spec_name) if spec_name else None,
            linked_at=now + timezone.timedelta(seconds=index),
        )
        if index == main:
            player.main_character = character
            if main_spec and spec_name:
                player.main_spec = spec(class_name, spec_name)
    player.save()
    return player


def bulk_guild(count: int, *, alts: int = 2, start: int = 0) -> None:
    """`count` roster players with a main and `alts` alts each, written in bulk (fast enough
    for 1,000 players): Discord users for every other player, notes on every third one,
    availability on two weekdays each."""
    druid, mage = playable_class("Druid"), playable_class("Mage")
    balance, fire = spec("Druid", "Balance"), spec("Mage", "Fire")
    discord_users = DiscordUser.objects.bulk_create(
        DiscordUser(discord_id=str(200_000_000_000_000_000 + n), username=f"member{n}")
        for n in range(start, start + count, 2)
    )
    players = Player.objects.bulk_create(
        Player(
            display_name=f"Player {n:04d}",
            discord_user=discord_users[(n - start) // 2] if (n - start) % 2 == 0 else None,
        )
        for n in range(start, start + count)
    )
    RaidPreferences.objects.bulk_create(
        RaidPreferences(player=p, notes="busy" if n % 3 == 0 else "", auto_signup=n % 2 == 0)
        for n, p in enumerate(players)
    )
    PlayerAvailability.objects.bulk_create(
        PlayerAvailability(player=p, weekday=d, available=d in (n % 7, (n + 3) % 7))
        for n, p in enumerate(players)
        for d in range(7)
    )
    characters = WowCharacter.objects.bulk_create(
        WowCharacter(
            name=f"C{n:04d}x{k}",
            name_key=f"c{n:04d}x{k}",
            realm_slug="senjin",
            realm_name="Sen'jin",
            playable_class=druid if k == 0 else mage,
        )
        for n in range(start, start + count)
        for k in range(alts + 1)
    )
    PlayerCharacter.objects.bulk_create(
        PlayerCharacter(
            player=players[i // (alts + 1)],
            character=character,
            link_source=PlayerCharacter.LinkSource.MANUAL,
            confidence=PlayerCharacter.Confidence.HIGH,
            confirmed=True,
            on_raid_roster=True,
            raid_spec=balance if i % (alts + 1) == 0 else fire,
        )
        for i, character in enumerate(characters)
    )
    for i, player in enumerate(players):
        player.main_character = characters[i * (alts + 1)]
    Player.objects.bulk_update(players, ["main_character"])
