"""The site's settings, quotes and raid availability (issue 14; README §2). Secrets are never
read into the new database: the report names each and the setting that replaces it."""

import datetime
import re
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from legacy.importer.context import Context
from patt.models import Quote, QuoteTitle, SiteConfig
from patt.validators import timezone_validator
from roster.models import PlayerAvailability, RaidPreferences

DISCORD_ID = re.compile(r"^[0-9]{17,20}$")
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")

# (legacy table, column) → the environment setting that replaces it (ROS-49: env only).
SECRETS = [
    ("common.site_config", "blizzard_client_secret_encrypted", "BLIZZARD_CLIENT_SECRET"),
    ("common.site_config", "blizzard_client_id", "BLIZZARD_CLIENT_ID"),
    ("common.site_config", "smtp_password_encrypted", "none: this platform sends no e-mail"),
    ("common.discord_config", "bot_token_encrypted", "DISCORD_BOT_TOKEN"),
    ("common.discord_config", "raid_helper_api_key", "RAID_HELPER_API_KEY"),
    (
        "guild_identity.battlenet_accounts",
        "access_token_encrypted, refresh_token_encrypted",
        "none: no Battle.net sign-in here (table not imported)",
    ),
]


def _url(value: str | None) -> str:
    value = (value or "").strip()
    try:
        URLValidator()(value)
    except ValidationError:
        return ""
    return value if len(value) <= 200 else ""


def import_site(ctx: Context) -> None:
    """common.site_config and common.discord_config → the one SiteConfig row."""
    config = SiteConfig.get()
    changed_fields: set[str] = set()
    secrets_seen: dict[tuple[str, str], bool] = {}

    table = "common.site_config"
    rows = ctx.read(table)
    for position, row in enumerate(rows):
        if position or ctx.report.count(table).earlier:
            ctx.reported(table, row["id"], why="a second site configuration row: only one here")
            continue
        changes = []
        config.guild_name = (row["guild_name"] or config.guild_name)[:100]
        config.tagline = (row["guild_tagline"] or config.tagline)[:200]
        if row["guild_mission"]:
            config.about_text = row["guild_mission"]
        if row["realm_display_name"]:
            config.guild_realm_name = row["realm_display_name"][:64]
        if row["home_realm_slug"] and SLUG.match(row["home_realm_slug"]):
            config.guild_realm_slug = row["home_realm_slug"][:64]
        if row["guild_name_slug"] and SLUG.match(row["guild_name_slug"]):
            config.guild_name_slug = row["guild_name_slug"][:100]
        if COLOUR.match(row["accent_color_hex"] or ""):
            config.accent_colour = row["accent_color_hex"]
        else:
            changes.append(f"accent colour {row['accent_color_hex']!r} is not #rrggbb: kept")
        invite = _url(row["discord_invite_url"])
        if row["discord_invite_url"] and not invite:
            changes.append(f"Discord invite URL {row['discord_invite_url']!r} is not a URL")
        config.discord_invite_url = invite or config.discord_invite_url
        config.onboarding_enabled = bool(row["enable_onboarding"])
        changes.append(
            "no place: logo_url, feature flags (quotes, contests), setup_complete, M+ season, "
            "connected realms, BIS and SMTP settings"
        )
        changed_fields.add("site")
        ctx.imported(table, row["id"], config, change="; ".join(changes))

    table = "common.discord_config"
    rows = ctx.read(table)
    for position, row in enumerate(rows):
        if position or ctx.report.count(table).earlier:
            ctx.reported(table, row["id"], why="a second Discord configuration row: only one here")
            continue
        changes = []
        for legacy, field in (
            ("guild_discord_id", "discord_guild_id"),
            ("default_announcement_channel_id", "channel_announcement"),
            ("audit_channel_id", "discord_audit_channel_id"),
            ("landing_zone_channel_id", "onboarding_landing_channel_id"),
            ("raid_creator_discord_id", "raid_helper_leader_id"),
            ("raid_helper_server_id", "raid_helper_server_id"),
            ("raid_channel_id", "raid_channel_signup"),
            ("raid_voice_channel_id", "raid_channel_voice"),
        ):
            value = (row[legacy] or "").strip()
            if DISCORD_ID.match(value):
                setattr(config, field, value)
            elif value:
                changes.append(f"{legacy} {value!r} is not a Discord id: not copied")
        config.bot_dms_enabled = bool(row["bot_dm_enabled"])
        if row["raid_default_template_id"]:
            config.raid_helper_template = row["raid_default_template_id"][:30]
        try:
            timezone_validator(row["raid_event_timezone"] or "")
            config.raid_timezone = row["raid_event_timezone"]
        except ValidationError:
            changes.append(f"raid time zone {row['raid_event_timezone']!r} unknown: kept")
        try:
            hours, minutes = (row["raid_default_start_time"] or "").split(":")
            config.raid_start_time = datetime.time(int(hours), int(minutes))
        except ValueError:
            changes.append(f"raid start {row['raid_default_start_time']!r} is not HH:MM: kept")
        duration = row["raid_default_duration_minutes"]
        if duration is not None and 15 <= duration <= 720:
            config.raid_duration_minutes = duration
        changes.append("no place: feature_*_dm, role_sync_interval_hours, attendance_* settings")
        changed_fields.add("discord")
        ctx.imported(table, row["id"], config, change="; ".join(changes))
    if changed_fields:
        config.save()
    for table, column, _ in SECRETS:
        for row in ctx.legacy_rows(table) if table in ctx.legacy else []:
            secrets_seen[(table, column)] = secrets_seen.get((table, column)) or bool(row[column])
    for table, column, setting in SECRETS:
        state = secrets_seen.get((table, column))
        ctx.report.secrets.append(
            {
                "column": f"{table}.{column}",
                "state": "set in legacy"
                if state
                else "empty in legacy"
                if (table, column) in secrets_seen or table in ctx.legacy
                else "not read",
                "setting": setting,
            }
        )


def import_quotes(ctx: Context) -> None:
    """patt.quote_subjects, guild_quotes, guild_quote_titles → Quote / QuoteTitle of the one
    quotes person (SiteConfig.quotes_person_name). Rows of other subjects, blank or too long
    rows are reported; repeats (ignoring case and outer spaces) merged into the first."""
    person = SiteConfig.get().quotes_person_name.strip().casefold()
    table = "patt.quote_subjects"
    ours: set[int] = set()
    for row in ctx.legacy_rows(table):
        if person in (row["display_name"].strip().casefold(), row["command_slug"].casefold()):
            ours.add(row["id"])
    config = SiteConfig.get()
    for row in ctx.read(table):
        if row["id"] in ours:
            ctx.merged(table, row["id"], config, why=f"the quotes person ({person})")
        else:
            ctx.reported(
                table,
                row["id"],
                why=f"quote subject {row['display_name']!r}: this platform keeps one person's "
                "quotes (SiteConfig.quotes_person_name); their quotes are reported too",
            )
    for table, model, column, limit in (
        ("patt.guild_quotes", Quote, "quote", 500),
        ("patt.guild_quote_titles", QuoteTitle, "title", 100),
    ):
        seen: dict[str, object] = {
            text.strip().lower(): pk for pk, text in model.objects.values_list("pk", "text")
        }
        new, ids = [], []
        for row in ctx.read(table):
            text = (row[column] or "").strip()
            if row["subject_id"] is not None and row["subject_id"] not in ours:
                ctx.reported(table, row["id"], why="belongs to another quote subject: no place")
            elif not text:
                ctx.reported(table, row["id"], why="blank: nothing to import")
            elif len(text) > limit:
                ctx.reported(
                    table,
                    row["id"],
                    why=f"{len(text)} characters, at most {limit} here: shorten it and add it "
                    f"in the admin: {text!r}",
                )
            elif text.lower() in seen:
                ctx.merged(
                    table,
                    row["id"],
                    seen[text.lower()],
                    model=model,
                    why="the same text ignoring case and outer spaces",
                )
            else:
                obj = model(text=text)
                obj._legacy_created = row["created_at"]
                seen[text.lower()] = obj
                new.append(obj)
                ids.append(row["id"])
                ctx.imported(table, row["id"], obj)
        ctx.create(model, new, table=table, legacy_ids=ids)
        for obj in new:
            obj.created_at = obj._legacy_created or obj.created_at
        ctx.update(model, new, ["created_at"])


def import_availability(ctx: Context) -> None:
    """patt.player_availability → PlayerAvailability(available=True) (the time window has no
    place); players.auto_invite_events → RaidPreferences.auto_signup, for players who had it
    on or gave their availability."""
    table = "patt.player_availability"
    players = ctx.ids.get("guild_identity.players", {})

    def pk(value: object) -> int | None:
        return value if isinstance(value, int) or value is None else value.pk

    seen: dict[tuple[int, int], object] = {
        (player_id, weekday): obj_pk
        for obj_pk, player_id, weekday in PlayerAvailability.objects.values_list(
            "pk", "player_id", "weekday"
        )
    }
    has_rows: set[int] = set()
    new, ids = [], []
    for row in ctx.read(table):
        player = pk(players.get(row["player_id"]))
        if player is None:
            ctx.reported(table, row["id"], why="its player was not imported")
            continue
        has_rows.add(player)
        key = (player, row["day_of_week"])
        if key in seen:
            ctx.merged(
                table,
                row["id"],
                seen[key],
                model=PlayerAvailability,
                why="the same player (merged) and weekday",
            )
            continue
        obj = PlayerAvailability(player_id=player, weekday=row["day_of_week"], available=True)
        seen[key] = obj
        new.append(obj)
        ids.append(row["id"])
        ctx.imported(table, row["id"], obj)
    ctx.create(PlayerAvailability, new, table=table, legacy_ids=ids)

    with_prefs = set(RaidPreferences.objects.values_list("player_id", flat=True))
    auto: dict[int, bool] = defaultdict(bool)
    for row in ctx.legacy_rows("guild_identity.players"):
        player = pk(players.get(row["id"]))
        if player is not None and row["auto_invite_events"]:
            auto[player] = True
    prefs = [
        RaidPreferences(player_id=player, auto_signup=auto[player], updated_via="import")
        for player in sorted(set(auto) | has_rows)
        if player not in with_prefs
    ]
    ctx.create(
        RaidPreferences, prefs, table="guild_identity.players", legacy_ids=[None] * len(prefs)
    )
