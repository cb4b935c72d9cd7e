"""Players in the admin (IDN-10, IDN-12 … IDN-14, IDN-43, ACC-31, ACC-33).

The player page with its character rows (`identity.admin.links`), the "Link character" view,
rank edits, the "Return rank to automatic" action and "Send website invite" (action and
button). Linking, unlinking, rank changes and invites are the services'
(`identity.services.links`, `.ranks`, `.accounts`, `.invite_dm`); the website-account column
is `identity.services.invites.website_account_status`.

Changelists annotate what their columns need (counts, the newest invite), so a page costs the
same number of queries for 10 players or 1,000.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html

from identity.admin.links import LinkCharacterForm, PlayerCharacterInline
from identity.admin.mixins import (
    YesNoFilter,
    acting_player,
    change_url,
    link_column,
)
from identity.models import (
    LinkSource,
    Player,
    PlayerCharacter,
    RankSource,
    Specialization,
    WowCharacter,
)
from identity.services.accounts import sync_officer_access, sync_officer_access_for_players
from identity.services.invite_dm import send_website_invites
from identity.services.invites import (
    annotated_newest_invite,
    website_account_status,
    with_newest_invite,
)
from identity.services.links import link_character, unlink_character
from identity.services.ranks import return_ranks_to_automatic, set_manual_rank
from patt import registry
from patt.admin_columns import count_column, count_of, utc_column
from patt.refusals import Refused


class HasDiscordUserFilter(YesNoFilter):
    title = "has Discord user"
    parameter_name = "has_discord"
    lookup = "discord_user"


class HasAccountFilter(YesNoFilter):
    title = "has website account"
    parameter_name = "has_account"
    lookup = "user"


class PlayerForm(forms.ModelForm):
    """The player form. Main/off-spec are validated by `Player.clean` (IDN-13)."""

    keep_rank_automatic = forms.BooleanField(
        label="Keep rank automatic",
        required=False,
        help_text=(
            "Editing the rank makes it manual: syncs never change it again. Tick this to keep "
            "it automatic; the next sync may then change it."
        ),
    )

    class Meta:
        model = Player
        fields = [
            "display_name",
            "discord_user",
            "is_active",
            "notes",
            "guild_rank",
            "main_character",
            "main_spec",
            "offspec_character",
            "offspec_spec",
        ]


@admin.register(Player)
class PlayerAdmin(admin.ModelAdmin):
    """Players with their characters, Discord user, website account and rank (IDN-10, IDN-14)."""

    form = PlayerForm
    inlines = (PlayerCharacterInline,)
    list_display = (
        "display_name",
        "rank",
        "rank_source",
        "discord",
        "website_account",
        "main",
        "character_count",
        "is_active",
    )
    list_filter = ("guild_rank", "rank_source", "is_active", HasDiscordUserFilter, HasAccountFilter)
    list_select_related = ("guild_rank", "discord_user", "main_character")
    search_fields = ("display_name", "discord_user__username", "character_links__character__name")
    autocomplete_fields = ("discord_user",)
    # One "Website account" row on the change page (issue 11 item 14): the `user` field has
    # the same label, so showing both printed "Website account:" twice with two values.
    readonly_fields = ("rank_source", "website_account_detail", "created", "updated")
    fieldsets = (
        (None, {"fields": ("display_name", "discord_user", "is_active", "notes")}),
        ("Rank", {"fields": ("guild_rank", "keep_rank_automatic", "rank_source")}),
        (
            "Main and off-spec",
            {
                "fields": (("main_character", "main_spec"), ("offspec_character", "offspec_spec")),
                "description": "Choose among this player's own characters.",
            },
        ),
        # The section is "Account and record", so "Website account" is written once on the
        # page, as the row's label (issue 16).
        ("Account and record", {"fields": ("website_account_detail", "created", "updated")}),
    )
    actions = ("return_rank_to_automatic", "send_website_invite")

    def get_queryset(self, request):
        players = (
            super()
            .get_queryset(request)
            .annotate(character_count=count_of(PlayerCharacter, "player"))
        )
        return with_newest_invite(players)  # for the website-account column (ACC-33)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in ("main_character", "offspec_character"):
            # Only the player's own characters are offered (IDN-13); `Player.clean` still
            # checks, so a stale form cannot get round it.
            player_pk = self._player_pk(request)
            kwargs["queryset"] = (
                WowCharacter.objects.filter(link__player_id=player_pk)
                if player_pk is not None
                else WowCharacter.objects.none()  # a new player owns nothing yet
            )
        elif db_field.name in ("main_spec", "offspec_spec"):
            kwargs["queryset"] = Specialization.objects.select_related("playable_class")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @staticmethod
    def _player_pk(request) -> int | None:
        object_id = (
            request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
        )
        try:
            return int(unquote(object_id)) if object_id else None
        except ValueError:
            return None

    # columns

    @admin.display(description="rank", ordering="guild_rank__level")
    def rank(self, player):
        rank = player.guild_rank
        if rank is None:
            return "-"
        return format_html(
            '<span class="rank-badge rank-level-{}" title="Level {}">{}{}</span>',
            rank.level,
            rank.level,
            rank.name,
            " ★" if rank.is_officer else "",
        )

    discord = link_column("discord_user", "Discord user", "discord_user__username")
    created = utc_column("created_at", "created")
    updated = utc_column("updated_at", "updated")
    main = link_column("main_character", "main character", "main_character__name_key")
    character_count = count_column("character_count", "characters")

    @admin.display(description="website account")
    def website_account(self, player):
        return website_account_status(player, invite=annotated_newest_invite(player))

    @admin.display(description="website account")
    def website_account_detail(self, player):
        """The change page's one "Website account" row: ACC-33's status, and for a registered
        player the account's username ("Registered: trogdor")."""
        status = self.website_account(player)
        if player.user_id is None:
            return status
        return f"{status}: {player.user.get_username()}"

    # saving

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "guild_rank" in form.changed_data:
            if form.cleaned_data.get("keep_rank_automatic"):
                if obj.rank_source != RankSource.AUTO:
                    obj.rank_source = RankSource.AUTO
                    obj.save(update_fields=["rank_source", "updated_at"])
            else:
                set_manual_rank(player=obj, rank=obj.guild_rank)
                self.message_user(
                    request,
                    f"The rank of {obj} is now manual: syncs will not change it. Use the action "
                    f"“Return rank to automatic” to undo.",
                    messages.INFO,
                )
        if {"guild_rank", "is_active"} & set(form.changed_data):
            # ACC-36: officer access follows every rank or active change.
            sync_officer_access_for_players(player_ids=[obj.pk])

    def get_inlines(self, request, obj):
        """Our inlines, then the sections other apps contribute to the player page
        (`AdminInline` for "identity.player", e.g. roster's ROS-18). An inline whose formset
        sets `saves_itself = True` is saved by its own formset, not by the link services."""
        return (*super().get_inlines(request, obj), *registry.inlines_for("identity.player"))

    def save_formset(self, request, form, formset, change):
        """Character rows go through the link services (IDN-12, IDN-43)."""
        if formset.model is not PlayerCharacter or getattr(formset, "saves_itself", False):
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)
        for link in formset.deleted_objects:
            unlink_character(link=link)
            self.message_user(
                request,
                f"Unlinked {link.character} from {form.instance}; automatic matching will not "
                f"link it again.",
                messages.SUCCESS,
            )
        for link in formset.new_objects:
            # Refused only when a concurrent link won the race after the form was validated.
            self._link_manually(request, form.instance, link.character)
        return None

    def delete_model(self, request, obj):
        user = obj.user
        super().delete_model(request, obj)
        if user is not None:
            sync_officer_access(user)  # ACC-36: a user without a player is no officer

    def delete_queryset(self, request, queryset):
        users = list(get_user_model().objects.filter(player__in=queryset))
        super().delete_queryset(request, queryset)
        for user in users:
            sync_officer_access(user)

    # actions and views

    @admin.action(description="Return rank to automatic", permissions=["change"])
    def return_rank_to_automatic(self, request, queryset):
        """IDN-14: `auto` again, then recomputed from characters and Discord."""
        player_ids = list(queryset.values_list("pk", flat=True))
        changes = return_ranks_to_automatic(player_ids=player_ids)
        self.message_user(
            request,
            f"Returned {len(player_ids)} players to automatic rank; {len(changes)} ranks changed.",
            messages.SUCCESS,
        )

    @admin.action(description="Send website invite (Discord DM)", permissions=["change"])
    def send_website_invite(self, request, queryset):
        """ACC-31: codes now, DMs queued; one message per player."""
        self._send_website_invites(request, queryset)

    def send_invite_view(self, request, object_id):
        """ACC-31's "Send website invite" button: the action for this one player (POST)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        player = self.get_object(request, unquote(object_id))
        if player is None:
            raise Http404("No such player.")
        if not self.has_change_permission(request, player):
            raise PermissionDenied
        self._send_website_invites(request, [player])
        return redirect(change_url(player))

    def _send_website_invites(self, request, players) -> None:
        for level, text in send_website_invites(players, acting_player=acting_player(request)):
            self.message_user(request, text, level)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/link-character/",
                self.admin_site.admin_view(self.link_character_view),
                name="{}_{}_link_character".format(*info),
            ),
            path(
                "<path:object_id>/send-invite/",
                self.admin_site.admin_view(self.send_invite_view),
                name="{}_{}_send_invite".format(*info),
            ),
            *super().get_urls(),
        ]

    def link_character_view(self, request, object_id):
        """IDN-43 "Link character": a manual, high, confirmed link; refused if owned."""
        player = self.get_object(request, unquote(object_id))
        if player is None:
            raise Http404("No such player.")
        if not self.has_change_permission(request, player):
            raise PermissionDenied
        form = LinkCharacterForm(request.POST or None, admin_site=self.admin_site)
        if request.method == "POST" and form.is_valid():
            character = form.cleaned_data["character"]
            if self._link_manually(request, player, character):
                self.log_change(request, player, f"Linked character {character}.")
                self.message_user(request, f"Linked {character} to {player}.", messages.SUCCESS)
                return redirect(change_url(player))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Link a character to {player}",
            "subtitle": None,
            "opts": self.opts,
            "original": player,
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/identity/player/link_character.html", context)

    def _link_manually(self, request, player, character) -> bool:
        """A manual link made by the acting officer (IDN-43).

        False, with the refusal shown as a message, when the character is already linked.
        """
        try:
            link_character(
                player=player,
                character=character,
                source=LinkSource.MANUAL,
                linked_by=acting_player(request),
            )
        except Refused as refused:
            self.message_user(request, refused.message, messages.ERROR)
            return False
        return True
