"""Audit issues and sync runs in the admin (IDN-17, IDN-43, IDN-44).

Issues are read-mostly records with the officer actions of IDN-43 (Resolve, Dismiss,
Undismiss, Accept suggestion), offered both as changelist actions and as buttons on the issue
page; every rule lives in `identity.services.issue_actions`. Sync runs are read-only history.
Both changelists select what their columns show, so a page costs the same number of queries
for 10 rows or 200.
"""

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from identity.admin.mixins import (
    ReadOnlyRecordMixin,
    YesNoFilter,
    acting_player,
    admin_link,
    change_url,
    superusers_only,
)
from identity.admin.sync import can_use_sync_tools
from identity.models import AuditIssue, IssueSeverity, IssueType, SyncRun
from identity.services.issue_actions import (
    accept_suggestion,
    dismiss_issues,
    resolve_issues,
    undismiss_issues,
)
from patt.admin_columns import utc_column, utc_html
from patt.refusals import Refused


def _issues(count: int) -> str:
    return f"{count} issue" if count == 1 else f"{count} issues"


def _by_user(request) -> str:
    """Who to name in a resolution note when the officer has no Player (a bare superuser)."""
    return "" if acting_player(request) is not None else request.user.get_username()


class IssueOpenFilter(YesNoFilter):
    title = "state"
    parameter_name = "state"
    lookup = "resolved_at"
    yes, no = ("resolved", "Resolved"), ("open", "Open")

    def lookups(self, request, model_admin):
        return [self.no, self.yes]  # open issues first


class IssueDismissedFilter(YesNoFilter):
    title = "dismissed"
    parameter_name = "dismissed"
    lookup = "dismissed_at"


class ResolveForm(forms.Form):
    """The optional note of IDN-43 "Resolve"."""

    note = forms.CharField(
        label="Resolution note",
        required=False,
        max_length=AuditIssue._meta.get_field("resolution_note").max_length,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Optional. If the problem persists, the next integrity run opens a new issue.",
    )


@admin.register(AuditIssue)
class AuditIssueAdmin(ReadOnlyRecordMixin, admin.ModelAdmin):
    """Issues found by the integrity checks and matching (IDN-17), with the IDN-43 actions.

    The checks create and resolve issues, so there is no add; deleting is left to superusers
    (an open issue deleted by hand would only come back on the next run).
    """

    # Six columns that fit 1366 px (issue 16): the summary wraps in a readable width, the
    # severity is a coloured chip with its word, the three possible subjects share one column,
    # open/dismissed is one state; the first detection is on the issue's page.
    list_display = (
        "summary",
        "severity_chip",
        "issue_type",
        "subject",
        "last_seen",
        "state",
    )
    list_filter = ("issue_type", "severity", IssueOpenFilter, IssueDismissedFilter)
    list_select_related = ("character", "discord_user", "player")
    search_fields = ("summary",)
    actions = ("resolve_selected", "dismiss_selected", "undismiss_selected", "accept_suggestions")

    has_delete_permission = superusers_only

    last_seen = utc_column("last_detected_at", "last seen")

    @admin.display(description="severity", ordering="severity")
    def severity_chip(self, issue):
        """The severity as a chip in its colour, with its word (never colour alone)."""
        return format_html(
            '<span class="severity-chip severity-{}">{}</span>',
            IssueSeverity(issue.severity).name.lower(),
            issue.get_severity_display(),
        )

    @admin.display(description="about")
    def subject(self, issue):
        """The character, Discord user and player the issue is about, each linked, one line
        each ("-" when none)."""
        links = [
            format_html("{}: {}", label, admin_link(target))
            for label, target in (
                ("Character", issue.character),
                ("Discord", issue.discord_user),
                ("Player", issue.player),
            )
            if target is not None
        ]
        return format_html_join(mark_safe("<br>"), "{}", ((link,) for link in links)) or "-"

    @admin.display(description="state", ordering="resolved_at")
    def state(self, issue):
        if not issue.is_open:
            return "Resolved"
        return "Open, dismissed" if issue.dismissed_at is not None else "Open"

    def get_queryset(self, request):
        # The changelist skips `list_select_related` once the queryset selects anything, so
        # every relation a page shows is joined here (the change page's dismissed / resolved by).
        return (
            super()
            .get_queryset(request)
            .select_related(*self.list_select_related, "dismissed_by", "resolved_by")
        )

    # --- the actions (IDN-43) ------------------------------------------------------------------

    def _log(self, request, issues, message: str) -> None:
        if issues:
            LogEntry.objects.log_actions(request.user.pk, issues, CHANGE, message)

    def _resolve(self, request, issues, note: str) -> None:
        targets = [issue for issue in issues if issue.is_open]
        count = resolve_issues(
            targets, resolved_by=acting_player(request), note=note, by_user=_by_user(request)
        )
        self._log(request, targets, "Resolved." + (f" Note: {note}" if note else ""))
        text = f"Resolved {_issues(count)}."
        skipped = len(issues) - len(targets)
        if skipped:
            text += f" {_issues(skipped)} already resolved."
        if count:
            text += " If the problem persists, the next integrity run opens a new issue."
        self.message_user(request, text, messages.SUCCESS if count else messages.WARNING)

    def _dismiss(self, request, issues) -> None:
        targets = [issue for issue in issues if issue.is_open and issue.dismissed_at is None]
        count = dismiss_issues(targets, dismissed_by=acting_player(request))
        self._log(request, targets, "Dismissed.")
        text = (
            f"Dismissed {_issues(count)}: they stay open and are still checked, "
            "but audit reports leave them out."
        )
        skipped = len(issues) - len(targets)
        if skipped:
            text += f" {_issues(skipped)} already dismissed or resolved."
        self.message_user(request, text, messages.SUCCESS if count else messages.WARNING)

    def _undismiss(self, request, issues) -> None:
        targets = [issue for issue in issues if issue.dismissed_at is not None]
        count = undismiss_issues(targets)
        self._log(request, targets, "Undismissed.")
        text = f"Undismissed {_issues(count)}: audit reports include them again."
        skipped = len(issues) - len(targets)
        if skipped:
            text += f" {_issues(skipped)} not dismissed."
        self.message_user(request, text, messages.SUCCESS if count else messages.WARNING)

    def _accept(self, request, issues) -> None:
        officer = acting_player(request)
        for issue in issues:
            try:
                accepted = accept_suggestion(issue, accepted_by=officer, by_user=_by_user(request))
            except Refused as refused:
                self.message_user(request, refused.message, messages.ERROR)
                continue
            self._log(request, [accepted.issue], "Suggestion accepted.")
            self.message_user(request, accepted.message, messages.SUCCESS)

    @admin.action(description="Resolve selected issues…", permissions=["change"])
    def resolve_selected(self, request, queryset):
        """An intermediate page asks for the optional note; its POST resolves."""
        issues = list(queryset)
        form = ResolveForm(request.POST if request.POST.get("post") == "yes" else None)
        if form.is_bound and form.is_valid():
            self._resolve(request, issues, form.cleaned_data["note"])
            return None  # back to the changelist
        return self._resolve_page(request, issues, form, action="resolve_selected")

    @admin.action(description="Dismiss selected issues (mute)", permissions=["change"])
    def dismiss_selected(self, request, queryset):
        self._dismiss(request, list(queryset))

    @admin.action(description="Undismiss selected issues (unmute)", permissions=["change"])
    def undismiss_selected(self, request, queryset):
        self._undismiss(request, list(queryset))

    @admin.action(description="Accept selected suggestions (link)", permissions=["change"])
    def accept_suggestions(self, request, queryset):
        self._accept(request, list(queryset.select_related("character", "discord_user")))

    def _resolve_page(self, request, issues, form, *, action: str | None, original=None):
        context = {
            **self.admin_site.each_context(request),
            "title": "Resolve issues" if original is None else f"Resolve: {original}",
            "subtitle": None,
            "opts": self.opts,
            "issues": issues,
            "open_count": sum(1 for issue in issues if issue.is_open),
            "form": form,
            "action": action,
            "original": original,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/identity/auditissue/resolve.html", context)

    # --- the buttons of the issue page ---------------------------------------------------------

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        views = (
            ("resolve", self.resolve_view),
            ("dismiss", self.dismiss_view),
            ("undismiss", self.undismiss_view),
            ("accept", self.accept_view),
        )
        return [
            *(
                path(
                    f"<path:object_id>/{name}/",
                    self.admin_site.admin_view(view),
                    name="{}_{}_{}".format(*info, name),
                )
                for name, view in views
            ),
            *super().get_urls(),
        ]

    def _issue_for_change(self, request, object_id) -> AuditIssue:
        issue = self.get_object(request, unquote(object_id))
        if issue is None:
            raise Http404("No such issue.")
        if not self.has_change_permission(request, issue):
            raise PermissionDenied
        return issue

    def resolve_view(self, request, object_id):
        """The "Resolve" button: the note page (GET), resolving on POST."""
        issue = self._issue_for_change(request, object_id)
        form = ResolveForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            self._resolve(request, [issue], form.cleaned_data["note"])
            return redirect(change_url(issue, current_app=self.admin_site.name))
        return self._resolve_page(request, [issue], form, action=None, original=issue)

    def _button(self, request, object_id, handle):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        issue = self._issue_for_change(request, object_id)
        handle(request, [issue])
        return redirect(change_url(issue, current_app=self.admin_site.name))

    def dismiss_view(self, request, object_id):
        return self._button(request, object_id, self._dismiss)

    def undismiss_view(self, request, object_id):
        return self._button(request, object_id, self._undismiss)

    def accept_view(self, request, object_id):
        return self._button(request, object_id, self._accept)

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        context["is_suggestion"] = (
            obj is not None and obj.issue_type == IssueType.AUTO_LINK_SUGGESTION
        )
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)


# --- sync run history (IDN-17, IDN-44) ---------------------------------------------------------


def utc(moment):
    """A time shown in UTC whatever the site's zone: `2026-03-01 12:00:05 UTC`, marked for the
    viewer's local time beside it (issue 16)."""
    return utc_html(moment, seconds=True)


def pretty_json(value) -> str:
    return format_html(
        '<pre class="json-block">{}</pre>',
        json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str),
    )


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyRecordMixin, admin.ModelAdmin):
    """One row per pipeline run (IDN-17, IDN-44); read-only, superusers may delete."""

    list_display = (
        "run",
        "source",
        "trigger",
        "status",
        "started",
        "duration",
        "summary",
        "short_error",
    )
    list_display_links = ("run",)
    list_filter = ("source", "status", "trigger")
    date_hierarchy = "started_at"
    fields = (
        ("source", "trigger", "status"),
        ("started", "finished", "duration"),
        "error",
        "counts_pretty",
        "details_pretty",
    )
    extra_readonly_fields = ("started", "finished", "duration", "counts_pretty", "details_pretty")

    has_delete_permission = superusers_only

    def has_change_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if can_use_sync_tools(request.user):
            sync_url = reverse("admin:identity_sync", current_app=self.admin_site.name)
            extra_context = {**(extra_context or {}), "sync_url": sync_url}
        return super().changelist_view(request, extra_context)

    @admin.display(description="run", ordering="pk")
    def run(self, run):
        return f"#{run.pk}"

    @admin.display(description="started (UTC)", ordering="started_at")
    def started(self, run):
        return utc(run.started_at)

    @admin.display(description="finished (UTC)", ordering="finished_at")
    def finished(self, run):
        return utc(run.finished_at)

    @admin.display(description="duration", ordering="duration_seconds")
    def duration(self, run):
        return "-" if run.duration_seconds is None else f"{run.duration_seconds:.1f} s"

    @admin.display(description="counts")
    def summary(self, run):
        counts = run.counts if isinstance(run.counts, dict) else {}
        # Nested counts (e.g. per issue type) are left to the run's page.
        text = ", ".join(
            f"{key.replace('_', ' ')} {value}"
            for key, value in counts.items()
            if not isinstance(value, dict | list)
        )
        return text[:120] + "…" if len(text) > 120 else text or "-"

    @admin.display(description="error")
    def short_error(self, run):
        error = (run.error or "").strip().splitlines()
        text = error[0] if error else ""
        return text[:100] + "…" if len(text) > 100 or len(error) > 1 else text or "-"

    @admin.display(description="counts")
    def counts_pretty(self, run):
        return pretty_json(run.counts)

    @admin.display(description="details")
    def details_pretty(self, run):
        return pretty_json(run.details)
