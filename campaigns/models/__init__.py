"""Campaign data model (CMP-1 … CMP-5), one module per concept.

The invariants live in the database: picks and duration ranges, the status / chattiness /
close-reason vocabularies, entry names unique per campaign ignoring case, one receipt per
player per campaign (the constraint that enforces one ballot per player, CMP-18), one ballot
per named voter, unique ranks and entries on a ballot, one counter per (entry, rank) of a
secret campaign, one result row per entry. The vote and view ranks are foreign keys to
`GuildRank.level`, so a campaign can only name a rank level that exists (CMP-1).

Editability (CMP-10) is enforced in `campaigns.py`, in `save`/`delete`. Every public name is
re-exported here, so `from campaigns.models import Campaign` keeps working; the modules never
import `campaigns.services` or `campaigns.admin`.
"""

# isort: off
# In declaration order (app registry order unchanged), which is also the dependency order.
from campaigns.models.campaigns import (
    DRAFT_ONLY_CAMPAIGN,
    DRAFT_ONLY_DELETE,
    DRAFT_ONLY_ENTRIES,
    DUPLICATE_ENTRY_NAME,
    Campaign,
    CampaignEntry,
    CampaignStatus,
    Chattiness,
    CloseReason,
    channel_id_validator,
)
from campaigns.models.ballots import Ballot, BallotPick, BallotReceipt, SecretPickCount
from campaigns.models.results import CampaignResult
from campaigns.models.agent_log import AgentEvent, AgentPostStatus, ContestAgentLog
# isort: on

__all__ = [
    "DRAFT_ONLY_CAMPAIGN",
    "DRAFT_ONLY_DELETE",
    "DRAFT_ONLY_ENTRIES",
    "DUPLICATE_ENTRY_NAME",
    "AgentEvent",
    "AgentPostStatus",
    "Ballot",
    "BallotPick",
    "BallotReceipt",
    "Campaign",
    "CampaignEntry",
    "CampaignResult",
    "CampaignStatus",
    "Chattiness",
    "CloseReason",
    "ContestAgentLog",
    "SecretPickCount",
    "channel_id_validator",
]
