"""Write ballots straight into the tables, for tests of what is computed from them."""

from dataclasses import dataclass, field

from django.utils import timezone

from campaigns.models import Ballot, BallotPick, BallotReceipt, Campaign, CampaignEntry
from campaigns.services.ballots import cast_ballot
from identity.services.viewer import viewer_for_user
from patt.refusals import Refused, status_for


def add_ballot(campaign: Campaign, names: str | list[str], voter=None) -> Ballot:
    """A ballot ranking the entries named in `names` (1st, 2nd, …), with a receipt for `voter`.

    `names` may be a string of one-letter names: "ABC" = A 1st, B 2nd, C 3rd.
    """
    entries = {e.name: e for e in CampaignEntry.objects.filter(campaign=campaign)}
    now = timezone.now()
    if voter is not None:
        BallotReceipt.objects.create(campaign=campaign, player=voter, voted_at=now)
    ballot = Ballot.objects.create(
        campaign=campaign, voter=voter, cast_at=now if voter is not None else None
    )
    BallotPick.objects.bulk_create(
        BallotPick(ballot=ballot, entry=entries[name], rank=rank)
        for rank, name in enumerate(names, start=1)
    )
    return ballot


def go_live(campaign: Campaign, *, started_hours_ago: float = 1) -> Campaign:
    """Move a draft to live the way the lifecycle code does (a queryset update)."""
    from datetime import timedelta

    start = timezone.now() - timedelta(hours=started_hours_ago)
    Campaign.objects.filter(pk=campaign.pk).update(
        status=Campaign.Status.LIVE,
        start_at=start,
        end_at=start + timedelta(hours=campaign.duration_hours),
    )
    campaign.refresh_from_db()
    return campaign


@dataclass
class BallotAnswer:
    """`cast_ballot` as the vote endpoint answers it: 201 with the stored ballot, or the status
    and message of the refusal (CMP-17's table, mapped by `patt.refusals`)."""

    ok: bool
    status: int
    message: str
    picks: list = field(default_factory=list)
    campaign_closed: bool = False
    stats: object = None


def cast(campaign, user, picks) -> BallotAnswer:
    """Call `cast_ballot` and answer as the API does, so tests state CMP-17's statuses."""
    try:
        stored = cast_ballot(campaign=campaign, viewer=viewer_for_user(user), picks=picks)
    except Refused as refusal:
        return BallotAnswer(ok=False, status=status_for(refusal), message=refusal.message)
    return BallotAnswer(
        ok=True,
        status=201,
        message=stored.message,
        picks=stored.picks,
        campaign_closed=stored.campaign_closed,
        stats=stored.stats,
    )
