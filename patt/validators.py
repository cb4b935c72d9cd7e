"""Validators shared by every app's models (ACC-6)."""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator

discord_id_validator = RegexValidator(
    r"^[0-9]{17,20}$", "Enter a Discord id (17–20 digits) or leave it blank."
)
colour_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Enter a colour like #d4a84b.")


def timezone_validator(value: str) -> None:
    """An IANA time zone name such as America/New_York (the raid timezone, roster spec §1)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(
            "Enter a time zone name such as America/New_York.", code="invalid"
        ) from exc
