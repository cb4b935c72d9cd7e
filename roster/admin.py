"""The roster in the admin (ROS-18, ROS-52).

Officers edit any player's raid preferences, availability and roster characters on the player
page (inlines contributed to identity's PlayerAdmin through the registry, an `AdminInline`),
and the same rows have their own admin pages. Every change of preferences or availability
made here records `updated_via = admin` (so `import_sheets` keeps it, ROS-68) and creates the
preferences row when it is missing (ROS-8). Roster character rows change only the roster
fields; links are made and removed by identity's character rows.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import BaseInlineFormSet

from identity.admin.mixins import ReadOnlyRecordMixin
from identity.models import PlayerCharacter, Specialization
from patt.admin_columns import LabelledInlineMixin, utc_column
from roster.models import (
    EventTemplate,
    PlayerAvailability,
    RaidEvent,
    RaidPreferences,
    UpdatedVia,
    Weekday,
)
from roster.services.availability import clean_notes

DAYS = len(Weekday.choices)


def mark_changed_by_admin(player_ids) -> None:
    """ROS-18 / ROS-8: the players' preferences were last changed in the admin (created if
    missing)."""
    for player_id in set(player_ids):
        prefs, created = RaidPreferences.objects.get_or_create(
            player_id=player_id, defaults={"updated_via": UpdatedVia.ADMIN}
        )
        if not created and prefs.updated_via != UpdatedVia.ADMIN:
            prefs.updated_via = UpdatedVia.ADMIN
            prefs.save(update_fields=["updated_via", "updated_at"])


# --- forms ----------------------------------------------------------------------------------


class RaidPreferencesForm(forms.ModelForm):
    """ROS-9 notes (trimmed, at most 500) and `updated_via = admin` on every save."""

    class Meta:
        model = RaidPreferences
        fields = ["auto_signup", "wants_reminders", "notes"]

    def clean_notes(self):
        try:
            return clean_notes(self.cleaned_data.get("notes"))
        except ValidationError as refused:
            raise ValidationError(refused.message_dict["notes"]) from None

    def save(self, commit=True):
        self.instance.updated_via = UpdatedVia.ADMIN
        return super().save(commit=commit)


class AvailabilityDayForm(forms.ModelForm):
    """One day of the week row (issue 16): the weekday travels hidden, the checkbox is the
    day's cell."""

    class Meta:
        model = PlayerAvailability
        fields = ["weekday", "available"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["weekday"].widget = forms.HiddenInput()

    def weekday_number(self) -> int:
        try:
            return int(self["weekday"].value())
        except (TypeError, ValueError):
            return DAYS  # a tampered row sorts last; validation names its error

    def day_name(self) -> str:
        number = self.weekday_number()
        return Weekday(number).label if number < DAYS else "?"

    def day_short(self) -> str:
        return self.day_name()[:3]


class PlayerAvailabilityFormSet(BaseInlineFormSet):
    """The seven days: rows that exist, plus a blank row for each missing weekday."""

    @property
    def week_forms(self) -> list:
        """The forms Monday to Sunday, whichever of them are rows already (issue 16)."""
        return sorted(self.forms, key=lambda form: form.weekday_number())

    def __init__(self, *args, **kwargs):
        instance = kwargs.get("instance")
        if instance is not None and instance.pk and "initial" not in kwargs:
            have = set(
                PlayerAvailability.objects.filter(player=instance).values_list("weekday", flat=True)
            )
            kwargs["initial"] = [{"weekday": day} for day in range(DAYS) if day not in have]
        super().__init__(*args, **kwargs)

    def save(self, commit=True):
        with transaction.atomic():
            saved = super().save(commit=commit)
            if commit and (self.new_objects or self.changed_objects or self.deleted_objects):
                mark_changed_by_admin([self.instance.pk])
        return saved


class RosterCharacterForm(forms.ModelForm):
    """ROS-18: the roster fields of one of the player's characters; the spec fits the class
    (`PlayerCharacter.clean`)."""

    class Meta:
        model = PlayerCharacter
        fields = ["on_raid_roster", "raid_spec", "raid_role"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        character = getattr(self.instance, "character", None) if self.instance.pk else None
        specs = Specialization.objects.select_related("playable_class")
        if character is not None and character.playable_class_id:
            specs = specs.filter(playable_class_id=character.playable_class_id)
        self.fields["raid_spec"].queryset = specs


class RosterCharacterFormSet(BaseInlineFormSet):
    """Saved here, not by identity's link services: only roster fields change (ROS-18)."""

    saves_itself = True


# --- inlines on the player page -------------------------------------------------------------


class RaidPreferencesInline(admin.StackedInline):
    model = RaidPreferences
    form = RaidPreferencesForm
    fields = ("auto_signup", "wants_reminders", "notes", "updated_via", "updated_at")
    readonly_fields = ("updated_via", "updated_at")
    max_num = 1
    extra = 1  # shown only while the player has none; left blank it is not saved
    verbose_name_plural = "raid preferences (deleting them takes the player off the raid roster)"


class PlayerAvailabilityInline(admin.TabularInline):
    """The raid availability as one week row of seven day cells (issue 16), not seven rows of
    dropdowns: a ticked day is available. Unticking a day keeps its row as "not available"
    (the same as no row, ROS-6)."""

    model = PlayerAvailability
    form = AvailabilityDayForm
    formset = PlayerAvailabilityFormSet
    template = "admin/roster/playeravailability/week_row.html"
    fields = ("weekday", "available")
    max_num = DAYS
    can_delete = False
    ordering = ("weekday",)
    verbose_name_plural = "raid availability"

    def get_extra(self, request, obj=None, **kwargs):
        if obj is None or obj.pk is None:
            return 0
        return max(DAYS - PlayerAvailability.objects.filter(player=obj).count(), 0)


class RosterCharacterInline(LabelledInlineMixin, admin.TabularInline):
    """The roster fields of the player's linked characters (ROS-2, ROS-4)."""

    model = PlayerCharacter
    fk_name = "player"
    form = RosterCharacterForm
    formset = RosterCharacterFormSet
    fields = ("character", "character_class", "on_raid_roster", "raid_spec", "raid_role")
    readonly_fields = ("character", "character_class")
    extra = 0
    can_delete = False
    verbose_name = "raid roster character"
    verbose_name_plural = (
        "raid roster characters (role follows the spec; raid role only without one)"
    )

    @admin.display(description="class")
    def character_class(self, link):
        return link.character.playable_class or "-"

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("character__playable_class", "raid_spec__playable_class", "raid_role")
        )


# Contributed to identity's player page as an `AdminInline` (roster/contributions.py).
PLAYER_PAGE_INLINES = (RaidPreferencesInline, PlayerAvailabilityInline, RosterCharacterInline)


# --- the rows' own pages --------------------------------------------------------------------


@admin.register(RaidPreferences)
class RaidPreferencesAdmin(admin.ModelAdmin):
    form = RaidPreferencesForm
    list_display = ("player", "auto_signup", "wants_reminders", "updated_via", "updated_at_utc")
    list_filter = ("auto_signup", "wants_reminders", "updated_via")
    list_select_related = ("player",)
    search_fields = ("player__display_name", "notes")
    autocomplete_fields = ("player",)
    fields = ("player", "auto_signup", "wants_reminders", "notes", "updated_via", "updated_at")
    updated_at_utc = utc_column("updated_at", "updated")

    def get_readonly_fields(self, request, obj=None):
        readonly = ("updated_via", "updated_at")
        return ("player", *readonly) if obj is not None else readonly


@admin.register(PlayerAvailability)
class PlayerAvailabilityAdmin(admin.ModelAdmin):
    list_display = ("player", "weekday", "available", "updated_at_utc")
    list_filter = ("weekday", "available")
    list_select_related = ("player",)
    search_fields = ("player__display_name",)
    autocomplete_fields = ("player",)
    fields = ("player", "weekday", "available")
    updated_at_utc = utc_column("updated_at", "updated")

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            mark_changed_by_admin([obj.player_id])

    def delete_model(self, request, obj):
        with transaction.atomic():
            super().delete_model(request, obj)
            mark_changed_by_admin([obj.player_id])

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            player_ids = list(queryset.values_list("player_id", flat=True))
            super().delete_queryset(request, queryset)
            mark_changed_by_admin(player_ids)


@admin.register(EventTemplate)
class EventTemplateAdmin(admin.ModelAdmin):
    """ROS-52: the seeded guild event templates; officers edit titles and descriptions."""

    list_display = ("name", "icon", "key", "title", "raid_helper_template", "sort_order")
    list_editable = ("sort_order",)
    search_fields = ("name", "key", "title")
    ordering = ("sort_order", "key")


@admin.register(RaidEvent)
class RaidEventAdmin(ReadOnlyRecordMixin, admin.ModelAdmin):
    """ROS-42 … ROS-45: events created through Raid-Helper, a read-only record."""

    list_display = ("title", "kind", "starts_at_utc", "status", "signups_ok", "signups_attempted")
    starts_at_utc = utc_column("starts_at", "starts")
    list_filter = ("status", "kind")
    search_fields = ("title", "raid_helper_event_id")
    list_select_related = ("created_by",)
    date_hierarchy = "starts_at"


# Mito's Corner quotes and titles (ROS-55): patt's models, with the roster's rules.
from roster import admin_quotes  # noqa: E402, F401
