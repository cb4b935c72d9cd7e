"""Issue 16, item 5: the admin in the site's colours, a red banner while no django-q2 worker
runs, overdue schedules, local time beside UTC, readable audit and character lists, the player
page without the duplicate field and with availability as a week row.

The browser side (the theme, the local-time script, the widths and axe-core) is in
tests/browser/test_admin_pages.py.
"""

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.models import Schedule, Task
from django_q.signing import SignedPackage
from django_q.status import Stat, Status

from campaigns.models import Campaign
from identity.models import AuditIssue, IssueSeverity, IssueType, WowCharacter
from patt import worker_presence as presence_module
from patt.admin_columns import utc_html
from patt.worker_presence import STALE_AFTER, worker_presence
from roster.models import PlayerAvailability
from roster.services.availability import availability_of, save_availability
from tests.admin_tools.conftest import change_url, changelist_url
from tests.campaigns.factories import CampaignFactory
from tests.factories import (
    DiscordUserFactory,
    PlayerCharacterFactory,
    PlayerFactory,
    WowCharacterFactory,
    rank,
)
from tests.site.test_security import inline_code

pytestmark = pytest.mark.django_db

HEALTH_URL = "/admin/identity/sync/health/"
BANNER = 'id="worker-down"'


def report_cluster(*, seconds_ago: float = 0.0, cluster_id: str | None = None) -> None:
    """What a running cluster's sentinel does every guard cycle: save its signed Stat."""
    status = Status(pid=1234, cluster_id=cluster_id or uuid.uuid4().hex)
    status.timestamp = timezone.now() - timedelta(seconds=seconds_ago)
    get_broker().set_stat(Stat.get_key(status.cluster_id), SignedPackage.dumps(status, True), 60)


# --- the worker: running or not (banner, header, health page) ------------------------------------


def test_no_cluster_reporting_is_not_running_with_a_red_banner_on_every_admin_page(
    officer_client,
):
    assert worker_presence().running is False

    for url in ("/admin/", changelist_url(AuditIssue), HEALTH_URL):
        html = officer_client.get(url).content.decode()
        assert BANNER in html, url
        assert 'role="alert"' in html
        assert "Worker not running:" in html
        assert '<div id="worker-status" class="worker-status offline">Worker not running' in html


def test_a_cluster_that_reported_is_running_and_the_banner_is_gone(officer_client):
    report_cluster()

    presence = worker_presence()
    assert (presence.running, presence.clusters, presence.label) == (True, 1, "Worker running")
    for url in ("/admin/", HEALTH_URL):
        html = officer_client.get(url).content.decode()
        assert BANNER not in html, url
        assert '<div id="worker-status" class="worker-status online">Worker running' in html


def test_two_clusters_are_counted(officer_client):
    report_cluster()
    report_cluster()

    assert worker_presence().label == "Worker running (2)"


def test_a_stale_cluster_report_is_not_running():
    report_cluster(seconds_ago=STALE_AFTER.total_seconds() + 5)

    assert worker_presence().running is False


def test_a_report_that_is_not_ours_is_ignored():
    """A value signed with another key (another project on the same cache) is no cluster."""
    get_broker().set_stat(Stat.get_key("someone-else"), "not a signed package", 60)

    assert worker_presence().running is False


def test_a_broker_that_fails_shows_not_running_and_says_why(monkeypatch, officer_client):
    def broken():
        raise ConnectionError("broker down")

    monkeypatch.setattr(presence_module, "_stat_packs", broken)

    presence = worker_presence()
    assert (presence.running, presence.error) == (False, "ConnectionError")
    html = officer_client.get("/admin/").content.decode()
    assert "the task queue did not answer (ConnectionError)" in html


def test_health_page_names_the_last_finished_task_when_no_worker_runs(officer_client):
    stopped = datetime(2026, 3, 1, 12, 34, 56, tzinfo=UTC)
    Task.objects.create(
        id=uuid.uuid4().hex,
        name="last-one",
        func="identity.tasks.run_discord_pipeline",
        started=stopped - timedelta(seconds=3),
        stopped=stopped,
        success=True,
    )

    html = officer_client.get(HEALTH_URL).content.decode()

    assert "the last task finished 2026-03-01 12:34 UTC" in html
    assert 'id="worker-presence"' in html


def test_header_costs_one_query_when_no_worker_and_two_with_one(django_assert_num_queries):
    with django_assert_num_queries(1):
        assert worker_presence().running is False
    report_cluster()
    with django_assert_num_queries(2):
        assert worker_presence().running is True


# --- worker health: next runs in the past are overdue --------------------------------------------


def _schedule(name: str, next_run) -> Schedule:
    return Schedule.objects.create(
        name=name,
        func="identity.tasks.run_discord_pipeline",
        schedule_type=Schedule.MINUTES,
        minutes=15,
        next_run=next_run,
    )


def _row(html: str, marker: str) -> str:
    at = html.index(marker)
    return html[html.rindex("<tr", 0, at) : html.index("</tr>", at)]


def test_past_next_runs_are_flagged_overdue(officer_client):
    now = timezone.now()
    _schedule("test.overdue", now - timedelta(minutes=20))
    _schedule("test.just-due", now - timedelta(seconds=30))
    _schedule("test.future", now + timedelta(minutes=5))

    page = officer_client.get(HEALTH_URL)
    html = page.content.decode()

    assert "overdue" in _row(html, "test.overdue")
    assert "overdue" not in _row(html, "test.just-due"), "within the scheduler's grace"
    assert "overdue" not in _row(html, "test.future")
    assert page.context["overdue_count"] == 1
    assert "1 schedule overdue" in html
    assert inline_code(page) == []


# --- local time beside UTC -----------------------------------------------------------------------


def test_utc_html_marks_the_moment_for_the_local_time_script():
    moment = datetime(2026, 3, 1, 21, 0, 5, tzinfo=UTC)

    assert str(utc_html(moment)) == (
        '<time datetime="2026-03-01T21:00:05Z" data-local>2026-03-01 21:00 UTC</time>'
    )
    assert "2026-03-01 21:00:05 UTC" in str(utc_html(moment, seconds=True))
    assert utc_html(None) == "-"


def test_admin_pages_load_the_theme_and_the_local_time_script_as_static_files(officer_client):
    response = officer_client.get("/admin/")
    html = response.content.decode()

    theme_default = html.index("admin/patt-admin-theme.js")
    assert theme_default < html.index("admin/js/theme.js"), "dark is stored before Django reads"
    assert html.index("admin/css/dark_mode.css") < html.index("admin/patt-admin.css")
    assert "js/admin-local-time.js" in html
    assert inline_code(response) == []


def test_list_columns_carry_utc_times_for_the_local_time_script(officer_client):
    character = WowCharacterFactory(last_login_at=datetime(2026, 3, 1, 21, 0, tzinfo=UTC))
    AuditIssue.objects.create(
        dedup_key="t:1",
        issue_type=IssueType.STALE_CHARACTER,
        severity=IssueSeverity.INFO,
        summary="x",
        character=character,
    )

    for url in (changelist_url(WowCharacter), changelist_url(AuditIssue)):
        html = officer_client.get(url).content.decode()
        assert re.search(r'<time datetime="[0-9T:\-]+Z" data-local>[^<]+ UTC</time>', html), url
    html = officer_client.get(changelist_url(WowCharacter)).content.decode()
    assert '<time datetime="2026-03-01T21:00:00Z" data-local>2026-03-01 21:00 UTC</time>' in html


def test_campaign_list_start_is_a_local_time_marked_utc_time(officer_client):
    start = timezone.now().replace(microsecond=0, second=0) + timedelta(days=2)
    CampaignFactory(title="Art", start_at=start, duration_hours=24)

    html = officer_client.get(changelist_url(Campaign)).content.decode()

    iso = start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert f'<time datetime="{iso}" data-local>' in html


# --- the audit list: severity chips, six columns, a wrapped summary ------------------------------


def test_audit_list_severity_is_a_coloured_chip_with_its_word_in_six_columns(officer_client):
    character = WowCharacterFactory(name="Zanelra")
    for key, severity in (("a", IssueSeverity.CRITICAL), ("b", IssueSeverity.WARNING)):
        AuditIssue.objects.create(
            dedup_key=key,
            issue_type=IssueType.ROLE_MISMATCH,
            severity=severity,
            summary=f"Summary {key}",
            character=character,
            player=PlayerFactory(display_name=f"P{key}"),
        )

    response = officer_client.get(changelist_url(AuditIssue))
    html = response.content.decode()

    assert '<span class="severity-chip severity-critical">Critical</span>' in html
    assert '<span class="severity-chip severity-warning">Warning</span>' in html
    assert len(response.context["cl"].list_display) == 7  # the action checkbox + six columns
    assert 'class="field-summary"' in html
    row = _row(html, "Summary a")
    assert change_url(character) in row and "Character:" in row and "Player:" in row
    assert ">Open<" in row


# --- the characters list: six columns, nothing clipped -------------------------------------------


def test_character_list_has_six_columns_with_realm_rank_and_owner(officer_client):
    link = PlayerCharacterFactory(
        character__name="Trogmoon", character__realm_name="Sen'jin", character__level=80
    )
    WowCharacterFactory(name="Gone", in_guild=False, left_guild_at=timezone.now())

    response = officer_client.get(changelist_url(WowCharacter))
    html = response.content.decode()

    assert len(response.context["cl"].list_display) == 7  # the action checkbox + six columns
    row = _row(html, "Trogmoon")
    assert "Sen&#x27;jin" in row and change_url(link.player) in row
    assert "Left the guild" in _row(html, ">Gone<")


# --- the player page -----------------------------------------------------------------------------


def test_player_page_says_website_account_once(officer_client):
    player = PlayerFactory(display_name="Trog", discord_user=DiscordUserFactory())

    html = officer_client.get(change_url(player)).content.decode()

    assert len(re.findall(r"website account", html, re.I)) == 1
    assert "Account and record" in html


def test_player_page_availability_is_a_week_row_of_seven_day_cells(officer_client):
    player = PlayerFactory(display_name="Trog", guild_rank=rank("Member"))
    save_availability(
        player, days=[1, 3], auto_signup=False, wants_reminders=False, notes="", via="import"
    )

    response = officer_client.get(change_url(player))
    html = response.content.decode()

    week = html[
        html.index('class="week-row"') : html.index("</ul>", html.index('class="week-row"'))
    ]
    days = re.findall(r'<span class="visually-hidden">(\w+)</span>', week)
    assert days == ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    assert "<select" not in week, "no dropdowns"
    checked = re.findall(r'<input type="checkbox" name="[^"]+-available"[^>]*checked', week)
    assert len(checked) == 2
    assert inline_code(response) == []


def test_the_week_row_still_edits_availability(officer_client):
    from tests.roster.member.test_admin import inline_prefix, posted_values

    player = PlayerFactory(display_name="Trog", guild_rank=rank("Member"))
    save_availability(
        player, days=[3], auto_signup=False, wants_reminders=False, notes="", via="import"
    )
    page = officer_client.get(change_url(player))
    data = posted_values(page)
    days = inline_prefix(page, PlayerAvailability)
    by_day = {int(data[f"{days}-{n}-weekday"]): n for n in range(7)}
    data[f"{days}-{by_day[0]}-available"] = "on"  # Monday on
    data.pop(f"{days}-{by_day[3]}-available", None)  # Thursday off

    response = officer_client.post(change_url(player), data)

    assert response.status_code == 302
    assert availability_of(player)[0] == [True, False, False, False, False, False, False]
