"""Failure and recovery posts of a pipeline's runs (IDN-42).

- The first `error` run of a source after a non-error run posts `🚨 Sync failed: <source>`.
- Further `error` runs in a row stay silent.
- The next `success` (or `partial`) run after N `error` runs posts
  `✅ <source> sync recovered after N failed runs`.

Decisions where the spec is silent:
- `skipped` runs (already running, not configured) and `running` rows are ignored: they neither
  continue nor break a failure streak, since nothing was tried.
- `partial` counts as a success: the pipeline ran and wrote.
- The posts go to `SiteConfig.discord_audit_channel_id`, like the audit report; the recovery
  post is green (`#2ECC71`) and both carry the footer `SyncRun #id`.
"""

from django.db.models import Q

from identity.models import SyncRun, SyncStatus
from identity.reports.channel import post_embeds, unavailable_reason
from identity.reports.embeds import clip, colour_value, escape_markdown
from patt.discord.rest import DiscordRestClient

FAILURE_COLOUR = "#E74C3C"
RECOVERY_COLOUR = "#2ECC71"
ERROR_LIMIT = 1000
SUCCEEDED = (SyncStatus.SUCCESS, SyncStatus.PARTIAL)
COUNTED = (SyncStatus.SUCCESS, SyncStatus.PARTIAL, SyncStatus.ERROR)


def failed_runs_before(run: SyncRun) -> int:
    """How many `error` runs of the source came right before `run` (skipped ones ignored)."""
    earlier = (
        SyncRun.objects.filter(source=run.source, status__in=COUNTED)
        .filter(Q(started_at__lt=run.started_at) | Q(started_at=run.started_at, pk__lt=run.pk))
        .exclude(pk=run.pk)
        .order_by("-started_at", "-pk")
        .values_list("status", flat=True)
    )
    streak = 0
    for status in earlier.iterator(chunk_size=100):
        if status != SyncStatus.ERROR:
            break
        streak += 1
    return streak


def failure_embed(run: SyncRun) -> dict:
    error = escape_markdown(clip(run.error or "unknown error", ERROR_LIMIT))
    return {
        "title": f"🚨 Sync failed: {run.get_source_display()}",
        "description": error,
        "color": colour_value(FAILURE_COLOUR),
        "footer": {"text": f"SyncRun #{run.pk}"},
    }


def recovery_embed(run: SyncRun, failed: int) -> dict:
    runs = "run" if failed == 1 else "runs"
    return {
        "title": f"✅ {run.get_source_display()} sync recovered after {failed} failed {runs}",
        "color": colour_value(RECOVERY_COLOUR),
        "footer": {"text": f"SyncRun #{run.pk}"},
    }


def outcome_embed(run: SyncRun) -> dict | None:
    """The post `run` calls for (IDN-42), or None."""
    if run.status == SyncStatus.ERROR:
        return failure_embed(run) if failed_runs_before(run) == 0 else None
    if run.status in SUCCEEDED:
        failed = failed_runs_before(run)
        return recovery_embed(run, failed) if failed else None
    return None


def post_run_outcome(run: SyncRun, *, client: DiscordRestClient | None = None) -> bool:
    """IDN-42: post a first failure or a recovery of `run`'s source; True when posted."""
    if unavailable_reason(client):
        return False
    embed = outcome_embed(run)
    if embed is None:
        return False
    return post_embeds([embed], client=client, what=f"Outcome post of {run}")
