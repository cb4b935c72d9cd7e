"""The guild the Sheets import tests start from, and a snapshot of what the import writes."""

import json
from pathlib import Path

from identity.models import DiscordUser, Player, PlayerCharacter, WowCharacter
from patt.models import Quote, QuoteTitle
from roster.models import PlayerAvailability, RaidPreferences, UpdatedVia
from tests.factories import (
    DiscordUserFactory,
    PlayerCharacterFactory,
    PlayerFactory,
    WowCharacterFactory,
    playable_class,
    rank,
)

EXPORT_PATH = Path(__file__).resolve().parent.parent / "fixtures" / "sheets_export.json"


def export_data() -> dict:
    return json.loads(EXPORT_PATH.read_text(encoding="utf-8"))


def existing_guild() -> dict:
    """What the Blizzard and Discord syncs already know before the import:

    - in-guild characters on Sen'jin (the sheet links them rather than creating them), one of
      them a Druid the sheet calls a Rogue (class conflict), and Lunaria on Area 52 only
      (found as a connected-realm namesake);
    - Trog: Discord user + Player, preferences last changed on the website (kept, ROS-68);
    - Dunmore: a Player without Discord, found by display name;
    - two players called Zephyr (ambiguous, skipped);
    - Mitodots linked to somebody else (conflict, unchanged).
    """
    classes = {
        "Trogmoon": "Druid",
        "Rocketpants": "Warrior",
        "Mitoheals": "Shaman",
        "Shodoom": "Death Knight",
        "Kronas": "Paladin",
        "Bellatrix": "Priest",
        "Sarnor": "Monk",
        "Gorvash": "Demon Hunter",
        "Pippa": "Monk",
        "Moxie": "Druid",
        "Mitodots": "Warlock",
        "Dunmore": "Shaman",
    }
    characters = {
        name: WowCharacterFactory(name=name, playable_class=playable_class(cls))
        for name, cls in classes.items()
    }
    characters["Lunaria"] = WowCharacterFactory(
        name="Lunaria",
        realm_slug="area-52",
        realm_name="Area 52",
        playable_class=playable_class("Priest"),
    )
    trog_discord = DiscordUserFactory(discord_id="195547238959677441", username="trog")
    trog = PlayerFactory(display_name="Trog", discord_user=trog_discord, guild_rank=rank("Officer"))
    RaidPreferences.objects.create(
        player=trog, auto_signup=False, notes="Set on the website", updated_via=UpdatedVia.WEBSITE
    )
    dunmore = PlayerFactory(display_name="Dunmore", guild_rank=rank("Veteran"))
    PlayerFactory(display_name="Zephyr")
    PlayerFactory(display_name="zephyr")
    other = PlayerFactory(display_name="Somebody Else")
    PlayerCharacterFactory(player=other, character=characters["Mitodots"])
    return {"trog": trog, "dunmore": dunmore, "characters": characters}


def snapshot() -> dict:
    """Every row the import may write, as plain values (timestamps included)."""
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (
            Player,
            DiscordUser,
            WowCharacter,
            PlayerCharacter,
            RaidPreferences,
            PlayerAvailability,
            Quote,
            QuoteTitle,
        )
    }
