"""Where the identity posts go: SiteConfig's audit channel, over the REST client.

The audit report (IDN-39) goes to `SiteConfig.discord_audit_channel_id`. The spec names no
channel for the sync summary (IDN-41) or the failure / recovery posts (IDN-42); they go to the
same channel, so officers find every identity post in one place.
"""

import logging
from collections.abc import Mapping, Sequence

from patt.discord.errors import DiscordError
from patt.discord.rest import DiscordRestClient, discord_configured
from patt.models import SiteConfig

log = logging.getLogger(__name__)

NO_CHANNEL = "No audit channel configured (discord_audit_channel_id)"
NOT_CONFIGURED = "Discord not configured (DISCORD_BOT_TOKEN and server id)"
# Nobody is pinged by an identity post, whatever a name contains (IDN-39).
NO_MENTIONS = {"parse": []}


def audit_channel_id() -> str:
    return SiteConfig.get().discord_audit_channel_id or ""


def unavailable_reason(client: DiscordRestClient | None) -> str:
    """Why nothing can be posted ("" when a post can be tried): no channel, or no Discord."""
    if not audit_channel_id():
        return NO_CHANNEL
    if client is None and not discord_configured():
        return NOT_CONFIGURED
    return ""


def post_embeds(embeds: Sequence[Mapping], *, client: DiscordRestClient | None, what: str) -> bool:
    """One message of `embeds` in the audit channel; False (logged) when it was not posted."""
    if unavailable_reason(client):
        log.info("%s not posted: %s", what, unavailable_reason(client))
        return False
    own = client is None
    try:
        if own:
            client = DiscordRestClient()
        client.post_channel_message(
            audit_channel_id(), embeds=list(embeds), allowed_mentions=NO_MENTIONS
        )
    except DiscordError as exc:
        log.warning("%s not posted: %s", what, exc)
        return False
    finally:
        if own and client is not None:
            client.close()
    return True
