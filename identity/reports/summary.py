"""The sync summary posted after the Blizzard, Discord and addon pipelines (IDN-41).

The counts come from the run as the pipelines write them:
- Blizzard roster (`roster_sync.write_roster`): `found`, `new`, `returned`, `departed`, `renamed`.
- Discord members (`discord_sync.write_members`): `found`, `new` (joined), `returned`
  (rejoined), `departed` (left).
- Addon upload: `notes_updated`, `unknown_characters` (the constants below).
- Every pipeline: new issues = `details["integrity"]["new"]` (`integrity.IntegrityResult`),
  role changes = `counts["role_adds"] + counts["role_removals"]` (the role push).

The post goes to `SiteConfig.discord_audit_channel_id`: the spec names no channel for it.
"""

from identity.models import SyncRun, SyncSource, SyncStatus
from identity.reports.channel import post_embeds
from identity.reports.embeds import colour_value
from patt.discord.rest import DiscordRestClient

# Count keys of an addon upload run (the upload code writes them under these names).
NOTES_UPDATED = "notes_updated"
UNKNOWN_CHARACTERS = "unknown_characters"
# Count keys of the role push (IDN-29).
ROLE_ADDS = "role_adds"
ROLE_REMOVALS = "role_removals"

SUMMARY_COLOUR = "#2ECC71"
SUMMARY_SOURCES = (SyncSource.BLIZZARD_ROSTER, SyncSource.DISCORD_MEMBERS, SyncSource.ADDON_UPLOAD)
NEW_ISSUES, ROLE_CHANGES = "new issues", "role changes"
# (count key or derived value, label) in the order the spec lists them, per source.
PARTS = {
    SyncSource.BLIZZARD_ROSTER: [
        ("found", "characters"),
        ("new", "new"),
        ("returned", "returned"),
        ("departed", "departed"),
        ("renamed", "renamed"),
        (NEW_ISSUES, "new issues"),
        (ROLE_CHANGES, "role changes"),
    ],
    SyncSource.DISCORD_MEMBERS: [
        ("found", "members"),
        ("new", "joined"),
        ("returned", "rejoined"),
        ("departed", "left"),
        (NEW_ISSUES, "new issues"),
        (ROLE_CHANGES, "role changes"),
    ],
    SyncSource.ADDON_UPLOAD: [
        (NOTES_UPDATED, "notes updated"),
        (UNKNOWN_CHARACTERS, "unknown characters"),
        (NEW_ISSUES, "new issues"),
    ],
}
# IDN-41: what makes a run worth a post. `found`, notes and unknown characters alone do not.
CHANGE_KEYS = ("new", "returned", "departed", "renamed", NEW_ISSUES, ROLE_CHANGES)


def summary_values(run: SyncRun) -> dict[str, int]:
    """The run's counts, plus the derived `new issues` and `role changes`."""
    counts = run.counts or {}
    values = {key: _int(value) for key, value in counts.items()}
    integrity = (run.details or {}).get("integrity") or {}
    values[NEW_ISSUES] = _int(integrity.get("new"))
    values[ROLE_CHANGES] = _int(counts.get(ROLE_ADDS)) + _int(counts.get(ROLE_REMOVALS))
    return values


def has_changes(run: SyncRun) -> bool:
    """IDN-41: new, returned, departed, renamed, new issues or role changes > 0."""
    values = summary_values(run)
    return any(values.get(key, 0) > 0 for key in CHANGE_KEYS)


def summary_embed(run: SyncRun) -> dict:
    """`📡 Sync Complete: <source>`; the non-zero parts joined by ` | `; `Completed in 12.3s`."""
    values = summary_values(run)
    parts = [
        f"**{values[key]}** {label}" for key, label in PARTS[run.source] if values.get(key, 0) > 0
    ]
    embed = {
        "title": f"📡 Sync Complete: {run.get_source_display()}",
        "color": colour_value(SUMMARY_COLOUR),
        "footer": {"text": f"Completed in {_duration(run):.1f}s"},
    }
    if parts:
        embed["description"] = " | ".join(parts)
    return embed


def post_sync_summary(run: SyncRun, *, client: DiscordRestClient | None = None) -> bool:
    """IDN-41: post the summary of a finished Blizzard, Discord or addon run; True when posted.

    Nothing is posted for another source, a run that did not succeed (error, skipped: IDN-42
    covers failures), a run that changed nothing, no audit channel or no Discord.
    """
    if run.source not in SUMMARY_SOURCES:
        return False
    if run.status not in (SyncStatus.SUCCESS, SyncStatus.PARTIAL):
        return False
    if not has_changes(run):
        return False
    return post_embeds([summary_embed(run)], client=client, what=f"Sync summary of {run}")


def _duration(run: SyncRun) -> float:
    if run.duration_seconds is not None:
        return run.duration_seconds
    if run.finished_at and run.started_at:
        return (run.finished_at - run.started_at).total_seconds()
    return 0.0


def _int(value) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0
