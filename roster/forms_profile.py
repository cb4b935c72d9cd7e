"""The forms of `/profile` (issue 11 item 16).

Like the roster page's forms they only parse what was posted: the rules and their messages are
the services' (`roster.services.profile`, `roster.services.characters.set_main`), put next to
the field they name. The password forms are Django's own, with the project's validators
(ACC-12).
"""

from django import forms
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.contrib.auth.password_validation import password_validators_help_texts

from roster.forms import ReferenceData
from roster.services.profile import DISPLAY_NAME_MAX


class DisplayNameForm(forms.Form):
    # No max_length: the service trims first, then says how long a name may be.
    display_name = forms.CharField(label="Display name", required=False, strip=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="name", **kwargs)
        self.fields["display_name"].widget.attrs.update(
            {"maxlength": str(DISPLAY_NAME_MAX), "autocomplete": "nickname"}
        )


def _select(label: str) -> forms.CharField:
    """A select whose posted value the service judges (its message, not "Select a valid
    choice"), as the roster page's rules are the services'."""
    return forms.CharField(label=label, required=False, widget=forms.Select)


class MainCharacterForm(forms.Form):
    """ROS-15: one of the player's roster characters."""

    character = _select("Main character")

    def __init__(self, *args, roster: list, **kwargs):
        super().__init__(*args, prefix="main", **kwargs)
        self.fields["character"].widget.choices = [("", "Choose your main")] + [
            (str(row.character.pk), _label(row.character, row.spec)) for row in roster
        ]


class OffspecForm(forms.Form):
    """IDN-13: one of the player's characters and a spec of its class (or none at all)."""

    character = _select("Off-spec character")
    spec = _select("Off-spec")

    def __init__(self, *args, characters: list, reference: ReferenceData, **kwargs):
        super().__init__(*args, prefix="offspec", **kwargs)
        self.fields["character"].widget.choices = [("", "No off-spec")] + [
            (str(character.pk), _label(character)) for character in characters
        ]
        self.fields["spec"].widget.choices = reference.spec_choices()


def password_form(user, data=None):
    """Django's password change; a user without a usable password (Discord sign-in only) sets
    one instead, as `/accounts/password/set/` does (ACC-34). Both run the ACC-12 validators."""
    form_class = PasswordChangeForm if user.has_usable_password() else SetPasswordForm
    form = form_class(user, data, prefix="password")
    # The validators' rules as one line of text: Django's help is an HTML list, which cannot
    # sit in the site's one-paragraph field help.
    form.fields["new_password1"].help_text = " ".join(password_validators_help_texts())
    return form


def _label(character, spec=None) -> str:
    """ "Trogmoon-Sen'jin (Balance Druid)": the character, its class and, when known, spec."""
    playable_class = character.playable_class.name if character.playable_class else ""
    detail = " ".join(part for part in (spec.name if spec else "", playable_class) if part)
    return f"{character} ({detail})" if detail else str(character)
