"""The officer admin of onboarding sessions (ONB-60, ONB-61, ONB-62).

Officers view and change sessions (onboarding/contributions.py); the actions and the buttons
need the change permission. The detail page is read-only except `resolution_note`, with the
timeline inline, newest first. Every action goes through the same service as its slash command
(onboarding.services.commands), queues all Discord I/O (django-q2, on commit), shows refusals
as admin messages (never a 500) and reports the per-row results in one message.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from identity.models import Player, SyncRun
from onboarding.models import CLOSED_STATES, OPEN_STATES, OnboardingEvent, OnboardingSession, State
from onboarding.services import commands, flags
from onboarding.services.states import reset
from patt.admin_columns import utc_column, utc_html
from patt.models import SiteConfig
from patt.refusals import Refused
from patt.task_queue import enqueue_on_commit

# ONB-60: the state badge's colour by kind of state: a `data-kind` the admin's static CSS
# colours (static/admin/patt-admin.css; no style attribute under the strict CSP, issue 16).
BADGE_KINDS = {
    State.PROVISIONED: "done",
    State.MANUALLY_RESOLVED: "done",
    State.VERIFIED: "verified",
    State.PENDING_VERIFICATION: "pending",
    State.DECLINED: "declined",
    State.DISMISSED: "dismissed",
}
BADGE_DEFAULT = "talking"  # awaiting_dm and the conversation states


def _now() -> datetime:
    return timezone.now()


class OpenClosedFilter(admin.SimpleListFilter):
    """ONB-60 filter "open/closed" (ONB-3)."""

    title = "open or closed"
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("yes", "Open"), ("no", "Closed")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        closed = sorted(CLOSED_STATES)
        if self.value() == "yes":
            return queryset.exclude(state__in=closed)
        if self.value() == "no":
            return queryset.filter(state__in=closed)
        return queryset


class EscalatedFilter(admin.SimpleListFilter):
    """ONB-60 "escalated": yes / no / not posted (ONB-34)."""

    title = "escalated"
    parameter_name = "escalated"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No"), ("not_posted", "Not posted")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(flags.escalated_q())
        if self.value() == "no":
            return queryset.exclude(flags.escalated_q())
        if self.value() == "not_posted":
            return queryset.filter(flags.escalated_q(), escalation_posted_at__isnull=True)
        return queryset


class _FlagFilter(admin.SimpleListFilter):
    """A yes-only filter over one flag of onboarding.services.flags."""

    def lookups(self, request, model_admin):
        return [("yes", "Yes")]

    def flag(self):  # pragma: no cover - each subclass says which
        raise NotImplementedError

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(self.flag()) if self.value() == "yes" else queryset


class OverdueFilter(_FlagFilter):
    title = "overdue"
    parameter_name = "overdue"

    def flag(self):
        return flags.overdue_q(now=_now())


class QuietFilter(_FlagFilter):
    title = "went quiet"
    parameter_name = "quiet"

    def flag(self):
        return flags.quiet_q(now=_now())


class DmsClosedFilter(_FlagFilter):
    title = "DMs closed"
    parameter_name = "dms_closed"

    def flag(self):
        return flags.dms_closed_q()


class PresentFilter(admin.SimpleListFilter):
    """ONB-60 "present": the member is in the Discord server (`DiscordUser.is_present`)."""

    title = "present"
    parameter_name = "present"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() in ("yes", "no"):
            return queryset.filter(discord_user__is_present=self.value() == "yes")
        return queryset


class RoundFilter(admin.SimpleListFilter):
    """ONB-60 "round > 1": the session was reset at least once (ONB-5)."""

    title = "round"
    parameter_name = "later_round"

    def lookups(self, request, model_admin):
        return [("yes", "Round > 1")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(round__gt=1) if self.value() == "yes" else queryset


class OnboardingEventInline(admin.TabularInline):
    """ONB-60: the timeline, newest first; records are never edited."""

    model = OnboardingEvent
    fields = ("at", "kind", "detail")
    readonly_fields = fields
    ordering = ("-at", "-pk")
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class DismissForm(forms.Form):
    reason = forms.CharField(required=False, max_length=500, widget=forms.TextInput)


class ResolveForm(forms.Form):
    """ONB-61 "Resolve…": a character (autocompleted from the roster) and a note."""

    character = forms.CharField(
        required=False,
        max_length=80,
        help_text="Name or Name-Realm; leave empty to resolve without a character.",
        widget=forms.TextInput(attrs={"list": "onboarding-characters", "autocomplete": "off"}),
    )
    note = forms.CharField(required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


def _actor(request: HttpRequest) -> str:
    return f"admin {request.user.get_username()}"


def _officer(request: HttpRequest) -> Player | None:
    return Player.objects.filter(user_id=request.user.pk).first()


def _summary(results: Counter[str]) -> str:
    """ONB-61: e.g. "3 verified, 1 still pending, 2 skipped (closed)"."""
    return ", ".join(f"{n} {kind}" for kind, n in sorted(results.items(), key=lambda i: -i[1]))


@admin.register(OnboardingSession)
class OnboardingSessionAdmin(admin.ModelAdmin):
    change_list_template = "admin/onboarding/onboardingsession/change_list.html"
    change_form_template = "admin/onboarding/onboardingsession/change_form.html"
    list_display = (
        "discord_user",
        "state_badge",
        "is_in_guild",
        "reported_main_name",
        "main_character",
        "player",
        "verification_attempts",
        "joined",
        "prompted_at_utc",
        "deadline",
        "escalated",
        "dms",
        "updated_at_utc",
    )
    prompted_at_utc = utc_column("prompted_at", "prompted")
    updated_at_utc = utc_column("updated_at", "updated")
    list_filter = (
        "state",
        OpenClosedFilter,
        EscalatedFilter,
        OverdueFilter,
        QuietFilter,
        DmsClosedFilter,
        PresentFilter,
        "is_in_guild",
        RoundFilter,
        "created_at",
    )
    list_select_related = ("discord_user", "main_character", "player")
    search_fields = (
        "discord_user__username",
        "discord_user__display_name",
        "discord_user__discord_id",
        "reported_main_name",
        "player__display_name",
        "main_character__name",
    )
    inlines = (OnboardingEventInline,)
    ordering = ("-created_at",)
    actions = ("retry_action", "dismiss_action", "restart_action", "resend_invite_action")

    # --- columns (ONB-60) ------------------------------------------------------------------

    @admin.display(description="state", ordering="state")
    def state_badge(self, obj: OnboardingSession) -> str:
        return format_html(
            '<span class="onb-badge" data-kind="{}">{}</span>',
            BADGE_KINDS.get(obj.state, BADGE_DEFAULT),
            obj.get_state_display(),
        )

    @admin.display(description="joined", ordering="discord_user__joined_at")
    def joined(self, obj: OnboardingSession) -> str:
        return utc_html(obj.discord_user.joined_at)

    @admin.display(description="deadline", ordering="deadline_at")
    def deadline(self, obj: OnboardingSession) -> str:
        if obj.deadline_at is None:
            return "-"
        moment = utc_html(obj.deadline_at)
        if "OVERDUE" in flags.flags_of(obj, now=_now()):
            # A class, not a style attribute (strict CSP): static/admin/patt-admin.css.
            return format_html('<span class="onb-overdue">{} overdue</span>', moment)
        return moment

    @admin.display(description="escalated", ordering="escalated_at")
    def escalated(self, obj: OnboardingSession) -> str:
        if obj.escalated_at is None:
            return ""
        return "✓" if obj.escalation_posted_at else "not posted"

    @admin.display(description="DMs")
    def dms(self, obj: OnboardingSession) -> str:
        if obj.dm_blocked_at:
            return "closed"
        if obj.opening_dm_sent_at:
            return "sent"
        if not SiteConfig.get().bot_dms_enabled:
            return "off"
        return ""

    def get_readonly_fields(self, request, obj=None):
        # ONB-60: read-only except the officer's note; state changes go through the services.
        return [f.name for f in self.model._meta.fields if f.name != "resolution_note"]

    def has_add_permission(self, request) -> bool:
        return False  # sessions come from joins and DMs (ONB-8, ONB-13)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a session is the member's history; Dismiss closes it (ONB-61)

    # --- header (ONB-60) and the "Run checker now" button (ONB-62) --------------------------

    def changelist_view(self, request, extra_context=None):
        counts = dict(
            OnboardingSession.objects.filter(state__in=sorted(OPEN_STATES))
            .values_list("state")
            .annotate(n=Count("pk"))
            .order_by()
        )
        extra_context = {
            **(extra_context or {}),
            "open_counts": [(State(s).label, counts[s]) for s in State.values if counts.get(s)],
            "last_checker_run": SyncRun.objects.filter(source=SyncRun.Source.ONBOARDING)
            .order_by("-started_at", "-pk")
            .first(),
            "may_change": self.has_change_permission(request),
        }
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "run-checker/",
                wrap(self.run_checker_view),
                name="onboarding_onboardingsession_run_checker",
            ),
            path(
                "<int:session_id>/resolve/",
                wrap(self.resolve_view),
                name="onboarding_onboardingsession_resolve",
            ),
            *super().get_urls(),
        ]

    def _changelist_url(self) -> str:
        return reverse("admin:onboarding_onboardingsession_changelist")

    def run_checker_view(self, request: HttpRequest) -> HttpResponse:
        """ONB-62: queue one checker run (POST only; the worker does the Discord I/O)."""
        if request.method != "POST" or not self.has_change_permission(request):
            return HttpResponseRedirect(self._changelist_url())
        from onboarding.checker_tasks import queue_checker_run

        queue_checker_run()
        messages.success(request, "The onboarding checker is queued; a worker runs it shortly.")
        return HttpResponseRedirect(self._changelist_url())

    # --- actions (ONB-61) -------------------------------------------------------------------

    @admin.action(description="Retry (verify now / re-queue provisioning)", permissions=["change"])
    def retry_action(self, request: HttpRequest, queryset: QuerySet) -> None:
        results: Counter[str] = Counter()
        now = _now()
        for session in queryset.select_related("discord_user"):
            try:
                outcome = commands.retry_session_of(
                    session.discord_user, actor=_actor(request), what="admin Retry", now=now
                )
            except Refused as refusal:
                results[f"refused ({refusal.message})"] += 1
                continue
            results[outcome.kind] += 1
        messages.info(request, _summary(results))

    @admin.action(description="Dismiss…", permissions=["change"])
    def dismiss_action(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        """ONB-61: a confirmation page asks for the reason; open sessions are dismissed."""
        form = DismissForm(request.POST if "apply" in request.POST else None)
        if "apply" not in request.POST or not form.is_valid():
            return TemplateResponse(
                request,
                "admin/onboarding/onboardingsession/dismiss_confirmation.html",
                {
                    **self.admin_site.each_context(request),
                    "title": "Dismiss onboarding",
                    "opts": self.model._meta,
                    "sessions": queryset.select_related("discord_user"),
                    "form": form,
                    "action": "dismiss_action",
                    "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                },
            )
        results: Counter[str] = Counter()
        now, officer = _now(), _officer(request)
        reason = form.cleaned_data["reason"]
        for session_id in queryset.values_list("pk", flat=True):
            with transaction.atomic():
                session = (
                    OnboardingSession.objects.select_for_update(of=("self",))
                    .filter(pk=session_id)
                    .first()
                )
                if session is None or session.state in CLOSED_STATES:
                    results["skipped (closed)"] += 1
                    continue
                commands.dismiss(
                    session, officer=officer, reason=reason, now=now, trigger="admin Dismiss"
                )
                commands.officer_event(
                    session, actor=_actor(request), what="admin Dismiss", now=now
                )
                results["dismissed"] += 1
        messages.info(request, _summary(results))
        return None

    @admin.action(
        description="Restart onboarding (opening DM via the worker)", permissions=["change"]
    )
    def restart_action(self, request: HttpRequest, queryset: QuerySet) -> None:
        """ONB-61, ONB-5: a new round in `awaiting_dm`, and a worker sends the opening DM
        through the REST client (onboarding.command_tasks); with DMs off the session waits."""
        from onboarding.command_tasks import OPENING_TASK

        dms_on = SiteConfig.get().bot_dms_enabled
        results: Counter[str] = Counter()
        now = _now()
        for session_id in queryset.values_list("pk", flat=True):
            with transaction.atomic():
                session = (
                    OnboardingSession.objects.select_for_update(of=("self",))
                    .select_related("discord_user")
                    .get(pk=session_id)
                )
                if not session.discord_user.is_present:
                    results["skipped (not in the server)"] += 1
                    continue
                reset(session, now=now, trigger="admin Restart onboarding")
                commands.officer_event(
                    session, actor=_actor(request), what="admin Restart", now=now
                )
                if dms_on:
                    # Not queued (broker away): the checker's resume sends it (ONB-40).
                    enqueue_on_commit(
                        OPENING_TASK, session.pk, what=f"Opening DM of session #{session.pk}"
                    )
                    results["restarted (opening DM queued)"] += 1
                else:
                    results["restarted (DMs are off - waiting)"] += 1
        messages.info(request, _summary(results))

    @admin.action(description="Resend welcome & invite", permissions=["change"])
    def resend_invite_action(self, request: HttpRequest, queryset: QuerySet) -> None:
        """ONB-61 = /resend-invite: the code is shown (admin messages are only the officer's)."""
        now = _now()
        for session in queryset.select_related("discord_user"):
            try:
                reply = commands.resend_invite_of(
                    session.discord_user, actor=_actor(request), what="admin Resend", now=now
                )
            except Refused as refusal:
                messages.warning(request, f"{session.discord_user}: {refusal.message}")
            else:
                messages.info(request, f"{session.discord_user}: {reply.replace('**', '')}")

    # --- Resolve… (ONB-61): a form on the change page ----------------------------------------

    def resolve_view(self, request: HttpRequest, session_id: int) -> HttpResponse:
        session = get_object_or_404(
            OnboardingSession.objects.select_related("discord_user"), pk=session_id
        )
        change_url = reverse("admin:onboarding_onboardingsession_change", args=[session.pk])
        if request.method != "POST" or not self.has_change_permission(request, session):
            return HttpResponseRedirect(change_url)
        form = ResolveForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Resolve: " + form.errors.as_text())
            return HttpResponseRedirect(change_url)
        try:
            reply = commands.resolve_session_of(
                session.discord_user,
                officer=_officer(request),
                actor=_actor(request),
                what="admin Resolve",
                character=form.cleaned_data["character"],
                note=form.cleaned_data["note"],
                now=_now(),
            )
        except Refused as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, reply.replace("**", ""))
        return HttpResponseRedirect(change_url)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "resolve_form": ResolveForm(),
            "resolve_url": reverse("admin:onboarding_onboardingsession_resolve", args=[object_id])
            if str(object_id).isdigit()
            else "",
            "character_options": commands.character_choices(typed="", limit=None)
            if self.has_change_permission(request)
            else [],
            "may_change": self.has_change_permission(request),
        }
        return super().change_view(request, object_id, form_url, extra_context)
