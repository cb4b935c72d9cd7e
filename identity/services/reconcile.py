"""Reconcile: what runs after every pipeline's write (IDN-44, IDN-45).

The spec's order is (1) matching, (2) player ranks, (3) role push, (4) integrity, (5) the audit
report. Matching recomputes the ranks itself at its end (step 2); steps 1, 2 and 4 each hold
the reconcile advisory lock in their own transactions, and steps 3 and 5 make their network
calls outside any transaction.

`run_reconcile_pipeline` is the `reconcile` pipeline of IDN-44 (`manage.py run_matching`, the
admin's "Matching + integrity" button): one SyncRun around a reconcile. `announce_run` posts a
finished pipeline's failure / recovery and summary (IDN-41, IDN-42); `announced_run` is the
SyncRun block every pipeline runs in, which announces the run however it ended, also when the
pipeline raised.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from identity.models import SyncRun, SyncSource, SyncStatus, SyncTrigger
from identity.reports import (
    AuditReportResult,
    post_run_outcome,
    post_sync_summary,
    send_audit_report,
)
from identity.services.abandoned_runs import close_abandoned_runs
from identity.services.integrity import IntegrityResult, run_integrity_checks
from identity.services.matching import MatchResult, run_matching
from identity.services.role_push import RolePushResult, push_roles
from identity.services.sync_runs import PipelineRun, describe_run, pipeline_run
from patt.discord.rest import DiscordRestClient

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReconcileResult:
    matching: MatchResult
    roles: RolePushResult
    integrity: IntegrityResult | None
    report: AuditReportResult | None

    def lines(self) -> list[str]:
        lines = [self.matching.stats_line(), self.roles.stats_line()]
        if self.integrity is not None:
            lines.append(self.integrity.stats_line())
        if self.report is not None:
            lines.append(f"Audit report: {self.report.line}")
        return lines


def reconcile(
    *,
    run: PipelineRun | None = None,
    integrity: bool = True,
    post: bool = True,
    client: DiscordRestClient | None = None,
) -> ReconcileResult:
    """Matching with the rank recompute, role push, integrity, audit report (IDN-45).

    `run` (the pipeline's PipelineRun) collects rank changes, every step's counts and the
    role changes, and receives the report's warnings (no audit channel). `post=False`
    (`--no-post`) leaves the report out; `client` is the Discord client to share.
    """
    counts = run.counts if run is not None else {}
    details = run.details if run is not None else {}
    warn = run.warn if run is not None else log.warning
    matching = run_matching(run_details=details)
    roles = push_roles(client=client)
    roles.record_into(counts, details)
    checks = run_integrity_checks(run_details=details) if integrity else None
    report = send_audit_report(client=client, warn=warn) if post else None
    return ReconcileResult(matching=matching, roles=roles, integrity=checks, report=report)


@dataclass(frozen=True)
class ReconcileRun:
    """The `reconcile` pipeline's SyncRun and, when it ran, what reconcile did."""

    run: SyncRun
    result: ReconcileResult | None

    @property
    def ok(self) -> bool:
        return self.run.status in (SyncStatus.SUCCESS, SyncStatus.PARTIAL)

    def lines(self) -> list[str]:
        lines = self.result.lines() if self.result is not None else []
        return [*lines, describe_run(self.run)]

    @property
    def line(self) -> str:
        return " · ".join(self.lines())


def run_reconcile_pipeline(
    *,
    trigger: str = SyncTrigger.COMMAND,
    integrity: bool = True,
    post: bool = True,
    queued_run: int | None = None,
) -> ReconcileRun:
    """IDN-44's `reconcile` pipeline: one SyncRun (source `reconcile`) around `reconcile()`.

    A concurrent start is recorded as `skipped` (IDN-46) and nothing runs. `queued_run`: the
    admin button's `queued` row, which becomes this run's.
    """
    result = None
    with announced_run(
        source=SyncSource.RECONCILE, trigger=trigger, post=post, queued_run=queued_run
    ) as run:
        if not run.skipped:
            result = reconcile(run=run, integrity=integrity, post=post)
    return ReconcileRun(run=run.record, result=result)


@contextmanager
def announced_run(
    *,
    source: str,
    trigger: str,
    post: bool = True,
    client: DiscordRestClient | None = None,
    queued_run: int | None = None,
) -> Iterator[PipelineRun]:
    """`pipeline_run`, then `announce_run` when the block ends, however it ends (IDN-42).

    A pipeline that raises is recorded `error` by `pipeline_run`; its failure post is then
    sent before the exception goes on, so officers hear of it (issue 11 item 2). `post=False`
    (`--no-post`) and a run that did not start (skipped) post nothing.
    """
    # issue 17: a run of this source a killed worker left `running` is closed and announced
    # first, so this start proceeds and officers hear of the lost one.
    close_abandoned_runs(sources=[source], post=post, client=client)
    run = None
    try:
        with pipeline_run(source=source, trigger=trigger, queued_run=queued_run) as run:
            yield run
    finally:
        if post and run is not None and not run.skipped:
            try:
                announce_run(run.record, client=client)
            except Exception:  # a post must never hide the pipeline's own outcome or error
                log.exception("Announcing %s failed", run.record)


def announce_run(run: SyncRun, *, client: DiscordRestClient | None = None) -> None:
    """After a pipeline finished: the failure / recovery post (IDN-42), then the summary
    (IDN-41, only for a run that got its work done). A failed post never fails the run."""
    post_run_outcome(run, client=client)
    if run.status in (SyncStatus.SUCCESS, SyncStatus.PARTIAL):
        post_sync_summary(run, client=client)
