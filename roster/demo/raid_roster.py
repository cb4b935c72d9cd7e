"""The demo raid roster for `manage.py seed_demo` (roster spec, ROS-1 … ROS-16).

Most active demo players with a main join the raid roster: their main (and for some an alt)
with a raid spec, raid preferences and a week of availability, a few with notes such as
"Night shift on Thursdays". Players who already have raid preferences or availability (a member
who left the roster keeps theirs) are left alone, so a
second run writes nothing and a member's own changes survive re-seeding. Deterministic (fixed
seed per player) and written in bulk: a bounded number of queries for any guild size.
"""

import random
from dataclasses import dataclass

from django.db import transaction

from identity.models import Player, PlayerCharacter, Specialization
from roster.models import PlayerAvailability, RaidPreferences, UpdatedVia

ROSTER_SEED = 20260319
JOIN_SHARE = 0.8  # of the eligible players
ALT_SHARE = 0.35
NOTES = (
    "Night shift on Thursdays",
    "Kids' bedtime on Mondays, might be 15 minutes late",
    "Weekends are family time",
    "Travelling for work most Tuesdays",
    "Bowling league on Wednesdays",
    "Can fill in on any day if you ping me",
)
# Raid nights are popular, the weekend less so: chance to be available, Monday first.
DAY_WEIGHTS = (0.35, 0.75, 0.45, 0.8, 0.7, 0.4, 0.3)


@dataclass
class RosterSeedResult:
    joined: int
    characters: int

    @property
    def line(self) -> str:
        return (
            f"Demo raid roster: {self.joined} players joined this run with "
            f"{self.characters} roster characters."
        )


def seed_demo_roster() -> RosterSeedResult:
    """Put most demo players on the raid roster; players with preferences are skipped."""
    specs_by_class: dict[int, list[Specialization]] = {}
    for spec in Specialization.objects.order_by("playable_class_id", "name"):
        specs_by_class.setdefault(spec.playable_class_id, []).append(spec)

    players = list(
        Player.objects.filter(
            is_active=True,
            main_character__isnull=False,
            raid_preferences__isnull=True,
            availability__isnull=True,
        )
        .distinct()
        .order_by("pk")
    )
    links_by_player: dict[int, list[PlayerCharacter]] = {}
    for link in (
        PlayerCharacter.objects.filter(player__in=players)
        .select_related("character")
        .order_by("player_id", "character__name_key")
    ):
        links_by_player.setdefault(link.player_id, []).append(link)

    preferences, days, roster_links = [], [], []
    for player in players:
        # One generator per player: who stays off the roster is decided the same way each run.
        rng = random.Random(f"{ROSTER_SEED}:{player.pk}")
        links = links_by_player.get(player.pk, [])
        main = next((link for link in links if link.character_id == player.main_character_id), None)
        if main is None or rng.random() > JOIN_SHARE:
            continue
        chosen = [main]
        alts = [link for link in links if link is not main and link.character.playable_class_id]
        if alts and rng.random() < ALT_SHARE:
            chosen.append(rng.choice(alts))
        for link in chosen:
            character = link.character
            options = specs_by_class.get(character.playable_class_id, [])
            spec = character.active_spec if character.active_spec_id else None
            if spec is None and options:
                spec = rng.choice(options)
            link.on_raid_roster = True
            link.raid_spec = spec
            link.raid_role_id = spec.default_role_id if spec else None
            roster_links.append(link)
        week = [rng.random() < weight for weight in DAY_WEIGHTS]
        notes = rng.choice(NOTES) if rng.random() < 0.2 else ""
        preferences.append(
            RaidPreferences(
                player=player,
                auto_signup=rng.random() < 0.6,
                wants_reminders=rng.random() < 0.4,
                notes=notes,
                updated_via=UpdatedVia.WEBSITE,
            )
        )
        days.extend(
            PlayerAvailability(player=player, weekday=day, available=available)
            for day, available in enumerate(week)
        )

    with transaction.atomic():
        # One UPDATE per spec (at most 40) is much faster than a CASE per row.
        by_spec: dict[tuple, list[int]] = {}
        for link in roster_links:
            by_spec.setdefault((link.raid_spec_id, link.raid_role_id), []).append(link.pk)
        for (spec_id, role_id), pks in by_spec.items():
            PlayerCharacter.objects.filter(pk__in=pks).update(
                on_raid_roster=True, raid_spec_id=spec_id, raid_role_id=role_id
            )
        RaidPreferences.objects.bulk_create(preferences, batch_size=500)
        PlayerAvailability.objects.bulk_create(days, batch_size=500)
    return RosterSeedResult(joined=len(preferences), characters=len(roster_links))
