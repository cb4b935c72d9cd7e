"""The matching engine: link unowned in-guild characters to players (IDN-33 … IDN-35, IDN-45).

`match_characters` plans every link in memory (`identity.matching.planner`), then writes the
plan in bulk: new players, links, suggestions. A dry run stops after planning. The run as the
entry points see it, ranks recomputed after the links, is `identity.services.matching
.run_matching`: the engine sits below the services and imports none of them.
"""

from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone

from identity.matching.planner import STAT_KEYS, MatchLink, MatchSuggestion, Planner
from identity.models import (
    AuditIssue,
    IssueSeverity,
    IssueType,
    Player,
    PlayerCharacter,
    RankSource,
)

# pg_advisory_xact_lock key shared by every reconcile step that must not interleave (IDN-45).
RECONCILE_LOCK_KEY = 0x5A77_1D00


@dataclass
class MatchResult:
    stats: dict
    links: list[MatchLink] = field(default_factory=list)
    suggestions: list[MatchSuggestion] = field(default_factory=list)
    dry_run: bool = False

    def stats_line(self) -> str:
        prefix = "Matching (dry run)" if self.dry_run else "Matching"
        return prefix + ": " + " ".join(f"{key}={self.stats[key]}" for key in STAT_KEYS)


# --- writing ----------------------------------------------------------------------------------


def _create_players(planner: Planner) -> dict[int, int]:
    """IDN-35: one auto-ranked player per Discord user the run had to create one for."""
    players = [
        Player(display_name=name, discord_user_id=user_pk, rank_source=RankSource.AUTO)
        for user_pk, name in planner.new_players.items()
    ]
    Player.objects.bulk_create(players, batch_size=500)
    return {player.discord_user_id: player.pk for player in players}


def _write_links(links: list[MatchLink]) -> None:
    now = timezone.now()
    PlayerCharacter.objects.bulk_create(
        [
            PlayerCharacter(
                character_id=link.character_id,
                player_id=link.player_id,
                link_source=link.source,
                confidence=link.confidence,
                confirmed=link.confirmed,
                linked_at=now,
                confirmed_at=now if link.confirmed else None,
            )
            for link in links
        ],
        batch_size=500,
        # An officer's link made while the run was planning wins; IDN-12 never overwrites it.
        ignore_conflicts=True,
    )


def _not_rejected(suggestions: list[MatchSuggestion]) -> list[MatchSuggestion]:
    """IDN-38: a suggestion an officer resolved is never reopened for the same pair.

    An automatic resolution (`resolved_by` null) does not count: the pair may come back.
    """
    rejected = set(
        AuditIssue.objects.filter(
            issue_type=IssueType.AUTO_LINK_SUGGESTION,
            resolved_at__isnull=False,
            resolved_by__isnull=False,
        ).values_list("dedup_key", flat=True)
    )
    return [suggestion for suggestion in suggestions if suggestion.dedup_key not in rejected]


def _write_suggestions(suggestions: list[MatchSuggestion]) -> None:
    """Upsert one info issue per pair (IDN-37, IDN-38): an open one is refreshed."""
    kind = IssueType.AUTO_LINK_SUGGESTION
    open_issues = {
        issue.dedup_key: issue
        for issue in AuditIssue.objects.filter(issue_type=kind, resolved_at__isnull=True)
    }
    now = timezone.now()
    created, updated = [], []
    for suggestion in suggestions:
        key = suggestion.dedup_key
        details = {
            "character_id": suggestion.character_id,
            "discord_user_id": suggestion.discord_user_id,
            "character": suggestion.character,
            "discord_username": suggestion.discord_username,
            "score": suggestion.score,
        }
        issue = open_issues.get(key)
        if issue is None:
            created.append(
                AuditIssue(
                    issue_type=kind,
                    severity=IssueSeverity.INFO,
                    character_id=suggestion.character_id,
                    discord_user_id=suggestion.discord_user_id,
                    dedup_key=key,
                    summary=suggestion.summary[:300],
                    details=details,
                    first_detected_at=now,
                    last_detected_at=now,
                )
            )
        else:
            issue.severity = IssueSeverity.INFO
            issue.summary = suggestion.summary[:300]
            issue.details = details
            issue.last_detected_at = now
            updated.append(issue)
    AuditIssue.objects.bulk_create(created, batch_size=500)
    AuditIssue.objects.bulk_update(
        updated, ["severity", "summary", "details", "last_detected_at"], batch_size=500
    )


def hold_reconcile_lock() -> None:
    """IDN-45: serialise reconcile steps. PostgreSQL: a transaction-scoped advisory lock;
    SQLite already serialises writers with its database write lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RECONCILE_LOCK_KEY])


def match_characters(*, dry_run: bool) -> MatchResult:
    """Link every unowned, unblocked in-guild character that can be matched (IDN-33 … IDN-35).

    Strategies exact, guild note and officer note repeat until a pass links nothing new (at
    most 5 passes); fuzzy (IDN-34) then runs once and files suggestions for near misses.
    Existing links are never changed and players are never merged. Takes the reconcile lock
    (IDN-45), which lasts until the caller's transaction ends: call it inside one (the
    service `run_matching` does). `dry_run` plans the same links and writes nothing.
    """
    assert connection.in_atomic_block, "match_characters runs inside the caller's transaction"
    hold_reconcile_lock()
    planner = Planner()
    stats = planner.plan()
    suggestions = _not_rejected(planner.suggestions)
    stats["suggestions"] = len(suggestions)
    if dry_run:
        links = planner.result_links(None)
        return MatchResult(stats=stats, links=links, suggestions=suggestions, dry_run=True)
    created = _create_players(planner)
    links = planner.result_links(created)
    _write_links(links)
    _write_suggestions(suggestions)
    return MatchResult(stats=stats, links=links, suggestions=suggestions)
