"""Availability and raid preferences (roster spec §3, ROS-6 … ROS-9).

This is the only writer of PlayerAvailability and RaidPreferences (ROS-7): the `/roster` form,
the availability API, the admin and `import_sheets` all come through `save_availability`.
Character changes never call it.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from identity.models import Player
from patt.validators import UNSTORABLE_TEXT_MESSAGE, is_storable_text
from roster.models import NOTES_MAX, PlayerAvailability, RaidPreferences, UpdatedVia

NOTES_TOO_LONG = f"Notes can be at most {NOTES_MAX} characters."
DAYS_IN_WEEK = 7


@dataclass(frozen=True)
class PlayerWeek:
    """ROS-60: one roster player's week and preferences, what the availability JSON shows."""

    discord_name: str  # ROS-5
    availability: tuple[bool, ...]  # Monday first
    auto_signup: bool
    wants_reminders: bool
    notes: str

    def available_on(self, weekday: int) -> bool:
        return self.availability[weekday]


def roster_weeks() -> list[PlayerWeek]:
    """ROS-60: every roster player's week (ROS-1), sorted as `roster_entries()` sorts them
    (Discord name case-insensitive, then player id).

    Issue 17 item 6: two plain-value queries — the roster players with their Discord name and
    preferences, then their available days — and no model instances or characters, which the
    availability JSON never shows (`roster_entries()` built every roster link for it).
    """
    from roster.services.population import roster_players

    players = list(
        roster_players()
        .order_by()
        .values_list(
            "pk",
            "display_name",
            "discord_user__username",
            "raid_preferences__auto_signup",
            "raid_preferences__wants_reminders",
            "raid_preferences__notes",
        )
    )
    if not players:
        return []
    days: dict[int, list[bool]] = {row[0]: [False] * DAYS_IN_WEEK for row in players}
    available = (
        PlayerAvailability.objects.filter(player_id__in=list(days), available=True)
        .order_by()
        .values_list("player_id", "weekday")
    )
    for player_id, weekday in available:
        if 0 <= weekday < DAYS_IN_WEEK:
            days[player_id][weekday] = True
    rows = []
    for pk, display_name, username, auto_signup, wants_reminders, notes in players:
        rows.append(
            (
                pk,
                PlayerWeek(
                    discord_name=username or display_name,  # ROS-5
                    availability=tuple(days[pk]),
                    auto_signup=auto_signup,
                    wants_reminders=wants_reminders,
                    notes=notes,
                ),
            )
        )
    rows.sort(key=lambda row: (row[1].discord_name.casefold(), row[0]))
    return [week for _, week in rows]


def clean_notes(notes: str | None) -> str:
    """ROS-9: notes are trimmed; more than 500 characters is refused.

    NUL and unpaired surrogates (which reach us through JSON escapes) are refused too, with a
    clear message instead of a database error (issue 11 item 7).
    """
    text = (notes or "").strip()
    if not is_storable_text(text):
        raise ValidationError({"notes": UNSTORABLE_TEXT_MESSAGE})
    if len(text) > NOTES_MAX:
        raise ValidationError({"notes": NOTES_TOO_LONG})
    return text


def save_availability(
    player: Player,
    *,
    days: Iterable[int],
    auto_signup: bool,
    wants_reminders: bool,
    notes: str,
    via: str,
) -> RaidPreferences:
    """Save a player's week and preferences (ROS-8, ROS-9).

    `days` are the weekday numbers (0 = Monday … 6 = Sunday) the player is available; every
    other day is written as unavailable, so all seven rows exist afterwards. The preferences
    row is created when missing and `updated_via` records the entry point. Everything happens
    in one transaction; invalid notes or weekdays raise ValidationError before anything is
    written.
    """
    text = clean_notes(notes)
    available_days = set()
    for day in days:
        if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day < DAYS_IN_WEEK:
            raise ValidationError({"days": f"Unknown weekday {day!r}."})
        available_days.add(day)
    if via not in UpdatedVia.values:
        raise ValueError(f"Unknown updated_via {via!r}")

    with transaction.atomic():
        prefs, _ = RaidPreferences.objects.select_for_update().get_or_create(player=player)
        prefs.auto_signup = bool(auto_signup)
        prefs.wants_reminders = bool(wants_reminders)
        prefs.notes = text
        prefs.updated_via = via
        prefs.save()

        existing = {row.weekday: row for row in PlayerAvailability.objects.filter(player=player)}
        to_create, to_update = [], []
        for weekday in range(DAYS_IN_WEEK):
            available = weekday in available_days
            row = existing.get(weekday)
            if row is None:
                to_create.append(
                    PlayerAvailability(player=player, weekday=weekday, available=available)
                )
            elif row.available != available:
                row.available = available
                to_update.append(row)
        if to_create:
            PlayerAvailability.objects.bulk_create(to_create)
        if to_update:
            # bulk_update skips auto_now; set updated_at explicitly through save semantics.
            for row in to_update:
                row.save(update_fields=["available", "updated_at"])
    return prefs


def availability_of(player: Player) -> tuple[list[bool], RaidPreferences | None]:
    """The player's seven days (Monday first; no row = not available, ROS-6) and preferences."""
    week = [False] * DAYS_IN_WEEK
    for weekday, available in PlayerAvailability.objects.filter(player=player).values_list(
        "weekday", "available"
    ):
        if 0 <= weekday < DAYS_IN_WEEK:
            week[weekday] = available
    prefs = RaidPreferences.objects.filter(player=player).first()
    return week, prefs
