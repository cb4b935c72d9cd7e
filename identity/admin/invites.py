"""Invite codes in the admin (IDN-16, ACC-27 … ACC-30).

Codes come from `identity.services.invites.create_invite` and are never edited; the status
filter is `InviteCode.objects.valid()` / `.used()` / `.expired()`, the one definition of it.
"""

from datetime import UTC

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect

from identity.admin.mixins import acting_player, change_url
from identity.models import InviteCode
from identity.services.invites import create_invite, expire_invites
from patt.admin_columns import utc_column


class InviteStatusFilter(admin.SimpleListFilter):
    """Valid / Used / Expired, by the `InviteCodeQuerySet` rule `InviteCode.status` follows."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("valid", "Valid"), ("used", "Used"), ("expired", "Expired")]

    def queryset(self, request, queryset):
        if self.value() in ("valid", "used", "expired"):
            return getattr(queryset, self.value())()
        return queryset


class InviteCodeAddForm(forms.ModelForm):
    """ACC-30: an officer picks the player and the lifetime; the service draws the code."""

    hours = forms.IntegerField(
        min_value=1,
        max_value=24 * 30,
        initial=lambda: settings.INVITE_CODE_TTL_HOURS,
        help_text="How long the code stays valid. Issuing it expires the player's older codes.",
    )

    class Meta:
        model = InviteCode
        fields = ["player"]

    def clean_player(self):
        """Refuse codes nobody could redeem (ACC-29; the same cases ACC-31 skips)."""
        player = self.cleaned_data["player"]
        if player.user_id:
            raise ValidationError(f"{player} already has a website account.")
        if not player.is_active:
            raise ValidationError(f"{player} is inactive.")
        if not player.discord_user_id:
            # Redemption requires the Discord username as the website username (IDN-16).
            raise ValidationError(
                f"{player} has no Discord account linked; an invite needs their Discord username."
            )
        return player


@admin.register(InviteCode)
class InviteCodeAdmin(admin.ModelAdmin):
    """Website invites (ACC-30). Codes come from `create_invite` and are never edited."""

    list_display = (
        "code",
        "player",
        "created_by",
        "created_at_utc",
        "expires_at_utc",
        "used_at_utc",
        "dm",
        "status",
    )
    created_at_utc = utc_column("created_at", "created")
    expires_at_utc = utc_column("expires_at", "expires")
    used_at_utc = utc_column("used_at", "used")
    list_filter = (InviteStatusFilter, "dm_status")
    list_select_related = ("player", "created_by")
    search_fields = ("code", "player__display_name")
    autocomplete_fields = ("player",)
    actions = ("expire_now",)
    fieldsets = (
        (None, {"fields": ("code", "player", "status", "created_by", "created_at", "expires_at")}),
        ("Use", {"fields": ("used_at", "used_by")}),
        ("Discord DM", {"fields": ("dm_status", "dm_error", "dm_sent_at")}),
    )

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return ((None, {"fields": ("player", "hours")}),)
        return self.fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = InviteCodeAddForm
        return super().get_form(request, obj, change, **kwargs)

    def has_change_permission(self, request, obj=None):
        # Codes cannot be edited afterwards: the change page is a read-only view.
        return False

    def has_expire_permission(self, request):
        return request.user.has_perm(f"{self.opts.app_label}.change_{self.opts.model_name}")

    def save_form(self, request, form, change):
        # Every code is created by the service (ACC-28); the form only carries its inputs.
        return create_invite(
            form.cleaned_data["player"],
            created_by=acting_player(request),
            ttl_hours=form.cleaned_data["hours"],
        )

    def save_model(self, request, obj, form, change):
        pass  # `create_invite` already saved it

    def save_related(self, request, form, formsets, change):
        pass  # an invite has no m2m or inlines

    def response_add(self, request, obj, post_url_continue=None):
        if admin.options.IS_POPUP_VAR in request.POST:
            return super().response_add(request, obj, post_url_continue)
        url = f"{settings.SITE_URL}/register?code={obj.code}"
        self.message_user(
            request,
            f"Invite {obj.code} created for {obj.player}; it expires "
            f"{obj.expires_at.astimezone(UTC):%b %d at %H:%M} UTC. "
            f"Share this link: {url}",
            messages.SUCCESS,
        )
        return redirect(change_url(obj))

    @admin.display(description="DM status", ordering="dm_status")
    def dm(self, invite):
        label = invite.get_dm_status_display()
        return f"{label}: {invite.dm_error}" if invite.dm_error else label

    @admin.display(description="status")
    def status(self, invite):
        return invite.status

    @admin.action(description="Expire now", permissions=["expire"])
    def expire_now(self, request, queryset):
        """ACC-30: `expires_at = now` on the selected unused, unexpired codes."""
        expired = expire_invites(queryset)
        message = f"Expired {expired} invite codes."
        if skipped := len(queryset) - expired:
            message += f" {skipped} were already used or expired."
        self.message_user(request, message, messages.SUCCESS)
