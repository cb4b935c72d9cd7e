"""Who may see and vote in a campaign (CMP-32 … CMP-35).

The viewer — their Player, level, officer flag and vote right — is identity's
(`identity.services.viewer`, ACC-1, ACC-2); this module adds the campaign gates on top of it and
never reads ranks, requests or the officer rule another way. The edge passes the request's
cached `Viewer` (`viewer_of(request)`); other callers build one with `viewer_for_user(user)`.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from campaigns.models import BallotReceipt, Campaign, CampaignStatus
from identity.models import Player
from identity.services.viewer import Viewer, rank_allows_vote


def passes_view_gate(campaign: Campaign, *, level: int) -> bool:
    """CMP-33: the campaign is public (no view rank) or the viewer's level reaches it."""
    return campaign.view_level is None or level >= campaign.view_level


def voting_open(campaign: Campaign, *, now: datetime | None = None) -> bool:
    """CMP-17 check 5: live and start_at ≤ now < end_at."""
    now = now or timezone.now()
    return campaign.status == CampaignStatus.LIVE and campaign.start_at <= now < campaign.end_at


@dataclass
class CampaignViewer:
    """One viewer of one campaign (CMP-32).

    `can_vote`: the viewer could cast a ballot right now — passes the gate, has an active
    Player with level ≥ the vote rank, the campaign is open for voting and they have no
    receipt yet. `campaign_status` is the campaign's status when the viewer was built and
    `secret_ballot` its secret flag (together they decide `can_see_results`).
    """

    signed_in: bool
    level: int
    player: Player | None
    is_officer: bool
    passes_gate: bool
    can_vote: bool
    has_voted: bool
    rank_allows_vote: bool = False
    campaign_status: str = ""
    secret_ballot: bool = False

    @property
    def can_see_results(self) -> bool:
        """CMP-34: final results once closed/archived; live standings only to voters, and
        never while a secret campaign is live (CMP-22: each change in the standings would
        line up with one new voter)."""
        if not self.passes_gate:
            return False
        if self.campaign_status in (CampaignStatus.CLOSED, CampaignStatus.ARCHIVED):
            return True
        return (
            self.campaign_status == CampaignStatus.LIVE
            and self.has_voted
            and not self.secret_ballot
        )

    @property
    def waits_for_secret_results(self) -> bool:
        """CMP-22: a voter of a live secret campaign — "Results when voting closes"."""
        return (
            self.passes_gate
            and self.has_voted
            and self.secret_ballot
            and self.campaign_status == CampaignStatus.LIVE
        )

    @property
    def kind(self) -> str:
        """CMP-32: "anonymous" | "no_access" | "cannot_vote" | "eligible" | "voter".

        Anonymous comes first (an anonymous visitor failing the gate is sent to sign in);
        "eligible" means the rank allows voting and no receipt exists, whatever the status.
        """
        if not self.signed_in:
            return "anonymous"
        if not self.passes_gate:
            return "no_access"
        if self.has_voted:
            return "voter"
        if self.rank_allows_vote:
            return "eligible"
        return "cannot_vote"


def campaign_viewer(campaign: Campaign, *, viewer: Viewer) -> CampaignViewer:
    """CMP-32 for `viewer` (ACC-1 level, ACC-2 officer flag, CMP-17's vote right).

    One query, for the receipt (none for a viewer without a Player); the Player is the
    viewer's, already loaded.
    """
    player = viewer.player
    level = viewer.level
    gate = passes_view_gate(campaign, level=level)
    has_voted = (
        player is not None
        and BallotReceipt.objects.filter(campaign_id=campaign.pk, player=player).exists()
    )
    rank_allows = (
        viewer.signed_in
        and gate
        and rank_allows_vote(level=level, required_level=campaign.vote_level)
    )
    return CampaignViewer(
        signed_in=viewer.signed_in,
        level=level,
        player=player,
        is_officer=viewer.is_officer,
        passes_gate=gate,
        can_vote=rank_allows and not has_voted and voting_open(campaign),
        has_voted=has_voted,
        rank_allows_vote=rank_allows,
        campaign_status=campaign.status,
        secret_ballot=campaign.secret_ballot,
    )


def visible_campaigns(*, level: int, is_officer: bool) -> QuerySet[Campaign]:
    """CMP-35: live and closed campaigns passing the view gate; drafts only to officers
    (gate applies to them too); archived never."""
    gate = Q(min_rank_to_view__isnull=True) | Q(min_rank_to_view__lte=level)
    statuses = [CampaignStatus.LIVE, CampaignStatus.CLOSED]
    if is_officer:
        statuses.append(CampaignStatus.DRAFT)
    return Campaign.objects.filter(gate, status__in=statuses)
