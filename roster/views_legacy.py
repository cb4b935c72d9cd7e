"""Legacy URLs and `/patt-config.json` (ROS-56 … ROS-58).

The old static site's pages redirect permanently to their new paths, query string kept (so
`/roster-view.html?view=composition` still opens the Composition tab). `/patt-config.json` keeps
the old config shape for the legacy tools, with `scriptUrl` now pointing at the roster-data
endpoint; it never carries a secret (the Raid-Helper API key is environment-only, ROS-47).
"""

from django.http import HttpRequest, HttpResponsePermanentRedirect, JsonResponse
from django.views.decorators.http import require_safe

from patt.models import SiteConfig

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
