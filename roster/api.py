"""Legacy roster JSON endpoints under /api/v1/guild/ (ROS-59 … ROS-62).

`roster-data` keeps the old Google Sheets shape (ACC-3's stated exception); `availability`
uses the site envelope. Both read `roster_entries()` (a fixed number of queries whatever the
guild size); the POST writes through `save_availability` (ROS-8) with `updated_via = api`.
The retired endpoints answer 410 and name the page that replaced them.
"""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_safe

from identity.models import DiscordUser, Player
from identity.services.viewer import Viewer, is_officer, viewer_of
from patt.errors import api_error
from patt.refusals import Refused, api_refusal
from patt.validators import UNSTORABLE_TEXT_MESSAGE, has_unstorable_text
from roster.models import UpdatedVia
from roster.services.availability import (
    PlayerWeek,
    availability_of,
    roster_weeks,
    save_availability,
)
from roster.services.population import RosterEntry, roster_entries

DAY_KEYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

SIGN_IN_REQUIRED = "Sign in required."
NOT_LINKED = "Your account isn't linked to a guild member yet -- ask an officer."
ONLY_OWN = "You can only update your own availability."
MEMBER_NOT_FOUND = "Member '{name}' not found"
MEMBER_AMBIGUOUS = "Several members are called '{name}'; ask an officer to fix the names."
BODY_NOT_JSON = "Request body must be a JSON object."
UNKNOWN_DAY = "Unknown day '{day}'"
NOT_BOOLEAN = "'{key}' must be true or false"
NOT_OBJECT = "'availability' must be an object of weekday names to true or false."
NOTES_NOT_STRING = "'notes' must be a string."
NAME_NOT_STRING = "'discordName' must be a string."
UPDATED = "Availability updated."
RETIRED = "This endpoint was retired; use {page}."
MAX_BODY_BYTES = 16 * 1024


def availability_entry(entry: RosterEntry | PlayerWeek) -> dict:
    """ROS-59: one player's legacy availability object (days without a row are false)."""
    data = {"discord": entry.discord_name}
    data.update({day: entry.available_on(n) for n, day in enumerate(DAY_KEYS)})
    data.update(
        {
            "notes": entry.notes,
            "autoSignup": entry.auto_signup,
            "wantsReminders": entry.wants_reminders,
        }
    )
    return data


def character_entries(entry: RosterEntry) -> list[dict]:
    """ROS-59: the player's roster characters, main first (ROS-2 labels)."""
    return [
        {
            "discord": entry.discord_name,
            "character": character.character.name,
            "class": character.playable_class.name if character.playable_class else "",
            "spec": character.spec.name if character.spec else "",
            "role": character.role_label,
            "mainAlt": character.main_alt,
        }
        for character in entry.characters
    ]


def _private(response: JsonResponse) -> JsonResponse:
    # The answer depends on who asks (Discord ids for officers, ROS-59): never shared caches.
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def roster_data(request: HttpRequest) -> JsonResponse:
    """ROS-59: `GET /api/v1/guild/roster-data`, public, in the legacy shape.

    `discordIds` is filled only for officers (session cookie); everyone else gets `{}` so old
    clients keep working. `validationIssues` is always `[]`.
    """
    entries = roster_entries()
    officer = is_officer(request)
    body = {
        "success": True,
        "availability": [availability_entry(entry) for entry in entries],
        "characters": [row for entry in entries for row in character_entries(entry)],
        "discordIds": {
            entry.discord_name: entry.discord_id
            for entry in entries
            if officer and entry.discord_id
        },
        "validationIssues": [],
    }
    return _private(JsonResponse(body))


@csrf_exempt  # CSRF is checked after the sign-in check below, so anonymous callers get 401.
@require_http_methods(["GET", "HEAD", "POST"])
def availability(request: HttpRequest) -> JsonResponse:
    """ROS-60 (GET, public) and ROS-61 (POST, signed in + CSRF header)."""
    if request.method == "POST":
        if not request.user.is_authenticated:
            return api_error(401, SIGN_IN_REQUIRED)
        return csrf_protect(_update_availability)(request)
    data = [availability_entry(week) for week in roster_weeks()]  # issue 17: no characters
    return _private(JsonResponse({"ok": True, "data": data}))


def _own_discord_name(player: Player) -> str:
    """ROS-5: the linked Discord user's username, else the display name."""
    if player.discord_user_id and player.discord_user.username:
        return player.discord_user.username
    return player.display_name


def _member_by_name(name: str) -> Player:
    """ROS-61: the player whose Discord name (ROS-5) is `name`, case-insensitively."""
    key = name.casefold()
    by_discord = [
        user
        for user in DiscordUser.objects.filter(username__iexact=name).select_related("player")
        if user.username.casefold() == key and getattr(user, "player", None) is not None
    ]
    players = [user.player for user in by_discord]
    if not players:
        # ROS-5: a player without a Discord link is known by their display name.
        players = [
            player
            for player in Player.objects.filter(
                display_name__iexact=name, discord_user__isnull=True
            )
            if player.display_name.casefold() == key
        ]
    if not players:
        raise Refused(MEMBER_NOT_FOUND.format(name=name), code=Refused.NOT_FOUND)
    if len(players) > 1:
        raise Refused(MEMBER_AMBIGUOUS.format(name=name), code=Refused.INVALID)
    return players[0]


def _target(viewer: Viewer, body: dict) -> Player:
    """ROS-61: the caller's own player, or (officers only) the member named `discordName`."""
    name = body.get("discordName")
    if name is not None and not isinstance(name, str):
        raise Refused(NAME_NOT_STRING, code=Refused.INVALID)
    name = (name or "").strip()
    own = viewer.player
    if own is not None and not own.is_active:
        own = None
    if own is not None and (not name or name.casefold() == _own_discord_name(own).casefold()):
        return own
    if not name:
        raise Refused(NOT_LINKED, code=Refused.FORBIDDEN)
    if not viewer.is_officer:
        raise Refused(ONLY_OWN, code=Refused.FORBIDDEN)
    return _member_by_name(name)


def _boolean(body: dict, key: str, current: bool) -> bool:
    if key not in body:
        return current
    value = body[key]
    if not isinstance(value, bool):
        raise Refused(NOT_BOOLEAN.format(key=key), code=Refused.INVALID)
    return value


def _days(body: dict, current: list[bool]) -> list[bool]:
    """ROS-61: `availability`, when present, replaces all seven days (missing days false);
    keys are weekday names in any case; values must be JSON booleans."""
    if "availability" not in body:
        return current
    given = body["availability"]
    if not isinstance(given, dict):
        raise Refused(NOT_OBJECT, code=Refused.INVALID)
    week = [False] * 7
    for key, value in given.items():
        day = str(key).strip().lower()
        if day not in DAY_KEYS:
            raise Refused(UNKNOWN_DAY.format(day=key), code=Refused.INVALID)
        if not isinstance(value, bool):
            raise Refused(NOT_BOOLEAN.format(key=day), code=Refused.INVALID)
        week[DAY_KEYS.index(day)] = value
    return week


def _update_availability(request: HttpRequest) -> JsonResponse:
    """ROS-61: only the keys present change; all-or-nothing; `updated_via = api`."""
    if len(request.body) > MAX_BODY_BYTES:
        return api_error(400, BODY_NOT_JSON)
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError, RecursionError):
        return api_error(400, BODY_NOT_JSON)
    if not isinstance(body, dict):
        return api_error(400, BODY_NOT_JSON)
    if has_unstorable_text(body):
        # Issue 11 item 7: any string, keys included, even the ones this endpoint ignores.
        return api_error(400, UNSTORABLE_TEXT_MESSAGE)
    try:
        player = _target(viewer_of(request), body)
        current, prefs = availability_of(player)
        week = _days(body, current)
        auto_signup = _boolean(body, "autoSignup", bool(prefs and prefs.auto_signup))
        wants_reminders = _boolean(body, "wantsReminders", bool(prefs and prefs.wants_reminders))
        notes = body.get("notes", prefs.notes if prefs else "")
        if not isinstance(notes, str):
            raise Refused(NOTES_NOT_STRING, code=Refused.INVALID)
    except Refused as refused:
        return api_refusal(refused)
    try:
        save_availability(
            player,
            days=[n for n, available in enumerate(week) if available],
            auto_signup=auto_signup,
            wants_reminders=wants_reminders,
            notes=notes,
            via=UpdatedVia.API,
        )
    except ValidationError as exc:
        messages = [m for ms in exc.message_dict.values() for m in ms]
        return api_error(400, messages[0] if messages else "Invalid availability.")
    return JsonResponse({"ok": True, "message": UPDATED})


@csrf_exempt  # a retired endpoint only ever answers 410, whatever the caller sends
def retired(request: HttpRequest, page: str) -> JsonResponse:
    """ROS-62: retired legacy endpoints answer 410 and name the page that replaced them."""
    return api_error(410, RETIRED.format(page=page))
