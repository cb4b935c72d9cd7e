"""Changelist count columns any app's admin uses: a correlated COUNT subquery and its
sortable column."""

from django.contrib import admin
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce


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
