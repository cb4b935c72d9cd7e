"""Validators shared by every app's models (ACC-6)."""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

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


def max_length_of(model: type[models.Model], name: str) -> int:
    """The `max_length` of a model's character column, for services that refuse too-long text
    before writing: the limit is read from the model rather than copied (issue 11 item 6).

    A field without one is a programming error, raised when the service module is imported.
    """
    limit = getattr(model._meta.get_field(name), "max_length", None)
    if not isinstance(limit, int):
        raise TypeError(f"{model.__name__}.{name} has no max_length")
    return limit


UNSTORABLE_TEXT_MESSAGE = "Text may not contain NUL characters or unpaired surrogates."


def is_storable_text(value: str) -> bool:
    """PostgreSQL text refuses NUL, and UTF-8 cannot encode an unpaired surrogate (`\\ud800`).

    Such text reaches us through JSON escapes (`"\\u0000"`, `"\\ud800"`) or hostile form posts;
    every text input refuses it with a clear message instead of failing at the database.
    """
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def storable_text_validator(value: str) -> None:
    """Form/model validator form of `is_storable_text`."""
    if isinstance(value, str) and not is_storable_text(value):
        raise ValidationError(UNSTORABLE_TEXT_MESSAGE, code="unstorable_text")


def has_unstorable_text(data: object) -> bool:
    """True when any string in decoded JSON (keys included, at any depth) is not storable."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if not is_storable_text(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False
