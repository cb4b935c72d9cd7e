"""Changelist columns any app's admin uses: a correlated COUNT subquery and its sortable
column, and UTC times marked for the viewer's local time (issue 16)."""

from django.contrib import admin
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.forms.formsets import DELETION_FIELD_NAME
from django.utils.html import format_html
from django.utils.text import capfirst

from patt.timefmt import as_utc, iso_utc


def count_of(model, fk_name: str):
    """A correlated COUNT(*) subquery of `model` rows pointing at the outer row.

    A subquery, not Count() over a join: two counts over joins would multiply each other, and
    the outer query keeps no GROUP BY.
    """
    rows = (
        model._base_manager.filter(**{fk_name: OuterRef("pk")})
        .order_by()
        .values(fk_name)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def count_column(annotation: str, description: str):
    """A sortable changelist column showing a `count_of` annotation of `get_queryset`."""

    @admin.display(description=description, ordering=annotation)
    def column(self, obj):
        return getattr(obj, annotation)

    return column


# --- times (issue 16): UTC on the server, the viewer's local time added by a static script ---


def utc_html(moment, *, seconds: bool = False, text: str | None = None):
    """`<time datetime="2026-03-01T21:00:00Z" data-local>2026-03-01 21:00 UTC</time>`, or "-".

    static/js/admin-local-time.js appends the viewer's local time to it; without JS the UTC
    text stays. A naive datetime is taken as UTC (TIME_ZONE is UTC). `text` replaces the
    UTC text shown."""
    if moment is None:
        return "-"
    moment = as_utc(moment)
    if text is None:
        text = moment.strftime("%Y-%m-%d %H:%M:%S UTC" if seconds else "%Y-%m-%d %H:%M UTC")
    return format_html('<time datetime="{}" data-local>{}</time>', iso_utc(moment), text)


def utc_column(field: str, description: str, *, ordering: str | None = None):
    """A sortable changelist column (or read-only field) showing the datetime `field` in UTC,
    marked for the local-time script."""

    @admin.display(description=description, ordering=ordering or field)
    def column(self, obj):
        return utc_html(getattr(obj, field))

    return column


# --- tabular inline rows (issue 16, WCAG 1.3.1 / 4.1.2) ------------------------------------------


class LabelledInlineMixin:
    """A tabular inline's inputs have a column header, not a `<label>`: each gets an
    `aria-label` naming the column and the row ("Raid spec, raid roster character 2"), the
    delete box included, so screen readers (and axe-core) know every input's name."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)  # type: ignore[misc]
        noun = str(self.model._meta.verbose_name)  # type: ignore[attr-defined]

        def add_fields(formset_self, form, index):
            formset.add_fields(formset_self, form, index)
            row = "new" if index is None else str(index + 1)
            for name, field in form.fields.items():
                if field.widget.is_hidden:
                    continue
                label = "delete" if name == DELETION_FIELD_NAME else (field.label or name)
                # The admin's related-field wrapper renders its inner widget, a copy per form
                # (the wrapper's own `attrs` is the shared original's).
                widget = getattr(field.widget, "widget", field.widget)
                widget.attrs = {
                    **widget.attrs,
                    "aria-label": f"{capfirst(str(label))}, {noun} {row}",
                }

        return type(formset.__name__, (formset,), {"add_fields": add_fields})
