"""`/roster-view`: the public raid roster dashboard (ROS-19 … ROS-29).

Server-rendered; `?view=` picks the tab and every control is a link, so the page works without
JS. Only the chosen tab is computed: the Availability tab (the default) runs two aggregate
queries (plus one for "Who's out" when a day is picked); the Full roster and Composition tabs
read `roster_entries()`. The static script swaps tabs and days in place by fetching the same
links. A constant number of queries whatever the guild size.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from patt.models import SiteConfig
from roster.models import WEEKDAYS
from roster.services.charts import class_bars, stacked_bars, target_bars
from roster.services.composition import composition_summary
from roster.services.population import (
    ROLE_LABELS,
    ROLE_ORDER,
    players_out_on,
    roster_entries,
    weekday_role_counts,
)

AVAILABILITY, ROSTER, COMPOSITION = "availability", "roster", "composition"
TABS = ((AVAILABILITY, "Availability"), (ROSTER, "Full roster"), (COMPOSITION, "Composition"))
TAB_KEYS = tuple(key for key, _ in TABS)

EMPTY_ROSTER = "No one has joined the raid roster yet."  # ROS-20
NO_CHARACTERS = "No characters registered yet"  # ROS-24
EVERYONE_AVAILABLE = "Everyone is available!"  # ROS-22
NO_REASON = "No reason given"  # ROS-22
NOBODY_MARKED = "Nobody has marked any day yet."  # ROS-23
BEST_DAYS = "Based on current signups, your best options are: {days}"  # ROS-23
NO_MAINS = "No mains to export yet"  # ROS-29
BEST_DAY_COUNT = 3
ROLE_LEGEND = [(key, ROLE_LABELS[key]) for key in ROLE_ORDER]

# ROS-21 colour bands on the percentage (colours in roster-view.css).
HIGH, MEDIUM, LOW = "high", "medium", "low"
HIGH_FROM, MEDIUM_FROM = 80, 60

# ROS-21: "9:00 pm - 11:00 pm Eastern"; the four US zones of ROS-40 have short names.
TIMEZONE_NAMES = {
    "America/New_York": "Eastern",
    "America/Chicago": "Central",
    "America/Denver": "Mountain",
    "America/Los_Angeles": "Pacific",
}


def percent(available: int, total: int) -> int:
    """ROS-21: p = floor(100·a/t + 0.5), in integers (no float rounding surprises)."""
    if total <= 0:
        return 0
    return (200 * available + total) // (2 * total)


def band(p: int) -> str:
    """ROS-21: >= 80 high, 60-79 medium, < 60 low."""
    if p >= HIGH_FROM:
        return HIGH
    if p >= MEDIUM_FROM:
        return MEDIUM
    return LOW


def best_days(counts: list[int]) -> list[int]:
    """ROS-23: the (up to) 3 weekdays with the most players available; ties go to the earlier
    weekday (Monday first); days nobody can make are never suggested."""
    ranked = sorted((d for d in range(7) if counts[d] > 0), key=lambda d: (-counts[d], d))
    return ranked[:BEST_DAY_COUNT]


def _clock(value: datetime.time) -> str:
    hour = value.hour % 12 or 12
    return f"{hour}:{value.minute:02d} {'am' if value.hour < 12 else 'pm'}"


def raid_time_window(config: SiteConfig) -> str:
    """ROS-21: the raid window in the raid timezone, e.g. "9:00 pm - 11:00 pm Eastern"."""
    start = config.raid_start_time
    end = (
        datetime.datetime.combine(datetime.date(2000, 1, 3), start)
        + datetime.timedelta(minutes=config.raid_duration_minutes)
    ).time()
    zone = TIMEZONE_NAMES.get(config.raid_timezone)
    if zone is None:
        try:
            zone = ZoneInfo(config.raid_timezone).key
        except (ValueError, KeyError, OSError):
            zone = config.raid_timezone
    return f"{_clock(start)} - {_clock(end)} {zone}"


def _query(**params) -> str:
    return "?" + urlencode({k: v for k, v in params.items() if v is not None})


@dataclass
class DayBar:
    """ROS-21 / ROS-22: one weekday of the Availability tab."""

    weekday: int
    name: str
    available: int
    total: int
    selected: bool

    @property
    def slug(self) -> str:
        return self.name.lower()

    @property
    def percent(self) -> int:
        return percent(self.available, self.total)

    @property
    def band(self) -> str:
        return band(self.percent)

    @property
    def url(self) -> str:
        """Clicking the open day again hides "Who's out" (ROS-22)."""
        return _query(view=AVAILABILITY, day=None if self.selected else self.slug)


def _parse_day(value: str | None) -> int | None:
    names = [name.lower() for name in WEEKDAYS]
    value = (value or "").strip().lower()
    return names.index(value) if value in names else None


def _availability_context(request: HttpRequest) -> dict:
    # ROS-21's a per day is the sum of the day's role counts (issue 16: the stacked chart).
    total, by_role = weekday_role_counts()
    counts = [sum(day.values()) for day in by_role]
    raid_size = SiteConfig.get().raid_size
    day = _parse_day(request.GET.get("day"))
    bars = [
        DayBar(weekday, WEEKDAYS[weekday], counts[weekday], total, weekday == day)
        for weekday in range(7)
    ]
    best = best_days(counts)
    context = {
        "total": total,
        "bars": bars,
        "best_days_text": (
            BEST_DAYS.format(days=", ".join(WEEKDAYS[d] for d in best)) if best else NOBODY_MARKED
        ),
        "selected_day": bars[day] if day is not None and total else None,
        "raid_size": raid_size,
        "role_bars": stacked_bars(
            zip(WEEKDAYS, by_role, strict=True), population=total, target=raid_size
        ),
        "role_legend": ROLE_LEGEND,
    }
    if context["selected_day"] is not None:
        context["players_out"] = [
            (player, notes or NO_REASON) for player, notes in players_out_on(day)
        ]
    return context


@dataclass
class RosterRow:
    """ROS-24: one row of the Full roster table."""

    display_name: str
    character: object  # RosterCharacter


# Issue 16 item 6: the Full roster sorts on the server (`?sort=<column>` ascending,
# `?sort=-<column>` descending); every header is a link, so it works without JS. Ties keep
# ROS-24's order (player, main first, alts by name).
SORT_COLUMNS = (
    ("player", "Player"),
    ("character", "Character"),
    ("class", "Class / Spec"),
    ("role", "Role"),
    ("main", "Main/Alt"),
)
DEFAULT_SORT = "player"
_SORT_KEYS = {
    "player": lambda row: (row.display_name.casefold(),),
    "character": lambda row: (row.character.character.name.casefold(),),
    "class": lambda row: (row.character.class_spec_label.casefold(),),
    "role": lambda row: (ROLE_ORDER.index(row.character.role),),
    "main": lambda row: (not row.character.is_main,),
}


def parse_sort(value: str | None) -> tuple[str, bool]:
    """`?sort=` as (column, descending); anything unknown is the default (player, A-Z)."""
    value = (value or "").strip()
    descending = value.startswith("-")
    column = value[1:] if descending else value
    if column not in _SORT_KEYS:
        return DEFAULT_SORT, False
    return column, descending


def sort_rows(rows: list[RosterRow], *, column: str, descending: bool) -> list[RosterRow]:
    """Stable sort on one column: rows arrive in ROS-24's order, which breaks ties."""
    return sorted(rows, key=_SORT_KEYS[column], reverse=descending)


def _sort_headers(column: str, descending: bool, mains_only: bool) -> list[dict]:
    """One header per column: its link (the same column again flips the direction) and
    aria-sort on the sorted one."""
    headers = []
    for key, label in SORT_COLUMNS:
        current = key == column
        next_sort = key if not current or descending else f"-{key}"
        headers.append(
            {
                "key": key,
                "label": label,
                "url": _query(
                    view=ROSTER,
                    mains=None if mains_only else "0",
                    sort=None if next_sort == DEFAULT_SORT else next_sort,
                ),
                "aria_sort": (("descending" if descending else "ascending") if current else ""),
                "action": (
                    f"Sort by {label}, " + ("A to Z" if not current or descending else "Z to A")
                ),
            }
        )
    return headers


def _roster_context(request: HttpRequest) -> dict:
    mains_only = request.GET.get("mains") != "0"
    column, descending = parse_sort(request.GET.get("sort"))
    sort_param = None if (column, descending) == (DEFAULT_SORT, False) else request.GET["sort"]
    sort_param = None if sort_param is None else ("-" if descending else "") + column
    entries = sorted(
        roster_entries(), key=lambda e: (e.player.display_name.casefold(), e.player.pk)
    )
    rows = []
    for entry in entries:
        characters = entry.characters[:1] if mains_only else entry.characters
        rows.extend(RosterRow(entry.player.display_name, c) for c in characters)
    return {
        "total": len(entries),
        "rows": sort_rows(rows, column=column, descending=descending),
        "mains_only": mains_only,
        "mains_toggle_url": _query(view=ROSTER, mains="0" if mains_only else None, sort=sort_param),
        "sort_headers": _sort_headers(column, descending, mains_only),
    }


def _composition_context(request: HttpRequest) -> dict:
    entries = roster_entries()
    composition = composition_summary(entries)
    return {
        "total": len(entries),
        "composition": composition,
        "target_bars": target_bars(composition.roles),
        "class_bars": class_bars(composition.classes),
    }


PANELS = {
    AVAILABILITY: _availability_context,
    ROSTER: _roster_context,
    COMPOSITION: _composition_context,
}


@require_safe
def roster_view(request: HttpRequest) -> HttpResponse:
    """GET /roster-view (ROS-19): tabs Availability (default), Full roster, Composition."""
    tab = request.GET.get("view")
    if tab not in TAB_KEYS:
        tab = AVAILABILITY
    config = SiteConfig.get()
    context = {
        "tab": tab,
        "tabs": [(key, label, _query(view=key)) for key, label in TABS],
        "raid_window": raid_time_window(config),
        "empty_roster_text": EMPTY_ROSTER,
        "no_characters_text": NO_CHARACTERS,
        "everyone_available_text": EVERYONE_AVAILABLE,
        "no_mains_text": NO_MAINS,
        **PANELS[tab](request),
    }
    return render(request, "roster/roster_view.html", context)
