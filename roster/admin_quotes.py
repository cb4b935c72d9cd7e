"""Mito's Corner quotes and titles in the admin (ROS-55): list, search, add, edit, delete.

The models are patt's (app label `patt`); their admin lives here because the rules are the
roster's, and patt imports no app (issue 12).

The form applies the page's rules (trimmed, not empty, length, case-insensitive duplicates)
through `roster.services.quotes`, so the admin and `/mitos-corner` never disagree.
"""

from django import forms
from django.contrib import admin

from patt.admin_columns import utc_column
from patt.models import Quote, QuoteTitle
from patt.refusals import Refused
from roster.services import quotes as service


class _EntryForm(forms.ModelForm):
    kind = service.QUOTE

    class Meta:
        fields = ["text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}

    def clean_text(self):
        try:
            value = service.clean_text(kind=self.kind, text=self.cleaned_data.get("text"))
        except Refused as exc:
            raise forms.ValidationError(exc.message) from None
        exclude = self.instance.pk if self.instance and self.instance.pk else None
        if service.text_key(value) in service.existing_keys(self.kind, exclude_pk=exclude):
            raise forms.ValidationError(service.DUPLICATE[self.kind])
        return value


class QuoteForm(_EntryForm):
    kind = service.QUOTE

    class Meta(_EntryForm.Meta):
        model = Quote


class QuoteTitleForm(_EntryForm):
    kind = service.TITLE

    class Meta(_EntryForm.Meta):
        model = QuoteTitle


class _EntryAdmin(admin.ModelAdmin):
    list_display = ("text", "created_at_utc", "created_by")
    created_at_utc = utc_column("created_at", "created")
    search_fields = ("text",)
    readonly_fields = ("created_at", "created_by")
    ordering = ("-pk",)
    list_per_page = 50
    list_select_related = ("created_by",)

    def save_model(self, request, obj, form, change):
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Quote)
class QuoteAdmin(_EntryAdmin):
    form = QuoteForm


@admin.register(QuoteTitle)
class QuoteTitleAdmin(_EntryAdmin):
    form = QuoteTitleForm
