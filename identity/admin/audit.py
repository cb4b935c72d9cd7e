"""Audit issues and sync runs in the admin (IDN-17, IDN-44): read-mostly records."""

from django.contrib import admin

from identity.admin.mixins import ReadOnlyRecordMixin, YesNoFilter, link_column, superusers_only
from identity.models import AuditIssue, SyncRun


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


@admin.register(AuditIssue)
class AuditIssueAdmin(ReadOnlyRecordMixin, admin.ModelAdmin):
    """Issues found by the integrity checks (IDN-17); read-mostly.

    The checks create and resolve issues, so there is no add; deleting is left to superusers
    (an open issue deleted by hand would only come back on the next run).
    """

    list_display = (
        "summary",
        "issue_type",
        "severity",
        "character_link",
        "discord_user_link",
        "player_link",
        "first_detected_at",
        "last_detected_at",
        "is_open",
        "is_dismissed",
    )
    list_filter = ("issue_type", "severity", IssueOpenFilter, IssueDismissedFilter)
    list_select_related = ("character", "discord_user", "player")
    search_fields = ("summary",)

    has_delete_permission = superusers_only

    character_link = link_column("character", "character", "character__name_key")
    discord_user_link = link_column("discord_user", "Discord user", "discord_user__username")
    player_link = link_column("player", "player", "player__display_name")

    @admin.display(description="open", boolean=True, ordering="resolved_at")
    def is_open(self, issue):
        return issue.is_open

    @admin.display(description="dismissed", boolean=True, ordering="dismissed_at")
    def is_dismissed(self, issue):
        return issue.dismissed_at is not None


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyRecordMixin, admin.ModelAdmin):
    """One row per pipeline run (IDN-17, IDN-44); read-only, superusers may delete."""

    list_display = ("__str__", "source", "trigger", "status", "started_at", "duration", "summary")
    list_filter = ("source", "trigger", "status")
    date_hierarchy = "started_at"

    has_delete_permission = superusers_only

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="duration", ordering="duration_seconds")
    def duration(self, run):
        return "-" if run.duration_seconds is None else f"{run.duration_seconds:.1f} s"

    @admin.display(description="counts")
    def summary(self, run):
        counts = run.counts if isinstance(run.counts, dict) else {}
        text = ", ".join(f"{key.replace('_', ' ')} {value}" for key, value in counts.items())
        return text[:120] + "…" if len(text) > 120 else text or "-"
