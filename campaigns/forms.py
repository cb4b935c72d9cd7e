"""The officers' campaign forms in the admin (CMP-12, CMP-13).

Every message of CMP-12's validation table and CMP-13's entry rules is produced here, once per
problem: form fields carry the single-field ranges (so the model's generic validator messages
never show twice), `Campaign.clean` keeps the view-rank-vs-vote-rank rule, and the entries
formset checks duplicate names (ignoring case) across all the campaign's entries.
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone

from campaigns.models import Campaign, CampaignEntry, channel_id_validator
from identity.models import GuildRank

PICKS_RANGE = "Picks per voter must be between 1 and 10."
DURATION_RANGE = "Duration must be between 1 and 8760 hours."
INVALID_RANK = "Select a valid rank."
START_IN_PAST = "The start time must be in the future. To start now, save and use “Activate now”."
PUBLIC_LABEL = "Public (anyone)"
DUPLICATE_ENTRY = "This campaign already has an entry named “{name}”."
INVALID_HTTPS_URL = "Enter a valid https URL."
INVALID_IMAGE = "Upload a JPEG, PNG, WebP or GIF image."
IMAGE_TOO_LARGE = "Images must be 5 MB or smaller."
MAX_IMAGE_BYTES = 5 * 1024 * 1024
IMAGE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
DURATION_PRESETS = ((24, "24 h"), (48, "48 h"), (168, "1 week"), (336, "2 weeks"))

# A Google Drive share link: https://drive.google.com/file/d/<ID>/view?usp=sharing (or the
# older https://drive.google.com/open?id=<ID>). Their pages are HTML, not images.
_DRIVE_FILE = re.compile(r"^https://drive\.google\.com/file/d/([A-Za-z0-9_-]+)(?:[/?#].*)?$")
_DRIVE_OPEN = re.compile(r"^https://drive\.google\.com/open\?(?:.*&)?id=([A-Za-z0-9_-]+)(?:&.*)?$")


def drive_image_url(file_id: str) -> str:
    """CMP-13/CMP-59: the direct-image address of a Google Drive file id."""
    return f"https://drive.google.com/uc?id={file_id}&export=view"


def rewrite_drive_link(url: str) -> str:
    """CMP-13: a Google Drive share link becomes its direct-image URL; anything else is kept."""
    match = _DRIVE_FILE.match(url) or _DRIVE_OPEN.match(url)
    return drive_image_url(match.group(1)) if match else url


class RankChoiceField(forms.ModelChoiceField):
    """A rank dropdown by level, labelled "Veteran (3)" (CMP-12)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", GuildRank.objects.order_by("level"))
        kwargs.setdefault("to_field_name", "level")
        kwargs.setdefault("error_messages", {"invalid_choice": INVALID_RANK})
        super().__init__(**kwargs)

    def label_from_instance(self, rank):
        return f"{rank.name} ({rank.level})"


class DurationInput(forms.NumberInput):
    """The hours box; `campaigns/admin-duration.js` adds the preset buttons next to it."""

    def __init__(self, attrs=None):
        presets = ",".join(f"{hours}:{label}" for hours, label in DURATION_PRESETS)
        super().__init__(
            attrs={"min": 1, "max": 8760, "data-duration-presets": presets, **(attrs or {})}
        )


class CampaignForm(forms.ModelForm):
    """CMP-12: the draft campaign's settings. Unticked checkboxes mean false."""

    picks_per_voter = forms.IntegerField(
        label="Picks per voter",
        initial=3,
        min_value=1,
        max_value=10,
        error_messages={"min_value": PICKS_RANGE, "max_value": PICKS_RANGE},
        widget=forms.NumberInput(attrs={"min": 1, "max": 10}),
    )
    min_rank_to_vote = RankChoiceField(label="Minimum rank to vote")
    min_rank_to_view = RankChoiceField(
        label="Minimum rank to view",
        required=False,
        empty_label=PUBLIC_LABEL,
        help_text="Public: anyone, signed in or not, sees the campaign page.",
    )
    start_at = forms.DateTimeField(
        label="Start (UTC)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="In UTC. The campaign goes live automatically at this time.",
    )
    duration_hours = forms.IntegerField(
        label="Duration (hours)",
        initial=168,
        min_value=1,
        max_value=8760,
        error_messages={"min_value": DURATION_RANGE, "max_value": DURATION_RANGE},
        widget=DurationInput(),
    )
    discord_channel_id = forms.CharField(
        label="Discord channel id",
        required=False,
        validators=[channel_id_validator],
        help_text="Blank posts to the site's announcement channel.",
    )

    class Meta:
        model = Campaign
        fields = [
            "title",
            "description",
            "picks_per_voter",
            "min_rank_to_vote",
            "min_rank_to_view",
            "start_at",
            "duration_hours",
            "early_close_if_all_voted",
            "secret_ballot",
            "discord_channel_id",
            "agent_enabled",
            "agent_chattiness",
        ]

    class Media:
        js = ["campaigns/admin-duration.js"]
        css = {"all": ["campaigns/admin-campaigns.css"]}

    def clean_start_at(self):
        """CMP-12: a draft save needs a start in the future (Activate now starts at once)."""
        start = self.cleaned_data["start_at"]
        if start is not None and start <= timezone.now():
            raise ValidationError(START_IN_PAST)
        return start


class EntryImageField(forms.ImageField):
    """CMP-13: JPEG, PNG, WebP or GIF, at most 5 MB; the size is checked before decoding."""

    default_error_messages = {
        "invalid_image": INVALID_IMAGE,
        "invalid_extension": INVALID_IMAGE,
    }
    default_validators = []  # the format check below replaces the extension validator

    def to_python(self, data):
        if data and getattr(data, "size", 0) > MAX_IMAGE_BYTES:
            raise ValidationError(IMAGE_TOO_LARGE, code="file_too_large")
        upload = super().to_python(data)
        image = getattr(upload, "image", None)
        if upload is not None and image is not None and image.format not in IMAGE_FORMATS:
            raise ValidationError(INVALID_IMAGE, code="invalid_image")
        return upload


class HttpsUrlField(forms.CharField):
    """CMP-13: blank or a valid https URL; Google Drive share links are rewritten."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 500)
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return rewrite_drive_link(value) if value else value

    def validate(self, value):
        super().validate(value)
        if value:
            try:
                URLValidator(schemes=["https"])(value)
            except ValidationError:
                raise ValidationError(INVALID_HTTPS_URL, code="invalid") from None


class CampaignEntryForm(forms.ModelForm):
    """CMP-13: one entry row of the inline."""

    image_url = HttpsUrlField(label="Image URL")
    image = EntryImageField(label="Image upload", required=False)
    sort_order = forms.IntegerField(
        label="Sort order", required=False, help_text="Blank: after the last entry."
    )

    class Meta:
        model = CampaignEntry
        fields = ["name", "description", "image_url", "image", "sort_order", "player"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2, "cols": 30})}

    def _get_validation_exclusions(self):
        # Duplicate names are the formset's check (CMP-13's message, and a rename that swaps
        # two names is fine); the model's generic constraint message would repeat it.
        exclude = {*super()._get_validation_exclusions(), "name"}
        if getattr(self, "cleaned_data", {}).get("sort_order") is None:
            exclude.add("sort_order")  # blank: the formset fills in max + 1 when saving
        return exclude


class CampaignEntryFormSet(forms.BaseInlineFormSet):
    """CMP-13: new rows default to sort order max + 1; names are unique within the campaign."""

    def _next_sort_order(self) -> int:
        if not hasattr(self, "_sort_base"):
            orders = [entry.sort_order for entry in self.get_queryset()]
            self._sort_base = max(orders, default=0) + 1
        return self._sort_base

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if index is not None and index >= self.initial_form_count():
            offset = index - self.initial_form_count()
            kwargs["initial"] = {
                **kwargs.get("initial", {}),
                "sort_order": self._next_sort_order() + offset,
            }
        return kwargs

    def validate_unique(self):
        """Every kept row's name once ignoring case ("Trog" = "trog"), whatever the order of
        renames (CMP-13's message; the database constraint is `campaign_entry_name_ci_unique`).

        `str.lower()` folds at least every letter the database's LOWER() does, so a name the
        constraint would refuse is always caught here first, as a form error."""
        seen: set[str] = set()
        for form in self.forms:
            if not form.is_valid() or form in self.deleted_forms:
                continue
            name = form.cleaned_data.get("name")
            if not name:
                continue
            if name.lower() in seen:
                form.add_error("name", DUPLICATE_ENTRY.format(name=name))
            seen.add(name.lower())

    def save_new(self, form, commit=True):
        entry = super().save_new(form, commit=False)
        self._fill_sort_order(entry)
        if commit:
            entry.save()
        return entry

    def save_existing(self, form, obj, commit=True):
        entry = super().save_existing(form, obj, commit=False)
        self._fill_sort_order(entry)
        if commit:
            entry.save()
        return entry

    def _fill_sort_order(self, entry) -> None:
        if entry.sort_order is None:
            taken = [e.sort_order for e in self.get_queryset()] + self._assigned
            entry.sort_order = max((o for o in taken if o is not None), default=0) + 1
        self._assigned.append(entry.sort_order)

    @property
    def _assigned(self) -> list[int]:
        if not hasattr(self, "_assigned_orders"):
            self._assigned_orders = []
        return self._assigned_orders
