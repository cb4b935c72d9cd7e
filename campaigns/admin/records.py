"""Ballots and the contest agent's log in the admin: look, never touch (CMP-16, CMP-20, CMP-58).

Secret ballots (CMP-22) are not listed at all — not in the list, not by their address, not in
a filter — so no admin screen can put a name next to secret picks.
"""

from django.contrib import admin
from django.db.models import Prefetch
from django.utils.text import Truncator

from campaigns.models import Ballot, BallotPick, ContestAgentLog
from patt.admin_columns import utc_column


class ViewOnlyAdmin(admin.ModelAdmin):
    """No add, change or delete, for superusers too (CMP-16, CMP-20, CMP-58)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Ballot)
class BallotAdmin(ViewOnlyAdmin):
    """CMP-16: non-secret ballots — campaign, voter, cast time, picks."""

    list_display = ("cast_at_utc", "campaign", "voter", "picks_text")
    cast_at_utc = utc_column("cast_at", "cast")
    list_filter = (("campaign", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("campaign", "voter")
    search_fields = ("voter__display_name", "campaign__title")
    fields = ("campaign", "voter", "cast_at", "picks_text")
    readonly_fields = fields
    ordering = ("-cast_at",)

    def get_queryset(self, request):
        """Secret campaigns' ballots are not part of the admin at all (CMP-22)."""
        picks = BallotPick.objects.select_related("entry").order_by("rank")
        return (
            super()
            .get_queryset(request)
            .filter(campaign__secret_ballot=False, cast_at__isnull=False)
            .prefetch_related(Prefetch("picks", queryset=picks))
        )

    @admin.display(description="picks")
    def picks_text(self, ballot):
        return ", ".join(f"{pick.rank}. {pick.entry.name}" for pick in ballot.picks.all())


@admin.register(ContestAgentLog)
class ContestAgentLogAdmin(ViewOnlyAdmin):
    """CMP-58: every post the agent tried, filterable by campaign, event and status."""

    list_display = (
        "created_at_utc",
        "campaign",
        "event_type",
        "status",
        "short_message",
        "discord_message_id",
        "short_error",
    )
    created_at_utc = utc_column("created_at", "created")
    list_filter = ("campaign", "event_type", "status")
    list_select_related = ("campaign",)
    search_fields = ("message", "error", "campaign__title")
    fields = (
        "campaign",
        "event_type",
        "status",
        "created_at",
        "message",
        "discord_message_id",
        "error",
        "old_leader",
        "new_leader",
    )
    readonly_fields = fields

    @admin.display(description="message")
    def short_message(self, log):
        return Truncator(log.message).chars(80)

    @admin.display(description="error")
    def short_error(self, log):
        return Truncator(log.error).chars(60)
