"""Building roster players and officers for the raid planner tests (ROS-30 … ROS-52)."""

from identity.models import DiscordUser, Player, PlayerCharacter, WowCharacter
from patt.models import SiteConfig
from roster.models import PlayerAvailability, RaidPreferences
from tests.factories import (
    DiscordUserFactory,
    PlayerCharacterFactory,
    PlayerFactory,
    UserFactory,
    WowCharacterFactory,
    playable_class,
    rank,
    spec,
)

SERVER_ID = "800000000000000001"  # the fake's default server id
LEADER_ID = "195547238959677441"
SIGNUP_CHANNEL = "300000000000000001"
VOICE_CHANNEL = "300000000000000002"
EVENT_CHANNEL = "300000000000000003"


def roster_player(
    name: str,
    class_name: str = "Druid",
    spec_name: str | None = "Balance",
    *,
    days=(),
    auto_signup: bool = False,
    wants_reminders: bool = False,
    notes: str = "",
    discord: bool = True,
    character: str | None = None,
    rank_name: str = "Member",
) -> Player:
    """A roster player (ROS-1) with one roster character, its main; Discord username = `name`
    (ROS-5) unless `discord=False`; available on `days` (0 = Monday)."""
    discord_user = DiscordUserFactory(username=name) if discord else None
    player = PlayerFactory(
        display_name=name.title(), discord_user=discord_user, guild_rank=rank(rank_name)
    )
    RaidPreferences.objects.create(
        player=player, auto_signup=auto_signup, wants_reminders=wants_reminders, notes=notes
    )
    PlayerAvailability.objects.bulk_create(
        PlayerAvailability(player=player, weekday=d, available=d in days) for d in range(7)
    )
    wow = WowCharacterFactory(
        name=character or name.title() + "char", playable_class=playable_class(class_name)
    )
    PlayerCharacterFactory(
        player=player,
        character=wow,
        on_raid_roster=True,
        raid_spec=spec(class_name, spec_name) if spec_name else None,
    )
    player.main_character = wow
    player.save()
    return player


def bulk_roster(count: int, *, days=(0, 3, 4), prefix: str = "bulk", first_id: int = 0) -> None:
    """`count` roster players made with bulk inserts (for the query-count tests); Discord ids
    start at 2e17 + `first_id`."""
    druid = playable_class("Druid")
    balance = spec("Druid", "Balance")
    users = DiscordUser.objects.bulk_create(
        DiscordUser(
            discord_id=str(200_000_000_000_000_000 + first_id + i), username=f"{prefix}{i:04d}"
        )
        for i in range(count)
    )
    players = Player.objects.bulk_create(
        Player(
            display_name=f"{prefix.title()} {i:04d}", discord_user=user, guild_rank=rank("Member")
        )
        for i, user in enumerate(users)
    )
    characters = WowCharacter.objects.bulk_create(
        WowCharacter(
            name=f"{prefix.title()}{i:04d}",
            name_key=f"{prefix}{i:04d}",
            realm_slug="senjin",
            realm_name="Sen'jin",
            playable_class=druid,
            level=80,
        )
        for i in range(count)
    )
    PlayerCharacter.objects.bulk_create(
        PlayerCharacter(
            player=p,
            character=c,
            link_source=PlayerCharacter.LinkSource.MANUAL,
            confidence=PlayerCharacter.Confidence.HIGH,
            confirmed=True,
            on_raid_roster=True,
            raid_spec=balance,
        )
        for p, c in zip(players, characters, strict=True)
    )
    for p, c in zip(players, characters, strict=True):
        p.main_character = c
    Player.objects.bulk_update(players, ["main_character"])
    RaidPreferences.objects.bulk_create(
        RaidPreferences(player=p, auto_signup=True) for p in players
    )
    PlayerAvailability.objects.bulk_create(
        PlayerAvailability(player=p, weekday=d, available=d in days)
        for p in players
        for d in range(7)
    )


def officer(rank_name: str = "Officer", **user_fields):
    """A signed-in-able user whose Player has an officer rank (ROS-30)."""
    user = UserFactory(**user_fields)
    PlayerFactory(user=user, guild_rank=rank(rank_name), display_name=user.username.title())
    return user


def configure_raid_helper(**fields) -> SiteConfig:
    """SiteConfig with the Raid-Helper server, leader and channels set (ROS-41)."""
    config = SiteConfig.get()
    values = {
        "raid_helper_server_id": SERVER_ID,
        "raid_helper_leader_id": LEADER_ID,
        "raid_channel_signup": SIGNUP_CHANNEL,
        **fields,
    }
    for name, value in values.items():
        setattr(config, name, value)
    config.save()
    return config
