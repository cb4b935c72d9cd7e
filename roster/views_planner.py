"""`/raid-admin`: the officers' raid planner (ROS-30 … ROS-48).

Thin entry point: the rules live in `roster.services.planner` (day ranking, commands, event
creation) and `roster.raid_helper` (the API client). Tabs are links (`?tab=`); only the chosen
tab is built, and each tab issues a constant number of queries whatever the guild size.
POST actions (CSRF protected) redirect back on success (post/redirect/get) and re-render the
tab with the entered values and the errors on failure, nothing written.
"""

import datetime
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_http_methods

from identity.auth.decorators import officer_required
from identity.models import GuildRank
from patt.models import SiteConfig
from patt.validators import UNSTORABLE_TEXT_MESSAGE, is_storable_text
from roster.defaults import write_event_templates
from roster.models import EventTemplate, RaidEvent, RaidEventStatus
from roster.raid_helper import api_key_configured
from roster.services import charts, planner
from roster.services.population import ROLE_LABELS, ROLE_ORDER, roster_entries

PATH = "/raid-admin"
TABS = [
    ("schedule", "Schedule raid"),
    ("status", "Roster status"),
    ("guild-event", "Create guild event"),
    ("templates", "Event templates"),
    ("settings", "Settings"),
]
TAB_KEYS = {key for key, _ in TABS}
RECENT_EVENTS = 5
BAD_DAY = "Pick one of the next 7 days."
MAX_AHEAD = datetime.timedelta(days=366)
TOO_FAR_AHEAD = "Pick a date within the next 12 months."


def _url(**params) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{PATH}?{query}" if query else PATH


# --- forms ----------------------------------------------------------------------------------


def _column_limit(model, name: str) -> int:
    """A text column's limit: its `max_length`, else a TextField's MaxLengthValidator.

    Issue 11 item 6: the forms' limits are the model's, read from it rather than copied.
    """
    field = model._meta.get_field(name)
    if field.max_length:
        return field.max_length
    return min(v.limit_value for v in field.validators if isinstance(v, MaxLengthValidator))


def _title_field(model) -> forms.CharField:
    limit = _column_limit(model, "title")
    return forms.CharField(
        max_length=limit,
        error_messages={
            "required": "Give the event a title.",
            "max_length": f"Titles can be at most {limit} characters.",
        },
    )


def _description_field(model) -> forms.CharField:
    limit = _column_limit(model, "description")
    return forms.CharField(
        max_length=limit,
        required=False,
        widget=forms.Textarea,
        error_messages={"max_length": f"Descriptions can be at most {limit} characters."},
    )


class RaidEventForm(forms.Form):
    """ROS-41/43: the raid day's event; title and description may be edited before sending."""

    day = forms.DateField(input_formats=["%Y-%m-%d"], error_messages={"invalid": BAD_DAY})
    title = _title_field(RaidEvent)
    description = _description_field(RaidEvent)

    def __init__(self, *args, dates: list[datetime.date], **kwargs):
        super().__init__(*args, **kwargs)
        self.dates = dates

    def clean_day(self):
        day = self.cleaned_data["day"]
        if day not in self.dates:
            raise ValidationError(BAD_DAY)
        return day


class GuildEventForm(forms.Form):
    """ROS-40: a guild event from a template, at a wall-clock time in one of four US zones."""

    template = forms.ChoiceField(error_messages={"invalid_choice": "Pick a template."})
    title = _title_field(RaidEvent)
    description = _description_field(RaidEvent)
    date = forms.DateField(
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "Pick a date.", "invalid": "Enter a date like 2026-03-19."},
    )
    time = forms.TimeField(
        input_formats=["%H:%M"],
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"required": "Pick a time.", "invalid": "Enter a time like 20:00."},
    )
    timezone = forms.ChoiceField(error_messages={"invalid_choice": "Pick a timezone."})
    duration = forms.TypedChoiceField(
        coerce=int,
        choices=planner.GUILD_EVENT_DURATIONS,
        error_messages={"invalid_choice": "Pick a duration of 1 to 4 hours."},
    )

    def __init__(self, *args, templates, raid_timezone: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.templates = {t.key: t for t in templates}
        self.fields["template"].choices = [(t.key, f"{t.icon} {t.name}") for t in templates]
        zones = list(planner.GUILD_EVENT_TIMEZONES)
        if raid_timezone not in dict(zones):
            zones.append((raid_timezone, raid_timezone))
        self.fields["timezone"].choices = zones

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day > datetime.date.today() + MAX_AHEAD:
            raise ValidationError(TOO_FAR_AHEAD)
        return day

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            data["starts_at"] = planner.local_start(
                data["date"], at=data["time"], zone_name=data["timezone"]
            )
        except ValidationError as exc:
            for message in exc.messages:
                self.add_error("time", message)
        return data


class TemplateForm(forms.Form):
    """ROS-39: an event template's title and description."""

    key = forms.CharField()
    title = _title_field(EventTemplate)
    description = _description_field(EventTemplate)


# --- the page -------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@officer_required
def raid_admin(request: HttpRequest) -> HttpResponse:
    """ROS-30: officers only (ACC-39's gate); anonymous visitors go to sign in, others get the
    themed 403."""
    if request.method == "POST":
        return _post(request)
    if request.GET.get("partial") == "event-status":
        return _event_status_partial(request)
    tab = request.GET.get("tab") or "schedule"
    if tab not in TAB_KEYS:
        tab = "schedule"
    return _render(request, tab)


def _render(request: HttpRequest, tab: str, status: int = 200, **extra) -> HttpResponse:
    config = SiteConfig.get()
    missing = planner.missing_configuration(config)
    context = {
        "tabs": [(key, label, _url(tab=key)) for key, label in TABS],
        "tab": tab,
        "config": config,
        "missing": missing,
        "configure_message": planner.configure_message(missing),
    }
    builders = {
        "schedule": _schedule_context,
        "status": _status_context,
        "guild-event": _guild_event_context,
        "templates": _templates_context,
        "settings": _settings_context,
    }
    context.update(builders[tab](request, config, **extra))
    return render(request, "roster/raid_admin.html", context, status=status)


def _selected_day(request, days):
    """ROS-33: `?day=YYYY-MM-DD` among the seven days; default the best day, else the first."""
    raw = (request.GET.get("day") or "").strip()
    by_iso = {d.iso: d for d in days}
    if raw and raw in by_iso:
        return by_iso[raw], ""
    best = next((d for d in days if d.rank == 1), days[0])
    return best, (BAD_DAY if raw else "")


def _schedule_context(request, config, raid_form=None, selected_iso=None) -> dict:
    entries = roster_entries()
    today = planner.raid_today(config=config)
    days = planner.planner_days(entries, today=today)
    if selected_iso:
        selected = next((d for d in days if d.iso == selected_iso), days[0])
        day_error = ""
    else:
        selected, day_error = _selected_day(request, days)
    weekday = selected.weekday
    with_discord = [e for e in selected.available if e.discord_id]
    no_discord = [e for e in entries if not e.discord_id]
    if raid_form is None:
        raid_form = RaidEventForm(
            initial={
                "day": selected.iso,
                "title": config.raid_default_title,
                "description": planner.raid_day_description(selected.available_count),
            },
            dates=[d.date for d in days],
        )
    event_id = _event_id(request.GET.get("event"))
    recent = list(
        RaidEvent.objects.filter(pk=event_id)
        if event_id is not None
        else RaidEvent.objects.order_by("-created_at", "-pk")[:RECENT_EVENTS]
    )
    # Issue 16 item 2: each day card's stacked role bar against the raid size.
    bars = charts.stacked_bars(
        ((f"{d.weekday_name} {d.short_date}", d.role_counts) for d in days),
        population=len(entries),
        target=config.raid_size,
    )
    return {
        "entries": entries,
        "days": days,
        "day_rows": list(zip(days, bars, strict=True)),
        "raid_size": config.raid_size,
        "role_legend": [(key, ROLE_LABELS[key]) for key in ROLE_ORDER],
        "selected": selected,
        "day_error": day_error,
        "raid_start_label": planner.raid_start_label(selected.date, config=config),
        "create_command": planner.create_command(selected.date, config=config),
        "signup_block": planner.signup_block(entries, weekday=weekday),
        "reminder_mentions": planner.reminder_mentions(entries, weekday=weekday),
        "quick_commands": planner.quick_commands(days, config=config),
        "with_discord_count": len(with_discord),
        "no_discord": [
            (e, _admin_url("admin:identity_player_change", e.player.pk)) for e in no_discord
        ],
        "raid_form": raid_form,
        "events": [_event_view(event) for event in recent],
        "events_are_focused": event_id is not None,
    }


def _status_context(request, config) -> dict:
    """ROS-38: roster players sorted by Discord name (the population's order)."""
    ranks = {rank.pk: rank for rank in GuildRank.objects.all()}
    rows = [
        (entry, ranks.get(entry.player.guild_rank_id), len(entry.characters))
        for entry in roster_entries()
    ]
    return {"status_rows": rows}


def _event_templates():
    return list(EventTemplate.objects.all())


def _guild_event_context(request, config, guild_form=None) -> dict:
    templates = _event_templates()
    if guild_form is None:
        chosen = next((t for t in templates if t.key == request.GET.get("template")), None)
        chosen = chosen or (templates[0] if templates else None)
        tomorrow = planner.raid_today(config=config) + datetime.timedelta(days=1)
        guild_form = GuildEventForm(
            initial={
                "template": chosen.key if chosen else "",
                "title": chosen.title if chosen else "",
                "description": chosen.description if chosen else "",
                "date": tomorrow.isoformat(),
                "time": config.raid_start_time.strftime("%H:%M"),
                "timezone": config.raid_timezone,
                "duration": 120,
            },
            templates=templates,
            raid_timezone=config.raid_timezone,
        )
    return {
        "templates": templates,
        "guild_form": guild_form,
        "template_links": [(t, _url(tab="guild-event", template=t.key)) for t in templates],
        "event_channel": planner.guild_event_channel(config),
    }


def _templates_context(request, config, template_forms=None) -> dict:
    templates = _event_templates()
    forms_by_key = template_forms or {}
    rows = [
        (
            t,
            forms_by_key.get(t.key)
            or TemplateForm(
                initial={"key": t.key, "title": t.title, "description": t.description},
                prefix=t.key,
            ),
        )
        for t in templates
    ]
    return {"template_rows": rows}


def _settings_context(request, config) -> dict:
    """ROS-30, ROS-49: a read-only summary (the key only as set / not set, ROS-47)."""
    return {
        "api_url": settings.RAID_HELPER_API_URL,
        "api_key_set": api_key_configured(),
        "signup_delay_ms": settings.RAID_HELPER_SIGNUP_DELAY_MS,
        "siteconfig_admin_url": _admin_url("admin:patt_siteconfig_change", SiteConfig.SINGLETON_PK),
    }


def _admin_url(name: str, pk) -> str:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


# --- event status (ROS-42) ------------------------------------------------------------------


def _event_view(event: RaidEvent) -> dict:
    """What the status box says about one event (ROS-42)."""
    failures = [
        f"{f.get('player', '?')} ({f.get('className', '?')}): {f.get('error', '')}"
        for f in (event.signup_failures or [])
    ]
    return {
        "event": event,
        "pending": event.status == RaidEventStatus.PENDING,
        "created": event.status == RaidEventStatus.CREATED,
        "failed": event.status == RaidEventStatus.FAILED,
        "is_raid": event.kind == RaidEvent.RAID,
        "failures": failures,
        "skipped": ", ".join(event.skipped_no_discord or []),
        "poll_url": _url(partial="event-status", event=event.pk),
        "check_url": _url(tab="schedule", event=event.pk),
    }


def _event_id(raw: str | None) -> int | None:
    """An event id from the query string; anything that is not a plausible id is None."""
    raw = (raw or "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 18 else None


def _event_status_partial(request: HttpRequest) -> HttpResponse:
    event_id = _event_id(request.GET.get("event"))
    event = RaidEvent.objects.filter(pk=event_id).first() if event_id is not None else None
    if event is None:
        return HttpResponse("Event not found.", status=404, content_type="text/plain")
    return render(request, "roster/raid_admin_event_status.html", {"item": _event_view(event)})


# --- POST actions ---------------------------------------------------------------------------


def _post(request: HttpRequest) -> HttpResponse:
    action = request.POST.get("action", "")
    handlers = {
        "create_raid_event": _create_raid_event,
        "create_guild_event": _create_guild_event,
        "save_template": _save_template,
        "reset_templates": _reset_templates,
        "test_connection": _test_connection,
    }
    handler = handlers.get(action)
    if handler is None:
        messages.error(request, "Unknown action.")
        return _render(request, "schedule", status=400)
    return handler(request)


def _create_raid_event(request: HttpRequest) -> HttpResponse:
    """ROS-41 … ROS-43: queue the selected raid day's event (refused while not configured)."""
    config = SiteConfig.get()
    today = planner.raid_today(config=config)
    dates = planner.planner_dates(today)
    form = RaidEventForm(request.POST, dates=dates)
    missing = planner.missing_configuration(config)
    if missing:
        form.add_error(None, planner.configure_message(missing))
    if form.is_valid():
        day = form.cleaned_data["day"]
        try:
            event = planner.queue_raid_event(
                kind=RaidEvent.RAID,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                starts_at=planner.raid_start(day, config=config),
                duration_minutes=config.raid_duration_minutes,
                template=config.raid_helper_template,
                channel_id=config.raid_channel_signup,
                created_by=request.user,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return HttpResponseRedirect(_url(tab="schedule", day=day.isoformat(), event=event.pk))
    raw_day = request.POST.get("day", "")
    selected_iso = raw_day if raw_day in {d.isoformat() for d in dates} else None
    return _render(request, "schedule", status=400, raid_form=form, selected_iso=selected_iso)


def _create_guild_event(request: HttpRequest) -> HttpResponse:
    """ROS-40 … ROS-43: queue a guild event (no sign-ups)."""
    config = SiteConfig.get()
    templates = _event_templates()
    form = GuildEventForm(request.POST, templates=templates, raid_timezone=config.raid_timezone)
    missing = planner.missing_configuration(config)
    if missing:
        form.add_error(None, planner.configure_message(missing))
    if form.is_valid():
        template = form.templates[form.cleaned_data["template"]]
        try:
            event = planner.queue_raid_event(
                kind=template.key,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                starts_at=form.cleaned_data["starts_at"],
                duration_minutes=form.cleaned_data["duration"],
                template=template.raid_helper_template,
                channel_id=planner.guild_event_channel(config),
                created_by=request.user,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return HttpResponseRedirect(_url(tab="schedule", event=event.pk))
    return _render(request, "guild-event", status=400, guild_form=form)


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        target = field if field in form.fields else None
        for message in errors:
            form.add_error(target, message)


def _save_template(request: HttpRequest) -> HttpResponse:
    """ROS-39: save one template's title and description."""
    key = request.POST.get("key", "")
    if not is_storable_text(key):
        # Issue 11 item 7: the raw key reaches a query; NUL would fail at the database.
        messages.error(request, UNSTORABLE_TEXT_MESSAGE)
        return _render(request, "templates", status=400)
    template = EventTemplate.objects.filter(key=key).first()
    if template is None:
        messages.error(request, "That event template doesn't exist.")
        return _render(request, "templates", status=400)
    form = TemplateForm(request.POST, prefix=key)
    if not form.is_valid():
        return _render(request, "templates", status=400, template_forms={key: form})
    template.title = form.cleaned_data["title"].strip()
    template.description = form.cleaned_data["description"].strip()
    template.save(update_fields=["title", "description"])
    messages.success(request, f"Saved the {template.name} template.")
    return HttpResponseRedirect(_url(tab="templates"))


def _reset_templates(request: HttpRequest) -> HttpResponse:
    """ROS-39: restore the seeded title and description of all seven templates."""
    with transaction.atomic():
        write_event_templates(EventTemplate, reset=True)
    messages.success(request, "Event templates reset to defaults.")
    return HttpResponseRedirect(_url(tab="templates"))


def _test_connection(request: HttpRequest) -> HttpResponse:
    """ROS-48: the Settings tab's connection test."""
    ok, message = planner.check_connection()
    (messages.success if ok else messages.error)(request, message)
    return HttpResponseRedirect(_url(tab="settings"))
