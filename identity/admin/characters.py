"""WoW characters in the admin (IDN-8, IDN-9): as the syncs see them, with their name history.

Officers may only block automatic matching; every synced field is read-only.
"""

from django.contrib import admin
from django.utils.html import format_html

from identity.admin.mixins import YesNoFilter, admin_link, superusers_only
from identity.models import CharacterNameHistory, WowCharacter


def realm_of(character: WowCharacter) -> str:
    """The realm as officers read it: its name, or its slug before a sync named it."""
    return character.realm_name or character.realm_slug


def autocomplete_for_new_link(request) -> bool:
    """True for the autocomplete that picks the character of a new PlayerCharacter link."""
    match = request.resolver_match
    return (
        match is not None
        and match.url_name == "autocomplete"
        and request.GET.get("app_label") == "identity"
        and request.GET.get("model_name") == "playercharacter"
        and request.GET.get("field_name") == "character"
    )


class LinkedFilter(YesNoFilter):
    title = "linked to a player"
    parameter_name = "linked"
    lookup = "link"
    yes, no = ("yes", "Linked"), ("no", "Unlinked")


class CharacterNameHistoryInline(admin.TabularInline):
    """Every name/realm change a sync made (IDN-9); history is never edited."""

    model = CharacterNameHistory
    fields = ("changed_at", "old_name", "old_realm_slug", "new_name", "new_realm_slug", "reason")
    readonly_fields = fields
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WowCharacter)
class WowCharacterAdmin(admin.ModelAdmin):
    """Characters as the syncs see them. Officers may only block automatic matching (IDN-8).

    Syncs create characters and never delete them, so adding and deleting are reserved to
    superusers (repairs).
    """

    list_display = (
        "name",
        "realm",
        "character_class",
        "level",
        "item_level",
        "guild_rank",
        "in_guild",
        "owner",
        "last_login_at",
        "last_blizzard_sync_at",
    )
    list_filter = (
        "in_guild",
        "playable_class",
        "guild_rank",
        "realm_slug",
        LinkedFilter,
        "automatch_blocked",
    )
    list_select_related = ("playable_class", "guild_rank", "link__player")
    search_fields = ("name", "realm_slug", "realm_name", "guild_note", "officer_note")
    inlines = (CharacterNameHistoryInline,)
    fieldsets = (
        (
            "Character",
            {
                "fields": (
                    "name",
                    ("realm_name", "realm_slug"),
                    ("playable_class", "active_spec"),
                    ("level", "item_level"),
                    "race",
                )
            },
        ),
        (
            "Guild",
            {
                "fields": (
                    ("guild_rank", "guild_rank_index"),
                    "in_guild",
                    "guild_note",
                    "officer_note",
                    ("first_seen_at", "left_guild_at"),
                )
            },
        ),
        ("Owner", {"fields": ("owner", "automatch_blocked")}),
        (
            "Sync",
            {
                "fields": (
                    "blizzard_id",
                    "last_login_at",
                    ("last_blizzard_sync_at", "last_addon_sync_at"),
                )
            },
        ),
    )

    has_add_permission = has_delete_permission = superusers_only

    def get_readonly_fields(self, request, obj=None):
        if obj is None:  # a superuser's repair: everything is typed in
            return ("owner",)
        return (*WowCharacter.SYNCED_FIELDS, "owner")

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if autocomplete_for_new_link(request):
            # Picking a character to link: offer the unlinked ones (IDN-12 refuses the others).
            queryset = queryset.filter(link__isnull=True)
        return queryset, may_have_duplicates

    @admin.display(description="realm", ordering="realm_slug")
    def realm(self, character):
        return realm_of(character)

    @admin.display(description="class", ordering="playable_class__name")
    def character_class(self, character):
        playable_class = character.playable_class
        if playable_class is None:
            return "-"
        # A CSS class, not a style attribute: the CSP forbids inline styles.
        return format_html('<span class="{}">{}</span>', playable_class.css_class, playable_class)

    @admin.display(description="owner", ordering="link__player__display_name")
    def owner(self, character):
        link = getattr(character, "link", None)
        if link is None:
            return "-"
        return format_html(
            "{} ({}, {}{})",
            admin_link(link.player),
            link.get_link_source_display(),
            link.get_confidence_display(),
            ", confirmed" if link.confirmed else ", unconfirmed",
        )
