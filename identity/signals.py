"""Signal receivers of the identity app."""

from django.db.models.signals import post_migrate
from django.dispatch import receiver


@receiver(post_migrate, dispatch_uid="identity.ensure_officers_group")
def ensure_officers_group_after_migrate(sender, app_config=None, using="default", **kwargs):
    """ACC-38: the Officers group and its permissions are re-asserted after every migrate.

    Runs after each app's post_migrate, so apps installed after `identity` are covered too.
    """
    from identity.services.accounts import ensure_officers_group

    ensure_officers_group()
