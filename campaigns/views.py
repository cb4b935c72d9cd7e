"""Campaign pages: `/campaigns` and `/vote/<id>` (CMP-32 … CMP-40).

Thin entry points: every rule is a service's (`campaigns.services`); these views pick what to
show for the viewer kind (CMP-32/34) and render it. Each page issues a constant number of
queries whatever the guild or campaign size.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_safe

from campaigns import landing
from campaigns.models import Campaign, CampaignEntry, CampaignStatus, CloseReason
from campaigns.services.access import CampaignViewer, campaign_viewer
from campaigns.services.ballots import CastBallot, cast_ballot, my_vote
from campaigns.services.lifecycle import close_if_due
from campaigns.services.scoring import Standing, standings, winners
from campaigns.services.stats import display_stats
from identity.services.viewer import viewer_of
from patt.redirects import sign_in_url
from patt.refusals import Refused

NOT_FOUND = "Campaign not found."
NO_PERMISSION = "You don't have permission to view this campaign."
THANKS = "Your vote is in! Thanks for voting."
SECRET_NOTE = (
    "Your vote is in! This is a secret ballot, so your picks aren't stored with your name."
)
SECRET_RESULTS_LATER = "Results when voting closes"
RANK_BANNER = (
    "Your rank isn't high enough to vote in this campaign ({rank} or higher can vote). "
    "You can still browse the entries."
)
NO_PLAYER_BANNER = (
    "Your account isn't linked to a guild member yet, so you can't vote. Ask an officer."
)
# CMP-37's anonymous banner; issue 16 shows visitors the entries, so it no longer promises them.
SIGN_IN_BANNER = "Sign in to vote."
# CMP-38's instruction without "click" (issue 16: members arrive on phones, where they tap).
BALLOT_INSTRUCTION = "Pick your top {n} — choose entries in order."
CONFIRM_TEXT = "Submit these picks? Votes can't be changed."  # CMP-38, in the styled dialog
RANKING_RULE = (
    "Points: 1st = {n} … last = 1. Ties: most 1st places, then most 2nd places; "
    "still level = shared place."
)
CLOSE_NOTES = {
    CloseReason.ALL_VOTED: "(closed early — everyone voted)",
    CloseReason.MANUAL: "(closed by the officers)",
}
PLACE_WORDS = ("first", "second", "third")
MIN_BAR_PERCENT = 2  # CMP-40: a bar with points is never invisible


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th … 11th, 12th, 13th … 21st."""
    if 11 <= n % 100 <= 13:
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th') }"


def login_redirect(campaign_id: int) -> HttpResponseRedirect:
    """CMP-33/39: `/accounts/login/?next=/vote/<id>` (the site's one sign-in link)."""
    return HttpResponseRedirect(sign_in_url(landing.vote_url(campaign_id)))


# --- /campaigns -----------------------------------------------------------------------------


@require_safe
def campaign_list(request: HttpRequest) -> HttpResponse:
    """CMP-36: "Voting now" (live, ending soonest first, the landing page's cards), "Drafts"
    (officers only), "Results" (closed, newest close first, 50 at most, winner names).

    Lists follow CMP-35 (view gate, drafts only to officers, archived never).
    """
    voting_now = landing.active_votes(request)
    drafts = landing.drafts(request)
    results = landing.recent_results(request, limit=landing.LIST_RESULTS)
    return render(
        request,
        "campaigns/list.html",
        {"voting_now": voting_now, "drafts": drafts, "results": results},
    )


# --- /vote/<id> -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultRow:
    """One row of the results panel (CMP-40)."""

    standing: Standing
    places: str  # "a first • b second • c third"
    bar_percent: int  # 0 … 100, scaled to the top score
    points_text: str  # "8 pts"

    @property
    def rank_words(self) -> str:
        """The medal read aloud (issue 16): "1st place", "2nd place, tied"."""
        words = f"{ordinal(self.standing.rank)} place"
        return f"{words}, tied" if self.standing.tied else words


@dataclass(frozen=True)
class PickField:
    """One select of the fallback form (CMP-39): `pick_<rank>`, "1st choice", kept value."""

    rank: int
    name: str
    ordinal: str
    label: str
    selected: str


def places_text(standing: Standing, picks_per_voter: int) -> str:
    """CMP-40: "a first • b second • c third", only the positions that exist for N < 3."""
    counts = standing.place_counts
    parts = [
        f"{counts[index] if index < len(counts) else 0} {word}"
        for index, word in enumerate(PLACE_WORDS[: min(3, picks_per_voter)])
    ]
    return " • ".join(parts)


def bar_percent(points: int, top: int) -> int:
    """CMP-40: the score bar scaled to the top score, at least 2 % when points > 0."""
    if points <= 0 or top <= 0:
        return 0
    return max(MIN_BAR_PERCENT, min(100, round(points * 100 / top)))


def points_text(points: int) -> str:
    return "1 pt" if points == 1 else f"{points} pts"


def result_rows(rows: list[Standing], picks_per_voter: int) -> list[ResultRow]:
    top = max((standing.points for standing in rows), default=0)
    return [
        ResultRow(
            standing=standing,
            places=places_text(standing, picks_per_voter),
            bar_percent=bar_percent(standing.points, top),
            points_text=points_text(standing.points),
        )
        for standing in rows
    ]


def joined_names(names: list[str]) -> str:
    """ "A", "A & B", "A, B & C"."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " & " + names[-1]


def _load(campaign_id: int) -> Campaign:
    campaign = (
        Campaign.objects.select_related("min_rank_to_vote", "min_rank_to_view")
        .filter(pk=campaign_id)
        .first()
    )
    if campaign is None:
        raise Http404(NOT_FOUND)
    return campaign


def _form_picks(data, picks_per_voter: int) -> tuple[list[dict], dict[int, str]]:
    """CMP-39: `pick_1` … `pick_N` (entry ids; the field number is the rank) → the service's
    `[{"entry_id": int, "rank": n}, …]`. Empty selects are missing picks; a value that is not
    a whole number is passed on as it is, so the service answers "Invalid ballot format."."""
    picks: list[dict] = []
    kept: dict[int, str] = {}
    for rank in range(1, picks_per_voter + 1):
        raw = (data.get(f"pick_{rank}") or "").strip()
        if not raw:
            continue
        kept[rank] = raw
        entry_id: int | str = int(raw) if raw.isascii() and raw.isdigit() else raw
        picks.append({"entry_id": entry_id, "rank": rank})
    return picks, kept


def _thanks_message(outcome: CastBallot, secret: bool) -> str:
    """CMP-39 flash; a secret ballot's picks are shown this once (CMP-22)."""
    if not secret:
        return THANKS
    listed = ", ".join(f"{ordinal(rank)} {name}" for rank, _, name in outcome.picks)
    return f"{THANKS} Your picks: {listed}."


def _banner(campaign: Campaign, viewer: CampaignViewer) -> str:
    """CMP-37 banners for a live campaign ("" when none applies)."""
    if viewer.kind == "anonymous":
        return SIGN_IN_BANNER
    if viewer.kind != "cannot_vote":
        return ""
    player = viewer.player
    if player is None or not player.is_active:
        return NO_PLAYER_BANNER
    return RANK_BANNER.format(rank=campaign.min_rank_to_vote.name)


def _page_context(
    campaign: Campaign,
    viewer: CampaignViewer,
    *,
    error: str = "",
    kept: dict[int, str] | None = None,
) -> dict:
    status = campaign.status
    kind = viewer.kind
    is_draft = status == CampaignStatus.DRAFT
    is_live = status == CampaignStatus.LIVE
    finished = campaign.is_finished

    show_ballot = is_live and kind == "eligible" and viewer.can_vote
    # Issue 16: visitors see the entries too (read-only, with their pictures); CMP-34 had
    # given them the entry count only.
    show_entries_read_only = (
        is_live and kind in ("anonymous", "cannot_vote", "eligible") and not show_ballot
    ) or (is_draft and viewer.is_officer)
    entries: list[CampaignEntry] = list(
        CampaignEntry.objects.filter(campaign=campaign).select_related("player")
    )

    show_results = viewer.can_see_results
    rows: list[ResultRow] = []
    co_winners = ""
    if show_results:
        ranked = standings(campaign)
        rows = result_rows(ranked, campaign.picks_per_voter)
        top = winners(ranked)
        if len(top) > 1:
            co_winners = joined_names([standing.entry.name for standing in top])
    stats = display_stats(campaign)
    vote = my_vote(campaign, player=viewer.player) if viewer.has_voted else None

    kept = kept or {}
    pick_fields = [
        PickField(
            rank, f"pick_{rank}", ordinal(rank), f"{ordinal(rank)} choice", kept.get(rank, "")
        )
        for rank in range(1, campaign.picks_per_voter + 1)
    ]
    return {
        "campaign": campaign,
        # Not `viewer`: the site context uses that name for the user menu's Player.
        "campaign_viewer": viewer,
        "kind": kind,
        "is_draft": is_draft,
        "is_live": is_live,
        "finished": finished,
        "archived": status == CampaignStatus.ARCHIVED,
        "status_label": CampaignStatus(status).label,
        "close_note": CLOSE_NOTES.get(campaign.close_reason, ""),
        "ranking_rule": RANKING_RULE.format(n=campaign.picks_per_voter),
        "banner": _banner(campaign, viewer) if is_live else "",
        "sign_in_url": landing.sign_in_to_vote_url(campaign.pk),
        "entries": entries,
        "entry_count": len(entries),
        "show_ballot": show_ballot,
        "show_entries_read_only": show_entries_read_only,
        "pick_fields": pick_fields,
        "ballot_instruction": BALLOT_INSTRUCTION.format(n=campaign.picks_per_voter),
        "confirm_text": CONFIRM_TEXT,
        "show_results": show_results,
        # CMP-22: a live secret campaign shows its voters no standings, only this note.
        "secret_results_later": SECRET_RESULTS_LATER if viewer.waits_for_secret_results else "",
        "result_rows": rows,
        "co_winners": co_winners,
        "any_votes": any(row.standing.points > 0 for row in rows),
        "stats": stats,
        "my_vote": vote,
        "my_picks": [
            (ordinal(pick["rank"]), pick["entry_name"]) for pick in (vote or {}).get("picks") or []
        ],
        "secret_note": SECRET_NOTE,
        "error": error,
    }


@require_http_methods(["GET", "HEAD", "POST"])
def vote(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """`/vote/<id>` in every state for every viewer kind (CMP-33 … CMP-40).

    GET/HEAD: lazy close first (CMP-9), then the view gate (CMP-33: anonymous → sign in,
    signed in → 403), then the page for the viewer kind (CMP-34). POST is the ballot form
    (CMP-39): anonymous → sign in; refused → the page again with 400, the service's message
    and the selections kept; stored → 303 back here with the flash.
    """
    campaign = _load(campaign_id)
    if request.method == "POST" and not request.user.is_authenticated:
        return login_redirect(campaign.pk)
    campaign = close_if_due(campaign)
    viewer = campaign_viewer(campaign, viewer=viewer_of(request))
    if not viewer.passes_gate:
        if not viewer.signed_in:
            return login_redirect(campaign.pk)
        raise PermissionDenied(NO_PERMISSION)

    if request.method == "POST":
        picks, kept = _form_picks(request.POST, campaign.picks_per_voter)
        try:
            outcome = cast_ballot(campaign=campaign.pk, viewer=viewer_of(request), picks=picks)
        except Refused as refusal:
            # The refusal may come from a change since the page was drawn (a close, a vote in
            # another tab): draw the page from the current state, 400 whatever the check.
            campaign = _load(campaign.pk)
            viewer = campaign_viewer(campaign, viewer=viewer_of(request))
            context = _page_context(campaign, viewer, error=refusal.message, kept=kept)
            return render(request, "campaigns/vote.html", context, status=400)
        messages.success(request, _thanks_message(outcome, campaign.secret_ballot))
        return HttpResponseRedirect(landing.vote_url(campaign.pk), status=303)

    return render(request, "campaigns/vote.html", _page_context(campaign, viewer))
