"""WoW characters in the admin (IDN-8, IDN-9): as the syncs see them, with their name history.

Officers may only block automatic matching; every synced field is read-only. Officers may
delete a character (issue 11 item 17): the confirmation page says what goes with it, and the
delete goes through the link service, so the owner's main/off-spec and rank follow (IDN-13).
"""

from django.contrib import admin
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.utils import unquote
from django.db import transaction
from django.db.models import Q
from django.template.response import TemplateResponse
from django.utils.html import format_html

from identity.admin.mixins import YesNoFilter, admin_link, superusers_only
from identity.models import (
    AuditIssue,
    CharacterNameHistory,
    Player,
    PlayerCharacter,
    RankSource,
    WowCharacter,
)
from identity.services.links import clear_main_and_offspec, unlink_character
from patt.admin_columns import utc_column

# Rows that belong to a character and go with it. Their own admins refuse deleting them one by
# one (links are unlinked, history is never edited), which would otherwise make Django's
# confirmation page refuse the character's delete for lack of those permissions.
DELETED_WITH_A_CHARACTER = (PlayerCharacter, CharacterNameHistory, AuditIssue)


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

    Syncs create characters and never delete them, so adding is reserved to superusers
    (repairs). Officers (the Officers group's delete permission, ACC-38) may delete one, with
    a confirmation that names what goes with it (issue 11 item 17).
    """

    # Six columns that fit 1366 px without clipping (issue 16): the realm under the name,
    # level and item level together, "left the guild" in the rank column, the owner's link
    # with how it was linked below it; the sync times are on the character's page.
    list_display = (
        "name_and_realm",
        "character_class",
        "level_and_item_level",
        "rank_in_guild",
        "owner",
        "last_login",
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

    has_add_permission = superusers_only
    delete_confirmation_template = "admin/identity/wowcharacter/delete_confirmation.html"
    delete_selected_confirmation_template = (
        "admin/identity/wowcharacter/delete_selected_confirmation.html"
    )

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

    @admin.display(description="character", ordering="name_key")
    def name_and_realm(self, character):
        return format_html(
            '<span class="character-name">{}</span><br><span class="quiet">{}</span>',
            character.name,
            realm_of(character),
        )

    @admin.display(description="level · ilvl", ordering="level")
    def level_and_item_level(self, character):
        level = "-" if character.level is None else character.level
        item_level = "-" if character.item_level is None else character.item_level
        return f"{level} · {item_level}"

    @admin.display(description="guild rank", ordering="guild_rank__level")
    def rank_in_guild(self, character):
        if not character.in_guild:
            return format_html('<span class="quiet">{}</span>', "Left the guild")
        return character.guild_rank.name if character.guild_rank else "-"

    last_login = utc_column("last_login_at", "last login")

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
            '{}<br><span class="quiet">{}, {}, {}</span>',
            admin_link(link.player),
            link.get_link_source_display(),
            link.get_confidence_display().lower(),
            "confirmed" if link.confirmed else "unconfirmed",
        )

    # deleting (issue 11 item 17)

    def get_deleted_objects(self, objs, request):
        """Django's list of what goes with the characters, without asking for permissions on
        the rows a character owns (`DELETED_WITH_A_CHARACTER`): deleting the character is the
        decision, and `delete_model` unlinks it through the link service."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        owned = {model._meta.verbose_name for model in DELETED_WITH_A_CHARACTER}
        return deleted, counts, perms_needed - owned, protected

    def delete_view(self, request, object_id, extra_context=None):
        character = self.get_object(request, unquote(object_id))
        extra_context = {
            **(extra_context or {}),
            "character_consequences": deletion_consequences([character] if character else []),
        }
        return super().delete_view(request, object_id, extra_context)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            _, name, description = actions["delete_selected"]
            actions[name] = (WowCharacterAdmin.delete_selected_characters, name, description)
        return actions

    def delete_selected_characters(self, request, queryset):
        """Django's bulk delete, its confirmation page also saying what goes with them."""
        response = delete_selected(self, request, queryset)
        if isinstance(response, TemplateResponse):
            response.context_data["character_consequences"] = deletion_consequences(queryset)
        return response

    def delete_model(self, request, obj):
        delete_character(obj)

    def delete_queryset(self, request, queryset):
        for character in queryset:
            delete_character(character)


def delete_character(character: WowCharacter) -> None:
    """Delete a character the way it leaves its player first (IDN-13, IDN-43 "Unlink").

    The owner's link goes through `unlink_character` (main/off-spec cleared, rank recomputed,
    officer access following it); any other player still pointing at it as main/off-spec is
    cleared too, so the spec-needs-character constraints hold. Name history and audit issues
    go with the character (CASCADE).
    """
    with transaction.atomic():
        link = PlayerCharacter.objects.select_related("player").filter(character=character).first()
        if link is not None:
            unlink_character(link=link)
        pointing = Player.objects.filter(
            Q(main_character=character) | Q(offspec_character=character)
        )
        for player in pointing:
            clear_main_and_offspec(player=player, character=character)
        character.delete()


def deletion_consequences(characters) -> list[str]:
    """What deleting `characters` does besides the rows Django lists (issue 11 item 17)."""
    characters = list(characters)
    links = {
        link.character_id: link
        for link in PlayerCharacter.objects.select_related("player").filter(
            character__in=characters
        )
    }
    lines = []
    for character in characters:
        link = links.get(character.pk)
        if link is not None:
            player = link.player
            lines.append(f"{character} is unlinked from {player}.")
            if player.main_character_id == character.pk:
                lines.append(f"{player} has no main character until one is chosen again.")
            if player.offspec_character_id == character.pk:
                lines.append(f"{player} has no off-spec character until one is chosen again.")
            if link.on_raid_roster:
                lines.append(f"{character} leaves {player}'s raid roster.")
            if player.rank_source == RankSource.AUTO:
                lines.append(f"{player}'s rank is worked out again from their other characters.")
        if character.in_guild:
            lines.append(
                f"{character} is still in the guild: the next Blizzard sync adds it back as a "
                f"new, unlinked character."
            )
    return lines
