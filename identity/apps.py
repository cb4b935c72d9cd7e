from django.apps import AppConfig


class IdentityConfig(AppConfig):
    """Players, characters, ranks, Discord users, invites, audit issues and sync runs."""

    name = "identity"
    verbose_name = "Guild identity"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from identity import signals  # noqa: F401  (post_migrate: Officers group)
