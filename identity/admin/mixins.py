"""Pieces the identity admin modules share: links, filters and permission mixins.

The count columns every app's admin uses (`count_of`, `count_column`) are patt's
(patt/admin_columns.py).

The refusal of deletes of rows in use (IDN-1, IDN-6) lives here too, as it serves the
reference data and the rank ladder alike.
"""

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.utils import NestedObjects, quote, unquote
from django.db import router
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html

from identity.models import Player


def acting_player(request) -> Player | None:
    """The officer's own Player, recorded as `linked_by` / `confirmed_by` / `created_by`.

    None for a superuser without a Player (IDN-43, ACC-31).
    """
    return getattr(request.user, "player", None)


def superusers_only(self, request, obj=None) -> bool:
    """A `has_add_permission` / `has_delete_permission` for rows only superusers repair."""
    return request.user.is_superuser


def change_url(obj, current_app: str | None = None) -> str:
    """The admin change page of `obj`."""
    opts = obj._meta
    return reverse(
        f"admin:{opts.app_label}_{opts.model_name}_change",
        args=[quote(obj.pk)],
        current_app=current_app,
    )


def admin_link(obj, text=None):
    """A link to `obj`'s admin change page, or "-" when there is nothing to link to."""
    if obj is None:
        return "-"
    return format_html('<a href="{}">{}</a>', change_url(obj), text if text is not None else obj)


def link_column(attribute: str, description: str, ordering: str | None = None):
    """A changelist column linking to the row's `attribute` (a relation), "-" when unset."""

    @admin.display(description=description, ordering=ordering)
    def column(self, obj):
        # A missing reverse one-to-one raises a DoesNotExist that is also an AttributeError.
        return admin_link(getattr(obj, attribute, None))

    return column


class YesNoFilter(admin.SimpleListFilter):
    """Filter on whether a nullable field or relation is set; subclasses name the lookup.

    `yes` (set) and `no` (unset) are (parameter value, label) pairs.
    """

    lookup: str
    yes = ("yes", "Yes")
    no = ("no", "No")

    def lookups(self, request, model_admin):
        return [self.yes, self.no]

    def queryset(self, request, queryset):
        if self.value() in (self.yes[0], self.no[0]):
            return queryset.filter(**{f"{self.lookup}__isnull": self.value() == self.no[0]})
        return queryset


class ReadOnlyRecordMixin:
    """Rows written by syncs and services: every field read-only, nothing added by hand.

    `extra_readonly_fields` adds computed columns to the change page.
    """

    extra_readonly_fields: tuple[str, ...] = ()

    def get_readonly_fields(self, request, obj=None):
        fields = (field.name for field in self.opts.fields if field.name != "id")
        return [*fields, *self.extra_readonly_fields]

    def has_add_permission(self, request):
        return False


class RefuseDeleteInUseMixin:
    """Deleting a row in use is refused with an admin error message (IDN-1, IDN-6).

    Covers the change page's delete and the bulk "delete selected" action, both of which would
    otherwise show Django's "protected objects" page. `in_use_message()` decides; by default a
    row is in use when deleting it would hit a PROTECT relation (as Django's own delete does),
    so relations added by other apps later are covered too.
    """

    def in_use_message(self, obj) -> str | None:
        collector = NestedObjects(using=router.db_for_write(type(obj), instance=obj))
        collector.collect([obj])
        if collector.protected:
            return f"{obj} is in use and cannot be deleted."
        return None

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and self.has_delete_permission(request, obj):
            message = self.in_use_message(obj)
            if message:
                self.message_user(request, message, messages.ERROR)
                return redirect(change_url(obj, current_app=self.admin_site.name))
        return super().delete_view(request, object_id, extra_context)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            _, name, description = actions["delete_selected"]
            actions[name] = (RefuseDeleteInUseMixin.delete_unless_in_use, name, description)
        return actions

    def delete_unless_in_use(self, request, queryset):
        """The bulk delete: nothing is deleted while any selected row is in use."""
        refusals = [message for obj in queryset if (message := self.in_use_message(obj))]
        if refusals:
            for message in refusals:
                self.message_user(request, message, messages.ERROR)
            return None
        return delete_selected(self, request, queryset)
