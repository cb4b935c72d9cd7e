"""Password rules (ACC-12): Django's validators, with the site's own minimum-length message."""

from django.contrib.auth import password_validation


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's minimum length, saying "Password must be at least 8 characters." (ACC-12)."""

    def get_error_message(self) -> str:
        return f"Password must be at least {self.min_length} characters."

    def get_help_text(self) -> str:
        return f"At least {self.min_length} characters."
