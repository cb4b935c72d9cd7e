"""The forms of `/roster` (ROS-13 … ROS-17).

The forms only parse what was posted; the rules and their messages belong to the services
(`roster.services.characters`, `roster.services.availability`), whose errors are put next to
the field they name (ROS-17). Choices come from reference data loaded once per request
(`ReferenceData`), so the page costs the same number of queries for any guild.
"""

from dataclasses import dataclass, field

from django import forms

from identity.models import PlayableClass, Specialization, WowCharacter
from roster.models import Weekday
from roster.services.characters import REALM_NAME_MAX
from roster.services.population import ROLE_LABELS, display_role

AUTO_SIGNUP_LABEL = (
    "Sign me up on my main when a raid is posted on a day I'm available; "
    "otherwise I'm added as Tentative"
)
REMINDERS_LABEL = "Put me on the raid-day reminder list"
NOTES_HELP = "Shown publicly as your reason on days you're out"


@dataclass
class ReferenceData:
    """Classes and specs (with their roles) for the selects and the JS data island (ROS-10)."""

    classes: list[PlayableClass]
    specs: list[Specialization]
    specs_by_class: dict[int, list[Specialization]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> "ReferenceData":
        classes = list(PlayableClass.objects.order_by("name"))
        specs = list(
            Specialization.objects.select_related("playable_class", "default_role").order_by(
                "playable_class__name", "name"
            )
        )
        by_class: dict[int, list[Specialization]] = {}
        for spec in specs:
            by_class.setdefault(spec.playable_class_id, []).append(spec)
        return cls(classes=classes, specs=specs, specs_by_class=by_class)

    @property
    def specs_by_id(self) -> dict[int, Specialization]:
        return {spec.pk: spec for spec in self.specs}

    def class_choices(self) -> list[tuple[str, str]]:
        return [("", "Choose a class")] + [(str(c.pk), c.name) for c in self.classes]

    def spec_choices(self, class_id: int | None = None) -> list:
        """Specs grouped by class (no JS: the server checks the pair), or one class's."""
        if class_id is not None:
            return [("", "Choose a spec")] + [
                (str(s.pk), self.spec_label(s)) for s in self.specs_by_class.get(class_id, [])
            ]
        groups = [
            (c.name, [(str(s.pk), self.spec_label(s)) for s in self.specs_by_class.get(c.pk, [])])
            for c in self.classes
        ]
        return [("", "Choose a spec"), *groups]

    def role_label(self, spec: Specialization) -> str:
        return ROLE_LABELS[display_role(spec.default_role)]

    def spec_label(self, spec: Specialization) -> str:
        """ "Blood (Tank)": without JS the option itself shows the role (ROS-11)."""
        return f"{spec.name} ({self.role_label(spec)})"

    def island(self) -> dict:
        """The JSON data island of roster-form.js: specs by class with their display role."""
        return {
            "classes": {
                str(c.pk): [
                    {"id": s.pk, "label": self.spec_label(s), "role": self.role_label(s)}
                    for s in self.specs_by_class.get(c.pk, [])
                ]
                for c in self.classes
            }
        }


class AddCharacterForm(forms.Form):
    """ROS-14: name, realm, class, spec, "This is my main".

    The text limits are the model columns' (issue 11 item 6); what the text becomes once
    normalised (the realm slug) is checked by `resolve_realm`, whose error goes next to the
    realm field.
    """

    name = forms.CharField(
        required=False, max_length=WowCharacter._meta.get_field("name").max_length
    )
    realm = forms.CharField(required=False, max_length=REALM_NAME_MAX)
    playable_class = forms.ChoiceField(label="Class", required=False)
    spec = forms.ChoiceField(required=False)
    is_main = forms.BooleanField(label="This is my main", required=False)

    def __init__(self, *args, reference: ReferenceData, realm_name: str, **kwargs):
        super().__init__(*args, prefix="add", **kwargs)
        self.fields["realm"].initial = realm_name
        self.fields["playable_class"].choices = reference.class_choices()
        self.fields["spec"].choices = reference.spec_choices()
        self.fields["name"].widget.attrs.update({"autocomplete": "off", "maxlength": "12"})
        self.fields["playable_class"].widget.attrs["data-class-select"] = ""
        self.fields["spec"].widget.attrs["data-spec-select"] = ""


class EditCharacterForm(forms.Form):
    """ROS-15: a roster character's spec (its class's specs only) and the main flag."""

    character = forms.IntegerField(widget=forms.HiddenInput)
    spec = forms.ChoiceField(required=False)
    is_main = forms.BooleanField(label="Make this my main", required=False)

    def __init__(self, *args, reference: ReferenceData, class_id: int | None, **kwargs):
        super().__init__(*args, prefix="edit", **kwargs)
        self.fields["spec"].choices = reference.spec_choices(class_id)
        self.fields["spec"].widget.attrs["data-spec-select"] = ""
        self.fields["spec"].widget.attrs["data-class-id"] = str(class_id or "")


class AvailabilityForm(forms.Form):
    """ROS-16: the seven days, auto sign-up, reminders and notes."""

    days = forms.TypedMultipleChoiceField(
        label="Days I can raid",
        choices=Weekday.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    auto_signup = forms.BooleanField(label=AUTO_SIGNUP_LABEL, required=False)
    wants_reminders = forms.BooleanField(label=REMINDERS_LABEL, required=False)
    # No max_length here: the service trims first, then gives ROS-9's message.
    notes = forms.CharField(
        required=False,
        strip=False,
        help_text=NOTES_HELP,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="avail", **kwargs)
