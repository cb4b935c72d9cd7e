"""The rows shown on a campaign's admin page (CMP-13, CMP-14, CMP-58).

- entries: editable while the campaign is a draft, read-only afterwards (CMP-10, CMP-13);
- receipts: who voted and when, never what (CMP-14, CMP-22);
- the contest agent's log, read-only (CMP-58).
"""

from django.contrib import admin
from django.utils.html import format_html

from campaigns.forms import CampaignEntryForm, CampaignEntryFormSet
from campaigns.models import BallotReceipt, CampaignEntry, ContestAgentLog
from patt.admin_columns import LabelledInlineMixin


def _is_draft(obj) -> bool:
    """A new campaign (obj None) is a draft too."""
    return obj is None or obj.is_draft


class CampaignEntryInline(LabelledInlineMixin, admin.TabularInline):
    """CMP-13: name, description, image URL or upload, sort order, player, thumbnail."""

    model = CampaignEntry
    form = CampaignEntryForm
    formset = CampaignEntryFormSet
    fields = ("thumbnail", "name", "description", "image_url", "image", "sort_order", "player")
    readonly_fields = ("thumbnail",)
    autocomplete_fields = ("player",)
    extra = 3
    ordering = ("sort_order", "name")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("player")

    def get_extra(self, request, obj=None, **kwargs):
        return self.extra if _is_draft(obj) else 0

    # CMP-10: entries change only while the campaign is a draft.
    def has_add_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_delete_permission(request, obj)

    @admin.display(description="preview")
    def thumbnail(self, entry):
        """The display image (CMP-2): upload, else URL; nothing for a new row or no image."""
        source = entry.display_image if entry and entry.pk else ""
        if not source:
            return "—"
        return format_html(
            '<img src="{}" alt="{}" class="entry-thumb" width="64" height="64" loading="lazy">',
            source,
            entry.name,
        )


class ReadOnlyInline(admin.TabularInline):
    """Rows the admin only shows: nothing added, changed or deleted here."""

    extra = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class BallotReceiptInline(ReadOnlyInline):
    """CMP-14: who voted and when — never what (receipts hold no picks, CMP-3)."""

    model = BallotReceipt
    fields = ("player", "voted_at")
    verbose_name = "vote receipt"
    verbose_name_plural = "Voted (who and when — never what)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("player").order_by("voted_at", "pk")


class ContestAgentLogInline(ReadOnlyInline):
    """CMP-58: the contest agent's posts and failures for this campaign."""

    model = ContestAgentLog
    fk_name = "campaign"
    fields = (
        "created_at",
        "event_type",
        "status",
        "message",
        "discord_message_id",
        "error",
        "old_leader",
        "new_leader",
    )
    verbose_name_plural = "Contest agent log"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("old_leader", "new_leader")
