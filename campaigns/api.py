"""Campaign JSON endpoints under /api/v1/ (CMP-41, CMP-42).

Thin entry points: every rule is a service of `campaigns.services` (visibility, ballots,
lifecycle, scoring, stats); these views parse the request, call them and shape the answer
with `campaigns.serializers`. Every answer is the ACC-3 envelope with a real status; errors use
the project's `patt.errors.api_error`. Session authentication, and the CSRF token in the
`X-CSRFToken` header on POST (Django's CSRF middleware; its failures answer JSON through
`patt.errors.csrf_failure`).

Every endpoint that reads one campaign first runs the lazy close (CMP-9), so a campaign whose
end time has passed is answered as closed, with its final results and snapshot (CMP-30).
"""

import json

from django.db.models import Case, Count, F, IntegerField, Value, When
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from campaigns import serializers
from campaigns.models import Campaign, CampaignResult, CampaignStatus
from campaigns.services.access import campaign_viewer, visible_campaigns
from campaigns.services.ballots import cast_ballot
from campaigns.services.ballots import my_vote as stored_vote
from campaigns.services.lifecycle import close_if_due
from campaigns.services.scoring import standings
from campaigns.services.stats import display_stats
from identity.services.viewer import viewer_of
from patt.errors import api_error
from patt.refusals import Refused, api_refusal

CAMPAIGN_NOT_FOUND = "Campaign not found."
SIGN_IN_TO_VIEW = "Sign in to view this campaign."
NO_VIEW_PERMISSION = "You don't have permission to view this campaign."
SIGN_IN_REQUIRED = "Sign in required."
VOTE_TO_SEE_LIVE = "Vote to see live standings."
RESULTS_NOT_AVAILABLE = "Results are not available until voting closes."
MUST_VOTE_FIRST = "You must vote before seeing live standings."
NOT_VOTED = "You have not voted in this campaign."
BODY_MUST_BE_JSON = "Request body must be JSON."

# CMP-42: the vote body is small (at most 10 picks); anything above this is refused unread.
MAX_VOTE_BODY_BYTES = 10 * 1024

# CMP-42 `?status=`: the filters the list accepts. `archived` is a real status that the list
# never shows (CMP-35), so it filters to nothing rather than being "unknown".
LIST_STATUS_FILTERS = {
    CampaignStatus.LIVE,
    CampaignStatus.CLOSED,
    CampaignStatus.DRAFT,
    CampaignStatus.ARCHIVED,
}


def api_ok(data, status: int = 200) -> JsonResponse:
    """The ACC-3 success envelope. Answers depend on who asks, so they are never cached."""
    response = JsonResponse({"ok": True, "data": data}, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


def load_campaign(campaign_id: int) -> Campaign | None:
    """The campaign, lazily closed when its end time has passed (CMP-9); None when missing."""
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        return None
    return close_if_due(campaign)


def gate_refusal(viewer) -> JsonResponse | None:
    """CMP-33 for JSON: 401 for an anonymous visitor, 403 for a signed-in one."""
    if viewer.passes_gate:
        return None
    if not viewer.signed_in:
        return api_error(401, SIGN_IN_TO_VIEW)
    return api_error(403, NO_VIEW_PERMISSION)


def entries_visible(campaign: Campaign, viewer) -> bool:
    """CMP-34 for the detail's `entries`: drafts show them to officers only (the read-only
    preview), live campaigns to every signed-in viewer past the gate (anonymous visitors see
    the entry count only), finished campaigns to everyone past the gate."""
    if campaign.is_draft:
        return viewer.is_officer
    if campaign.status == CampaignStatus.LIVE:
        return viewer.signed_in
    return True


def results_payload(campaign: Campaign, request: HttpRequest) -> dict:
    """CMP-42 results object: final rows when closed/archived, else live standings."""
    rows = standings(campaign)
    if campaign.is_finished:
        calculated_at = (
            CampaignResult.objects.filter(campaign=campaign)
            .values_list("calculated_at", flat=True)
            .first()
        ) or campaign.closed_at
    else:
        calculated_at = timezone.now()
    return serializers.results_dict(
        rows,
        final=campaign.is_finished,
        calculated_at=calculated_at,
        stats=display_stats(campaign),
        request=request,
    )


def close_due_campaigns() -> None:
    """CMP-9 for the list: live campaigns past their end time are closed before answering."""
    due = Campaign.objects.filter(status=CampaignStatus.LIVE, end_at__lte=timezone.now())
    for campaign in due:
        close_if_due(campaign)


@require_safe
def campaign_list(request: HttpRequest) -> JsonResponse:
    """GET /api/v1/campaigns (CMP-42, CMP-35): live and closed campaigns passing the view
    gate, drafts for officers, never archived. `?status=live|closed|draft` narrows the list
    (drafts stay empty for non-officers). Order: live (ending soonest first), drafts (starting
    soonest first), closed (newest close first)."""
    status = request.GET.get("status", "")
    if status and status not in LIST_STATUS_FILTERS:
        return api_error(400, f"Unknown status '{status}'.")
    close_due_campaigns()
    viewer = viewer_of(request)
    campaigns = visible_campaigns(level=viewer.level, is_officer=viewer.is_officer)
    if status:
        campaigns = campaigns.filter(status=status)
    campaigns = campaigns.annotate(
        api_entry_count=Count("entries", distinct=True),
        api_status_order=Case(
            When(status=CampaignStatus.LIVE, then=Value(0)),
            When(status=CampaignStatus.DRAFT, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        ),
    ).order_by("api_status_order", F("closed_at").desc(nulls_last=True), "end_at", "pk")
    now = timezone.now()
    data = []
    for campaign in campaigns:
        data.append(
            serializers.campaign_dict(
                campaign,
                viewer=campaign_viewer(campaign, viewer=viewer),
                stats=display_stats(campaign),
                entry_count=campaign.api_entry_count,
                now=now,
                request=request,
            )
        )
    return api_ok({"campaigns": data})


@require_safe
def campaign_detail(request: HttpRequest, campaign_id: int) -> JsonResponse:
    """GET /api/v1/campaigns/<id> (CMP-41): the campaign object with `entries` (null where
    CMP-34 hides them). 404 when missing; 401/403 when the view gate refuses (CMP-33)."""
    campaign = load_campaign(campaign_id)
    if campaign is None:
        return api_error(404, CAMPAIGN_NOT_FOUND)
    viewer = campaign_viewer(campaign, viewer=viewer_of(request))
    if refusal := gate_refusal(viewer):
        return refusal
    entries = list(campaign.entries.select_related("player"))
    data = serializers.campaign_dict(
        campaign,
        viewer=viewer,
        stats=display_stats(campaign),
        entry_count=len(entries),
        now=timezone.now(),
        entries=entries if entries_visible(campaign, viewer) else None,
        include_entries=True,
        request=request,
    )
    return api_ok(data)


@require_safe
def campaign_results(request: HttpRequest, campaign_id: int) -> JsonResponse:
    """GET /api/v1/campaigns/<id>/results (CMP-42, CMP-34): final results once closed or
    archived; live standings only for voters; eligible non-voters are told to vote first. A
    live secret campaign shows standings to nobody (CMP-22): "not available until voting
    closes" for everyone."""
    campaign = load_campaign(campaign_id)
    if campaign is None:
        return api_error(404, CAMPAIGN_NOT_FOUND)
    viewer = campaign_viewer(campaign, viewer=viewer_of(request))
    if refusal := gate_refusal(viewer):
        return refusal
    if not viewer.can_see_results:
        live = campaign.status == CampaignStatus.LIVE
        if live and viewer.kind == "eligible" and not campaign.secret_ballot:
            return api_error(403, VOTE_TO_SEE_LIVE)  # a secret one shows none even then
        return api_error(403, RESULTS_NOT_AVAILABLE)
    return api_ok(results_payload(campaign, request))


@require_safe
def campaign_live_results(request: HttpRequest, campaign_id: int) -> JsonResponse:
    """GET /api/v1/campaigns/<id>/results/live (CMP-42): for signed-in viewers past the gate
    who have voted — live standings, or the final results once the campaign has closed. A live
    secret campaign has no standings to show (CMP-22): 403 "Results are not available until
    voting closes."."""
    campaign = load_campaign(campaign_id)
    if campaign is None:
        return api_error(404, CAMPAIGN_NOT_FOUND)
    if not request.user.is_authenticated:
        return api_error(401, SIGN_IN_REQUIRED)
    viewer = campaign_viewer(campaign, viewer=viewer_of(request))
    if refusal := gate_refusal(viewer):
        return refusal
    if not viewer.has_voted:
        return api_error(403, MUST_VOTE_FIRST)
    if viewer.waits_for_secret_results:
        return api_error(403, RESULTS_NOT_AVAILABLE)  # CMP-22: no live standings when secret
    return api_ok(results_payload(campaign, request))


@require_safe
def my_vote(request: HttpRequest, campaign_id: int) -> JsonResponse:
    """GET /api/v1/campaigns/<id>/my-vote (CMP-42, CMP-22): when and what the viewer voted;
    `picks` is null for a secret ballot. 404 when the viewer has no receipt."""
    campaign = load_campaign(campaign_id)
    if campaign is None:
        return api_error(404, CAMPAIGN_NOT_FOUND)
    if not request.user.is_authenticated:
        return api_error(401, SIGN_IN_REQUIRED)
    viewer = campaign_viewer(campaign, viewer=viewer_of(request))
    if refusal := gate_refusal(viewer):
        return refusal
    vote = stored_vote(campaign, player=viewer.player) if viewer.player is not None else None
    if vote is None:
        return api_error(404, NOT_VOTED)
    return api_ok(serializers.my_vote_dict(vote))


class BodyError(Exception):
    """The vote body is not a JSON object: an edge parse error, answered 400 right here."""


def read_picks(request: HttpRequest) -> object:
    """The raw `picks` value of a JSON object body (validated by `cast_ballot`, CMP-17 #8).

    Raises BodyError for a body that is not JSON: another content type, more than 10 KB,
    not UTF-8, unparseable, or not a JSON object.
    """
    if request.content_type != "application/json":
        raise BodyError
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_VOTE_BODY_BYTES:
        raise BodyError
    body = request.body
    if len(body) > MAX_VOTE_BODY_BYTES:
        raise BodyError
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BodyError from None
    if not isinstance(data, dict):
        raise BodyError
    return data.get("picks")


@require_POST
def vote(request: HttpRequest, campaign_id: int) -> JsonResponse:
    """POST /api/v1/campaigns/<id>/vote (CMP-42, CMP-17 … CMP-19).

    The body is read first (400 "Request body must be JSON."); then `cast_ballot` runs the
    lazy close (CMP-9) and CMP-17's checks in order and stores the ballot. 201 with the
    picks (shown once, also for secret ballots — CMP-22), whether the vote closed the
    campaign, and the stats (the close snapshot when it did, CMP-30).
    """
    try:
        picks = read_picks(request)
    except BodyError:
        return api_error(400, BODY_MUST_BE_JSON)
    # `cast_ballot` runs the lazy close itself (CMP-9) before its status check.
    try:
        outcome = cast_ballot(campaign=campaign_id, viewer=viewer_of(request), picks=picks)
    except Refused as refusal:
        return api_refusal(refusal)  # CMP-17's status for each check (patt.refusals)
    stats = outcome.stats
    if outcome.campaign_closed:
        # CMP-30: once closed, the published numbers are the close snapshot.
        stats = display_stats(Campaign.objects.get(pk=campaign_id))
    data = {
        "picks": serializers.picks_list(outcome.picks),
        "campaign_closed": outcome.campaign_closed,
        "stats": serializers.stats_dict(stats),
    }
    return api_ok(data, status=201)
