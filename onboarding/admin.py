"""The officer admin of onboarding sessions (ONB-60, basics).

Officers view and change sessions (onboarding/contributions.py). The detail page is read-only
except `resolution_note`, with the timeline inline, newest first. The actions (ONB-61) and the
"Run checker now" button (ONB-62) are not built yet.
"""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from onboarding.models import CLOSED_STATES, OnboardingEvent, OnboardingSession


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


@admin.register(OnboardingSession)
class OnboardingSessionAdmin(admin.ModelAdmin):
    list_display = (
        "discord_user",
        "state",
        "is_in_guild",
        "reported_main_name",
        "main_character",
        "player",
        "verification_attempts",
        "prompted_at",
        "deadline_at",
        "escalated_at",
        "updated_at",
    )
    list_filter = ("state", OpenClosedFilter, "is_in_guild", "created_at")
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

    def get_readonly_fields(self, request, obj=None):
        # ONB-60: read-only except the officer's note; state changes go through the services.
        return [f.name for f in self.model._meta.fields if f.name != "resolution_note"]

    def has_add_permission(self, request) -> bool:
        return False  # sessions come from joins and DMs (ONB-8, ONB-13)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a session is the member's history; Dismiss closes it (ONB-61)
