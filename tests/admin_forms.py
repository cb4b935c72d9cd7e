"""Helpers for tests that post Django admin change forms back."""

from django import forms


def form_data(response) -> dict:
    """POST data reproducing an admin change form and its inlines as rendered."""
    data: dict = {}

    def add(form):
        for name, field in form.fields.items():
            if field.disabled or isinstance(field, forms.FileField):
                continue
            bound = form[name]
            value = bound.value()
            if isinstance(field, forms.BooleanField):
                if value:
                    data[bound.html_name] = "on"
            elif value is None:
                data[bound.html_name] = ""
            elif isinstance(field, forms.DateTimeField) and hasattr(value, "strftime"):
                data[bound.html_name] = value.strftime("%Y-%m-%dT%H:%M")
            else:
                data[bound.html_name] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form)
        for form in formset.forms:
            add(form)
    return data
