"""Reference data and the rank ladder in the admin (IDN-1 … IDN-6).

Roles, classes and specs are editable and never deleted while in use (IDN-1). Ladder edits
re-resolve every rank, and a rank in use is refused with its counts (IDN-6).
"""

from django.contrib import admin, messages

from identity.admin.mixins import RefuseDeleteInUseMixin
from identity.models import GuildRank, PlayableClass, Player, Role, Specialization, WowCharacter
from identity.services.ranks import rank_usage, resolve_ladder
from patt.admin_columns import count_column, count_of


@admin.register(Role)
class RoleAdmin(RefuseDeleteInUseMixin, admin.ModelAdmin):
    """Combat roles (IDN-2); editable, never deleted while a spec uses them (IDN-1)."""

    list_display = ("name", "key", "sort_order")
    search_fields = ("name", "key")


@admin.register(PlayableClass)
class PlayableClassAdmin(RefuseDeleteInUseMixin, admin.ModelAdmin):
    """The 13 classes (IDN-3); editable, never deleted while in use (IDN-1)."""

    list_display = ("name", "blizzard_id", "colour", "slug")
    search_fields = ("name", "slug")


@admin.register(Specialization)
class SpecializationAdmin(RefuseDeleteInUseMixin, admin.ModelAdmin):
    """The 40 specs (IDN-3); editable, never deleted while in use (IDN-1)."""

    list_display = ("name", "playable_class", "default_role", "blizzard_spec_id", "wowhead_slug")
    list_filter = ("playable_class", "default_role")
    list_select_related = ("playable_class", "default_role")
    search_fields = ("name", "playable_class__name", "wowhead_slug")


@admin.register(GuildRank)
class GuildRankAdmin(RefuseDeleteInUseMixin, admin.ModelAdmin):
    """The ladder (IDN-4). Ladder edits re-resolve every rank (IDN-6)."""

    list_display = (
        "name",
        "level",
        "wow_rank_index",
        "discord_role_name",
        "discord_role_id",
        "player_count",
        "character_count",
    )
    search_fields = ("name", "discord_role_name")
    # `level` is included because "highest guild role" and player ranks are ordered by it.
    LADDER_FIELDS = frozenset({"wow_rank_index", "discord_role_id", "level"})

    player_count = count_column("player_count", "players")
    character_count = count_column("character_count", "characters")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                player_count=count_of(Player, "guild_rank"),
                character_count=count_of(WowCharacter, "guild_rank"),
            )
        )

    def in_use_message(self, obj) -> str | None:
        """IDN-6: "Rank '<name>' is used by N players / M characters."."""
        players, characters = rank_usage(obj)
        if players or characters:
            return f"Rank '{obj.name}' is used by {players} players / {characters} characters."
        return super().in_use_message(obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if self.LADDER_FIELDS & set(form.changed_data):
            self._resolve_ladder(request)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        # Discord users whose highest role was this rank fall back to their next one.
        self._resolve_ladder(request)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        self._resolve_ladder(request)

    def _resolve_ladder(self, request):
        changes = resolve_ladder()
        self.message_user(
            request,
            f"Ladder re-resolved: characters, Discord users and player ranks follow it "
            f"({len(changes)} player rank changes).",
            messages.INFO,
        )
