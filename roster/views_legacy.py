"""Legacy URLs, `/patt-config.json` and the legacy platform's public guild JSON
(ROS-56 … ROS-58; issue 11 item 15).

The old static site's pages redirect permanently to their new paths, query string kept (so
`/roster-view.html?view=composition` still opens the Composition tab). `/patt-config.json` keeps
the old config shape for the legacy tools, with `scriptUrl` now pointing at the roster-data
endpoint; it never carries a secret (the Raid-Helper API key is environment-only, ROS-47).

`GET /api/v1/guild/ranks` and `GET /api/v1/guild/roster` answer in the legacy platform's shapes
inside the site envelope (ACC-3), with public fields only: no Discord ids or names, no notes,
no availability. The roster is the public roster (ROS-1, `roster_entries()`), read in a fixed
number of queries whatever the guild size.
"""

from urllib.parse import quote

from django.http import HttpRequest, HttpResponsePermanentRedirect, JsonResponse
from django.views.decorators.http import require_safe

from identity.models import GuildRank, WowCharacter
from patt.models import SiteConfig
from roster.services.population import RosterCharacter, roster_entries, roster_player_links

# ROS-56: old path -> new path.
LEGACY_PAGES = {
    "roster.html": "/roster",
    "roster-view.html": "/roster-view",
    "raid-admin.html": "/raid-admin",
    "mitos-corner.html": "/mitos-corner",
}
ROSTER_DATA_PATH = "/api/v1/guild/roster-data"


def legacy_redirect(target: str):
    """ROS-56: a view answering 301 to `target`, keeping the query string."""

    def view(request: HttpRequest):
        query = request.META.get("QUERY_STRING", "")
        return HttpResponsePermanentRedirect(f"{target}?{query}" if query else target)

    view.__name__ = view.__qualname__ = f"legacy_redirect_{target.strip('/').replace('-', '_')}"
    view.__doc__ = f"ROS-56: permanent redirect to {target}, query string kept."
    return view


def patt_config_data(config: SiteConfig, script_url: str) -> dict:
    """ROS-57: the legacy config object. Exactly these keys, never a secret (ROS-58)."""
    return {
        "scriptUrl": script_url,
        "raidDefaults": {
            "title": config.raid_default_title,
            "time": config.raid_start_time.strftime("%H:%M") if config.raid_start_time else "",
            "duration": config.raid_duration_minutes,
            "template": config.raid_helper_template,
        },
        "channels": {
            "signup": config.raid_channel_signup or "",
            "eventSignup": config.raid_channel_event_signup or "",
            "voice": config.raid_channel_voice or "",
            "announcement": config.raid_channel_announcement or "",
            "pug": config.raid_channel_pug or "",
            "notification": config.raid_channel_notification or "",
        },
        "serverId": config.raid_helper_server_id or "",
        "leaderId": config.raid_helper_leader_id or "",
    }


@require_safe
def patt_config(request: HttpRequest) -> JsonResponse:
    """ROS-57: `GET /patt-config.json`, public, cached for five minutes.

    `scriptUrl` is absolute on the host the request came to (its scheme follows the request,
    https behind the production proxy).
    """
    data = patt_config_data(SiteConfig.get(), request.build_absolute_uri(ROSTER_DATA_PATH))
    response = JsonResponse(data)
    response["Cache-Control"] = "public, max-age=300"
    return response


# --- Legacy public guild JSON (issue 11 item 15) ----------------------------------------------

UNKNOWN_RANK = "Unknown"  # the legacy answer for a player without a rank (level 0)


def _rank_data(rank: GuildRank) -> dict:
    """A rank's public fields, as the legacy `/api/v1/guild/ranks` listed them (no Discord
    role id, no in-game index)."""
    return {"id": rank.pk, "name": rank.name, "level": rank.level, "description": rank.description}


@require_safe
def guild_ranks(request: HttpRequest) -> JsonResponse:
    """`GET /api/v1/guild/ranks`, public: `{"ok": true, "data": [{id, name, level,
    description}]}`, highest rank first; one query."""
    data = [_rank_data(rank) for rank in GuildRank.objects.order_by("-level")]
    return JsonResponse({"ok": True, "data": data})


def armory_url(region: str, realm_slug: str, name: str) -> str:
    """The character's page on the official armory (public)."""
    return (
        f"https://worldofwarcraft.blizzard.com/en-us/character/{quote(region)}/"
        f"{quote(realm_slug)}/{quote(name.lower())}"
    )


def _character_data(character: RosterCharacter, item_levels: dict, region: str) -> dict:
    wow = character.character
    return {
        "character_id": wow.pk,
        "character_name": wow.name,
        "realm_slug": wow.realm_slug,
        "class_name": character.playable_class.name if character.playable_class else None,
        "spec_name": character.spec.name if character.spec else None,
        "role_name": character.role_label,
        "item_level": item_levels.get(wow.pk),
        "armory_url": armory_url(region, wow.realm_slug, wow.name),
    }


@require_safe
def guild_roster(request: HttpRequest) -> JsonResponse:
    """`GET /api/v1/guild/roster`, public, in the legacy shape:

    `{"ok": true, "data": {"players": [{player_id, display_name, rank_name, rank_level,
    main_character: {character_id, character_name, realm_slug, class_name, spec_name,
    role_name, item_level, armory_url}, characters: [<the same> + is_main]}]}}`.

    Players are the roster players (ROS-1) sorted by display name; characters their roster
    characters, main first; main, spec and role follow the roster rules (ROS-3, ROS-4), so
    this agrees with `/roster-view`. Queries: `roster_entries()` plus ranks, item levels and
    the site configuration, whatever the guild size.
    """
    entries = roster_entries()
    ranks = {rank.pk: rank for rank in GuildRank.objects.all()}
    item_levels = dict(
        WowCharacter.objects.filter(pk__in=roster_player_links().values("character_id"))
        .order_by()
        .values_list("pk", "item_level")
    )
    region = SiteConfig.get().guild_region
    players = []
    for entry in sorted(entries, key=lambda e: (e.display_name.casefold(), e.player.pk)):
        rank = ranks.get(entry.player.guild_rank_id)
        characters = []
        for character in entry.characters:
            data = _character_data(character, item_levels, region)
            data["is_main"] = character is entry.main
            characters.append(data)
        players.append(
            {
                "player_id": entry.player.pk,
                "display_name": entry.display_name,
                "rank_name": rank.name if rank else UNKNOWN_RANK,
                "rank_level": rank.level if rank else 0,
                "main_character": _character_data(entry.main, item_levels, region),
                "characters": characters,
            }
        )
    return JsonResponse({"ok": True, "data": {"players": players}})
