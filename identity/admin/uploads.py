"""Addon upload tokens and uploads in the admin (UPL-2, UPL-15).

Tokens are created by `identity.uploads.tokens.create_token`; the admin shows the token once,
on the confirmation page (never in a message, which would store it in the session), and
revokes tokens with an action. A token with uploads cannot be deleted (the uploads PROTECT
it). Uploads are read-only records; "Re-run matching" queues their pipeline again.
"""

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join

from identity.admin.mixins import (
    ReadOnlyRecordMixin,
    RefuseDeleteInUseMixin,
    admin_link,
    link_column,
)
from identity.models import AddonUpload, UploadToken
from identity.uploads.pipeline import rerun_matching
from identity.uploads.tokens import create_token, revoke_tokens
from patt.admin_columns import utc_column

_SECRET_ATTRIBUTE = "_new_upload_token"


class RevokedFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("active", "Active"), ("revoked", "Revoked")]

    def queryset(self, request, queryset):
        if self.value() in ("active", "revoked"):
            return queryset.filter(revoked_at__isnull=self.value() == "active")
        return queryset


@admin.register(UploadToken)
class UploadTokenAdmin(RefuseDeleteInUseMixin, admin.ModelAdmin):
    """UPL-15: list, add with the show-once token, revoke."""

    list_display = ("name", "owner", "prefix", "created_at_utc", "last_used_at_utc", "state")
    created_at_utc = utc_column("created_at", "created at")
    last_used_at_utc = utc_column("last_used_at", "last used at")
    list_filter = (RevokedFilter,)
    list_select_related = ("owner",)
    search_fields = ("name", "prefix", "owner__display_name")
    autocomplete_fields = ("owner",)
    actions = ("revoke",)
    readonly_fields = (
        "prefix",
        "created_by",
        "created_at",
        "last_used_at",
        "last_used_ip",
        "revoked_at",
        "revoked_by",
    )

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("name", "owner")
        return ("name", "owner", *self.readonly_fields)

    def has_revoke_permission(self, request):
        return request.user.has_perm(f"{self.opts.app_label}.change_{self.opts.model_name}")

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        created = create_token(name=obj.name, owner=obj.owner, created_by=request.user, token=obj)
        setattr(request, _SECRET_ATTRIBUTE, created.secret)

    def response_add(self, request, obj, post_url_continue=None):
        secret = getattr(request, _SECRET_ATTRIBUTE, None)
        if secret is None:
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": obj,
            "secret": secret,
            "title": "Upload token created",
        }
        response = TemplateResponse(
            request, "admin/identity/uploadtoken/token_created.html", context
        )
        response["Cache-Control"] = "no-store"
        return response

    @admin.display(description="state", ordering="revoked_at")
    def state(self, token):
        if token.revoked_at is not None:
            return f"Revoked {token.revoked_at:%Y-%m-%d %H:%M}"
        return "Active"

    @admin.action(description="Revoke", permissions=["revoke"])
    def revoke(self, request, queryset):
        """UPL-2: revoked at once; the next request with the token gets 401."""
        revoked = revoke_tokens(list(queryset), by=request.user)
        self.message_user(request, f"Revoked {revoked} upload tokens.", messages.SUCCESS)


@admin.register(AddonUpload)
class AddonUploadAdmin(ReadOnlyRecordMixin, admin.ModelAdmin):
    """UPL-15: read-only uploads with their counts, unknown characters and SyncRun."""

    list_display = (
        "__str__",
        "received_at_utc",
        "token_link",
        "status",
        "characters_received",
        "updated",
        "unchanged",
        "unknown",
        "matching",
    )
    received_at_utc = utc_column("received_at", "received")
    list_filter = ("status", "matching", "token", "received_at")
    list_select_related = ("token",)
    date_hierarchy = "received_at"
    actions = ("rerun_matching",)
    exclude = ("payload",)
    extra_readonly_fields = ("unknown_list", "sync_run_link", "payload_kept")
    token_link = link_column("token", "token", "token__name")

    def get_readonly_fields(self, request, obj=None):
        hidden = {"payload", "unknown_characters", "sync_run"}
        return [name for name in super().get_readonly_fields(request, obj) if name not in hidden]

    def has_change_permission(self, request, obj=None):
        return False  # a record: the change page is a read-only view

    def has_delete_permission(self, request, obj=None):
        return False

    def has_rerun_permission(self, request):
        return request.user.has_perm(f"{self.opts.app_label}.change_{self.opts.model_name}")

    @admin.display(description="unknown characters")
    def unknown_list(self, upload):
        items = upload.unknown_characters or []
        if not items:
            return "-"
        rows = format_html_join(
            "", "<li>{}-{}</li>", ((item.get("name"), item.get("realm")) for item in items)
        )
        more = upload.unknown - len(items)
        suffix = format_html("<p>… and {} more</p>", more) if more > 0 else ""
        return format_html("<ul>{}</ul>{}", rows, suffix)

    @admin.display(description="sync run")
    def sync_run_link(self, upload):
        return admin_link(upload.sync_run)

    @admin.display(description="payload kept", boolean=True)
    def payload_kept(self, upload):
        return upload.payload is not None

    @admin.action(description="Re-run matching", permissions=["rerun"])
    def rerun_matching(self, request, queryset):
        """UPL-15: queue the upload pipeline again (stale uploads are left out)."""
        queued = rerun_matching(list(queryset))
        message = f"Queued matching for {queued} uploads."
        if skipped := len(queryset) - queued:
            message += f" {skipped} stale uploads were left out."
        self.message_user(request, message, messages.SUCCESS)
