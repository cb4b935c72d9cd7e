"""Character links in the admin (IDN-11, IDN-12, IDN-43).

The character rows of the player page, the form of its "Link character" view, and the admin
of the links themselves. Links change only through `identity.services.links`.
"""

from operator import attrgetter

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError

from identity.admin.characters import realm_of
from identity.admin.mixins import ReadOnlyRecordMixin, acting_player, admin_link, link_column
from identity.models import Player, PlayerCharacter, WowCharacter
from identity.services.links import already_linked_message, confirm_link, unlink_character
from patt.admin_columns import LabelledInlineMixin, utc_column

# --- the player's character rows (IDN-12, IDN-43) --------------------------------------------


class CharacterLinkInlineForm(forms.ModelForm):
    """A character row under a player. New rows are linked by the service (IDN-12)."""

    class Meta:
        model = PlayerCharacter
        fields = ["character"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # An existing link is changed only by Unlink (delete) or Confirm, never re-pointed.
            self.fields["character"].disabled = True

    def clean_character(self):
        character = self.cleaned_data["character"]
        if self.instance.pk:
            return character
        owner = Player.objects.filter(character_links__character=character).first()
        if owner is not None:
            raise ValidationError(already_linked_message(character, owner=owner))
        return character


def character_column(description: str, value, *, boolean: bool = False):
    """An inline column showing `value(character)` of a saved link; blank on a new row."""

    @admin.display(description=description, boolean=boolean)
    def column(self, link):
        if not link.pk:  # the empty row of a link being added has no character yet
            return None if boolean else "-"
        return value(link.character)

    return column


class PlayerCharacterInline(LabelledInlineMixin, admin.TabularInline):
    """The player's characters. Adding links manually and deleting unlinks (IDN-43)."""

    model = PlayerCharacter
    fk_name = "player"
    form = CharacterLinkInlineForm
    autocomplete_fields = ("character",)
    # Source, confidence and confirmation change only through the services: a row added here
    # is a manual link (high, confirmed); "Confirm" lives on the character-link admin.
    readonly_fields = (
        "character_page",
        "realm",
        "character_class",
        "character_rank",
        "in_guild",
        "link_source",
        "confidence",
        "confirmed",
    )
    fields = ("character", *readonly_fields)
    extra = 0
    verbose_name = "character"
    verbose_name_plural = "characters (deleting a row unlinks the character)"

    character_page = character_column("open", admin_link)
    realm = character_column("realm", realm_of)
    character_class = character_column("class", lambda c: c.playable_class or "-")
    character_rank = character_column("rank", lambda c: c.guild_rank or "-")
    in_guild = character_column("in guild", attrgetter("in_guild"), boolean=True)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("character__playable_class", "character__guild_rank")
        )


class LinkCharacterForm(forms.Form):
    """Pick a character for "Link character"; the autocomplete offers unlinked ones."""

    character = forms.ModelChoiceField(queryset=WowCharacter.objects.all())

    def __init__(self, *args, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["character"]
        field.widget = AutocompleteSelect(PlayerCharacter._meta.get_field("character"), admin_site)
        field.widget.choices = field.choices  # the widget reads the selected option from them


# --- character links (IDN-11, IDN-43) -------------------------------------------------------


@admin.register(PlayerCharacter)
class PlayerCharacterAdmin(ReadOnlyRecordMixin, admin.ModelAdmin):
    """Links between players and characters; changed only by Confirm and Unlink (IDN-43).

    New links are made from the player page (inline or "Link character"), so there is no add
    here, and the delete button is replaced by "Unlink", which also clears main/off-spec and
    blocks automatic matching.
    """

    list_display = (
        "character_link",
        "player_link",
        "link_source",
        "confidence",
        "confirmed",
        "linked_at_utc",
        "linked_by",
    )
    linked_at_utc = utc_column("linked_at", "linked")
    list_filter = ("link_source", "confidence", "confirmed")
    list_select_related = ("character", "player", "linked_by")
    search_fields = ("character__name", "player__display_name")
    actions = ("confirm", "unlink")

    character_link = link_column("character", "character", "character__name_key")
    player_link = link_column("player", "player", "player__display_name")

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Confirm selected links", permissions=["change"])
    def confirm(self, request, queryset):
        """IDN-43 "Confirm": confirmed, high, confirmed_at/_by set."""
        confirmed_by = acting_player(request)
        pending = [link for link in queryset if not link.confirmed]
        for link in pending:
            confirm_link(link=link, confirmed_by=confirmed_by)
            self.log_change(request, link, "Confirmed.")
        skipped = len(queryset) - len(pending)
        message = f"Confirmed {len(pending)} links."
        if skipped:
            message += f" {skipped} were already confirmed."
        self.message_user(request, message, messages.SUCCESS)

    @admin.action(description="Unlink selected characters", permissions=["change"])
    def unlink(self, request, queryset):
        """IDN-43 "Unlink": clears main/off-spec, blocks automatch, recomputes the rank."""
        links = list(queryset.select_related("player", "character"))
        for link in links:
            unlink_character(link=link)
            # The link row is gone; the player's history keeps who unlinked what.
            self.log_change(request, link.player, f"Unlinked character {link.character}.")
        self.message_user(
            request,
            f"Unlinked {len(links)} characters: "
            f"{', '.join(f'{link.character} from {link.player}' for link in links)}. "
            "Automatic matching will not link them again.",
            messages.SUCCESS,
        )
