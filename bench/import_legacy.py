"""Benchmark: import a legacy PATT database ten times PATT's size (issue 14).

    DATABASE_URL=postgres://… .venv/bin/python bench/import_legacy.py [--scale 1.0]

Builds a legacy database (`legacy_bench_<random>` on DATABASE_URL's PostgreSQL server: the
real `schema.sql` and `reference_data.sql`, then generate_series rows: 450 players, 3,200
characters with their links, 1,800 Discord users, 300 website accounts, 8 closed campaigns
with 10,000 vote rows, availability, invites, audit issues, name history, quotes), imports it
with `legacy.importer.run_import` into a fresh migrated database (`bench_legacy_<pid>`), and
drops both. `--scale` multiplies every count. The last line is
`rows=<n> seconds=<s> rows_per_s=<n>`: in-scope legacy rows and the import's wall time (the
legacy reads included, the database set-up not). Target: seconds ≤ 30.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "patt.settings")

import django

django.setup()

from django.db import connection  # noqa: E402

from bench import support  # noqa: E402
from tests.legacy.legacy_db import create_legacy_db, drop_legacy_db, execute  # noqa: E402
from tests.legacy.traps import LEGACY_HASH  # noqa: E402


def generate(url: str, scale: float) -> None:
    """The legacy rows: every count multiplied by `scale`."""
    players, characters = int(450 * scale), int(3200 * scale)
    discord, accounts = int(1800 * scale), int(300 * scale)
    campaigns = max(1, int(8 * scale))
    voters = min(players, 417)  # 8 campaigns × 417 voters × 3 picks ≈ 10,000 vote rows
    execute(
        url,
        f"""
        INSERT INTO common.guild_ranks (id, name, level, wow_rank_index)
        VALUES (1, 'Initiate', 1, 4), (2, 'Member', 2, 3), (3, 'Veteran', 3, 2),
               (4, 'Officer', 4, 1), (5, 'Guild Leader', 5, 0);
        INSERT INTO guild_identity.discord_users (id, discord_id, username, display_name,
          highest_guild_role, joined_server_at, is_present, removed_at, first_seen)
        SELECT n, (900000000000000000 + n)::text, 'member' || n, 'Member ' || n,
               (ARRAY['Initiate','Member','Veteran','Officer','GM'])[1 + n % 5],
               now() - n * interval '1 hour', n % 10 <> 0,
               CASE WHEN n % 10 = 0 THEN now() END, now() - n * interval '1 hour'
        FROM generate_series(1, {discord}) n;
        INSERT INTO common.users (id, email, password_hash, is_active)
        SELECT n, 'member' || n, '{LEGACY_HASH}', true FROM generate_series(1, {accounts}) n;
        INSERT INTO guild_identity.wow_characters (id, character_name, realm_slug, realm_name,
          class_id, guild_rank_id, level, blizzard_character_id, last_login_timestamp,
          guild_note, in_guild, removed_at, first_seen)
        SELECT n, 'Char' || n, CASE WHEN n % 20 = 0 THEN 'area-52' ELSE 'senjin' END,
               'Sen''jin', 1 + n % 13, 1 + n % 5, 80, 100000 + n, 1767225600000 + n,
               'note ' || n, true, CASE WHEN n % 15 = 0 THEN now() END, now()
        FROM generate_series(1, {characters}) n;
        INSERT INTO guild_identity.players (id, display_name, is_active, discord_user_id,
          website_user_id, guild_rank_id, guild_rank_source, main_character_id,
          auto_invite_events)
        SELECT n, 'Member ' || n, true, n, CASE WHEN n <= {accounts} THEN n END, 1 + n % 5,
               'wow_character', n, n % 2 = 0
        FROM generate_series(1, {players}) n;
        INSERT INTO guild_identity.player_characters (id, player_id, character_id, link_source,
          confidence)
        SELECT n, 1 + (n - 1) % {players}, n, 'exact_name', 'high'
        FROM generate_series(1, {characters}) n;
        INSERT INTO guild_identity.character_name_history (id, wow_character_id,
          character_name, realm_slug, recorded_at)
        SELECT n, n, 'Old' || n, 'senjin', now() - interval '30 days'
        FROM generate_series(1, {characters // 10}) n;
        INSERT INTO common.invite_codes (id, code, player_id, created_at, expires_at,
          generated_by)
        SELECT n, 'C' || lpad(n::text, 7, '0'), n, now(), now() + interval '7 days',
               'auto_onboarding'
        FROM generate_series(1, {players}) n;
        INSERT INTO guild_identity.audit_issues (id, issue_type, severity, wow_character_id,
          summary, issue_hash, created_at)
        SELECT n, 'orphan_wow', 'warning', n, 'orphan', md5(n::text), now()
        FROM generate_series(1, {characters // 10}) n;
        INSERT INTO patt.player_availability (id, player_id, day_of_week, earliest_start,
          available_hours)
        SELECT n, 1 + (n - 1) / 3, (n - 1) % 3 * 2, '20:00', 3
        FROM generate_series(1, {players * 3}) n;
        INSERT INTO patt.campaigns (id, title, type, picks_per_voter, min_rank_to_vote,
          start_at, duration_hours, status, created_at, updated_at)
        SELECT c, 'Campaign ' || c, 'ranked_choice', 3, 1, now() - interval '30 days', 48,
               'closed', now() - interval '31 days', now() - interval '28 days'
        FROM generate_series(1, {campaigns}) c;
        INSERT INTO patt.campaign_entries (id, campaign_id, name, sort_order)
        SELECT n, 1 + (n - 1) / 5, 'Entry ' || n, n FROM generate_series(1, {campaigns * 5}) n;
        INSERT INTO patt.votes (id, campaign_id, player_id, entry_id, rank, voted_at)
        SELECT row_number() OVER (), c, p, (c - 1) * 5 + 1 + (p + r) % 5, r, now()
        FROM generate_series(1, {campaigns}) c, generate_series(1, {voters}) p,
             generate_series(1, 3) r;
        INSERT INTO patt.guild_quotes (id, quote)
        SELECT n, 'Quote number ' || n FROM generate_series(1, 100) n;
        """,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/import_legacy.py needs DATABASE_URL=postgres://… (the legacy side is PG)")

    from legacy.importer import run_import

    legacy_url = create_legacy_db("legacy_bench")
    old_name = None
    try:
        generate(legacy_url, args.scale)
        old_name, _ = support.create_throwaway_database("bench_legacy")
        started = time.monotonic()
        report = run_import(legacy_url, progress=lambda line: print(line, file=sys.stderr))
        seconds = time.monotonic() - started
        rows = sum(count.legacy for count in report.tables.values())
        assert report.balanced, "the report's counts do not add up"
        print(f"rows={rows} seconds={seconds:.2f} rows_per_s={rows / seconds:.0f}")
    finally:
        if old_name is not None:
            support.destroy_throwaway_database(old_name)
        drop_legacy_db(legacy_url)


if __name__ == "__main__":
    main()
