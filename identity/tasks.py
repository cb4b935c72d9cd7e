"""django-q2 tasks of the identity app. Thin: each calls one service and returns a summary."""

from identity.services.invite_dm import deliver_invite_dm


def send_invite_dm(invite_id: int) -> str:
    """ACC-32: DM a website invite to its player; returns the stored `dm_status`."""
    invite = deliver_invite_dm(invite_id)
    return invite.dm_status if invite is not None else "missing"
