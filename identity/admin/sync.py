"""The officers' sync page and worker health in the admin (IDN-43, IDN-46, IDN-47).

- `/admin/identity/sync/`: one POST button per pipeline. Each queues a django-q2 task by its
  dotted name ("Queued — see Sync runs"), unless a run of that source is in progress ("A
  <source> run is already in progress (started HH:MM UTC).") or already queued ("… is already
  queued (since HH:MM UTC)."). Post/redirect/get. A click first inserts a `queued` SyncRun
  (issue 11 item 13): the constraint of one queued-or-running row per source makes the second
  of two clicks, however close, find the first; the task takes the row over when it starts
  (`identity.services.sync_runs`, which also clears a queued row whose task never started).
- `/admin/identity/sync/health/`: whether a django-q2 worker is running (`worker_presence`,
  from the admin's context: a red banner when none is), each django-q2 schedule with its last
  task and its next run (flagged "overdue" once it is past by more than `OVERDUE_AFTER`: the
  scheduler would have started it), the latest run per source, the last failed tasks and the
  queue length (issue 16).

Neither page is a model's: identity contributes them to the registry (identity/contributions.py:
two `AdminView`s under the identity app's prefix and an `AdminAppEntry` "Sync & worker health"
in the identity app's list on the admin index, for officers only), and the admin site
(patt/admin_site.py) serves them. Both pages cost a fixed number of queries.
"""

import logging
from dataclasses import dataclass, field
from datetime import UTC, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from identity.models import SyncRun, SyncSource, SyncStatus, SyncTrigger
from identity.services.sync_runs import drop_queued_run, queue_run, run_in_progress
from patt.worker_presence import worker_presence

log = logging.getLogger(__name__)

# Officers (ACC-38) hold both; a staff user without them gets the themed 403.
TOOL_PERMISSIONS = ("identity.view_syncrun", "identity.change_auditissue")
QUEUED_MESSAGE = "Queued — see {}"
RECENT_FAILURES = 10
RESULT_TEXT_LENGTH = 200
# django-q2's scheduler looks for due schedules every 30 s; a next run further in the past
# than this was not started: the worker is not running (or not scheduling).
OVERDUE_AFTER = timedelta(minutes=2)


@dataclass(frozen=True)
class SyncButton:
    """One button of the sync page: the task it queues and the source whose run it starts."""

    key: str
    label: str
    source: str
    func: str
    kwargs: dict = field(default_factory=dict)
    help: str = ""


BUTTONS = (
    SyncButton(
        "blizzard",
        "Blizzard sync",
        SyncSource.BLIZZARD_ROSTER,
        "identity.tasks.run_blizzard_pipeline",
        {"trigger": SyncTrigger.ADMIN},
        help="Guild roster and character profiles, then matching, integrity and the audit report.",
    ),
    SyncButton(
        "discord",
        "Discord sync",
        SyncSource.DISCORD_MEMBERS,
        "identity.tasks.run_discord_pipeline",
        {"trigger": SyncTrigger.ADMIN},
        help="Server roles and members, then matching, integrity and the audit report.",
    ),
    SyncButton(
        "reconcile",
        "Matching + integrity",
        SyncSource.RECONCILE,
        "identity.tasks.run_reconcile_pipeline",
        help="Matching, player ranks, role push, integrity checks and the audit report.",
    ),
    SyncButton(
        "audit_new",
        "Send audit report (new)",
        SyncSource.AUDIT_REPORT,
        "identity.tasks.run_audit_report",
        {"full": False},
        help="Posts the open issues not yet reported to the audit channel.",
    ),
    SyncButton(
        "audit_full",
        "Send full audit report",
        SyncSource.AUDIT_REPORT,
        "identity.tasks.run_audit_report",
        {"full": True},
        help="Posts every open, not dismissed issue to the audit channel.",
    ),
)
BUTTONS_BY_KEY = {button.key: button for button in BUTTONS}


def can_use_sync_tools(user) -> bool:
    return user.is_active and user.is_staff and user.has_perms(TOOL_PERMISSIONS)


def _officers_only(request) -> None:
    if not can_use_sync_tools(request.user):
        raise PermissionDenied


def hh_mm_utc(moment) -> str:
    return moment.astimezone(UTC).strftime("%H:%M")


def utc(moment) -> str:
    return "-" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


# --- what the pages read -----------------------------------------------------------------------


def latest_runs() -> dict[str, SyncRun]:
    """The newest run of every source, in one query."""
    newest = SyncRun.objects.filter(source=OuterRef("source")).order_by("-started_at", "-pk")
    runs = SyncRun.objects.filter(pk=Subquery(newest.values("pk")[:1]))
    return {run.source: run for run in runs}


def _short_result(result) -> str:
    """The first line of a failed task's result (django-q2 stores "<error> : <traceback>")."""
    text = str(result if result is not None else "").strip()
    text = text.split(" : Traceback", 1)[0].splitlines()[0] if text else ""
    return text if len(text) <= RESULT_TEXT_LENGTH else text[: RESULT_TEXT_LENGTH - 1] + "…"


def queue_length() -> int | None:
    """Tasks waiting in the broker (the ORM broker: one COUNT); None when it cannot say."""
    from django_q.brokers import get_broker

    try:
        return get_broker().queue_size()
    except Exception:  # a broker that is down must not take the health page with it
        return None


@dataclass
class ScheduleRow:
    name: str
    func: str
    schedule: str
    next_run: object
    last_task: dict | None
    overdue: bool = False


def schedule_rows(*, now=None) -> list[ScheduleRow]:
    """Every django-q2 schedule with its last task (two queries in all); a next run past by
    more than `OVERDUE_AFTER` is `overdue`."""
    from django_q.models import Schedule, Task

    now = now or timezone.now()

    schedules = list(
        Schedule.objects.order_by("name", "pk").values(
            "name", "func", "schedule_type", "cron", "minutes", "next_run", "task"
        )
    )
    task_ids = [row["task"] for row in schedules if row["task"]]
    tasks = {
        task["id"]: task
        for task in Task.objects.filter(id__in=task_ids).values(
            "id", "name", "started", "stopped", "success"
        )
    }
    labels = dict(Schedule.TYPE)
    rows = []
    for row in schedules:
        if row["cron"]:
            schedule = f"cron {row['cron']}"
        elif row["schedule_type"] == Schedule.MINUTES and row["minutes"]:
            schedule = f"every {row['minutes']} minutes"
        else:
            schedule = str(labels.get(row["schedule_type"], row["schedule_type"]))
        rows.append(
            ScheduleRow(
                name=row["name"] or row["func"],
                func=row["func"],
                schedule=schedule,
                next_run=row["next_run"],
                last_task=tasks.get(row["task"]),
                overdue=row["next_run"] is not None and row["next_run"] < now - OVERDUE_AFTER,
            )
        )
    return rows


def recent_failures() -> list[dict]:
    from django_q.models import Failure

    failures = list(
        Failure.objects.order_by("-stopped").values("id", "name", "func", "stopped", "result")[
            :RECENT_FAILURES
        ]
    )
    for failure in failures:
        failure["short_result"] = _short_result(failure.pop("result"))
    return failures


# --- the views -----------------------------------------------------------------------------------


def _context(site, request, title: str, **extra) -> dict:
    return {
        **site.each_context(request),
        "title": title,
        "subtitle": None,
        "app_label": "identity",
        "syncrun_changelist": reverse("admin:identity_syncrun_changelist", current_app=site.name),
        "sync_url": reverse("admin:identity_sync", current_app=site.name),
        "health_url": reverse("admin:identity_sync_health", current_app=site.name),
        **extra,
    }


def queue_sync(request, button: SyncButton, site_name: str = "admin") -> bool:
    """Queue `button`'s task unless its source is queued or running; True when queued (with
    its message). The `queued` row is inserted first and its id handed to the task."""
    from django_q.tasks import async_task

    record = queue_run(source=button.source, trigger=SyncTrigger.ADMIN)
    if record is None:
        messages.warning(request, _in_progress_message(button.source))
        return False
    try:
        # By dotted name: the task is imported by the worker, not here.
        async_task(
            button.func,
            queued_run=record.pk,
            q_options={"task_name": f"{button.label} (admin)"},
            **button.kwargs,
        )
    except Exception as exc:  # the broker is down: say so, and do not leave the row queued
        log.exception("Could not queue %s", button.func)
        drop_queued_run(record, reason=f"could not be queued: {type(exc).__name__}")
        messages.error(request, "The task queue is not available; nothing was queued.")
        return False
    runs_url = reverse("admin:identity_syncrun_changelist", current_app=site_name)
    messages.success(
        request, format_html(QUEUED_MESSAGE, format_html('<a href="{}">Sync runs</a>', runs_url))
    )
    return True


def _in_progress_message(source: str) -> str:
    label = SyncSource(source).label
    article = "An" if label[0].lower() in "aeiou" else "A"
    run = run_in_progress(source)
    if run is None:  # it finished between the click and this line
        return f"{article} {label} run was in progress a moment ago; click again to queue one."
    if run.status == SyncStatus.QUEUED:
        return f"{article} {label} run is already queued (since {hh_mm_utc(run.started_at)} UTC)."
    return (
        f"{article} {label} run is already in progress (started {hh_mm_utc(run.started_at)} UTC)."
    )


def sync_view(request, site):
    """`/admin/identity/sync/`: the buttons (GET) and queueing (POST, then back here)."""
    _officers_only(request)
    if request.method == "POST":
        button = BUTTONS_BY_KEY.get(request.POST.get("pipeline", ""))
        if button is None:
            messages.error(request, "Unknown sync; nothing was queued.")
        else:
            queue_sync(request, button, site.name)
        return redirect(reverse("admin:identity_sync", current_app=site.name))
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    latest = latest_runs()
    rows = [
        {
            "button": button,
            "latest": latest.get(button.source),
            "source_label": SyncSource(button.source).label,
        }
        for button in BUTTONS
    ]
    context = _context(site, request, "Sync now", rows=rows)
    return TemplateResponse(request, "admin/identity/sync/sync.html", context)


def health_view(request, site):
    """`/admin/identity/sync/health/`: schedules, latest runs, failures, queue length."""
    _officers_only(request)
    latest = latest_runs()
    sources = [
        {"value": value, "label": label, "run": latest.get(value)}
        for value, label in SyncSource.choices
    ]
    schedules = schedule_rows()
    context = _context(
        site,
        request,
        "Worker health",
        # The header's answer, plus when the last task finished if no worker is running.
        worker_presence=worker_presence(last_task=True),
        schedules=schedules,
        overdue_count=sum(row.overdue for row in schedules),
        sources=sources,
        failures=recent_failures(),
        queue_length=queue_length(),
        failure_limit=RECENT_FAILURES,
    )
    return TemplateResponse(request, "admin/identity/sync/health.html", context)


# --- the app-list entry (contributed in identity/contributions.py) ------------------------------

ENTRY_NAME = "Sync & worker health"
