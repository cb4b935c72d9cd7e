"""Identity posts to Discord: the audit report (IDN-39, IDN-40), the sync summary (IDN-41)
and the failure / recovery posts (IDN-42). All go to `SiteConfig.discord_audit_channel_id`.
"""

from identity.reports.audit import AuditReportResult, send_audit_report
from identity.reports.outcome import post_run_outcome
from identity.reports.pipeline import AuditReportRun, run_audit_report
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
    "AuditReportRun",
    "post_run_outcome",
    "post_sync_summary",
    "run_audit_report",
    "send_audit_report",
]
