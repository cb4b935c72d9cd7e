"""The JSON shapes of the campaigns API (CMP-41 campaign object, CMP-42 results object).

Plain functions from already-loaded objects to dicts: no queries of their own, so a view
decides (and tests count) every query. Times are ISO 8601 UTC with a `Z` suffix. Channel and
agent settings are never part of any shape (CMP-41).
"""

from datetime import datetime

from django.conf import settings

from patt.timefmt import iso_utc_or_none as iso_utc


def absolute_url(url: str, request=None) -> str | None:
    """An absolute URL for an entry image (CMP-41); None when the entry has no image.

    External URLs (https, CMP-13) are kept as they are; uploaded images (`/media/…`) are made
    absolute against the request's host, or SITE_URL outside a request.
    """
    if not url:
        return None
    if url.startswith(("https://", "http://")):
        return url
    if request is not None:
        return request.build_absolute_uri(url)
    return settings.SITE_URL + (url if url.startswith("/") else "/" + url)


def seconds_remaining(campaign, now: datetime) -> int | None:
    """CMP-41: whole seconds until `end_at` for a live campaign (never below 0), else None."""
    if campaign.status != campaign.Status.LIVE:
        return None
    return max(0, int((campaign.end_at - now).total_seconds()))


def stats_dict(stats) -> dict | None:
    """CMP-29 keys (`VoteStats.as_dict()`), or None (drafts, CMP-41)."""
    return None if stats is None else stats.as_dict()


def viewer_dict(viewer) -> dict:
    """CMP-41 `viewer` object, from `campaigns.services.access.CampaignViewer`."""
    return {
        "signed_in": viewer.signed_in,
        "level": viewer.level,
        "can_vote": viewer.can_vote,
        "has_voted": viewer.has_voted,
        "can_see_results": viewer.can_see_results,
    }


def player_dict(player) -> dict | None:
    if player is None:
        return None
    return {"id": player.pk, "display_name": player.display_name}


def entry_dict(entry, request=None) -> dict:
    """CMP-41 entry: `player` must already be loaded (select_related) to stay query-free."""
    return {
        "id": entry.pk,
        "name": entry.name,
        "description": entry.description,
        "image_url": absolute_url(entry.display_image, request),
        "sort_order": entry.sort_order,
        "player": player_dict(entry.player) if entry.player_id else None,
    }


def campaign_dict(
    campaign,
    *,
    viewer,
    stats,
    entry_count: int,
    now: datetime,
    entries: list | None = None,
    include_entries: bool = False,
    request=None,
) -> dict:
    """CMP-41 campaign object. The detail view passes `include_entries=True`; `entries` None
    then means hidden for this viewer (CMP-34) and is sent as `null`."""
    data = {
        "id": campaign.pk,
        "title": campaign.title,
        "description": campaign.description,
        "status": campaign.status,
        "start_at": iso_utc(campaign.start_at),
        "end_at": iso_utc(campaign.end_at),
        "duration_hours": campaign.duration_hours,
        "picks_per_voter": campaign.picks_per_voter,
        "points": campaign.points(),
        "min_rank_to_vote": campaign.vote_level,
        "min_rank_to_view": campaign.view_level,
        "secret_ballot": campaign.secret_ballot,
        "early_close_if_all_voted": campaign.early_close_if_all_voted,
        "entry_count": entry_count,
        "seconds_remaining": seconds_remaining(campaign, now),
        "closed_at": iso_utc(campaign.closed_at),
        "close_reason": campaign.close_reason or None,
        "stats": stats_dict(stats),
        "viewer": viewer_dict(viewer),
    }
    if include_entries:
        data["entries"] = (
            None if entries is None else [entry_dict(entry, request) for entry in entries]
        )
    return data


def standing_dict(standing, request=None) -> dict:
    """One row of the CMP-42 `results` list, from `campaigns.services.scoring.Standing`."""
    return {
        "rank": standing.rank,
        "tied": standing.tied,
        "winner": standing.winner,
        "points": standing.points,
        "place_counts": list(standing.place_counts),
        "first_place_count": standing.first_place_count,
        "second_place_count": standing.second_place_count,
        "third_place_count": standing.third_place_count,
        "entry": entry_dict(standing.entry, request),
    }


def results_dict(
    standings: list, *, final: bool, calculated_at: datetime | None, stats, request=None
) -> dict:
    """CMP-42 results object, rows in rank order (as the scoring service returns them)."""
    return {
        "final": final,
        "calculated_at": iso_utc(calculated_at),
        "stats": stats_dict(stats),
        "winners": [standing.entry.pk for standing in standings if standing.winner],
        "results": [standing_dict(standing, request) for standing in standings],
    }


def picks_list(picks) -> list[dict]:
    """Ballot picks as `[{rank, entry_id, entry_name}]` from `(rank, entry_id, entry_name)`
    tuples (`CastBallot.picks`) or dicts already in that shape (`my_vote`)."""
    rows = []
    for pick in picks:
        if isinstance(pick, dict):
            rows.append(
                {
                    "rank": pick["rank"],
                    "entry_id": pick["entry_id"],
                    "entry_name": pick["entry_name"],
                }
            )
        else:
            rank, entry_id, entry_name = pick
            rows.append({"rank": rank, "entry_id": entry_id, "entry_name": entry_name})
    return rows


def my_vote_dict(vote: dict) -> dict:
    """CMP-42 my-vote: {voted_at, secret, picks or null} (CMP-22: null for secret ballots)."""
    voted_at = vote.get("voted_at")
    picks = vote.get("picks")
    return {
        "voted_at": iso_utc(voted_at) if isinstance(voted_at, datetime) else voted_at,
        "secret": bool(vote.get("secret")),
        "picks": None if picks is None else picks_list(picks),
    }
