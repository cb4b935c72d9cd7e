"""The demo's fake Blizzard guild, read from the database (IDN-49 demo configuration).

`make run` seeds the demo guild (`seed_demo`) and then serves the fake Blizzard API with this
fixture, so the officers' "Blizzard sync" button and the schedule sync the very guild the demo
shows: the sync finds every in-guild character again and marks nobody departed. The fixture has
the IDN-51 shape, taken once when the fake starts.
"""

from django.utils import timezone

from identity.models import WowCharacter
from identity.testing.fake_blizzard import RACES
from patt.models import SiteConfig

# Characters seeded without a Blizzard id get a stable one from their primary key.
_ID_BASE = 20_000_000
_RACE_IDS = {name: race_id for race_id, name in RACES.items()}


def fixture_from_database() -> dict:
    """An IDN-51 fixture of the guild's in-guild characters, as they are stored now."""
    config = SiteConfig.get()
    now = timezone.now()
    characters = (
        WowCharacter.objects.filter(in_guild=True)
        .select_related("playable_class", "active_spec", "guild_rank")
        .order_by("pk")
    )
    return {
        "region": config.guild_region,
        "guild": {
            "name": config.guild_name,
            "slug": config.guild_name_slug,
            "realm": {"slug": config.guild_realm_slug, "name": config.guild_realm_name},
        },
        "members": [_member(character, now) for character in characters],
    }


def _member(character: WowCharacter, now) -> dict:
    rank_index = character.guild_rank_index
    if rank_index is None and character.guild_rank is not None:
        rank_index = character.guild_rank.wow_rank_index
    last_login = character.last_login_at
    return {
        "id": character.blizzard_id or _ID_BASE + character.pk,
        "name": character.name,
        "realm": {"slug": character.realm_slug, "name": character.realm_name},
        "level": character.level,
        "class_id": character.playable_class.blizzard_id if character.playable_class else None,
        "race_id": _RACE_IDS.get(character.race),
        "rank": rank_index,
        "mode": "ok",
        "profile": {
            "spec_id": character.active_spec.blizzard_spec_id if character.active_spec else None,
            "item_level": character.item_level,
            "last_login_days_ago": (now - last_login).days if last_login else None,
        },
    }
