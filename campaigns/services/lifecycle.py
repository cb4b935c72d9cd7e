"""The campaign status lifecycle (CMP-6 … CMP-9, CMP-15, CMP-31).

Only this module changes a campaign's status, close fields and snapshot. Every transition runs
in a transaction with the campaign row locked (`select_for_update`, PostgreSQL's FOR UPDATE), so
the status checker, the admin actions, lazy closes and the last ballot never race each other.

Ballots take the same row with `lock_for_ballot` instead (FOR SHARE, issue 17): any number of
ballots hold it together, so they are stored side by side, while a transition waits until the
ballots in flight have committed and every later ballot waits for the transition and then
reads its new status. That is CMP-18's "no ballot after close" without a queue of ballots.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from campaigns.models import Campaign, CampaignEntry, CampaignResult, CampaignStatus, CloseReason
from campaigns.services.scoring import rank_entries
from campaigns.services.stats import vote_stats
from identity.models import Player
from patt.job_lock import JobLock
from patt.refusals import Refused
from patt.validators import max_length_of

logger = logging.getLogger("campaigns.lifecycle")

NOT_ENOUGH_ENTRIES_MARKER = "⚠ start time passed — not enough entries"
END_PASSED_MARKER = "⚠ end time passed"
# CMP-7: the checker's warning about a draft it cannot activate, at most once an hour per
# campaign. Throttled through Django's cache (shared by every worker process).
WARNING_INTERVAL_SECONDS = 3600
WARNING_CACHE_KEY = "campaigns:activation-warning:{pk}"
# CMP-31: the checker never overlaps itself. PostgreSQL: a session advisory lock (released with
# the connection if a worker dies); other databases: a cache key that expires on its own.
CHECKER_LOCK_ID = 0x50A77C4D
CHECKER_CACHE_LOCK = "campaigns:status-checker-lock"
CHECKER_CACHE_LOCK_SECONDS = 300
# Used only when the cache itself fails (e.g. `createcachetable` not run yet): the checker
# still works, with the warning throttle limited to this process.
_process_warned: dict[int, float] = {}


def _cache_add(key: str, timeout: int) -> bool | None:
    """`cache.add`, or None when the cache is unavailable."""
    try:
        return cache.add(key, "1", timeout)
    except Exception as exc:
        logger.warning("Cache unavailable (%s); the campaign checker uses in-process state", exc)
        return None


def _warn_due(pk: int) -> bool:
    """CMP-7: True at most once per hour per campaign (Django's cache, shared by workers)."""
    added = _cache_add(WARNING_CACHE_KEY.format(pk=pk), WARNING_INTERVAL_SECONDS)
    if added is not None:
        return added
    now = time.monotonic()
    if now - _process_warned.get(pk, -WARNING_INTERVAL_SECONDS) >= WARNING_INTERVAL_SECONDS:
        _process_warned[pk] = now
        return True
    return False


def _locked(campaign: Campaign | int) -> Campaign:
    pk = campaign.pk if isinstance(campaign, Campaign) else campaign
    return Campaign.objects.select_for_update().get(pk=pk)


def lock_for_ballot(pk: int) -> Campaign:
    """The campaign row under a lock that ballots share and transitions exclude (CMP-18).

    Call inside the ballot's transaction. PostgreSQL: `SELECT … FOR SHARE` — compatible with
    other ballots' FOR SHARE, in conflict with the FOR UPDATE of every transition here, so a
    ballot either commits before a close takes the row or reads the row the close wrote (READ
    COMMITTED re-reads a row it waited for). Other databases: `select_for_update` (SQLite
    serialises writers anyway). Raises `Campaign.DoesNotExist` like `.get()`.
    """
    if connection.vendor != "postgresql":
        return Campaign.objects.select_for_update().get(pk=pk)
    table = connection.ops.quote_name(Campaign._meta.db_table)
    key = connection.ops.quote_name(Campaign._meta.pk.column or "id")
    rows = list(Campaign.objects.raw(f"SELECT * FROM {table} WHERE {key} = %s FOR SHARE", [pk]))
    if not rows:
        raise Campaign.DoesNotExist(f"Campaign {pk} does not exist.")
    return rows[0]


def _entry_count(campaign: Campaign) -> int:
    return CampaignEntry.objects.filter(campaign_id=campaign.pk).count()


def _copy_state(target: Campaign, source: Campaign) -> None:
    """Bring the caller's instance up to date with the row the transition wrote."""
    for field in (
        "status",
        "start_at",
        "end_at",
        "closed_at",
        "close_reason",
        "eligible_at_close",
        "voted_at_close",
        "updated_at",
    ):
        setattr(target, field, getattr(source, field))


def next_full_hour_plus_24h(now: datetime | None = None) -> datetime:
    """CMP-12/15: the default start — the next full hour (strictly after now), plus 24 hours."""
    now = now or timezone.now()
    return now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=25)


def activate_now(campaign: Campaign) -> Campaign:
    """CMP-6/7/15 "Activate now": draft → live with `start_at = now` (full duration counts)."""
    with transaction.atomic():
        row = _locked(campaign)
        if row.status != CampaignStatus.DRAFT:
            raise Refused(
                f"“{row.title}” is already {row.status}; cannot activate.", code=Refused.CONFLICT
            )
        count = _entry_count(row)
        if count < row.picks_per_voter:
            raise Refused(
                f"“{row.title}” needs at least {row.picks_per_voter} entries before it can go "
                f"live (it has {count}).",
                code=Refused.CONFLICT,
            )
        row.start_at = timezone.now()
        row.status = CampaignStatus.LIVE
        row.save(lifecycle=True)
    _copy_state(campaign, row)
    return row


def close_campaign(campaign: Campaign, *, reason: str) -> bool:
    """CMP-8: close a live campaign — status, close time and reason, results rows, snapshot.

    One transaction, row locked. Anything but live is left alone and False returned, so a
    second call (checker, lazy close, last ballot) is a no-op.
    """
    if reason not in CloseReason.values:
        raise ValueError(f"unknown close reason {reason!r}")
    with transaction.atomic():
        row = _locked(campaign)
        if row.status != CampaignStatus.LIVE:
            return False
        now = timezone.now()
        stats = vote_stats(row)
        standings = rank_entries(row)
        CampaignResult.objects.bulk_create(
            CampaignResult(
                campaign=row,
                entry=standing.entry,
                points=standing.points,
                place_counts=standing.place_counts,
                rank=standing.rank,
                is_winner=standing.winner,
                calculated_at=now,
            )
            for standing in standings
        )
        row.status = CampaignStatus.CLOSED
        row.closed_at = now
        row.close_reason = reason
        row.eligible_at_close = stats.total_eligible
        row.voted_at_close = stats.total_voted
        row.save(lifecycle=True)
    logger.info("Campaign %s closed (%s): %s voted", row.pk, reason, stats.total_voted)
    if isinstance(campaign, Campaign):
        _copy_state(campaign, row)
    return True


def close_now(campaign: Campaign) -> Campaign:
    """CMP-15 "Close now" (reason `manual`); refused unless live."""
    if campaign.status == CampaignStatus.LIVE and close_campaign(
        campaign, reason=CloseReason.MANUAL
    ):
        return Campaign.objects.get(pk=campaign.pk)
    row = Campaign.objects.get(pk=campaign.pk)
    raise Refused(
        f"“{row.title}” is {row.status}; only live campaigns can be closed.", code=Refused.CONFLICT
    )


def archive(campaign: Campaign) -> Campaign:
    """CMP-6/15: closed → archived."""
    return _move(campaign, CampaignStatus.CLOSED, CampaignStatus.ARCHIVED, None)


def unarchive(campaign: Campaign) -> Campaign:
    """CMP-6/15: archived → closed."""
    return _move(campaign, CampaignStatus.ARCHIVED, CampaignStatus.CLOSED, "is not archived")


def _move(campaign: Campaign, source: str, target: str, refusal: str | None) -> Campaign:
    with transaction.atomic():
        row = _locked(campaign)
        if row.status != source:
            if refusal is None:
                raise Refused("Only closed campaigns can be archived.", code=Refused.CONFLICT)
            raise Refused(f"“{row.title}” {refusal}.", code=Refused.CONFLICT)
        row.status = target
        row.save(lifecycle=True)
    _copy_state(campaign, row)
    return row


def duplicate_as_draft(campaign: Campaign, *, created_by: Player | None = None) -> Campaign:
    """CMP-15: a new draft "{title} (copy)" with the settings and entries; start = CMP-12's."""
    suffix = " (copy)"
    max_title = max_length_of(Campaign, "title")
    with transaction.atomic():
        copy = Campaign(
            title=campaign.title[: max_title - len(suffix)] + suffix,
            description=campaign.description,
            picks_per_voter=campaign.picks_per_voter,
            min_rank_to_vote_id=campaign.min_rank_to_vote_id,
            min_rank_to_view_id=campaign.min_rank_to_view_id,
            start_at=next_full_hour_plus_24h(),
            duration_hours=campaign.duration_hours,
            early_close_if_all_voted=campaign.early_close_if_all_voted,
            secret_ballot=campaign.secret_ballot,
            discord_channel_id=campaign.discord_channel_id,
            agent_enabled=campaign.agent_enabled,
            agent_chattiness=campaign.agent_chattiness,
            created_by=created_by if created_by is not None else campaign.created_by,
        )
        copy.save()
        CampaignEntry.objects.bulk_create(
            CampaignEntry(
                campaign=copy,
                name=entry.name,
                description=entry.description,
                image_url=entry.image_url,
                image=entry.image.name if entry.image else "",
                sort_order=entry.sort_order,
                player_id=entry.player_id,
            )
            for entry in CampaignEntry.objects.filter(campaign_id=campaign.pk)
        )
    return copy


def close_if_due(campaign: Campaign) -> Campaign:
    """CMP-9 lazy close: a live campaign past its end closes (`time`) before anyone answers.

    Returns the fresh row when it was due, else the same instance (no query).
    """
    if campaign.status == CampaignStatus.LIVE and timezone.now() >= campaign.end_at:
        close_campaign(campaign, reason=CloseReason.TIME)
        return Campaign.objects.select_related("min_rank_to_vote", "min_rank_to_view").get(
            pk=campaign.pk
        )
    return campaign


def activation_warning(campaign: Campaign, *, now: datetime | None = None) -> str:
    """CMP-7's admin marker for a draft whose start passed but cannot go live, else "".

    Uses an `entry_count` annotation when the queryset has one (no query per row).
    """
    now = now or timezone.now()
    if campaign.status != CampaignStatus.DRAFT or campaign.start_at > now:
        return ""
    count = getattr(campaign, "entry_count", None)
    if count is None:
        count = _entry_count(campaign)
    if count < campaign.picks_per_voter:
        return NOT_ENOUGH_ENTRIES_MARKER
    if campaign.end_at <= now:
        return END_PASSED_MARKER
    return ""


@dataclass
class CheckResult:
    """What one run of the status checker did (CMP-31)."""

    activated: int = 0
    closed_time: int = 0
    closed_all_voted: int = 0
    not_ready: int = 0
    failed: int = 0
    skipped: bool = False

    @property
    def line(self) -> str:
        if self.skipped:
            return "Campaign check skipped: another status checker is running."
        return (
            f"Campaign check: {self.activated} activated, {self.closed_time} closed (time), "
            f"{self.closed_all_voted} closed (all voted), {self.not_ready} drafts not ready, "
            f"{self.failed} failed."
        )


def check_campaign_status(now: datetime | None = None) -> CheckResult:
    """CMP-31: activate due drafts, close ended campaigns and ones where everyone voted.

    Each campaign is handled in its own transaction with its row locked; a failure is logged
    and the others still run. Skips (and says so) when another checker holds the job lock.
    """
    now = now or timezone.now()
    result = CheckResult()
    with JobLock(
        key=CHECKER_LOCK_ID, name=CHECKER_CACHE_LOCK, ttl=CHECKER_CACHE_LOCK_SECONDS
    ) as held:
        if not held:
            result.skipped = True
            return result
        due_drafts = Campaign.objects.filter(status=CampaignStatus.DRAFT, start_at__lte=now)
        for pk in due_drafts.values_list("pk", flat=True):
            _guarded(result, pk, lambda pk=pk: _activate_if_ready(pk, now, result))
        live = Campaign.objects.filter(status=CampaignStatus.LIVE)
        for pk in live.values_list("pk", flat=True):
            _guarded(result, pk, lambda pk=pk: _close_if_finished(pk, now, result))
    return result


def _guarded(result: CheckResult, pk: int, step: Callable[..., object]) -> None:
    try:
        step()
    except Exception:
        result.failed += 1
        logger.exception("Status check of campaign %s failed", pk)


def _activate_if_ready(pk: int, now: datetime, result: CheckResult) -> None:
    """CMP-31 step 1 / CMP-7: draft → live keeping start_at, when the preconditions hold."""
    with transaction.atomic():
        row = _locked(pk)
        if row.status != CampaignStatus.DRAFT or row.start_at > now:
            return
        count = _entry_count(row)
        if count >= row.picks_per_voter and row.end_at > now:
            row.status = CampaignStatus.LIVE
            row.save(lifecycle=True)
            result.activated += 1
            logger.info("Campaign %s is live", pk)
            return
    result.not_ready += 1
    if _warn_due(pk):
        problem = (
            f"it has {count} of the {row.picks_per_voter} entries it needs"
            if count < row.picks_per_voter
            else "its end time has passed"
        )
        logger.warning("Campaign %s (“%s”) was due to start but %s.", pk, row.title, problem)


def _close_if_finished(pk: int, now: datetime, result: CheckResult) -> None:
    """CMP-31 steps 2 and 3: close at the end time, or early when everyone voted."""
    with transaction.atomic():
        row = _locked(pk)
        if row.status != CampaignStatus.LIVE:
            return
        if now >= row.end_at:
            if close_campaign(row, reason=CloseReason.TIME):
                result.closed_time += 1
        elif (
            row.early_close_if_all_voted
            and vote_stats(row).all_voted
            and close_campaign(row, reason=CloseReason.ALL_VOTED)
        ):
            result.closed_all_voted += 1
