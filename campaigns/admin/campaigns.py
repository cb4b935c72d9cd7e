"""Campaigns in the admin (CMP-10 … CMP-15).

Officers create and edit drafts here (form and entries: `campaigns.forms`), then move them
through their lifecycle with the CMP-15 actions, which are the lifecycle services
(`campaigns.services.lifecycle`) behind a confirm page. Once a campaign has left draft its page
is read-only: settings locked, the participation line, receipts (who and when, never what), the
players still to vote and the agent log; never live standings (CMP-14). A secret campaign's
voters are a plain list of names in alphabetical order — no times, no receipt ids, nothing
that gives the order of the votes (CMP-22).

The changelist annotates everything its columns need — entry count, receipts, eligible
players without a receipt, the status order — so a page costs the same number of queries for
10 campaigns or 1,000.
"""

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Value, When
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from campaigns.admin.actions import ACTIONS, CampaignAction, buttons_for
from campaigns.admin.inlines import BallotReceiptInline, CampaignEntryInline, ContestAgentLogInline
from campaigns.forms import CampaignForm
from campaigns.models import (
    DRAFT_ONLY_DELETE,
    BallotReceipt,
    Campaign,
    CampaignEntry,
    CampaignStatus,
)
from campaigns.services.lifecycle import activation_warning, close_if_due, next_full_hour_plus_24h
from campaigns.services.scoring import final_results
from campaigns.services.stats import (
    VoteStats,
    count_of_rows,
    display_stats,
    eligible_at_level,
    players_not_voted,
    snapshot_stats,
)
from identity.admin.mixins import acting_player, change_url
from patt.admin_columns import count_of, utc_html
from patt.templatetags.patt_tags import utc_text

# CMP-11: live first, then drafts, closed and archived.
STATUS_ORDER = Case(
    When(status=CampaignStatus.LIVE, then=Value(0)),
    When(status=CampaignStatus.DRAFT, then=Value(1)),
    When(status=CampaignStatus.CLOSED, then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)

SETTINGS_FIELDS = (
    "title",
    "description",
    "picks_per_voter",
    "min_rank_to_vote",
    "min_rank_to_view",
    "secret_ballot",
    "start_at",
    "duration_hours",
    "end_at",
    "early_close_if_all_voted",
    "agent_enabled",
    "agent_chattiness",
    "discord_channel_id",
)


def eligible_without_receipt():
    """Per campaign row: players eligible now (CMP-28) with no receipt in it, as a subquery.

    The rule itself stays in `campaigns.services.stats`, handed the outer row's vote level.
    """
    receipts = BallotReceipt.objects.filter(
        campaign_id=OuterRef(OuterRef("pk")), player_id=OuterRef("pk")
    )
    players = eligible_at_level(OuterRef("min_rank_to_vote")).filter(~Exists(receipts))
    return count_of_rows(players)


DELETED_PLAYER = "(deleted player)"


def secret_voter_names(campaign) -> list[str]:
    """CMP-22: who voted in a secret campaign — display names in alphabetical order, without
    times or receipt ids (one query). A deleted player's receipt shows as "(deleted player)"."""
    names = BallotReceipt.objects.filter(campaign=campaign).values_list(
        "player__display_name", flat=True
    )
    return sorted(
        (name or DELETED_PLAYER for name in names), key=lambda name: (name.casefold(), name)
    )


def changelist_action(action: CampaignAction):
    """A changelist action for `action`: the confirm page first, then one message per campaign."""

    def run(modeladmin, request, queryset):
        return modeladmin.run_changelist_action(request, action, queryset)

    run.__name__ = action.name
    run.short_description = action.label
    run.allowed_permissions = ("change",)
    return run


class CampaignStatusFilter(admin.SimpleListFilter):
    """CMP-11: every status but archived by default; archived only when asked for."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return CampaignStatus.choices

    def queryset(self, request, queryset):
        if self.value() in CampaignStatus.values:
            return queryset.filter(status=self.value())
        return queryset.exclude(status=CampaignStatus.ARCHIVED)


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    """CMP-11 … CMP-15: the campaign list, the draft form and the read-only page after it."""

    form = CampaignForm
    change_form_template = "admin/campaigns/campaign/change_form.html"
    list_display = (
        "title",
        "status_badge",
        "start",
        "end",
        "duration",
        "entries",
        "votes",
        "agent_chattiness",
        "warnings",
    )
    list_filter = (CampaignStatusFilter, "secret_ballot", "agent_enabled")
    search_fields = ("title",)
    actions = ("delete_selected", *(changelist_action(a) for a in ACTIONS.values()))
    draft_fieldsets = (
        (None, {"fields": ("title", "description")}),
        ("Voting", {"fields": ("picks_per_voter", "min_rank_to_vote", "min_rank_to_view")}),
        ("Schedule", {"fields": ("start_at", "duration_hours", "early_close_if_all_voted")}),
        ("Privacy", {"fields": ("secret_ballot",)}),
        (
            "Contest agent",
            {"fields": ("agent_enabled", "agent_chattiness", "discord_channel_id")},
        ),
    )

    class Media:
        css = {"all": ["campaigns/admin-campaigns.css"]}

    # --- queryset and permissions -------------------------------------------------------

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                status_rank=STATUS_ORDER,
                entry_count=count_of(CampaignEntry, "campaign"),
                voted_count=count_of(BallotReceipt, "campaign"),
                unvoted_eligible=eligible_without_receipt(),
            )
        )

    def get_ordering(self, request):
        return (STATUS_ORDER.asc(), F("start_at").desc())

    def has_change_permission(self, request, obj=None):
        """CMP-10: settings change only in draft; other campaigns' pages are read-only."""
        return super().has_change_permission(request, obj) and (obj is None or obj.is_draft)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or obj.is_draft)

    def can_run_actions(self, request) -> bool:
        return super().has_change_permission(request)

    # --- changelist columns ---------------------------------------------------------------

    @admin.display(description="status", ordering="status_rank")
    def status_badge(self, campaign):
        return format_html(
            '<span class="campaign-status status-{}">{}</span>',
            campaign.status,
            campaign.get_status_display(),
        )

    # UTC ("Mar 1, 2026 21:00", ACC-4), with the viewer's local time beside it (issue 16:
    # a <time data-local> that static/js/admin-local-time.js completes).
    @admin.display(description="start (UTC)", ordering="start_at")
    def start(self, campaign):
        return utc_html(campaign.start_at, text=utc_text(campaign.start_at).removesuffix(" UTC"))

    @admin.display(description="end (UTC)", ordering="end_at")
    def end(self, campaign):
        return utc_html(campaign.end_at, text=utc_text(campaign.end_at).removesuffix(" UTC"))

    @admin.display(description="duration", ordering="duration_hours")
    def duration(self, campaign):
        return f"{campaign.duration_hours} h"

    @admin.display(description="entries", ordering="entry_count")
    def entries(self, campaign):
        return campaign.entry_count

    @admin.display(description="votes")
    def votes(self, campaign):
        """CMP-11 "X / Y" (voted / eligible): the close snapshot once closed (CMP-30)."""
        stats = self._list_stats(campaign)
        return "—" if stats is None else f"{stats.total_voted} / {stats.total_eligible}"

    @staticmethod
    def _list_stats(campaign) -> VoteStats | None:
        if campaign.is_draft:
            return None
        if campaign.is_finished:
            snapshot = snapshot_stats(campaign)
            if snapshot is not None:
                return snapshot
        voted, missing = campaign.voted_count, campaign.unvoted_eligible
        return VoteStats.build(
            voted=voted, eligible=voted + missing, all_voted=voted + missing > 0 and not missing
        )

    @admin.display(description="⚠")
    def warnings(self, campaign):
        """CMP-7's marker for a draft that is due but cannot go live."""
        marker = activation_warning(campaign)
        return format_html('<span class="campaign-warning">{}</span>', marker) if marker else ""

    # --- the change page ------------------------------------------------------------------

    def get_changeform_initial_data(self, request):
        """CMP-12: start = next full hour + 24 h; the other initial values are model defaults."""
        return {
            "start_at": next_full_hour_plus_24h(),
            **super().get_changeform_initial_data(request),
        }

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.draft_fieldsets
        if obj.is_draft:
            return (
                *self.draft_fieldsets,
                ("Record", {"fields": ("status", "end_at", "created_by", "created_at")}),
            )
        return (
            (f"Settings locked while {obj.status}.", {"fields": SETTINGS_FIELDS}),
            (
                "Status",
                {
                    "fields": (
                        "status",
                        "participation",
                        "closed_at",
                        "close_reason",
                        "created_by",
                        "created_at",
                    )
                },
            ),
            *((("Final results", {"fields": ("final_standings",)}),) if obj.is_finished else ()),
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        if obj.is_draft:
            return ("status", "end_at", "created_by", "created_at")
        return (
            *SETTINGS_FIELDS,
            "status",
            "participation",
            "closed_at",
            "close_reason",
            "created_by",
            "created_at",
            "final_standings",
        )

    def get_inlines(self, request, obj):
        if obj is None or obj.is_draft:
            return (CampaignEntryInline,)
        if obj.secret_ballot:
            # CMP-22: voters by name only (`voted_names`), not the receipts inline, whose rows
            # carry the time and the id (the order of the votes).
            return (CampaignEntryInline, ContestAgentLogInline)
        return (CampaignEntryInline, BallotReceiptInline, ContestAgentLogInline)

    @admin.display(description="votes")
    def participation(self, campaign):
        """CMP-14: "X of Y eligible members voted (P%)" (snapshot once closed, CMP-30)."""
        stats = display_stats(campaign)
        if stats is None:
            return "—"
        return (
            f"{stats.total_voted} of {stats.total_eligible} eligible members voted "
            f"({stats.percent_voted:.1f}%)"
        )

    @admin.display(description="final results")
    def final_standings(self, campaign):
        """Closed and archived only: the CMP-4 rows. Live standings are never shown (CMP-14)."""
        if not campaign.is_finished:
            return "—"
        rows = final_results(campaign)
        if not rows:
            return "No entries."
        return format_html(
            '<ol class="campaign-results">{}</ol>',
            format_html_join(
                "",
                "<li>{} {} — {} pts{}</li>",
                ((s.marker, s.entry.name, s.points, " (winner)" if s.winner else "") for s in rows),
            ),
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        campaign = self.get_object(request, unquote(object_id))
        context = dict(extra_context or {})
        if campaign is not None:
            campaign = close_if_due(campaign)  # CMP-9: a due campaign closes before we answer
            context.update(self._campaign_context(request, campaign))
        return super().change_view(request, object_id, form_url, context)

    def _campaign_context(self, request, campaign) -> dict:
        context = {
            "campaign_page_url": f"/vote/{campaign.pk}",
            "campaign_buttons": [
                (action, self._action_url(campaign, action)) for action in buttons_for(campaign)
            ]
            if self.can_run_actions(request)
            else [],
        }
        if not campaign.is_draft:
            context["locked_heading"] = f"Settings locked while {campaign.status}."
            if campaign.secret_ballot:
                context["secret_voters"] = True
                context["voted_names"] = secret_voter_names(campaign)
            context["not_voted"] = list(
                players_not_voted(campaign)
                .select_related("guild_rank")
                .order_by("display_name", "pk")
            )
        return context

    def changelist_view(self, request, extra_context=None):
        """CMP-9: live campaigns past their end close before the list is drawn."""
        due = Campaign.objects.filter(status=CampaignStatus.LIVE, end_at__lte=timezone.now())
        for campaign in due:
            close_if_due(campaign)
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = acting_player(request)  # CMP-12: the acting officer's Player
        super().save_model(request, obj, form, change)

    # --- deleting: drafts only (CMP-10) ---------------------------------------------------

    def delete_view(self, request, object_id, extra_context=None):
        campaign = self.get_object(request, unquote(object_id))
        if campaign is not None and not campaign.is_draft:
            if not super().has_delete_permission(request):
                raise PermissionDenied
            self.message_user(request, DRAFT_ONLY_DELETE, messages.ERROR)
            return redirect(change_url(campaign, current_app=self.admin_site.name))
        return super().delete_view(request, object_id, extra_context)

    @admin.action(description="Delete selected draft campaigns", permissions=["delete"])
    def delete_selected(self, request, queryset):
        """Nothing is deleted while any selected campaign has left draft (CMP-10)."""
        locked = [campaign for campaign in queryset if not campaign.is_draft]
        if locked:
            for campaign in locked:
                self.message_user(request, f"“{campaign}”: {DRAFT_ONLY_DELETE}", messages.ERROR)
            return None
        return delete_selected(self, request, queryset)

    # --- CMP-15 actions: changelist actions and change-page buttons -----------------------

    def run_changelist_action(self, request, action: CampaignAction, queryset):
        if request.POST.get("post") != "yes":
            return self._confirm_page(request, action, list(queryset), from_changelist=True)
        for campaign in queryset:
            self._run(request, action, campaign)
        return None

    def _run(self, request, action: CampaignAction, campaign):
        level, text = action.run(campaign, request)
        self.message_user(request, text, level)
        if level == messages.SUCCESS:
            self.log_change(request, campaign, f"{action.label}: {text}")

    def _confirm_page(self, request, action, campaigns, *, from_changelist):
        context = {
            **self.admin_site.each_context(request),
            "title": f"{action.label}?",
            "subtitle": None,
            "opts": self.opts,
            "action": action,
            "items": [(campaign, action.confirm(campaign)) for campaign in campaigns],
            "from_changelist": from_changelist,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "cancel_url": (
                reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
                if from_changelist
                else change_url(campaigns[0], current_app=self.admin_site.name)
            ),
        }
        return TemplateResponse(
            request, "admin/campaigns/campaign/action_confirmation.html", context
        )

    def _action_url(self, campaign, action: CampaignAction) -> str:
        return reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_action",
            args=[campaign.pk, action.name],
            current_app=self.admin_site.name,
        )

    def get_urls(self):
        return [
            path(
                "<path:object_id>/action/<str:action_name>/",
                self.admin_site.admin_view(self.action_view),
                name=f"{self.opts.app_label}_{self.opts.model_name}_action",
            ),
            *super().get_urls(),
        ]

    def action_view(self, request, object_id, action_name):
        """A change-page button: GET shows the confirm page, POST (with CSRF) runs the action."""
        action = ACTIONS.get(action_name)
        campaign = self.get_object(request, unquote(object_id))
        if action is None or campaign is None:
            raise Http404("No such campaign or action.")
        if not self.can_run_actions(request):
            raise PermissionDenied
        if request.method != "POST":
            return self._confirm_page(request, action, [campaign], from_changelist=False)
        self._run(request, action, campaign)
        return redirect(change_url(campaign, current_app=self.admin_site.name))
