"""The importer's scope and report, without a database (issue 14; runs on SQLite too)."""

import re

from legacy.importer.report import Report, RowNote
from legacy.importer.run import IN_SCOPE, why_not_imported
from tests.legacy.legacy_db import LEGACY_DIR


def legacy_tables() -> set[str]:
    schema = (LEGACY_DIR / "schema.sql").read_text(encoding="utf-8")
    return set(re.findall(r"^CREATE TABLE (\w+\.\w+) \(", schema, flags=re.MULTILINE))


def test_28_tables_are_in_scope_and_the_71_others_each_have_a_reason():
    """README §2 and §5: 99 tables, 28 imported, 71 listed as "not imported: <reason>"."""
    tables = legacy_tables()
    assert len(tables) == 99
    assert tables >= IN_SCOPE and len(IN_SCOPE) == 28
    reasons = {table: why_not_imported(table) for table in tables - IN_SCOPE}
    assert len(reasons) == 71
    assert not [table for table, why in reasons.items() if "unknown" in why]
    assert reasons["guild_identity.battlenet_accounts"].startswith("no Battle.net")
    assert reasons["patt.raid_events"].startswith("attendance")
    assert reasons["ref.gear_plan_slots"] == "BIS scraping and item enrichment"
    assert "unknown table" in why_not_imported("patt.something_new")


def test_the_report_adds_up_and_names_every_merged_and_reported_row():
    report = Report(revision="0181")
    count = report.count("patt.votes")
    count.legacy, count.imported, count.merged, count.reported = 4, 2, 1, 1
    report.rows += [
        RowNote("patt.votes", 7, "merged", "the same entry twice", "campaigns.BallotPick #3"),
        RowNote("patt.votes", 9, "reported", "rank 4 is beyond the campaign's 3 picks"),
    ]
    assert report.balanced
    summary = report.summary()
    assert "patt.votes #7 → campaigns.BallotPick #3: the same entry twice" in summary
    assert "patt.votes #9: rank 4 is beyond" in summary
    count.reported = 0
    assert not report.balanced


def test_the_project_settings_accept_bcrypt_with_pbkdf2_first():
    """The real settings (tests/conftest.py overrides them with MD5): PBKDF2 stays the
    default, the bcrypt hashers read legacy hashes."""
    from patt import settings as project

    assert project.PASSWORD_HASHERS[0].endswith("PBKDF2PasswordHasher")
    assert "django.contrib.auth.hashers.BCryptPasswordHasher" in project.PASSWORD_HASHERS
    assert "django.contrib.auth.hashers.BCryptSHA256PasswordHasher" in project.PASSWORD_HASHERS
