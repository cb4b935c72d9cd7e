"""The import, table by table, in one transaction (issue 14)."""

import time
from collections.abc import Callable

from django.db import transaction

from legacy.importer import campaigns, people, records, reference, site
from legacy.importer.context import Context, ImportFailed
from legacy.importer.report import Report
from legacy.importer.source import SourceError, open_source
from patt.models import clear_site_config_cache

# Every in-scope legacy table (README §2), in the order the steps read them.
STEPS: list[tuple[tuple[str, ...], Callable[[Context], None]]] = [
    (("ref.classes", "ref.specializations", "guild_identity.roles"), reference.import_reference),
    (("common.guild_ranks", "common.rank_wow_mapping"), reference.import_ranks),
    (("guild_identity.discord_users",), people.import_discord_users),
    (("common.users",), people.import_users),
    (("guild_identity.wow_characters",), people.import_characters),
    (
        ("guild_identity.players", "guild_identity.player_characters"),
        people.import_players_and_links,
    ),
    (("guild_identity.character_name_history",), people.import_name_history),
    (("common.invite_codes",), records.import_invites),
    (("guild_identity.audit_issues",), records.import_audit_issues),
    (("guild_identity.onboarding_sessions",), records.import_onboarding),
    (("guild_identity.sync_log",), records.import_sync_log),
    (
        ("guild_identity.player_note_aliases", "guild_identity.player_action_log"),
        records.import_no_place,
    ),
    (("patt.campaigns",), campaigns.import_campaigns),
    (("patt.campaign_entries",), campaigns.import_entries),
    (("patt.votes",), campaigns.import_votes),
    (("patt.campaign_results",), campaigns.import_results),
    (("patt.contest_agent_log",), campaigns.import_agent_log),
    (("patt.player_availability",), site.import_availability),
    (("common.site_config", "common.discord_config"), site.import_site),
    (
        ("patt.quote_subjects", "patt.guild_quotes", "patt.guild_quote_titles"),
        site.import_quotes,
    ),
]
IN_SCOPE = frozenset(table for tables, _ in STEPS for table in tables)

# README §5: why each out-of-scope table is not imported (by table, then by schema).
NOT_IMPORTED = {
    "common.error_log": "the old app's error catalogue",
    "common.error_routing": "the old app's error catalogue",
    "common.feedback_submissions": "feedback feature not in this platform",
    "common.guide_sites": "old admin navigation",
    "common.screen_permissions": "old admin navigation",
    "common.user_activity": "page-view analytics",
    "guild_identity.battlenet_accounts": "no Battle.net sign-in here; holds tokens (its effect "
    "survives as battlenet_oauth links)",
    "guild_identity.discord_channels": "a cache of the server's channels",
    "guild_identity.raiderio_profiles": "Raider.IO",
    "guild_identity.item_price_history": "auction house",
    "patt.recruiting_contests": "recruiting contest",
    "patt.recruiting_submissions": "recruiting contest",
    "patt.spec_wheel_rolls": "spec wheel",
    "patt.alembic_version": "bookkeeping (checked: 0181)",
}
NOT_IMPORTED_GROUPS = [
    (
        (
            "character_achievements",
            "character_mythic_plus",
            "character_raid_progress",
            "progression_snapshots",
            "raid_boss_counts",
            "tracked_achievements",
        ),
        "progression",
    ),
    (
        ("character_parses", "character_report_parses", "raid_reports", "wcl_config"),
        "Warcraft Logs",
    ),
    (
        (
            "character_equipment",
            "gear_plans",
            "gear_plan_slots",
            "tracked_items",
            "tier_token_attrs",
            "item_sources",
        ),
        "gear plans",
    ),
    (
        (
            "character_recipes",
            "recipes",
            "professions",
            "profession_tiers",
            "crafting_sync_config",
            "item_recipe_links",
        ),
        "crafting",
    ),
    (
        (
            "raid_seasons",
            "raid_events",
            "recurring_events",
            "raid_attendance",
            "attendance_rules",
            "voice_attendance_log",
        ),
        "attendance and scheduling (RaidEvent only records the new planner's events)",
    ),
]
BIS_SCHEMAS = ("ref", "config", "log", "landing", "enrichment", "viz")


def why_not_imported(table: str) -> str:
    if table in NOT_IMPORTED:
        return NOT_IMPORTED[table]
    schema, name = table.split(".", 1)
    for names, why in NOT_IMPORTED_GROUPS:
        if schema in ("guild_identity", "patt") and name in names:
            return why
    if schema in BIS_SCHEMAS:
        return "BIS scraping and item enrichment"
    return "not part of the legacy schema at head 0181 (unknown table)"


def run_import(
    url: str,
    *,
    dry_run: bool = False,
    progress: Callable[[str], None] = lambda message: None,
) -> Report:
    """Import the legacy database at `url`. One transaction: on a failure nothing is written
    and `ImportFailed` names the legacy table and row; with `dry_run` everything is rolled
    back and the report is the same. Raises SourceError when the legacy database cannot be
    read."""
    report = Report(dry_run=dry_run)
    try:
        _run(url, report, progress)
    finally:
        # SiteConfig is cached per process: a rolled-back (dry or failed) run must not leave
        # its values there.
        clear_site_config_cache()
    return report


def _run(url: str, report: Report, progress: Callable[[str], None]) -> None:
    dry_run = report.dry_run
    with open_source(url) as source:
        report.revision = source.revision()
        for table in source.tables():
            if table not in IN_SCOPE:
                report.not_imported[table] = why_not_imported(table)
        ctx = Context(source=source, report=report, progress=progress)
        with transaction.atomic():
            ctx.load_ledger()
            for tables, step in STEPS:
                started = time.monotonic()
                ctx.current = None
                try:
                    step(ctx)
                except (ImportFailed, SourceError):
                    raise
                except Exception as exc:
                    table, legacy_id = ctx.current or (" + ".join(tables), None)
                    raise ImportFailed(table, legacy_id, f"{type(exc).__name__}: {exc}") from exc
                for table in tables:
                    count = report.count(table)
                    progress(
                        f"{table}: {count.legacy} legacy rows — {count.imported} imported, "
                        f"{count.merged} merged, {count.reported} reported, {count.earlier} "
                        f"earlier ({time.monotonic() - started:.1f} s)"
                    )
            ctx.finish()
            ctx.write_ledger()
            if not report.balanced:
                raise ImportFailed("report", None, "counts do not add up to the legacy rows")
            if dry_run:
                transaction.set_rollback(True)
