"""Invite codes, audit issues, onboarding sessions, sync runs and the tables with no place
here (issue 14; README §2)."""

from collections import defaultdict
from datetime import timedelta

from django.utils import timezone

from identity.models import AuditIssue, DiscordUser, InviteCode, Player, SyncRun
from legacy.importer.context import Context
from onboarding.models import OnboardingSession
from onboarding.services.answers import realm_key

SEVERITIES = {"info": 10, "warning": 20, "error": 30}
ISSUE_TYPES = {"orphan_wow", "orphan_discord", "role_mismatch", "no_guild_role", "stale_character"}
SYNC_SOURCES = {
    "blizzard_api": "blizzard_roster",
    "discord_bot": "discord_members",
    "addon_upload": "addon_upload",
}
SESSION_STATES = {
    "awaiting_dm",
    "asked_in_guild",
    "asked_main",
    "asked_alts",
    "pending_verification",
    "verified",
    "provisioned",
    "manually_resolved",
    "declined",
}


def _obj_pk(value: object) -> int | None:
    return value if isinstance(value, int) or value is None else value.pk


def import_invites(ctx: Context) -> None:
    """common.invite_codes → InviteCode. A code without a player is reported; a code that
    never expires gets the expiry its kind had (manual +72 h, bot/self-service +7 days)."""
    table = "common.invite_codes"
    existing: dict[str, object] = dict(InviteCode.objects.values_list("code", "pk"))
    players = ctx.ids.get("guild_identity.players", {})
    users_of = _users_of_players(ctx)
    new, ids = [], []
    for row in ctx.read(table):
        code = (row["code"] or "").strip()
        player = players.get(row["player_id"]) if row["player_id"] is not None else None
        if player is None:
            ctx.reported(
                table,
                row["id"],
                why=f"code {code} has no player (from before 0007 or a purged player): "
                "codes belong to a player here; issue a new one if still needed",
            )
            continue
        if len(code) != 8:
            ctx.reported(
                table, row["id"], why=f"code {code!r} is not 8 characters: issue a new one"
            )
            continue
        if code in existing:
            ctx.reported(table, row["id"], why=f"code {code} already exists here")
            continue
        created = row["created_at"] or timezone.now()
        expires, change = row["expires_at"], ""
        if expires is None:
            hours = 72 if row["generated_by"] == "manual" else 24 * 7
            expires = created + timedelta(hours=hours)
            change = f"never expired in legacy: expires {hours} h after creation"
        elif expires < created:
            expires, change = created, "expired before it was created: expiry = creation"
        invite = InviteCode(
            code=code,
            player_id=_obj_pk(player),
            created_by_id=_obj_pk(players.get(row["created_by_player_id"])),
            created_at=created,
            expires_at=expires,
            used_at=row["used_at"],
            used_by_id=users_of.get(_obj_pk(player)) if row["used_at"] else None,
        )
        existing[code] = invite
        new.append(invite)
        ids.append(row["id"])
        ctx.imported(table, row["id"], invite, change=change)
    ctx.create(InviteCode, new, table=table, legacy_ids=ids)
    ctx.scratch["invites_by_code"] = existing


def _users_of_players(ctx: Context) -> dict[int, int]:
    return dict(Player.objects.filter(user__isnull=False).values_list("pk", "user_id"))


def import_audit_issues(ctx: Context) -> None:
    """guild_identity.audit_issues → AuditIssue; two open rows with one hash: the newest is
    imported, the older merged into it; legacy-only types are reported."""
    table = "guild_identity.audit_issues"
    rows = ctx.read(table)
    chars = ctx.ids.get("guild_identity.wow_characters", {})
    discord = ctx.ids.get("guild_identity.discord_users", {})
    open_keys = dict(
        AuditIssue.objects.filter(resolved_at__isnull=True).values_list("dedup_key", "pk")
    )
    by_name = {name.casefold(): pk for pk, name in Player.objects.values_list("pk", "display_name")}
    open_rows: dict[str, list] = defaultdict(list)
    for row in rows:
        if row["resolved_at"] is None:
            open_rows[row["issue_hash"]].append(row)
    newest = {
        key: max(members, key=lambda r: (r["created_at"] or timezone.now(), r["id"]))
        for key, members in open_rows.items()
    }
    new, ids, merges = [], [], []
    for row in rows:
        if row["issue_type"] not in ISSUE_TYPES:
            ctx.reported(
                table,
                row["id"],
                why=f"issue type {row['issue_type']!r} exists only in the legacy platform; "
                "this platform's integrity checks report what still applies",
            )
            continue
        character = chars.get(row["wow_character_id"]) if row["wow_character_id"] else None
        member = discord.get(row["discord_member_id"]) if row["discord_member_id"] else None
        if (row["wow_character_id"] and character is None) or (
            row["discord_member_id"] and member is None
        ):
            ctx.reported(table, row["id"], why="its character or Discord user was not imported")
            continue
        key = row["issue_hash"]
        if row["resolved_at"] is None:
            if key in open_keys:
                ctx.merged(
                    table,
                    row["id"],
                    open_keys[key],
                    model=AuditIssue,
                    why="an open issue with this key is already here",
                )
                continue
            if newest[key] is not row:
                merges.append(row)
                continue
        created = row["created_at"] or timezone.now()
        first = min(created, row["resolved_at"]) if row["resolved_at"] else created
        resolver = (row["resolved_by"] or "").strip()
        summary = row["summary"] or row["issue_type"]
        details = row["details"] if isinstance(row["details"], dict) else {}
        if row["details"] is not None and not isinstance(row["details"], dict):
            details = {"legacy": row["details"]}
        issue = AuditIssue(
            issue_type=row["issue_type"],
            severity=SEVERITIES.get(row["severity"], 10),
            character_id=_obj_pk(character),
            discord_user_id=_obj_pk(member),
            dedup_key=key[:128],
            summary=summary[:300],
            details={**details, "legacy_resolved_by": resolver} if resolver else details,
            first_detected_at=first,
            last_detected_at=created,
            notified_at=row["notified_at"],
            resolved_at=row["resolved_at"],
            resolved_by_id=by_name.get(resolver.casefold()) if resolver else None,
        )
        if row["resolved_at"] is None:
            open_keys[key] = issue
        change = "summary cut to 300 characters" if len(summary) > 300 else ""
        new.append(issue)
        ids.append(row["id"])
        ctx.imported(table, row["id"], issue, change=change)
    for row in merges:
        ctx.merged(
            table,
            row["id"],
            open_keys[row["issue_hash"]],
            model=AuditIssue,
            why="two open issues with one key: merged into the newest",
        )
    ctx.create(AuditIssue, new, table=table, legacy_ids=ids)


def import_onboarding(ctx: Context) -> None:
    """guild_identity.onboarding_sessions → OnboardingSession (ONB-2/3). Battle.net states
    and sessions the new invariants cannot hold are reported."""
    table = "guild_identity.onboarding_sessions"
    discord = ctx.ids.get("guild_identity.discord_users", {})
    players = ctx.ids.get("guild_identity.players", {})
    invites = ctx.scratch.get("invites_by_code", {})
    taken = set(OnboardingSession.objects.values_list("discord_user_id", flat=True))
    new, ids = [], []
    for row in ctx.read(table):
        state = row["state"]
        member = discord.get(row["discord_member_id"])
        if state not in SESSION_STATES:
            ctx.reported(
                table,
                row["id"],
                why=f"state {state!r} (Battle.net sign-in) has no equivalent here: the member "
                "can be onboarded again with /onboard-start",
            )
            continue
        if member is None:
            ctx.reported(table, row["id"], why="its Discord user was not imported")
            continue
        if _obj_pk(member) in taken:
            ctx.merged(
                table,
                row["id"],
                member,
                model=DiscordUser,
                why="this Discord user already has a session here",
            )
            continue
        player = players.get(row["verified_player_id"]) if row["verified_player_id"] else None
        last = row["updated_at"] or row["created_at"] or timezone.now()
        if state in ("verified", "provisioned", "manually_resolved") and player is None:
            ctx.reported(
                table,
                row["id"],
                why=f"{state} session without its player (purged): nothing to do unless the "
                "member is still unlinked",
            )
            continue
        if state == "manually_resolved":
            ctx.reported(
                table,
                row["id"],
                why="manually resolved in legacy, which does not record the officer this "
                "platform requires: the member's links and rank are imported with the player",
            )
            continue
        escalated = row["escalated_at"]
        code = row["website_invite_code"] or ""
        invite = invites.get(code)
        session = OnboardingSession(
            discord_user_id=_obj_pk(member),
            state=state,
            started_at=row["created_at"] or last,
            opening_dm_sent_at=row["dm_sent_at"],
            prompted_at=(row["dm_sent_at"] or last)
            if state in ("asked_in_guild", "asked_main", "asked_alts")
            else None,
            is_in_guild=row["is_in_guild"],
            reported_main_name=(row["reported_main_name"] or "")[:64],
            reported_main_realm=realm_key(row["reported_main_realm"])[:64],
            reported_alt_names=list(row["reported_alt_names"] or []),
            dm_completed_at=row["dm_completed_at"]
            or (last if state == "pending_verification" else None),
            deadline_at=row["deadline_at"] or (last if state == "pending_verification" else None),
            verification_attempts=max(row["verification_attempts"] or 0, 0),
            last_verification_at=row["last_verification_at"],
            player_id=_obj_pk(player),
            verified_at=row["verified_at"] or (last if player is not None else None),
            invite_id=_obj_pk(invite),
            provisioned_at=(row["completed_at"] or last) if state == "provisioned" else None,
            dm_blocked_at=last if state == "declined" else None,
            escalated_at=escalated,
            escalation_reason="no_match" if escalated else "",
            created_at=row["created_at"] or last,
        )
        taken.add(_obj_pk(member))
        new.append(session)
        ids.append(row["id"])
        change = "escalated in legacy: reason recorded as 'not matched'" if escalated else ""
        ctx.imported(table, row["id"], session, change=change)
    ctx.create(OnboardingSession, new, table=table, legacy_ids=ids)


def import_sync_log(ctx: Context) -> None:
    """guild_identity.sync_log → SyncRun; a run left `running` becomes `error`."""
    table = "guild_identity.sync_log"
    new, ids = [], []
    for row in ctx.read(table):
        source = SYNC_SOURCES.get(row["source"])
        if source is None:
            ctx.reported(
                table,
                row["id"],
                why=f"sync source {row['source']!r} (crafting) has no place here",
            )
            continue
        started = row["started_at"] or row["completed_at"] or timezone.now()
        status, error, change = row["status"], row["error_message"] or "", ""
        if status not in ("success", "error"):
            status, change = "error", f"left {row['status']!r} by the legacy platform: error"
            error = error or "The legacy run never finished (closed by the import)."
        counts = {
            key: row[f"characters_{key}"]
            for key in ("found", "updated", "new", "removed")
            if row[f"characters_{key}"] is not None
        }
        run = SyncRun(
            source=source,
            trigger=SyncRun.Trigger.SCHEDULE,
            status=status,
            started_at=started,
            finished_at=row["completed_at"] or started,
            duration_seconds=row["duration_seconds"],
            counts=counts,
            details={"legacy_source": row["source"]},
            error=error,
        )
        new.append(run)
        ids.append(row["id"])
        ctx.imported(table, row["id"], run, change=change)
    ctx.create(SyncRun, new, table=table, legacy_ids=ids)


def import_no_place(ctx: Context) -> None:
    """Tables whose rows have no place here: every row reported, with the reason."""
    ctx.no_place(
        "guild_identity.player_note_aliases",
        ctx.read("guild_identity.player_note_aliases"),
        why="note keys the legacy matcher confirmed have no place here: the matcher reads the "
        "guild notes again; nothing to do",
    )
    ctx.no_place(
        "guild_identity.player_action_log",
        ctx.read("guild_identity.player_action_log"),
        why="members' claim/unclaim history has no place here (the links themselves are "
        "imported); nothing to do",
    )
