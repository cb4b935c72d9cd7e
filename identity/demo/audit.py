"""What the pipeline would have left behind: open audit issues and a short sync history.

Issues read as the integrity check reports them (IDN-36, IDN-37) and are upserted by dedup key
(IDN-38); the sync runs give the admin a history to show.
"""

from datetime import datetime, timedelta

from identity.demo.plan import GuildPlan
from identity.demo.upserts import LOOKUP_SIZE, ago, bulk_upsert, chunks
from identity.models import (
    AuditIssue,
    DiscordUser,
    GuildRank,
    IssueSeverity,
    IssueType,
    Player,
    RankSource,
    SyncRun,
    WowCharacter,
)


def issue_rows(
    plan: GuildPlan,
    players: list[Player],
    discord_users: dict[str, DiscordUser],
    characters: dict[tuple[str, str], WowCharacter],
    now: datetime,
) -> list[AuditIssue]:
    """Open audit issues as the integrity check would report them (IDN-36, IDN-37)."""
    issues = []

    def issue(issue_type, severity, key, summary, details, *, state="new", days=1.0, **subjects):
        issues.append(
            AuditIssue(
                issue_type=issue_type,
                severity=severity,
                dedup_key=key,
                summary=summary[:300],
                details=details,
                first_detected_at=ago(now, days),
                last_detected_at=now - timedelta(hours=1),
                notified_at=ago(now, days) if state in ("notified", "dismissed") else None,
                dismissed_at=ago(now, days / 2) if state == "dismissed" else None,
                **subjects,
            )
        )

    def rank_name(rank: GuildRank | None) -> str:
        return rank.name if rank else "no rank"

    def role_name(rank: GuildRank) -> str:
        return rank.discord_role_name or rank.name

    for orphan in plan.orphan_characters:
        c = characters[orphan.key]
        if c.in_guild:
            issue(
                IssueType.ORPHAN_WOW,
                IssueSeverity.WARNING,
                f"orphan_wow:c{c.pk}",
                f"WoW character '{c.name}-{c.realm_name}' ({orphan.class_name}, "
                f"{rank_name(c.guild_rank)}) has no player link",
                {"character_id": c.pk, "name": c.name, "realm": c.realm_slug},
                days=min(orphan.first_seen_days, 14),
                character=c,
            )
    for orphan in plan.orphan_discord_users:
        d = discord_users[orphan.discord.discord_id]
        if d.is_present and d.highest_guild_role:
            issue(
                IssueType.ORPHAN_DISCORD,
                IssueSeverity.WARNING,
                f"orphan_discord:d{d.pk}",
                f"Discord member '{d.display_name}' (role: {role_name(d.highest_guild_role)}) "
                "has no WoW character linked",
                {"discord_user_id": d.pk, "display_name": d.display_name},
                state=orphan.issue_state,
                days=min(orphan.discord.joined_days, 10),
                discord_user=d,
            )
    for character in plan.characters:
        days = character.last_login_days
        if character.in_guild and days is not None and days > 30:
            c = characters[character.key]
            issue(
                IssueType.STALE_CHARACTER,
                IssueSeverity.INFO,
                f"stale_character:c{c.pk}",
                f"'{c.name}' ({rank_name(c.guild_rank)}) hasn't logged in for {int(days)} days",
                {
                    "character_id": c.pk,
                    "days_inactive": int(days),
                    "last_login": c.last_login_at.isoformat(),
                },
                state=character.stale_issue_state,
                days=days - 30,
                character=c,
            )
    for suggestion in plan.suggestions:
        c = characters[suggestion.character]
        d = discord_users[suggestion.discord_id]
        issue(
            IssueType.AUTO_LINK_SUGGESTION,
            IssueSeverity.INFO,
            f"auto_link_suggestion:c{c.pk}:d{d.pk}",
            f"Possible match: {c} ↔ {d.username} (score: {round(suggestion.score * 100)}%)",
            {"character_id": c.pk, "discord_user_id": d.pk, "score": suggestion.score},
            days=3,
            character=c,
            discord_user=d,
        )
    # The players whose Discord role was planned not to match their rank.
    for player_plan, player in zip(plan.players, players, strict=True):
        d, rank = player.discord_user, player.guild_rank
        in_guild = any(c.in_guild for c in player_plan.characters)
        if not (player.is_active and rank and d and d.is_present and in_guild):
            continue
        role = d.highest_guild_role
        if role == rank:
            continue
        if role is None:
            issue_type, severity = IssueType.NO_GUILD_ROLE, IssueSeverity.WARNING
            held = "has no guild role"
        else:
            critical = role.is_officer and role.level > rank.level
            issue_type = IssueType.ROLE_MISMATCH
            severity = IssueSeverity.CRITICAL if critical else IssueSeverity.WARNING
            held = role_name(role)
        basis = "(manual rank)" if player.rank_source == RankSource.MANUAL else "in-game"
        issue(
            issue_type,
            severity,
            f"{issue_type.value}:p{player.pk}",
            f"'{player.display_name}' is {rank.name} {basis} but {held} on Discord "
            f"(expected: {role_name(rank)})",
            {"player_id": player.pk, "expected": role_name(rank)},
            player=player,
        )
    return issues


def upsert_issues(issues: list[AuditIssue]) -> None:
    """Upsert by dedup key (IDN-38); a key an officer resolved is not reopened by the demo."""
    keys = [row.dedup_key for row in issues]
    existing: dict[str, AuditIssue] = {}
    resolved: set[str] = set()
    for chunk in chunks(keys, LOOKUP_SIZE):
        for row in AuditIssue.objects.filter(dedup_key__in=chunk):
            if row.resolved_at is None:
                existing[row.dedup_key] = row
            else:
                resolved.add(row.dedup_key)
    rows = []
    for row in issues:
        current = existing.get(row.dedup_key)
        if current is not None:
            row.pk = current.pk
            row.first_detected_at = current.first_detected_at
            rows.append(row)
        elif row.dedup_key not in resolved:
            rows.append(row)
    # Existing open issues carry their pk, so an upsert on the pk updates them in place.
    bulk_upsert(
        AuditIssue,
        rows,
        unique_fields=["id"],
        update_fields=[
            "severity",
            "summary",
            "details",
            "last_detected_at",
            "notified_at",
            "dismissed_at",
        ],
    )


def ensure_sync_runs(plan: GuildPlan, now: datetime) -> None:
    """A short pipeline history for the admin; written only when there is none at all."""
    if SyncRun.objects.exists():
        return
    found = sum(1 for c in plan.characters if c.in_guild)
    present = sum(1 for d in plan.discord_users if d.is_present)
    unchanged = found * 2 // 3
    rank_warning = "Rank index 7 has no guild rank (set wow_rank_index in admin)"
    S, T, R = SyncRun.Source, SyncRun.Trigger, SyncRun.Status
    # source, trigger, status, hours ago, seconds, counts, details, error
    # fmt: off
    history = [
        (S.BLIZZARD_ROSTER, T.COMMAND, R.PARTIAL, 32, 15.1,
         {"found": found, "new": 0, "returned": 1, "updated": found - unchanged - 1,
          "unchanged": unchanged, "renamed": 1, "departed": 0, "profiles_ok": found - 3,
          "profiles_missing": 1, "profiles_failed": 2, "unmapped_ranks": 1, "conflicts": 0},
         {"warnings": [rank_warning, "2 profiles failed"], "returned": ["Zatabrew"],
          "renamed": ["Skatefarms"]}, ""),
        (S.BLIZZARD_ROSTER, T.SCHEDULE, R.ERROR, 26, 20.0, {}, {},
         "Roster fetch failed: 503 Service Unavailable"),
        (S.ADDON_UPLOAD, T.UPLOAD, R.SUCCESS, 20, 0.8,
         {"characters": found, "notes_changed": 3}, {}, ""),
        (S.BLIZZARD_ROSTER, T.SCHEDULE, R.SUCCESS, 2, 12.9,
         {"found": found, "new": 2, "returned": 0, "updated": found - unchanged - 2,
          "unchanged": unchanged, "renamed": 0, "departed": 1, "profiles_ok": found - 1,
          "profiles_missing": 1, "profiles_failed": 0, "unmapped_ranks": 1, "conflicts": 0},
         {"warnings": [rank_warning], "new": ["Thalorin", "Lunestra"],
          "departed": ["Rocketshammy"]}, ""),
        (S.RECONCILE, T.SCHEDULE, R.SUCCESS, 1.99, 1.4,
         {"considered": 3, "passes": 1, "exact": 0, "guild_note": 0, "officer_note": 0,
          "fuzzy": 0, "suggestions": 2, "skipped": 1, "players_created": 0}, {}, ""),
        (S.AUDIT_REPORT, T.SCHEDULE, R.SKIPPED, 1.98, 0.1, {},
         {"warnings": ["No audit channel configured (discord_audit_channel_id)"]}, ""),
        (S.DISCORD_MEMBERS, T.SCHEDULE, R.PARTIAL, 0.25, 3.2,
         {"found": present, "new": 1, "returned": 0, "updated": 3, "unchanged": present - 4,
          "departed": 0, "role_adds": 0, "role_removals": 0, "role_errors": 1},
         {"warnings": ["Could not add role Member to @lunara (HTTP 403)"]}, ""),
    ]
    # fmt: on
    rows = []
    for source, trigger, status, hours, seconds, counts, details, error in history:
        started = now - timedelta(hours=hours)
        rows.append(
            SyncRun(
                source=source,
                trigger=trigger,
                status=status,
                started_at=started,
                finished_at=started + timedelta(seconds=seconds),
                duration_seconds=seconds,
                counts=counts,
                details=details,
                error=error,
            )
        )
    SyncRun.objects.bulk_create(rows)
