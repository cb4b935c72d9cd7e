"""Identity posts to Discord: the audit report (IDN-39, IDN-40), the sync summary (IDN-41)
and the failure / recovery posts (IDN-42). All go to `SiteConfig.discord_audit_channel_id`.

The reports sit below the services: the `audit_report` run that wraps the report in a SyncRun
is the service `identity.services.audit_report.run_audit_report`.
"""

from identity.reports.audit import AuditReportResult, send_audit_report
from identity.reports.outcome import post_run_outcome
from identity.reports.summary import (
    NOTES_UPDATED,
    ROLE_ADDS,
    ROLE_REMOVALS,
    UNKNOWN_CHARACTERS,
    post_sync_summary,
)

__all__ = [
    "NOTES_UPDATED",
    "ROLE_ADDS",
    "ROLE_REMOVALS",
    "UNKNOWN_CHARACTERS",
    "AuditReportResult",
    "post_run_outcome",
    "post_sync_summary",
    "send_audit_report",
]
