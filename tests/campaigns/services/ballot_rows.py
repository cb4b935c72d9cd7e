"""Write ballots straight into the tables, for tests of what is computed from them."""

from django.utils import timezone

from campaigns.models import Ballot, BallotPick, BallotReceipt, Campaign, CampaignEntry


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
