"""The `audit_report` pipeline: one SyncRun around one report (IDN-39, IDN-44, IDN-48).

Used by `manage.py audit_report` and the admin buttons' task. It is a service (it records a
SyncRun through `sync_runs`); the report it sends is `identity.reports.audit`, below it. A
concurrent report is recorded as `skipped` ("already running"); a report skipped for lack of a
channel or of Discord ends as `skipped` with the reason as a warning; a failed send ends as
`error`.
"""

from dataclasses import dataclass

from identity.models import SyncRun, SyncSource, SyncStatus, SyncTrigger
from identity.reports.audit import FAILED, SKIPPED, AuditReportResult, send_audit_report
from identity.services.sync_runs import describe_run, pipeline_run
from patt.discord.rest import DiscordRestClient


@dataclass(frozen=True)
class AuditReportRun:
    run: SyncRun
    report: AuditReportResult | None  # None when the run did not start

    @property
    def ok(self) -> bool:
        """Exit code 0 (IDN-48): success; error and skipped are failures."""
        return self.run.status in (SyncStatus.SUCCESS, SyncStatus.PARTIAL)

    @property
    def line(self) -> str:
        if self.report is None:
            return describe_run(self.run)
        return f"{self.report.line} ({describe_run(self.run)})"


def run_audit_report(
    *,
    full: bool = False,
    trigger: str = SyncTrigger.COMMAND,
    client: DiscordRestClient | None = None,
    queued_run: int | None = None,
) -> AuditReportRun:
    """Send the report inside an `audit_report` SyncRun; counts selected / notified / messages.
    `queued_run`: the admin button's `queued` row, which becomes this run's."""
    with pipeline_run(
        source=SyncSource.AUDIT_REPORT, trigger=trigger, queued_run=queued_run
    ) as run:
        if run.skipped:
            return AuditReportRun(run=run.record, report=None)
        report = send_audit_report(full=full, client=client, warn=run.warn)
        run.counts.update(
            selected=report.issues_selected,
            notified=report.issues_notified,
            messages=report.messages_sent,
        )
        if full:
            run.details["full"] = True
        if report.status == SKIPPED:
            run.status = SyncStatus.SKIPPED
        elif report.status == FAILED:
            run.fail(report.error)
    return AuditReportRun(run=run.record, report=report)
