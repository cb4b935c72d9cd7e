"""Fault suite, a django-q2 worker killed mid-task (issue 17 item 3; IDN-42, IDN-46, ONB-28).

`WorkerKilled` is a BaseException: like SIGKILL it passes every `except Exception`, so no
`finally`-less cleanup runs and the database keeps exactly what was committed before the kill.
Each pipeline is killed at a point inside its work; afterwards:

- no row stays `running`: once the source's limit has passed, the abandoned-run checker
  (`identity.tasks.close_abandoned_runs`, every 5 minutes) closes it as `error` ("abandoned:
  worker stopped") and sends the officers the IDN-42 failure post;
- nothing half-written stays: the killed transaction wrote 0 rows;
- the next run proceeds and succeeds (and posts the recovery).
"""

from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_q.conf import Conf

from identity import tasks
from identity.models import AddonUpload, DiscordUser, SyncRun, SyncStatus, WowCharacter
from identity.services import discord_sync, roster_sync
from identity.services import reconcile as reconcile_module
from identity.services.discord_sync import sync_discord_members
from identity.services.reconcile import run_reconcile_pipeline
from identity.services.roster_sync import sync_roster
from identity.services.sync_runs import ABANDONED, running_limit
from identity.uploads.pipeline import run_upload_pipeline
from identity.uploads.tokens import create_token
from onboarding.models import State
from onboarding.services import checker as checker_module
from onboarding.services import provisioning as provisioning_module
from onboarding.services.checker import run_checker
from onboarding.services.verification import verify_session
from patt.models import SiteConfig
from tests.factories import DiscordUserFactory, WowCharacterFactory, rank
from tests.onboarding.support import pending_session

pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """The worker process died here (SIGKILL, OOM): nothing after this line runs."""


def die(*args, **kwargs):
    raise WorkerKilled


def die_after(original):
    """Do the real work (inside its transaction), then die before the commit."""

    def wrapper(*args, **kwargs):
        original(*args, **kwargs)
        raise WorkerKilled

    return wrapper


def age_past_limit(run: SyncRun) -> None:
    """Let the source's limit pass (a minute over) for a row a killed worker left."""
    SyncRun.objects.filter(pk=run.pk).update(
        started_at=F("started_at") - running_limit(run.source) - timedelta(minutes=1)
    )


def applied_upload() -> AddonUpload:
    return AddonUpload.objects.create(
        token=create_token(name="Trog's gaming PC").token,
        payload_sha256="0" * 64,
        export_time=timezone.now(),
        guild_name="Pull All The Things",
        status=AddonUpload.Status.APPLIED,
    )


# source -> (label, kill point (module, attribute, wrapper), start the pipeline, rows it writes)
PIPELINES = {
    "blizzard_roster": (
        "Blizzard roster",
        (roster_sync, "recompute_player_ranks", die_after),
        lambda: sync_roster(),
        lambda: WowCharacter.objects.count(),
    ),
    "discord_members": (
        "Discord members",
        (discord_sync, "recompute_player_ranks", die_after),
        lambda: sync_discord_members(),
        lambda: DiscordUser.objects.count(),
    ),
    "reconcile": (
        "Matching and integrity",
        (reconcile_module, "run_matching", lambda original: die),
        lambda: run_reconcile_pipeline(),
        lambda: 0,
    ),
    "addon_upload": (
        "WoW addon upload",
        (reconcile_module, "run_matching", lambda original: die),
        lambda: run_upload_pipeline(applied_upload().pk),
        lambda: 0,
    ),
}


@pytest.mark.parametrize("source", list(PIPELINES))
def test_a_killed_pipeline_is_closed_as_abandoned_announced_and_the_next_run_proceeds(
    source, fake_blizzard, fake_discord, posted_titles, monkeypatch
):
    label, (module, name, wrap), start, rows = PIPELINES[source]
    fake_discord.add_members(3)
    before = rows()
    original = getattr(module, name)
    monkeypatch.setattr(module, name, wrap(original))

    with pytest.raises(WorkerKilled):
        start()

    killed = SyncRun.objects.get(source=source)
    assert killed.status == SyncStatus.RUNNING, "the kill left the row running"
    written = rows() - before
    assert written == 0, "the killed transaction wrote nothing"
    # Within its limit a running row may be a live worker: the checker leaves it alone.
    assert tasks.close_abandoned_runs() == "No abandoned runs"

    age_past_limit(killed)
    line = tasks.close_abandoned_runs()

    killed.refresh_from_db()
    assert (killed.status, killed.error) == (SyncStatus.ERROR, ABANDONED)
    assert killed.finished_at is not None
    assert f"{source} #{killed.pk} error" in line
    assert posted_titles() == [f"🚨 Sync failed: {label}"], "officers are told"
    if source == "addon_upload":
        upload = AddonUpload.objects.get()
        assert upload.matching == AddonUpload.Matching.FAILED, "no upload stays queued"

    monkeypatch.setattr(module, name, original)
    start()

    latest = SyncRun.objects.filter(source=source).latest("pk")
    assert latest.pk != killed.pk
    assert latest.status in (SyncStatus.SUCCESS, SyncStatus.PARTIAL)
    assert f"✅ {label} sync recovered after 1 failed run" in posted_titles()
    assert not SyncRun.objects.filter(status=SyncStatus.RUNNING).exists()
    print(
        f"{source}: killed mid-run, {written} rows written, closed as abandoned after "
        f"{running_limit(source)}, 1 failure post, next run {latest.status}"
    )


def test_the_next_start_closes_a_stale_run_itself_and_proceeds(
    fake_blizzard, fake_discord, posted_titles, monkeypatch
):
    """Without the schedule (a worker restarted just before the next sync), the start of the
    next run of the same source closes and announces the abandoned row, then runs."""
    monkeypatch.setattr(roster_sync, "recompute_player_ranks", die)
    with pytest.raises(WorkerKilled):
        sync_roster()
    killed = SyncRun.objects.get()
    age_past_limit(killed)
    monkeypatch.undo()

    result = sync_roster()

    killed.refresh_from_db()
    assert (killed.status, killed.error) == (SyncStatus.ERROR, ABANDONED)
    assert result.run.status in (SyncStatus.SUCCESS, SyncStatus.PARTIAL)
    titles = posted_titles()
    assert titles[0] == "🚨 Sync failed: Blizzard roster", "announced before the new run"
    assert "✅ Blizzard roster sync recovered after 1 failed run" in titles


# --- onboarding: the provisioning task and the checker ----------------------------------------


@pytest.fixture
def verified_session(fake_discord):
    """A member who answered the DMs and was verified; provisioning is queued, not yet run."""
    role_id = fake_discord.add_role(name="Member")
    rank("Member").__class__.objects.filter(name="Member").update(
        discord_role_id=role_id, discord_role_name="Member"
    )
    member = fake_discord.add_member(username="trog", global_name="Trog")
    now = timezone.now()
    user = DiscordUserFactory(
        discord_id=member["user"]["id"], username="trog", display_name="Trog", joined_at=now
    )
    WowCharacterFactory(name="Trogmoon", guild_rank=rank("Member"))
    session = pending_session(user, now, reported_main_name="Trogmoon")
    with transaction.atomic():
        verify_session(session, now=now)  # its on-commit queueing is not executed here
    session.refresh_from_db()
    assert session.state == State.VERIFIED
    return session


def test_a_provisioning_task_killed_mid_way_is_finished_by_the_next_checker_run(
    verified_session, fake_discord, monkeypatch
):
    """Killed after the role PUT, before the welcome DM: the session's transaction rolls back
    (still `verified`, nothing recorded as done), and the next checker run provisions it once:
    the member holds the role and gets one welcome DM."""
    monkeypatch.setattr(Conf, "SYNC", True)
    monkeypatch.setattr(provisioning_module, "_welcome_step", die)
    with pytest.raises(WorkerKilled):
        provisioning_module.provision_session(verified_session.pk)
    verified_session.refresh_from_db()
    assert verified_session.state == State.VERIFIED
    assert verified_session.provisioned_at is None
    monkeypatch.undo()
    monkeypatch.setattr(Conf, "SYNC", True)

    report = run_checker()

    verified_session.refresh_from_db()
    assert verified_session.state == State.PROVISIONED
    assert report.counts["provisioned"] == 1
    discord_id = verified_session.discord_user.discord_id
    assert len(fake_discord.dm_messages(discord_id)) == 1, "one welcome DM"
    assert fake_discord.member(discord_id)["roles"], "the member holds the rank's role"
    print("provisioning killed mid-way: next checker run provisioned 1 session, 1 welcome DM")


def test_a_killed_onboarding_checker_run_is_closed_and_the_next_run_proceeds(
    fake_discord, posted_titles, monkeypatch
):
    config = SiteConfig.get()
    config.onboarding_enabled = True
    config.save()
    monkeypatch.setattr(checker_module, "_run", die)
    with pytest.raises(WorkerKilled):
        run_checker()
    killed = SyncRun.objects.get(source="onboarding")
    assert killed.status == SyncStatus.RUNNING
    monkeypatch.undo()

    age_past_limit(killed)
    tasks.close_abandoned_runs()
    report = run_checker()

    killed.refresh_from_db()
    assert (killed.status, killed.error) == (SyncStatus.ERROR, ABANDONED)
    assert posted_titles() == ["🚨 Sync failed: Onboarding checker"]
    latest = SyncRun.objects.filter(source="onboarding").latest("pk")
    assert latest.pk != killed.pk and latest.status == SyncStatus.SUCCESS
    assert report.outcome != "skipped"


# --- a real process, killed with SIGKILL ------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_sync_process_killed_with_sigkill_is_closed_as_abandoned_and_the_next_run_proceeds(
    fake_blizzard, fake_discord, posted_titles
):
    """The same as above with a real OS process: `manage.py sync_blizzard` against this test
    database, every profile answering slowly, SIGKILLed while it fetches. PostgreSQL keeps
    exactly what it had committed: the `running` row and no roster rows."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    from django.conf import settings as django_settings
    from django.db import connection

    for member in fake_blizzard.fixture["members"]:
        if member.get("name"):
            fake_blizzard.set_profile_mode(
                member["name"], member["realm"]["slug"], "slow", seconds=2
            )
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "BLIZZARD_API_URL": django_settings.BLIZZARD_API_URL,
        "BLIZZARD_OAUTH_URL": django_settings.BLIZZARD_OAUTH_URL,
        "BLIZZARD_CLIENT_ID": django_settings.BLIZZARD_CLIENT_ID,
        "BLIZZARD_CLIENT_SECRET": django_settings.BLIZZARD_CLIENT_SECRET,
        "DISCORD_BOT_TOKEN": "",
    }
    manage = Path(django_settings.BASE_DIR) / "manage.py"
    process = subprocess.Popen(
        [sys.executable, str(manage), "sync_blizzard", "--no-post"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not SyncRun.objects.filter(status=SyncStatus.RUNNING).exists():
            assert process.poll() is None, "the sync ended before it could be killed"
            assert time.monotonic() < deadline, "the sync never started"
            time.sleep(0.1)
        while not fake_blizzard.requests("/profile/"):  # it is fetching profiles now
            assert time.monotonic() < deadline
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait(timeout=10) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    killed = SyncRun.objects.get()
    assert killed.status == SyncStatus.RUNNING
    assert WowCharacter.objects.count() == 0, "0 rows written by the killed process"
    age_past_limit(killed)
    tasks.close_abandoned_runs()
    killed.refresh_from_db()
    assert (killed.status, killed.error) == (SyncStatus.ERROR, ABANDONED)
    assert posted_titles() == ["🚨 Sync failed: Blizzard roster"]

    fake_blizzard.reset()
    result = sync_roster()
    assert result.run.status in (SyncStatus.SUCCESS, SyncStatus.PARTIAL)
    assert WowCharacter.objects.exists()
    print("sync process SIGKILLed mid-fetch: 0 rows written, closed as abandoned, next run ok")
