"""django-q2 tasks of the identity app. Thin: each calls one service and returns a summary."""

from identity.models import SyncTrigger
from identity.services.invite_dm import deliver_invite_dm


def send_invite_dm(invite_id: int) -> str:
    """ACC-32: DM a website invite to its player; returns the stored `dm_status`."""
    invite = deliver_invite_dm(invite_id)
    return invite.dm_status if invite is not None else "missing"


# The admin buttons pass `queued_run`, the id of the `queued` SyncRun they inserted
# (identity.admin.sync); the run takes that row over.


def run_discord_pipeline(trigger: str = SyncTrigger.SCHEDULE, queued_run: int | None = None) -> str:
    """Schedule `identity.discord_member_sync` (IDN-26, IDN-47) and the admin's "Discord sync"
    button (IDN-43, `trigger="admin"`); returns the result line."""
    from identity.services.discord_sync import sync_discord_members

    return sync_discord_members(trigger=trigger, queued_run=queued_run).line


def run_blizzard_pipeline(
    trigger: str = SyncTrigger.SCHEDULE, queued_run: int | None = None
) -> str:
    """Schedule `identity.blizzard_roster_sync` (IDN-23, IDN-47) and the admin's "Blizzard
    sync" button (IDN-43, `trigger="admin"`); returns the result line."""
    from identity.services.roster_sync import sync_roster

    return sync_roster(trigger=trigger, queued_run=queued_run).line


def run_reconcile_pipeline(trigger: str = SyncTrigger.ADMIN, queued_run: int | None = None) -> str:
    """The admin's "Matching + integrity" button (IDN-43, IDN-44); returns the result line."""
    from identity.services.reconcile import run_reconcile_pipeline as reconcile

    return reconcile(trigger=trigger, queued_run=queued_run).line


def run_audit_report(full: bool = False, queued_run: int | None = None) -> str:
    """Admin buttons "Send audit report (new)" / "Send full audit report" (IDN-39, IDN-43)."""
    from identity.services.audit_report import run_audit_report as report

    return report(full=full, trigger=SyncTrigger.ADMIN, queued_run=queued_run).line


def run_addon_upload_pipeline(upload_id: int, requeued: bool = False) -> str:
    """UPL-12: an accepted addon upload's SyncRun, reconcile and summary; the result line."""
    from identity.uploads.pipeline import run_upload_pipeline

    return run_upload_pipeline(upload_id, requeued=requeued)


def cleanup_addon_uploads() -> str:
    """UPL-7's daily `addon-upload-cleanup`: clear payloads older than the retention period."""
    from identity.uploads.pipeline import clear_old_payloads

    return f"Cleared the payload of {clear_old_payloads()} addon uploads"


def close_abandoned_runs() -> str:
    """issue 17: the `identity.close_abandoned_runs` schedule (every 5 minutes): runs a killed
    worker left `running` are closed as abandoned and announced; the result line."""
    from identity.services.abandoned_runs import close_abandoned_runs as close
    from identity.services.abandoned_runs import describe_closed

    return describe_closed(close())
