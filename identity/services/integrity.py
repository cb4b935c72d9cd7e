"""Integrity checks: find, upsert and auto-resolve audit issues (IDN-36 … IDN-38, IDN-45).

One run loads everything it needs once (ranks, characters, Discord users, players, open
issues), computes the current findings in memory, then writes them in bulk: new issues are
created, open issues with the same dedup key are refreshed, and open issues whose condition
has cleared are resolved automatically (`resolved_by` null, with a note). The query count does
not grow with the guild. The run holds the reconcile lock in one transaction (IDN-45).

`auto_link_suggestion` issues are created by matching (`identity.matching.engine`); this module
only resolves them when their pair can no longer be linked.
"""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from identity.matching.engine import hold_reconcile_lock
from identity.models import (
    AuditIssue,
    DiscordUser,
    GuildRank,
    IssueSeverity,
    IssueType,
    Player,
    RankSource,
    WowCharacter,
)
from identity.services.accounts import officers_who_left

UNKNOWN_CLASS = "unknown class"
NO_RANK = "no rank"

# Auto-resolve notes (IDN-38).
NOTE_LINKED = "Character now linked"
NOTE_LEFT_GUILD = "Character left the guild"
NOTE_BLOCKED = "Character blocked from automatic matching"
NOTE_USER_LEFT = "Discord user left the server"
NOTE_NO_LADDER_ROLE = "Discord user no longer holds a guild role"
NOTE_ROLES_AGREE = "Roles now agree"
NOTE_LEFT_POPULATION = "Player no longer checked (inactive, no rank, or not in guild/Discord)"
NOTE_ROLE_CHANGED = "Discord role changed"
NOTE_LOGGED_IN = "Character logged in recently"
NOTE_STAFF_RULE_CLEARED = (
    "No longer an officer who left the guild (back in the guild or on Discord, or rank or "
    "account changed)"
)

# The types this module detects; suggestions are only auto-resolved here.
DETECTED_TYPES = (
    IssueType.ORPHAN_WOW,
    IssueType.ORPHAN_DISCORD,
    IssueType.ROLE_MISMATCH,
    IssueType.NO_GUILD_ROLE,
    IssueType.STALE_CHARACTER,
    IssueType.STAFF_ACCESS_WITHDRAWN,
)
COUNT_KEYS = ("new", "still_open", "resolved", "open_total")


@dataclass
class Finding:
    """One current problem, before it is upserted as an `AuditIssue`."""

    issue_type: str
    severity: int
    dedup_key: str
    summary: str
    details: dict
    character_id: int | None = None
    discord_user_id: int | None = None
    player_id: int | None = None


@dataclass
class IntegrityResult:
    """Counts of one run (IDN-38): totals and the same four counts per issue type."""

    new: int = 0
    still_open: int = 0
    resolved: int = 0
    open_total: int = 0
    per_type: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "new": self.new,
            "still_open": self.still_open,
            "resolved": self.resolved,
            "open_total": self.open_total,
            "per_type": {kind: dict(counts) for kind, counts in self.per_type.items()},
        }

    def stats_line(self) -> str:
        return "Integrity: " + " ".join(f"{key}={getattr(self, key)}" for key in COUNT_KEYS)


# --- loading ----------------------------------------------------------------------------------


# One row of a `.values()` query.
Row = Mapping[str, Any]


@dataclass
class _Snapshot:
    """Everything a run reads, loaded with a fixed number of queries.

    The maps are keyed by primary key; their key type admits None because they are also looked
    up by nullable foreign keys (an issue's character, a player's Discord user), which then find
    nothing.
    """

    ranks: dict[int | None, GuildRank]
    ladder_role_ids: set[str]
    characters: dict[int | None, Row]
    users: dict[int | None, Row]
    players: dict[int | None, Row]
    characters_by_player: dict[int, list[Row]]
    player_by_user: dict[int, Row]
    officers_who_left: set[int]

    @classmethod
    def load(cls) -> "_Snapshot":
        ranks: dict[int | None, GuildRank] = {rank.pk: rank for rank in GuildRank.objects.all()}
        ladder_role_ids = {rank.discord_role_id for rank in ranks.values() if rank.discord_role_id}
        characters: dict[int | None, Row] = {
            row["pk"]: row
            for row in WowCharacter.objects.values(
                "pk",
                "name",
                "realm_slug",
                "realm_name",
                "playable_class__name",
                "guild_rank_id",
                "last_login_at",
                "in_guild",
                "automatch_blocked",
                "link__player_id",
            )
        }
        users: dict[int | None, Row] = {
            row["pk"]: row
            for row in DiscordUser.objects.values(
                "pk", "username", "display_name", "role_ids", "highest_guild_role_id", "is_present"
            )
        }
        players: dict[int | None, Row] = {
            row["pk"]: row
            for row in Player.objects.values(
                "pk", "display_name", "discord_user_id", "guild_rank_id", "rank_source", "is_active"
            )
        }
        characters_by_player: dict[int, list[Row]] = {}
        for character in characters.values():
            owner = character["link__player_id"]
            if owner is not None:
                characters_by_player.setdefault(owner, []).append(character)
        player_by_user: dict[int, Row] = {
            player["discord_user_id"]: player
            for player in players.values()
            if player["discord_user_id"] is not None
        }
        return cls(
            ranks=ranks,
            ladder_role_ids=ladder_role_ids,
            characters=characters,
            users=users,
            players=players,
            characters_by_player=characters_by_player,
            player_by_user=player_by_user,
            officers_who_left=set(officers_who_left().values_list("pk", flat=True)),
        )

    def rank_name(self, rank_id: int | None) -> str:
        rank = self.ranks.get(rank_id)
        return rank.name if rank else NO_RANK

    def role_name(self, rank_id: int | None) -> str:
        """The Discord role name of a rank (its `discord_role_name`, else the rank's name)."""
        rank = self.ranks[rank_id]
        return rank.discord_role_name or rank.name

    def held_ladder_rank(self, user: Row) -> int | None:
        """The highest-level rank the user holds a ladder role of, if any."""
        if user["highest_guild_role_id"] is not None:
            return user["highest_guild_role_id"]
        held = set(user["role_ids"] or []) & self.ladder_role_ids
        ranks = [rank for rank in self.ranks.values() if rank.discord_role_id in held]
        return max(ranks, key=lambda rank: rank.level).pk if ranks else None

    def has_in_guild_character(self, player_id: int) -> bool:
        return any(c["in_guild"] for c in self.characters_by_player.get(player_id, []))

    def in_population(self, player: Row) -> bool:
        """IDN-36: active, ranked, present Discord user, in-guild character or manual rank."""
        user = self.users.get(player["discord_user_id"])
        return (
            player["is_active"]
            and player["guild_rank_id"] is not None
            and user is not None
            and user["is_present"]
            and (
                player["rank_source"] == RankSource.MANUAL
                or self.has_in_guild_character(player["pk"])
            )
        )


# --- findings (IDN-36, IDN-37) ----------------------------------------------------------------


def _character_label(character: Row) -> str:
    realm = character["realm_name"] or character["realm_slug"]
    return f"{character['name']}-{realm}"


def _orphan_wow(snap: _Snapshot) -> list[Finding]:
    findings = []
    for character in snap.characters.values():
        if not character["in_guild"] or character["link__player_id"] is not None:
            continue
        label = _character_label(character)
        class_name = character["playable_class__name"] or UNKNOWN_CLASS
        rank = snap.rank_name(character["guild_rank_id"])
        findings.append(
            Finding(
                issue_type=IssueType.ORPHAN_WOW,
                severity=IssueSeverity.WARNING,
                dedup_key=f"orphan_wow:c{character['pk']}",
                summary=f"WoW character '{label}' ({class_name}, {rank}) has no player link",
                details={
                    "character_id": character["pk"],
                    "character": label,
                    "name": character["name"],
                    "realm": character["realm_slug"],
                    "class": class_name,
                    "rank": rank,
                },
                character_id=character["pk"],
            )
        )
    return findings


def _orphan_discord(snap: _Snapshot) -> list[Finding]:
    findings = []
    for user in snap.users.values():
        if not user["is_present"]:
            continue
        held = snap.held_ladder_rank(user)
        if held is None:
            continue
        player = snap.player_by_user.get(user["pk"])
        if player is not None and snap.has_in_guild_character(player["pk"]):
            continue
        display = user["display_name"] or user["username"]
        role = snap.role_name(held)
        findings.append(
            Finding(
                issue_type=IssueType.ORPHAN_DISCORD,
                severity=IssueSeverity.WARNING,
                dedup_key=f"orphan_discord:d{user['pk']}",
                summary=f"Discord member '{display}' (role: {role}) has no WoW character linked",
                details={
                    "discord_user_id": user["pk"],
                    "player_id": player["pk"] if player else None,
                    "display_name": display,
                    "username": user["username"],
                    "role": role,
                },
                discord_user_id=user["pk"],
            )
        )
    return findings


def _player_characters(snap: _Snapshot, player_id: int) -> list[dict]:
    characters = sorted(
        snap.characters_by_player.get(player_id, []), key=lambda c: (c["name"], c["pk"])
    )
    return [
        {"id": c["pk"], "character": _character_label(c), "in_guild": c["in_guild"]}
        for c in characters
    ]


def _role_checks(snap: _Snapshot) -> list[Finding]:
    """role_mismatch and no_guild_role over the population (IDN-36)."""
    findings = []
    for player in snap.players.values():
        if not snap.in_population(player):
            continue
        user = snap.users[player["discord_user_id"]]
        rank_id = player["guild_rank_id"]
        rank = snap.ranks[rank_id]
        expected = snap.role_name(rank_id)
        basis = "(manual rank)" if player["rank_source"] == RankSource.MANUAL else "in-game"
        role_id = user["highest_guild_role_id"]
        details = {
            "player_id": player["pk"],
            "discord_user_id": user["pk"],
            "player": player["display_name"],
            "rank": rank.name,
            "rank_source": player["rank_source"],
            "expected": expected,
            "characters": _player_characters(snap, player["pk"]),
        }
        prefix = f"'{player['display_name']}' is {rank.name} {basis} but"
        if role_id is not None:
            if role_id == rank_id:
                continue
            role = snap.ranks[role_id]
            critical = role.is_officer and role.level > rank.level
            held = snap.role_name(role_id)
            findings.append(
                Finding(
                    issue_type=IssueType.ROLE_MISMATCH,
                    severity=IssueSeverity.CRITICAL if critical else IssueSeverity.WARNING,
                    dedup_key=f"role_mismatch:p{player['pk']}",
                    summary=f"{prefix} {held} on Discord (expected: {expected})",
                    details={**details, "role": held},
                    discord_user_id=user["pk"],
                    player_id=player["pk"],
                )
            )
        elif snap.held_ladder_rank(user) is None:
            findings.append(
                Finding(
                    issue_type=IssueType.NO_GUILD_ROLE,
                    severity=IssueSeverity.WARNING,
                    dedup_key=f"no_guild_role:p{player['pk']}",
                    summary=f"{prefix} has no guild role on Discord (expected: {expected})",
                    details={**details, "role": None},
                    discord_user_id=user["pk"],
                    player_id=player["pk"],
                )
            )
    return findings


def _stale_characters(snap: _Snapshot, now: datetime, stale_days: int) -> list[Finding]:
    """In-guild characters not seen for more than `stale_days` days; null is never stale."""
    findings = []
    threshold = timedelta(days=stale_days)
    for character in snap.characters.values():
        last_login = character["last_login_at"]
        if not character["in_guild"] or last_login is None or now - last_login <= threshold:
            continue
        days = (now - last_login).days
        rank = snap.rank_name(character["guild_rank_id"])
        findings.append(
            Finding(
                issue_type=IssueType.STALE_CHARACTER,
                severity=IssueSeverity.INFO,
                dedup_key=f"stale_character:c{character['pk']}",
                summary=f"'{character['name']}' ({rank}) hasn't logged in for {days} days",
                details={
                    "character_id": character["pk"],
                    "character": _character_label(character),
                    "name": character["name"],
                    "rank": rank,
                    "last_login": last_login.isoformat(),
                    "days_inactive": days,
                },
                character_id=character["pk"],
            )
        )
    return findings


def _staff_access_withdrawn(snap: _Snapshot) -> list[Finding]:
    """IDN-15: officers who left the guild, whose staff access the officer rule withdraws
    (`identity.services.accounts.officers_who_left`: the rule is there, not here)."""
    findings = []
    for player_id in sorted(snap.officers_who_left):
        player = snap.players[player_id]
        rank = snap.rank_name(player["guild_rank_id"])
        user = snap.users.get(player["discord_user_id"])
        discord = (
            "no Discord account linked"
            if user is None
            else f"Discord user '{user['display_name'] or user['username']}' left the server"
        )
        findings.append(
            Finding(
                issue_type=IssueType.STAFF_ACCESS_WITHDRAWN,
                severity=IssueSeverity.WARNING,
                dedup_key=f"staff_access_withdrawn:p{player_id}",
                summary=(
                    f"'{player['display_name']}' ({rank}) lost admin access: no character in "
                    f"the guild and {discord}; the rank is kept for history"
                ),
                details={
                    "player_id": player_id,
                    "player": player["display_name"],
                    "rank": rank,
                    "discord_user_id": user["pk"] if user else None,
                    "characters": _player_characters(snap, player_id),
                },
                player_id=player_id,
            )
        )
    return findings


def compute_findings(snap: _Snapshot, *, now: datetime, stale_days: int) -> list[Finding]:
    return [
        *_orphan_wow(snap),
        *_orphan_discord(snap),
        *_role_checks(snap),
        *_stale_characters(snap, now, stale_days),
        *_staff_access_withdrawn(snap),
    ]


# --- auto-resolve notes (IDN-38) --------------------------------------------------------------


def _resolution_note(issue: AuditIssue, snap: _Snapshot) -> str:
    """Why an open detected issue is no longer found."""
    kind = issue.issue_type
    character = snap.characters.get(issue.character_id)
    if kind in (IssueType.ORPHAN_WOW, IssueType.STALE_CHARACTER):
        if character is None or not character["in_guild"]:
            return NOTE_LEFT_GUILD
        return NOTE_LINKED if kind == IssueType.ORPHAN_WOW else NOTE_LOGGED_IN
    if kind == IssueType.ORPHAN_DISCORD:
        user = snap.users.get(issue.discord_user_id)
        if user is None or not user["is_present"]:
            return NOTE_USER_LEFT
        if snap.held_ladder_rank(user) is None:
            return NOTE_NO_LADDER_ROLE
        return NOTE_LINKED
    if kind == IssueType.STAFF_ACCESS_WITHDRAWN:
        return NOTE_STAFF_RULE_CLEARED
    # role_mismatch, no_guild_role
    player = snap.players.get(issue.player_id)
    if player is None or not snap.in_population(player):
        return NOTE_LEFT_POPULATION
    user = snap.users[player["discord_user_id"]]
    if user["highest_guild_role_id"] == player["guild_rank_id"]:
        return NOTE_ROLES_AGREE
    return NOTE_ROLE_CHANGED


def _suggestion_resolution(issue: AuditIssue, snap: _Snapshot) -> str | None:
    """IDN-38: a suggestion resolves when its character is linked, left or blocked, or its
    Discord user is gone. Otherwise matching owns it and it stays as it is."""
    character = snap.characters.get(issue.character_id)
    user = snap.users.get(issue.discord_user_id)
    if character is not None:
        if character["link__player_id"] is not None:
            return NOTE_LINKED
        if not character["in_guild"]:
            return NOTE_LEFT_GUILD
        if character["automatch_blocked"]:
            return NOTE_BLOCKED
    if user is None or not user["is_present"]:
        return NOTE_USER_LEFT
    return None


# --- the run ----------------------------------------------------------------------------------


def run_integrity_checks(
    *, now: datetime | None = None, run_details: dict | None = None
) -> IntegrityResult:
    """Detect every current IDN-36 issue, upsert it and auto-resolve cleared ones (IDN-38).

    Runs in one transaction holding the reconcile lock (IDN-45) with a fixed number of
    queries. `run_details`, when given, receives the counts under `"integrity"`.
    """
    now = now or timezone.now()
    stale_days = settings.IDENTITY_STALE_DAYS
    counts: dict[str, Counter[str]] = {kind: Counter() for kind in IssueType.values}
    with transaction.atomic():
        hold_reconcile_lock()
        snap = _Snapshot.load()
        findings = compute_findings(snap, now=now, stale_days=stale_days)
        open_issues = {
            issue.dedup_key: issue for issue in AuditIssue.objects.filter(resolved_at__isnull=True)
        }
        created, updated, resolved = [], [], []
        found_keys = set()
        for finding in findings:
            found_keys.add(finding.dedup_key)
            issue = open_issues.get(finding.dedup_key)
            summary = finding.summary[:300]
            if issue is None:
                created.append(
                    AuditIssue(
                        issue_type=finding.issue_type,
                        severity=finding.severity,
                        character_id=finding.character_id,
                        discord_user_id=finding.discord_user_id,
                        player_id=finding.player_id,
                        dedup_key=finding.dedup_key,
                        summary=summary,
                        details=finding.details,
                        first_detected_at=now,
                        last_detected_at=now,
                    )
                )
                counts[finding.issue_type]["new"] += 1
            else:
                issue.severity = finding.severity
                issue.summary = summary
                issue.details = finding.details
                issue.last_detected_at = now
                updated.append(issue)
                counts[issue.issue_type]["still_open"] += 1
        for key, issue in open_issues.items():
            if key in found_keys:
                continue
            note: str | None
            if issue.issue_type in DETECTED_TYPES:
                note = _resolution_note(issue, snap)
            elif issue.issue_type == IssueType.AUTO_LINK_SUGGESTION:
                note = _suggestion_resolution(issue, snap)
            else:
                note = None
            if note is None:
                counts[issue.issue_type]["still_open"] += 1
                continue
            issue.resolved_at = now
            issue.resolved_by = None
            issue.resolution_note = note
            resolved.append(issue)
            counts[issue.issue_type]["resolved"] += 1
        AuditIssue.objects.bulk_create(created)
        AuditIssue.objects.bulk_update(
            updated, ["severity", "summary", "details", "last_detected_at"]
        )
        AuditIssue.objects.bulk_update(resolved, ["resolved_at", "resolved_by", "resolution_note"])
    result = IntegrityResult()
    for kind in IssueType.values:
        per = counts[kind]
        per["open_total"] = per["new"] + per["still_open"]
        result.per_type[kind] = {key: per[key] for key in COUNT_KEYS}
        for key in COUNT_KEYS:
            setattr(result, key, getattr(result, key) + per[key])
    if run_details is not None:
        run_details["integrity"] = result.as_dict()
    return result
