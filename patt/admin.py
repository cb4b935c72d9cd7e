"""The site configuration in the admin (ACC-5, ACC-6).

The admin site itself (its names, the pages apps contribute) is patt/admin_site.py.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.db import models
from django.shortcuts import redirect
from django.urls import reverse

from patt.models import SiteConfig
from patt.registry import field_notes

# ONB-62: channels onboarding posts to, and what goes unsaid while one is empty.
EMPTY_CHANNEL_WARNINGS = (
    (
        "onboarding_landing_channel_id",
        "The onboarding landing channel is empty: members whose DMs are closed get no notice.",
    ),
    (
        "discord_audit_channel_id",
        "The audit channel is empty: onboarding escalations and sync reports are not posted.",
    ),
)


@admin.register(SiteConfig)
class SiteConfigAdmin(admin.ModelAdmin):
    """The one configuration row (ACC-5): viewed and changed, never added or deleted.

    The changelist opens the row itself; `SiteConfig.get()` creates it when missing, so there
    is never anything to add.
    """

    fieldsets = (
        (
            "Guild identity",
            {
                "fields": (
                    "guild_name",
                    "short_name",
                    "tagline",
                    ("guild_realm_name", "guild_realm_slug"),
                    ("guild_name_slug", "guild_region"),
                    "accent_colour",
                )
            },
        ),
        (
            "Landing page",
            {
                "fields": (
                    "hero_image",
                    "hero_image_url",
                    "about_text",
                    "raid_schedule_text",
                    "contact_name",
                )
            },
        ),
        (
            "Discord",
            {
                "fields": (
                    "bot_name",
                    "discord_invite_url",
                    "discord_guild_id",
                    "channel_announcement",
                    "discord_audit_channel_id",
                    "discord_role_writes_enabled",
                )
            },
        ),
        (
            "Onboarding & bot",
            {"fields": ("onboarding_enabled", "bot_dms_enabled", "onboarding_landing_channel_id")},
        ),
    )
    # Django 6 switches URL fields to https by default; opt in now (no deprecation warning).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    # Fields that later issues add to the model (raids & roster, quotes, …) stay editable
    # until they get their own fieldset here.
    OTHER_FIELDSET = "Other settings"

    def get_fieldsets(self, request, obj=None):
        listed = set(flatten_fieldsets(self.fieldsets))
        others = [
            field.name
            for field in self.opts.get_fields()
            if getattr(field, "editable", False)
            and not field.auto_created
            and field.concrete
            and field.name not in listed
        ]
        if others:
            return (*self.fieldsets, (self.OTHER_FIELDSET, {"fields": others}))
        return self.fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        """Other apps' live notes beside their switches (ONB-62: the onboarding backlog
        beside "bot DMs enabled"), through the registry: patt imports no app."""
        form = super().get_form(request, obj, change=change, **kwargs)
        for note in field_notes("patt.siteconfig"):
            field = form.base_fields.get(note.field)
            text = note.text() if field is not None else None
            if field is not None and text:
                field.help_text = f"{field.help_text} {text}".strip()
        return form

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """ONB-62: warn when onboarding is on and a channel it posts to is empty."""
        config = SiteConfig.get()
        if request.method == "GET" and config.onboarding_enabled:
            for field, warning in EMPTY_CHANNEL_WARNINGS:
                if not getattr(config, field):
                    messages.warning(request, warning)
        return super().change_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        config = SiteConfig.get()
        return redirect(
            reverse(
                "admin:patt_siteconfig_change",
                args=[config.pk],
                current_app=self.admin_site.name,
            )
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
