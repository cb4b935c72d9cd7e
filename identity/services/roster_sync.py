"""Blizzard roster sync (IDN-9, IDN-23, IDN-24, IDN-25): roster → profiles → one write.

    result = sync_roster(trigger=SyncTrigger.COMMAND)
    result.run            # the SyncRun (None for a dry run)
    result.counts         # IDN-25 counts

Every network call (the roster, then every profile through the client's pool) happens before
the single write transaction. A failed or empty roster writes nothing (IDN-24). The write reads
all characters, ranks, classes, specs and links once and writes in bulk, so a run costs a fixed
number of queries whatever the guild's size; only renames, released names and merges cost a few
queries each. Reconcile (IDN-45) is not built yet: player ranks are recomputed directly (IDN-15).
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from identity.blizzard import (
    BlizzardClient,
    BlizzardError,
    CharacterProfile,
    ProfileResults,
    RosterMember,
)
from identity.models import (
    AuditIssue,
    CharacterNameHistory,
    GuildRank,
    NameChangeReason,
    PlayableClass,
    Player,
    PlayerCharacter,
    Specialization,
    SyncRun,
    SyncSource,
    SyncStatus,
    SyncTrigger,
    WowCharacter,
)
from identity.services.ranks import recompute_player_ranks
from identity.services.reconcile import announced_run, reconcile
from identity.services.sync_runs import PipelineRun, record_skipped
from patt.models import SiteConfig

# Sent after every finished Blizzard roster sync (success or partial), with `run` (its
# SyncRun). Apps above identity listen (onboarding's checker, ONB-31) without identity
# importing them.
roster_synced = Signal()

log = logging.getLogger(__name__)

NOT_CONFIGURED_CREDENTIALS = (
    "Blizzard not configured: set BLIZZARD_CLIENT_ID and BLIZZARD_CLIENT_SECRET"
)
NOT_CONFIGURED_GUILD = (
    "Blizzard guild not configured: set the realm slug and guild slug in the site configuration"
)
EMPTY_ROSTER = "Roster returned 0 members; nothing changed"
BATCH_SIZE = 500

COUNT_KEYS = (
    "found",
    "new",
    "returned",
    "updated",
    "unchanged",
    "renamed",
    "departed",
    "profiles_ok",
    "profiles_missing",
    "profiles_failed",
    "unmapped_ranks",
    "conflicts",
)
VALUE_FIELDS = (
    "blizzard_id",
    "name",
    "realm_slug",
    "realm_name",
    "playable_class_id",
    "active_spec_id",
    "level",
    "item_level",
    "race",
    "guild_rank_index",
    "guild_rank_id",
)
# last_login_at is written but is activity, not a changed value: it never counts as "updated".
COMPARED_FIELDS = (*VALUE_FIELDS, "name_key", "guild_note", "officer_note")
# The columns a sync owns (IDN-8), minus those only set once or by the addon, plus the key.
UPDATE_FIELDS = [
    *(f for f in WowCharacter.SYNCED_FIELDS if f not in ("first_seen_at", "last_addon_sync_at")),
    "name_key",
]


def rank_warning(index: int) -> str:
    return f"Rank index {index} has no guild rank (set wow_rank_index in admin)"


@dataclass
class RosterSyncResult:
    """What a sync did; `run` is None for a dry run or a dry run's config failure."""

    run: SyncRun | None
    counts: dict = field(default_factory=dict)
    details: dict = field(default_factory=dict)
    status: str = ""
    error: str = ""
    guild: str = ""
    roster_size: int = 0
    profiles_requested: int = 0
    fetch_seconds: float = 0.0
    total_seconds: float = 0.0
    dry_run: bool = False

    @property
    def header(self) -> str:
        return f"Blizzard roster sync: {self.guild}"

    @property
    def roster_line(self) -> str:
        c = self.counts
        done = c.get("profiles_ok", 0) + c.get("profiles_missing", 0) + c.get("profiles_failed", 0)
        profiles = (
            f"Profiles: {done}/{self.profiles_requested} (ok {c.get('profiles_ok', 0)}, "
            f"not found {c.get('profiles_missing', 0)}, failed {c.get('profiles_failed', 0)})"
            if self.profiles_requested
            else "Profiles: skipped (--roster-only)"
        )
        return f"Roster: {self.roster_size} members · {profiles} in {self.fetch_seconds:.1f}s"

    @property
    def saved_line(self) -> str:
        c = self.counts
        prefix = "Dry run (nothing written): " if self.dry_run else "Saved: "
        return prefix + ", ".join(
            f"{c.get(key, 0)} {key}"
            for key in ("new", "returned", "departed", "renamed", "updated", "unchanged")
        )

    @property
    def partial_reason(self) -> str:
        c = self.counts
        parts = []
        if c.get("profiles_missing"):
            parts.append(f"{c['profiles_missing']} profiles not found")
        if c.get("profiles_failed"):
            parts.append(f"{c['profiles_failed']} profiles failed")
        if c.get("conflicts"):
            parts.append(f"{c['conflicts']} conflicts")
        return ", ".join(parts)

    @property
    def status_line(self) -> str:
        head = f"SyncRun #{self.run.pk}" if self.run is not None else "Dry run"
        line = f"{head} {self.status}"
        if self.status == SyncStatus.PARTIAL and self.partial_reason:
            line += f" ({self.partial_reason})"
        if self.status != SyncStatus.SKIPPED:
            seconds = self.run.duration_seconds if self.run is not None else self.total_seconds
            line += f" in {seconds or 0.0:.1f}s"
        if self.error:
            line += f": {self.error}"
        return line

    @property
    def body(self) -> str:
        """The lines after the header: roster, saved (when anything ran) and the run."""
        lines = [self.roster_line, self.saved_line] if self.counts else []
        return "\n".join([*lines, self.status_line])

    @property
    def line(self) -> str:
        return f"{self.header}\n{self.body}"


def _config_problem(client: BlizzardClient | None) -> str:
    config = SiteConfig.get()
    if not config.guild_realm_slug or not config.guild_name_slug:
        return NOT_CONFIGURED_GUILD
    if client is None and not (settings.BLIZZARD_CLIENT_ID and settings.BLIZZARD_CLIENT_SECRET):
        return NOT_CONFIGURED_CREDENTIALS
    return ""


def sync_roster(
    *,
    trigger: str = SyncTrigger.COMMAND,
    roster_only: bool = False,
    dry_run: bool = False,
    client: BlizzardClient | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    post: bool = True,
    queued_run: int | None = None,
) -> RosterSyncResult:
    """IDN-23/24/25: the Blizzard roster pipeline.

    Not configured (guild slugs or credentials) → a `skipped` run. The roster and then every
    profile are fetched outside any transaction; a failed or empty roster is an `error` run
    that writes nothing. Then one transaction upserts the members, releases/merges names,
    records departures and recomputes player ranks into `details.rank_changes`. Profile
    failures or merge conflicts make the run `partial`. A dry run fetches and computes inside
    a transaction that is rolled back, and records no SyncRun. `queued_run`: the admin
    button's `queued` row, which becomes this run's.
    """
    config = SiteConfig.get()
    result = RosterSyncResult(
        run=None,
        guild=f"{config.guild_name_slug} @ {config.guild_realm_slug} ({config.guild_region})",
        dry_run=dry_run,
    )
    problem = _config_problem(client)
    if problem:
        result.status, result.error = SyncStatus.SKIPPED, problem
        if not dry_run:
            result.run = record_skipped(
                source=SyncSource.BLIZZARD_ROSTER,
                trigger=trigger,
                reason=problem,
                queued_run=queued_run,
            )
        return result
    if dry_run:
        _dry_run(result, config, roster_only, client, on_progress)
        return result
    with announced_run(  # IDN-41/42
        source=SyncSource.BLIZZARD_ROSTER, trigger=trigger, post=post, queued_run=queued_run
    ) as run:
        if not run.skipped:
            _run_pipeline(run, result, config, roster_only, client, on_progress, post=post)
    record = run.record
    result.run = record
    result.counts, result.details = record.counts, record.details
    result.status, result.error = record.status, record.error
    if record.status in (SyncStatus.SUCCESS, SyncStatus.PARTIAL):
        # ONB-31: apps above identity react to a fresh roster (onboarding queues its checker).
        roster_synced.send(sender=SyncRun, run=record)
    return result


class _Sink:
    """Where warnings and failures go: the PipelineRun, or the dry run's result."""

    def __init__(
        self,
        counts: dict,
        details: dict,
        warn: Callable[[str], None],
        fail: Callable[[str], None],
    ):
        self.counts, self.details, self.warn, self.fail = counts, details, warn, fail


def _run_pipeline(
    run: PipelineRun,
    result: RosterSyncResult,
    config: SiteConfig,
    roster_only: bool,
    client: BlizzardClient | None,
    on_progress: Callable[[int, int], None] | None,
    *,
    post: bool,
) -> None:
    sink = _Sink(run.counts, run.details, run.warn, run.fail)
    fetched = _fetch(sink, result, config, roster_only, client, on_progress)
    if fetched is None:
        return
    members, profiles = fetched
    with transaction.atomic():
        write_roster(members, profiles=profiles, sink=sink, roster_only=roster_only)
        recompute_player_ranks(run_details=run.details)
    reconcile(run=run, post=post)  # IDN-44/45: reconcile follows the write
    if run.counts.get("profiles_missing") or run.counts.get("profiles_failed"):
        run.status = SyncStatus.PARTIAL
    if run.counts.get("conflicts"):
        run.status = SyncStatus.PARTIAL


def _dry_run(
    result: RosterSyncResult,
    config: SiteConfig,
    roster_only: bool,
    client: BlizzardClient | None,
    on_progress: Callable[[int, int], None] | None,
) -> None:
    result.status = SyncStatus.SUCCESS
    started = time.monotonic()

    def warn(message: str) -> None:
        result.details.setdefault("warnings", []).append(message)

    def fail(message: str) -> None:
        result.status, result.error = SyncStatus.ERROR, message

    sink = _Sink(result.counts, result.details, warn, fail)
    fetched = _fetch(sink, result, config, roster_only, client, on_progress)
    if fetched is not None:
        members, profiles = fetched
        with transaction.atomic():
            write_roster(members, profiles=profiles, sink=sink, roster_only=roster_only)
            transaction.set_rollback(True)
        if result.counts.get("profiles_missing") or result.counts.get("profiles_failed"):
            result.status = SyncStatus.PARTIAL
        if result.counts.get("conflicts"):
            result.status = SyncStatus.PARTIAL
    result.total_seconds = time.monotonic() - started


def _fetch(
    sink: _Sink,
    result: RosterSyncResult,
    config: SiteConfig,
    roster_only: bool,
    client: BlizzardClient | None,
    on_progress: Callable[[int, int], None] | None,
) -> tuple[list[RosterMember], ProfileResults] | None:
    """The roster and (unless roster-only) every profile; None after a handled failure."""
    started = time.monotonic()
    own = client is None
    try:
        if client is None:
            client = BlizzardClient(region=config.guild_region)
        roster = client.get_roster(config.guild_realm_slug, config.guild_name_slug)
        for warning in roster.warnings:
            sink.warn(warning)
        members = _unique(roster.members)
        result.roster_size = len(members)
        if not members:
            sink.fail(EMPTY_ROSTER)
            return None
        profiles = ProfileResults()
        if not roster_only:
            result.profiles_requested = len(members)
            profiles = client.fetch_profiles(members, on_progress)
            for warning in profiles.warnings:
                sink.warn(warning)
    except BlizzardError as exc:
        sink.fail(f"Roster fetch failed: {exc}")
        return None
    finally:
        result.fetch_seconds = time.monotonic() - started
        if own and client is not None:
            client.close()
    return members, profiles


def _unique(members: list[RosterMember]) -> list[RosterMember]:
    seen, unique = set(), []
    for member in members:
        if member.key not in seen:
            seen.add(member.key)
            unique.append(member)
    return unique


def _label(row: WowCharacter) -> str:
    return f"{row.name}-{row.realm_slug}"


class _Writer:
    """The IDN-23 write: everything read once, in-memory indexes kept in step with the DB."""

    def __init__(self, sink: _Sink, now: datetime):
        self.sink, self.now = sink, now
        self.counts = dict.fromkeys(COUNT_KEYS, 0)
        self.names: dict[str, list[str]] = {
            key: [] for key in ("new", "returned", "renamed", "departed")
        }
        rows = list(WowCharacter.objects.all())
        self.by_id = {row.blizzard_id: row for row in rows if row.blizzard_id is not None}
        self.by_key = {(row.name_key, row.realm_slug): row for row in rows if not row.name_released}
        self.rows = rows
        self.snapshot = {row.pk: self._state(row) for row in rows}
        self.ranks = {
            rank.wow_rank_index: rank.pk
            for rank in GuildRank.objects.exclude(wow_rank_index__isnull=True)
        }
        self.classes = dict(PlayableClass.objects.values_list("blizzard_id", "pk"))
        self.specs = dict(Specialization.objects.values_list("blizzard_spec_id", "pk"))
        self.links = dict(PlayerCharacter.objects.values_list("character_id", "player_id"))
        self.history: list[CharacterNameHistory] = []
        self.last_logins = {row.pk: row.last_login_at for row in rows}
        self.dirty: set[int] = set()  # "unchanged" rows whose last login moved
        self.seen: set[int] = set()  # pks upserted or taken out by a release/merge
        self.unmapped: set[int] = set()

    @staticmethod
    def _state(row: WowCharacter) -> tuple:
        return tuple(getattr(row, name) for name in COMPARED_FIELDS)

    # --- step 3: release a name ---------------------------------------------------------------

    def release(self, row: WowCharacter) -> None:
        """Free the row's name. An in-guild row not (yet) upserted departs at the end."""
        self.by_key.pop((row.name_key, row.realm_slug), None)
        row.name_key = f"{row.name.casefold()}#{row.pk}"
        self._history(row, row.name, row.realm_slug, NameChangeReason.NAME_RELEASED)
        WowCharacter.objects.filter(pk=row.pk).update(name_key=row.name_key)

    def _history(self, row: WowCharacter, new_name: str, new_realm: str, reason: str) -> None:
        self.history.append(
            CharacterNameHistory(
                character_id=row.pk,
                old_name=row.name,
                old_realm_slug=row.realm_slug,
                new_name=new_name,
                new_realm_slug=new_realm,
                changed_at=self.now,
                reason=reason,
            )
        )

    # --- step 2: rename, transfer, merge --------------------------------------------------------

    def rename(self, row: WowCharacter, member: RosterMember) -> bool:
        """Move `row` to the member's name and realm; False on a merge conflict."""
        key = (member.name.casefold(), member.realm_slug)
        other = self.by_key.get(key)
        if other is not None and other.pk != row.pk:
            if other.blizzard_id is not None:
                self.release(other)
            elif not self.merge(row, other):
                return False
        self.by_key.pop((row.name_key, row.realm_slug), None)
        self._history(row, member.name, member.realm_slug, NameChangeReason.RENAME)
        self.names["renamed"].append(f"{_label(row)} → {member.name}-{member.realm_slug}")
        self.counts["renamed"] += 1
        row.name, row.name_key, row.realm_slug = member.name, key[0], member.realm_slug
        self.by_key[key] = row
        WowCharacter.objects.filter(pk=row.pk).update(
            name=row.name, name_key=row.name_key, realm_slug=row.realm_slug
        )
        return True

    def merge(self, row: WowCharacter, other: WowCharacter) -> bool:
        """`other` (no blizzard_id) is `row` under its new name: fold it into `row`."""
        mine, theirs = self.links.get(row.pk), self.links.get(other.pk)
        if mine is not None and theirs is not None and mine != theirs:
            self.counts["conflicts"] += 1
            self.sink.details.setdefault("conflicts", []).append(
                f"{_label(row)} and {_label(other)} belong to different players; not merged"
            )
            self.sink.warn(
                f"Cannot merge {_label(other)} into {_label(row)}: linked to different players"
            )
            self.seen.add(other.pk)  # left exactly as it is
            return False
        if theirs is not None and mine is None:
            PlayerCharacter.objects.filter(character_id=other.pk).update(character_id=row.pk)
            self.links[row.pk] = self.links.pop(other.pk)
        for note in ("guild_note", "officer_note"):
            if not getattr(row, note) and getattr(other, note):
                setattr(row, note, getattr(other, note))
        Player.objects.filter(main_character_id=other.pk).update(main_character_id=row.pk)
        Player.objects.filter(offspec_character_id=other.pk).update(offspec_character_id=row.pk)
        AuditIssue.objects.filter(character_id=other.pk, resolved_at__isnull=True).update(
            resolved_at=self.now, resolution_note=f"Merged into {_label(row)} by the roster sync"
        )
        self.seen.add(other.pk)  # not counted as departed
        self.release(other)
        if other.in_guild:
            other.in_guild, other.left_guild_at = False, self.now
            WowCharacter.objects.filter(pk=other.pk).update(in_guild=False, left_guild_at=self.now)
        self.sink.details.setdefault("merged", []).append(f"{_label(other)} → {_label(row)}")
        return True

    # --- steps 1, 4, 6 --------------------------------------------------------------------------

    def upsert(
        self, member: RosterMember, profile: CharacterProfile | None
    ) -> tuple[WowCharacter, str]:
        blizzard_id = member.blizzard_id
        if blizzard_id is None and profile is not None:
            blizzard_id = profile.blizzard_id
        key = (member.name.casefold(), member.realm_slug)
        row = self.by_id.get(blizzard_id) if blizzard_id is not None else None
        if row is None:
            candidate = self.by_key.get(key)
            if candidate is not None and candidate.pk not in self.seen:
                if candidate.blizzard_id is not None and blizzard_id is not None:
                    self.release(candidate)  # the name belongs to another character now
                else:
                    row = candidate
                    if row.blizzard_id is None and blizzard_id is not None:
                        row.blizzard_id = blizzard_id  # adopts the id
                        self.by_id[blizzard_id] = row
        elif (row.name_key, row.realm_slug) != key:
            self.rename(row, member)
        elif row.name != member.name:
            row.name = member.name  # casing only: a value change, not a rename
        if row is None:
            return self.create(member, profile, blizzard_id, key)
        return self.update(row, member, profile)

    def values(
        self,
        member: RosterMember,
        profile: CharacterProfile | None,
        row: WowCharacter | None = None,
    ) -> dict:
        rank_id = None
        if member.rank is not None:
            rank_id = self.ranks.get(member.rank)
            if rank_id is None:
                self.unmapped.add(member.rank)
        values: dict[str, object] = {
            "guild_rank_index": member.rank,
            "guild_rank_id": rank_id,
            "level": member.level,
        }
        realm_name = member.realm_name or (profile.realm_name if profile else None)
        if realm_name:
            values["realm_name"] = realm_name
        class_id = member.class_id or (profile.class_id if profile else None)
        values["playable_class_id"] = self.classes.get(class_id) if class_id else None
        if profile is not None:
            values["active_spec_id"] = (
                self.specs.get(profile.spec_id) if profile.spec_id is not None else None
            )
            if profile.level is not None:
                values["level"] = profile.level
            if profile.item_level is not None:
                values["item_level"] = profile.item_level
            if profile.race_name:
                values["race"] = profile.race_name
            if profile.last_login is not None:
                values["last_login_at"] = profile.last_login
        return values

    def create(
        self,
        member: RosterMember,
        profile: CharacterProfile | None,
        blizzard_id: int | None,
        key: tuple[str, str],
    ) -> tuple[WowCharacter, str]:
        row = WowCharacter(
            blizzard_id=blizzard_id,
            name=member.name,
            name_key=key[0],
            realm_slug=member.realm_slug,
            in_guild=True,
            first_seen_at=self.now,
            last_blizzard_sync_at=self.now,
            **self.values(member, profile),
        )
        self.by_key[key] = row
        if blizzard_id is not None:
            self.by_id[blizzard_id] = row
        self.counts["new"] += 1
        self.names["new"].append(_label(row))
        return row, "new"

    def update(
        self, row: WowCharacter, member: RosterMember, profile: CharacterProfile | None
    ) -> tuple[WowCharacter, str]:
        self.seen.add(row.pk)
        for name, value in self.values(member, profile, row).items():
            setattr(row, name, value)
        changed = self._state(row) != self.snapshot.get(row.pk)
        if row.last_login_at != self.last_logins.get(row.pk):
            self.dirty.add(row.pk)
        returned = not row.in_guild and row.left_guild_at is not None
        never_in = not row.in_guild and row.left_guild_at is None
        row.in_guild, row.left_guild_at = True, None
        row.last_blizzard_sync_at = self.now
        if returned:
            self.counts["returned"] += 1
            self.names["returned"].append(_label(row))
            return row, "returned"
        if never_in:
            self.counts["new"] += 1
            self.names["new"].append(_label(row))
            return row, "new"
        self.counts["updated" if changed else "unchanged"] += 1
        return row, "updated" if changed else "unchanged"


def write_roster(
    members: list[RosterMember], *, profiles: ProfileResults, sink: _Sink, roster_only: bool
) -> dict:
    """IDN-23 steps 1-6 and IDN-24 departures; fills `sink.counts` and `sink.details`."""
    now = timezone.now()
    writer = _Writer(sink, now)
    created: list[WowCharacter] = []
    changed: list[WowCharacter] = []
    touched: list[int] = []
    for member in members:
        row, outcome = writer.upsert(member, profiles.profiles.get(member.key))
        if row.pk is None:
            created.append(row)
        elif outcome == "unchanged" and row.pk not in writer.dirty:
            touched.append(row.pk)
        else:
            changed.append(row)
    counts = writer.counts
    counts["found"] = len(members)
    if not roster_only:
        counts["profiles_ok"] = len(profiles.profiles)
        counts["profiles_missing"] = len(profiles.not_found)
        counts["profiles_failed"] = len(profiles.failed)
    if profiles.not_found:
        sink.details["profiles_missing"] = [f"{m.name}-{m.realm_slug}" for m in profiles.not_found]
    if profiles.failed:
        sink.details["profiles_failed"] = [
            f"{f.member.name}-{f.member.realm_slug}: {f.error}" for f in profiles.failed
        ]
    # IDN-24: the roster succeeded with >= 1 member, so every unseen in-guild row departs.
    departed = [row for row in writer.rows if row.in_guild and row.pk not in writer.seen]
    counts["departed"] = len(departed)
    writer.names["departed"] += [_label(row) for row in departed]

    WowCharacter.objects.bulk_update(changed, UPDATE_FIELDS, batch_size=BATCH_SIZE)
    WowCharacter.objects.bulk_create(created, batch_size=BATCH_SIZE)
    for start in range(0, len(touched), BATCH_SIZE):
        WowCharacter.objects.filter(pk__in=touched[start : start + BATCH_SIZE]).update(
            last_blizzard_sync_at=now
        )
    departed_ids = [row.pk for row in departed]
    for start in range(0, len(departed_ids), BATCH_SIZE):
        WowCharacter.objects.filter(pk__in=departed_ids[start : start + BATCH_SIZE]).update(
            in_guild=False, left_guild_at=now
        )
    CharacterNameHistory.objects.bulk_create(writer.history, batch_size=BATCH_SIZE)

    counts["unmapped_ranks"] = len(writer.unmapped)
    for index in sorted(writer.unmapped):
        sink.warn(rank_warning(index))
    for key, names in writer.names.items():
        if names:
            sink.details[key] = names
    sink.counts.update(counts)
    return counts
