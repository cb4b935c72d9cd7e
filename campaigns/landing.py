"""Campaign cards of the landing page, `/campaigns` and the "Vote" nav item (ACC-45, ACC-47,
CMP-35, CMP-36).

Every list goes through `visible_campaigns` (CMP-35) and issues a constant number of queries
whatever the guild size: one per list (entry counts annotated), one for the viewer's receipts
among the live campaigns, one for the first entries' thumbnails of the live cards (issue 16,
shown to everyone), one for the winners of the listed results. The viewer's Player is
the request's cached one (ACC-1).

A live campaign whose end time has passed is closed before it is listed (CMP-9); that costs
queries only in the minute between the end and the status checker's next run.
"""

from dataclasses import dataclass, field

from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone

from campaigns.models import (
    BallotReceipt,
    Campaign,
    CampaignEntry,
    CampaignResult,
    CampaignStatus,
)
from campaigns.services.access import visible_campaigns
from campaigns.services.lifecycle import close_if_due
from identity.services.viewer import is_officer, rank_allows_vote, viewer_level, viewer_player
from patt.memo import memo
from patt.redirects import sign_in_url

DESCRIPTION_LIMIT = 100  # ACC-47: "description cut to 100 characters with '…'"
LANDING_RESULTS = 3  # ACC-47: up to 3 recent results
LIST_RESULTS = 50  # CMP-36: 50 at most
CARD_THUMBNAILS = 4  # issue 16: the first entries' pictures on a vote card, for everyone

# ACC-47's buttons of an active-vote card.
VOTE_NOW = "Vote now"
VOTED = "You voted ✓ — see standings"
VOTED_SECRET = "You voted ✓ — results when voting closes"  # CMP-22: no live standings
VIEW_ENTRIES = "View entries"
SIGN_IN_TO_VOTE = "Sign in to vote"

# Cached on the request, so the landing page and the nav item share one list.
_LIVE_CACHE_ATTR = "_campaigns_live_cards"


def short_description(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """ACC-47: the description cut to `limit` characters, "…" appended when cut."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    return text[:limit].rstrip() + "…"


def vote_url(campaign_id: int) -> str:
    return reverse("vote", args=[campaign_id])


def sign_in_to_vote_url(campaign_id: int) -> str:
    """`/accounts/login/?next=/vote/<id>` (ACC-47, CMP-33)."""
    return sign_in_url(vote_url(campaign_id))


@dataclass(frozen=True)
class VoteCard:
    """A live campaign's card (ACC-47 #2, CMP-36 "Voting now")."""

    campaign: Campaign
    entry_count: int
    description: str
    button_label: str
    button_url: str
    can_vote: bool
    has_voted: bool
    thumbnails: tuple = ()  # issue 16: up to CARD_THUMBNAILS CampaignEntry objects

    @property
    def url(self) -> str:
        return vote_url(self.campaign.pk)

    @property
    def more_entries(self) -> int:
        """Entries beyond the thumbnails ("+6")."""
        return max(0, self.entry_count - len(self.thumbnails))

    @property
    def needs_vote(self) -> bool:
        """ACC-45: the nav dot — the viewer can vote here and has not."""
        return self.can_vote and not self.has_voted


@dataclass(frozen=True)
class ResultCard:
    """A closed campaign's card (ACC-47 #3, CMP-36 "Results"): its winners, if any."""

    campaign: Campaign
    winners: list = field(default_factory=list)  # CampaignEntry objects, player joined

    @property
    def url(self) -> str:
        return vote_url(self.campaign.pk)

    @property
    def co_winners(self) -> bool:
        return len(self.winners) > 1

    @property
    def winner_names(self) -> str:
        """ "A", "A & B", "A, B & C"."""
        names = [entry.name for entry in self.winners]
        if len(names) <= 1:
            return "".join(names)
        return ", ".join(names[:-1]) + " & " + names[-1]


@dataclass(frozen=True)
class ViewerFacts:
    signed_in: bool
    level: int
    officer: bool
    player_id: int | None


def viewer_facts(request) -> ViewerFacts:
    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    player = viewer_player(request) if signed_in else None
    level = viewer_level(request) if signed_in else 0
    return ViewerFacts(
        signed_in=signed_in,
        level=level,
        officer=signed_in and is_officer(request),
        player_id=player.pk if player is not None and level > 0 else None,
    )


def _with_entry_counts(queryset):
    return queryset.select_related("min_rank_to_vote").annotate(entry_count=Count("entries"))


def _live_campaigns(facts: ViewerFacts) -> list[Campaign]:
    """Live campaigns the viewer may see, ending soonest first; due ones closed first (CMP-9)."""

    def fetch() -> list[Campaign]:
        queryset = visible_campaigns(level=facts.level, is_officer=facts.officer).filter(
            status=CampaignStatus.LIVE
        )
        return list(_with_entry_counts(queryset).order_by("end_at", "pk"))

    campaigns = fetch()
    now = timezone.now()
    due = [campaign for campaign in campaigns if campaign.end_at <= now]
    if not due:
        return campaigns
    for campaign in due:
        close_if_due(campaign)
    return fetch()


def _thumbnails(campaigns: list[Campaign]) -> dict[int, tuple]:
    """Issue 16: the first `CARD_THUMBNAILS` entries (CMP-38 order) of every listed campaign,
    in one query whatever the number of entries (a row number per campaign)."""
    if not campaigns:
        return {}
    rows = (
        CampaignEntry.objects.filter(campaign__in=[campaign.pk for campaign in campaigns])
        .annotate(
            position=Window(
                RowNumber(),
                partition_by=[F("campaign_id")],
                order_by=[F("sort_order").asc(), F("pk").asc()],
            )
        )
        .filter(position__lte=CARD_THUMBNAILS)
        .only("pk", "campaign", "name", "image", "image_url", "sort_order")
        .order_by("campaign_id", "position")
    )
    found: dict[int, list] = {}
    for entry in rows:
        found.setdefault(entry.campaign_id, []).append(entry)
    return {key: tuple(value) for key, value in found.items()}


def _vote_card(
    campaign: Campaign, facts: ViewerFacts, voted_ids: set[int], thumbnails: tuple = ()
) -> VoteCard:
    has_voted = campaign.pk in voted_ids
    can_vote = rank_allows_vote(level=facts.level, required_level=campaign.vote_level)
    if not facts.signed_in:
        label, url = SIGN_IN_TO_VOTE, sign_in_to_vote_url(campaign.pk)
    elif has_voted:
        label, url = VOTED_SECRET if campaign.secret_ballot else VOTED, vote_url(campaign.pk)
    elif can_vote:
        label, url = VOTE_NOW, vote_url(campaign.pk)
    else:
        label, url = VIEW_ENTRIES, vote_url(campaign.pk)
    return VoteCard(
        campaign=campaign,
        entry_count=campaign.entry_count,
        description=short_description(campaign.description),
        button_label=label,
        button_url=url,
        can_vote=can_vote,
        has_voted=has_voted,
        thumbnails=thumbnails,
    )


def active_votes(request) -> list[VoteCard]:
    """ACC-47 #2 / CMP-36 "Voting now": a card per live campaign the viewer may see, ending
    soonest first. Cached on the request (the nav item reuses it)."""
    cached = getattr(request, _LIVE_CACHE_ATTR, None)
    if cached is not None:
        return cached
    facts = viewer_facts(request)
    campaigns = _live_campaigns(facts)
    voted_ids: set[int] = set()
    if campaigns and facts.player_id is not None:
        voted_ids = set(
            BallotReceipt.objects.filter(
                player_id=facts.player_id, campaign__in=[c.pk for c in campaigns]
            ).values_list("campaign_id", flat=True)
        )
    thumbnails = _thumbnails(campaigns)
    cards = [
        _vote_card(campaign, facts, voted_ids, thumbnails.get(campaign.pk, ()))
        for campaign in campaigns
    ]
    setattr(request, _LIVE_CACHE_ATTR, cards)
    return cards


def votes_waiting(request) -> list[VoteCard]:
    """Issue 16 item 2, the member's week: the live campaigns the viewer may vote in and has
    not, ending soonest first. The landing page's active-vote cards, filtered: no query of its
    own once `active_votes` ran (it is cached on the request); none for a visitor."""
    if not viewer_facts(request).signed_in:
        return []
    return [card for card in active_votes(request) if card.needs_vote]


def _result_cards(campaigns: list[Campaign]) -> list[ResultCard]:
    winners: dict[int, list] = {campaign.pk: [] for campaign in campaigns}
    if campaigns:
        rows = (
            CampaignResult.objects.filter(campaign__in=list(winners), is_winner=True)
            .select_related("entry", "entry__player")
            .order_by("entry__sort_order", "entry__name", "entry__pk")
        )
        for row in rows:
            winners[row.campaign_id].append(row.entry)
    return [ResultCard(campaign=campaign, winners=winners[campaign.pk]) for campaign in campaigns]


def recent_results(request, limit: int = LANDING_RESULTS) -> list[ResultCard]:
    """ACC-47 #3 / CMP-36 "Results": closed (never archived) campaigns the viewer may see,
    newest close first, at most `limit`, with their winners (two queries, or none while the
    viewer's level has them kept: `_results_for`)."""
    facts = viewer_facts(request)
    return _results_for(level=facts.level, officer=facts.officer, limit=limit)


@memo(
    cleared_by=(
        "campaigns.Campaign",
        "campaigns.CampaignResult",
        "campaigns.CampaignEntry",
        "identity.Player",
    )
)
def _results_for(*, level: int, officer: bool, limit: int) -> list[ResultCard]:
    """The result cards every viewer of this level sees alike: kept per process for 30 s and
    dropped when this process writes a campaign, result, entry or player (`patt.memo`); a
    close (CMP-9, the checker) saves the campaign, so this process shows it at once."""
    queryset = visible_campaigns(level=level, is_officer=officer).filter(
        status=CampaignStatus.CLOSED
    )
    campaigns = list(queryset.order_by("-closed_at", "-pk")[:limit])
    return _result_cards(campaigns)


def drafts(request) -> list[Campaign]:
    """CMP-36 "Drafts": officers only, soonest start first (one query)."""
    facts = viewer_facts(request)
    if not facts.officer:
        return []
    queryset = visible_campaigns(level=facts.level, is_officer=facts.officer).filter(
        status=CampaignStatus.DRAFT
    )
    return list(_with_entry_counts(queryset).order_by("start_at", "pk"))


@dataclass(frozen=True)
class NavVote:
    """ACC-45's "Vote" item: `url` and `needs_vote` (the dot)."""

    url: str
    needs_vote: bool


def nav_vote(request) -> NavVote | None:
    """ACC-45: the live campaign ending soonest that the viewer may see, or None.

    Reuses the page's active-vote cards when the page built them (the landing page and
    `/campaigns`); otherwise one query for the campaign and, for a Player, one for the receipt.
    A campaign whose end has passed is skipped here (the page that opens it closes it, CMP-9);
    the navigation never writes.
    """
    now = timezone.now()
    cached = getattr(request, _LIVE_CACHE_ATTR, None)
    if cached is not None:
        card = next((c for c in cached if c.campaign.end_at > now), None)
        return NavVote(card.url, card.needs_vote) if card is not None else None
    facts = viewer_facts(request)
    campaign = (
        visible_campaigns(level=facts.level, is_officer=facts.officer)
        .filter(status=CampaignStatus.LIVE, end_at__gt=now)
        .order_by("end_at", "pk")
        .only("pk", "min_rank_to_vote")
        .first()
    )
    if campaign is None:
        return None
    can_vote = rank_allows_vote(level=facts.level, required_level=campaign.vote_level)
    needs_vote = (
        can_vote
        and not BallotReceipt.objects.filter(
            campaign_id=campaign.pk, player_id=facts.player_id
        ).exists()
    )
    return NavVote(vote_url(campaign.pk), needs_vote)
