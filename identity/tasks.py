"""django-q2 tasks of the identity app. Thin: each calls one service and returns a summary."""

from identity.models import SyncTrigger
from identity.services.invite_dm import deliver_invite_dm


def send_invite_dm(invite_id: int) -> str:
    """ACC-32: DM a website invite to its player; returns the stored `dm_status`."""
    invite = deliver_invite_dm(invite_id)
    return invite.dm_status if invite is not None else "missing"


def run_discord_pipeline() -> str:
    """Schedule `identity.discord_member_sync` (IDN-26, IDN-47); returns the result line."""
    from identity.services.discord_sync import sync_discord_members

    return sync_discord_members(trigger=SyncTrigger.SCHEDULE).line


def run_blizzard_pipeline() -> str:
    """Schedule `identity.blizzard_roster_sync` (IDN-23, IDN-47); returns the result line."""
    from identity.services.roster_sync import sync_roster

    return sync_roster(trigger=SyncTrigger.SCHEDULE).line
