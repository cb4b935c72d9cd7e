"""Runs left behind by a worker that died (issue 17 item 3, IDN-46, IDN-42).

A django-q2 worker killed in the middle of a pipeline (Blizzard sync, Discord sync, upload
pipeline, reconcile, audit report, the onboarding checker) leaves its SyncRun `running`: nothing
was there to finish it. `close_abandoned_runs` closes every `running` row older than its source's
limit (`sync_runs.running_limit`: 30 minutes for the Blizzard roster, 10 for the others) as
`error` ("abandoned: worker stopped"), clears `queued` rows whose task never started, marks an
addon upload whose reconcile died with its run as matching `failed` (officers can run matching
again from the uploads admin), and sends each abandoned run's IDN-42 failure post to the audit
channel, so officers hear of it.

It runs every five minutes (the `identity.close_abandoned_runs` schedule) and before each
announced pipeline start of the same source (`reconcile.announced_run`), so the next run
proceeds and nothing stays `running` for much longer than its limit.
"""

from __future__ import annotations

import logging

from identity.models import AddonUpload, SyncRun, SyncSource, SyncStatus
from identity.reports import post_run_outcome
from identity.services.sync_runs import close_stale_runs
from patt.discord.rest import DiscordRestClient

log = logging.getLogger(__name__)


def close_abandoned_runs(
    *,
    sources: list[str] | None = None,
    post: bool = True,
    client: DiscordRestClient | None = None,
) -> list[SyncRun]:
    """Close the stale `queued` / `running` rows of `sources` (default: every source); returns
    the rows closed. `post=False` (`--no-post`) sends nothing to Discord."""
    closed: list[SyncRun] = []
    for source in sources if sources is not None else list(SyncSource.values):
        closed.extend(close_stale_runs(source))
    abandoned = [run for run in closed if run.status == SyncStatus.ERROR]
    if abandoned:
        failed_uploads = AddonUpload.objects.filter(
            sync_run__in=abandoned, matching=AddonUpload.Matching.QUEUED
        ).update(matching=AddonUpload.Matching.FAILED)
        if failed_uploads:
            log.warning("%s addon upload(s) left unmatched by an abandoned run", failed_uploads)
    if post:
        for run in abandoned:
            try:
                post_run_outcome(run, client=client)
            except Exception:  # a post never keeps the next run from starting
                log.exception("Failure post of abandoned %s failed", run)
    return closed


def describe_closed(closed: list[SyncRun]) -> str:
    """The checker's result line: "Closed 2 abandoned runs (blizzard_roster #12, …)"."""
    if not closed:
        return "No abandoned runs"
    names = ", ".join(f"{run.source} #{run.pk} {run.status}" for run in closed)
    return f"Closed {len(closed)} stale runs ({names})"
