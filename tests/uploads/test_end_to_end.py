"""End to end (issue #7 item 5): the addon exports a stubbed roster -> WoW writes the
SavedVariables file -> the companion picks it up and uploads it -> the notes are in the
database.

Every piece is the real code: `PATTSync.lua` in a Lua 5.1 VM (tests/addon/harness.py), the
companion's watcher, parser, payload, outbox and uploader (`patt_companion`), and the site
served by `live_server` on 127.0.0.1 over http. Only the game API is stubbed.
"""

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from patt_companion.payload import payload_hash
from patt_companion.pipeline import Companion
from patt_companion.uploader import Uploader
from patt_companion.watcher import Watcher
from patt_companion.wowpaths import ADDON_FILE, resolve_saved_variables_dir

from identity.models import AddonUpload, SyncRun, WowCharacter
from identity.uploads.apply import payload_sha256
from identity.uploads.tokens import create_token
from tests.addon.harness import run_export
from tests.factories import WowCharacterFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ROSTER = [
    {
        "name": "Trogmoon",
        "rank": 0,
        "rank_name": "Guild Master",
        "class": "Druid",
        "class_file": "DRUID",
        "level": 80,
        "note": "GM / Mike",
        "officer_note": "Main",
        "online": True,
    },
    {
        "name": "Bloodvalor",
        "realm": "AlteracMountains",
        "rank": 3,
        "class": "Warrior",
        "class_file": "WARRIOR",
        "level": 80,
        "note": "Mike's alt",
        "officer_note": "Alt of Trogmoon",
        "last_online": (0, 0, 2, 4),
    },
    {"name": "Newbie", "rank": 5, "level": 12, "note": "new!"},
]


def wow_install(root: Path) -> Path:
    """A WoW folder with one account; the companion resolves its SavedVariables folder."""
    saved = (
        root / "World of Warcraft" / "_retail_" / "WTF" / "Account" / "TROG#1" / "SavedVariables"
    )
    saved.mkdir(parents=True)
    return resolve_saved_variables_dir(root / "World of Warcraft")


def wait_until(condition, *, timeout=30.0, what="the companion"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"Timed out waiting for {what}")


@pytest.fixture
def site_url(live_server) -> str:
    return f"http://127.0.0.1:{live_server.thread.port}"


def test_e2e_addon_export_to_companion_upload_to_notes_in_the_database(site_url, tmp_path, q_sync):
    trog = WowCharacterFactory(
        name="Trogmoon", realm_slug="senjin", realm_name="Sen'jin", level=70, guild_rank_index=2
    )
    blood = WowCharacterFactory(
        name="Bloodvalor",
        realm_slug="alterac-mountains",
        realm_name="Alterac Mountains",
        officer_note="set by an officer",
    )
    secret = create_token(name="Trog's gaming PC").secret
    saved_variables = wow_install(tmp_path)
    companion = Companion(data_dir=tmp_path / "companion", uploader=Uploader(site_url, secret))
    watcher = Watcher(
        companion, saved_variables, settle_s=0.1, poll_interval_s=0.5, stable_gap_s=0.05
    )
    watcher.start()
    try:
        # 1. An officer exports in game; WoW writes the file on /reload.
        first_time = int(time.time()) - 120
        text = run_export(ROSTER, now=first_time, can_view_officer_notes=True)
        (saved_variables / ADDON_FILE).write_bytes(text.encode("utf-8"))
        wait_until(
            lambda: (companion.state.last_result or {}).get("export_time") == first_time,
            what="the first upload",
        )
        first_result = dict(companion.state.last_result)

        # 2. A member who cannot see officer notes exports later: blank officer notes.
        second_time = first_time + 60
        member_roster = [{**m, "note": m["note"] + " (2)"} for m in ROSTER]
        text = run_export(member_roster, now=second_time, can_view_officer_notes=False)
        (saved_variables / ADDON_FILE).write_bytes(text.encode("utf-8"))
        wait_until(
            lambda: (companion.state.last_result or {}).get("export_time") == second_time,
            what="the second upload",
        )
        second_result = dict(companion.state.last_result)
    finally:
        watcher.stop(timeout=10)

    assert first_result["ok"] is True and second_result["ok"] is True
    assert companion.outbox.jobs() == []
    assert companion.state.last_uploaded_export_time == second_time
    assert len(list((tmp_path / "companion" / "archive").glob("PATTSync_*.lua"))) == 2
    assert (saved_variables / ADDON_FILE).read_text(encoding="utf-8") == text  # never edited

    first, second = AddonUpload.objects.order_by("export_time")
    assert (first.status, second.status) == ("applied", "applied")
    assert first.export_time == datetime.fromtimestamp(first_time, tz=UTC)
    assert (first.characters_received, first.updated, first.unknown) == (3, 2, 1)
    assert first.unknown_characters == [{"name": "Newbie", "realm": "senjin"}]
    assert first.can_view_officer_notes is True and second.can_view_officer_notes is False
    # The companion and the site agree on the payload hash (CMPN-18 = UPL-7).
    assert payload_sha256(first.payload) == payload_hash(first.payload) == first.payload_sha256

    trog.refresh_from_db()
    blood.refresh_from_db()
    # Guild notes from the latest export; officer notes from the officer's export only (UPL-10).
    assert (trog.guild_note, trog.officer_note) == ("GM / Mike (2)", "Main")
    assert (blood.guild_note, blood.officer_note) == ("Mike's alt (2)", "Alt of Trogmoon")
    assert trog.last_addon_sync_at == datetime.fromtimestamp(second_time, tz=UTC)
    # Never created, and nothing the Blizzard sync owns was touched (UPL-10, UPL-11).
    assert not WowCharacter.objects.filter(name_key="newbie").exists()
    assert (trog.level, trog.guild_rank_index, trog.in_guild) == (70, 2, True)

    # The background pipeline ran for each upload (django-q2 in sync mode here, UPL-12).
    for upload in (first, second):
        upload.refresh_from_db()
        assert upload.matching == "done"
        assert upload.sync_run.source == SyncRun.Source.ADDON_UPLOAD
