"""django-q2 schedules upserted by name, never duplicated (IDN-47), and the pipeline tasks."""

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models.signals import post_migrate
from django_q.models import Schedule

from identity import tasks
from identity.models import SyncRun, SyncSource, SyncStatus, SyncTrigger
from patt.registry import ScheduleSpec, schedules
from patt.registry import registry as contributions
from patt.schedules import register_schedule, setup_schedules

pytestmark = pytest.mark.django_db

BLIZZARD = "identity.blizzard_roster_sync"
DISCORD = "identity.discord_member_sync"


@pytest.fixture(autouse=True)
def no_schedules():
    Schedule.objects.all().delete()  # migrate already created them; start from none


class _Registered:
    """The registered schedules, read afresh on each iteration."""

    def __iter__(self):
        return iter(schedules())


@pytest.fixture
def registry():
    saved = schedules()
    yield _Registered()
    for spec in schedules():
        contributions.remove(ScheduleSpec, spec.name)
    contributions.add(*saved)


def test_idn47_schedules_are_created_with_exact_fields():
    setup_schedules()
    blizzard = Schedule.objects.get(name=BLIZZARD)
    assert blizzard.func == "identity.tasks.run_blizzard_pipeline"
    assert blizzard.schedule_type == Schedule.CRON
    assert blizzard.cron == "0 1,7,13,19 * * *"
    assert blizzard.repeats == -1
    assert blizzard.next_run.minute == 0 and blizzard.next_run.hour in {1, 7, 13, 19}
    discord = Schedule.objects.get(name=DISCORD)
    assert discord.func == "identity.tasks.run_discord_pipeline"
    assert discord.schedule_type == Schedule.MINUTES
    assert discord.minutes == 15
    assert discord.repeats == -1


def test_idn47_running_twice_creates_no_duplicates():
    names = [
        BLIZZARD,
        DISCORD,
        "identity.close_abandoned_runs",  # issue 17
        "addon-upload-cleanup",  # UPL-7
        "campaigns.status_checker",
        "campaigns.contest_agent",
        "onboarding-deadline-check",  # ONB-31
    ]
    assert setup_schedules() == dict.fromkeys(names, "created")
    assert setup_schedules() == dict.fromkeys(names, "unchanged")
    assert Schedule.objects.filter(name=BLIZZARD).count() == 1
    assert Schedule.objects.filter(name=DISCORD).count() == 1


def test_idn47_a_changed_definition_is_updated_in_place():
    setup_schedules()
    row = Schedule.objects.get(name=DISCORD)
    Schedule.objects.filter(pk=row.pk).update(minutes=60, func="old.path")
    assert setup_schedules()[DISCORD] == "updated"
    row.refresh_from_db()
    assert (row.minutes, row.func) == (15, "identity.tasks.run_discord_pipeline")
    assert Schedule.objects.filter(name=DISCORD).count() == 1


def test_idn47_existing_duplicates_of_a_name_are_removed():
    Schedule.objects.create(name=DISCORD, func="x.y", schedule_type=Schedule.MINUTES, minutes=1)
    Schedule.objects.create(name=DISCORD, func="x.y", schedule_type=Schedule.MINUTES, minutes=1)
    setup_schedules()
    assert Schedule.objects.filter(name=DISCORD).count() == 1


def test_idn47_other_apps_register_their_schedules(registry):
    register_schedule(ScheduleSpec(name="roster.reminders", func="roster.tasks.remind", minutes=60))
    setup_schedules()
    assert Schedule.objects.get(name="roster.reminders").minutes == 60
    register_schedule(ScheduleSpec(name="roster.reminders", func="roster.tasks.remind", minutes=30))
    assert [spec.name for spec in registry].count("roster.reminders") == 1


def test_idn47_setup_schedules_command(capsys):
    call_command("setup_schedules")
    assert Schedule.objects.filter(name__in=[BLIZZARD, DISCORD]).count() == 2
    # + UPL-7, CMP-31/43, ONB-31, issue 17 (abandoned runs)
    assert "7 created, 0 updated, 7 total" in capsys.readouterr().out


def test_idn47_schedules_are_set_up_after_migrate_on_the_identity_signal_only():
    for label in ("auth", "django_q"):
        post_migrate.send(sender=apps.get_app_config(label), app_config=apps.get_app_config(label))
    assert not Schedule.objects.exists()
    identity = apps.get_app_config("identity")
    post_migrate.send(sender=identity, app_config=identity, using="default", verbosity=0)
    assert Schedule.objects.filter(name__in=[BLIZZARD, DISCORD]).count() == 2


def test_idn47_migrate_sets_up_the_schedules():
    call_command("migrate", verbosity=0)
    assert Schedule.objects.filter(name=DISCORD).count() == 1
    call_command("migrate", verbosity=0)
    assert Schedule.objects.filter(name=DISCORD).count() == 1


def test_idn23_unconfigured_scheduled_blizzard_run_is_recorded_as_skipped(settings):
    settings.BLIZZARD_CLIENT_ID = ""
    line = tasks.run_blizzard_pipeline()
    run = SyncRun.objects.get(source=SyncSource.BLIZZARD_ROSTER)
    assert run.status == SyncStatus.SKIPPED
    assert run.trigger == SyncTrigger.SCHEDULE
    assert run.error.startswith("Blizzard not configured: set BLIZZARD_CLIENT_ID")
    assert "skipped" in line


def test_idn47_discord_task_runs_the_member_sync_as_a_schedule(fake_discord):
    fake_discord.add_member(username="alice")
    line = tasks.run_discord_pipeline()
    run = SyncRun.objects.get(source=SyncSource.DISCORD_MEMBERS)
    assert run.trigger == SyncTrigger.SCHEDULE
    assert run.status == SyncStatus.SUCCESS
    assert "1 found" in line
