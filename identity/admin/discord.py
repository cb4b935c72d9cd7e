"""Discord users in the admin (IDN-7): members as the last sync saw them, read-only."""

from django.contrib import admin

from identity.admin.mixins import ReadOnlyRecordMixin, link_column
from identity.models import DiscordUser
from patt.admin_columns import utc_column


@admin.register(DiscordUser)
class DiscordUserAdmin(ReadOnlyRecordMixin, admin.ModelAdmin):
    """Discord members as the last sync saw them; read-only, syncs create them (IDN-7, ACC-38)."""

    list_display = (
        "username",
        "display_name",
        "is_present",
        "highest_guild_role",
        "player_link",
        "joined_at_utc",
        "last_synced_at_utc",
    )
    joined_at_utc = utc_column("joined_at", "joined")
    last_synced_at_utc = utc_column("last_synced_at", "last synced")
    list_filter = ("is_present", "highest_guild_role")
    list_select_related = ("highest_guild_role", "player")
    search_fields = ("username", "display_name", "discord_id")
    extra_readonly_fields = ("player_link",)

    player_link = link_column("player", "player", "player__display_name")
