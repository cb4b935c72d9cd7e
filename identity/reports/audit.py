"""The audit report: open issues posted to the officers' channel (IDN-39, IDN-40).

Selection: open, not dismissed and never notified (`full`: every open, not dismissed issue).
The report is a header embed and one embed per issue type, split into as many messages as the
limits need. After each message Discord accepted, the issues in it (including those only
counted in "…and K more") get `notified_at`; a failed send stops the report and leaves the rest
un-notified for the next run. Queries do not grow with the number of issues: one read, then one
update per message sent.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from identity.models import AuditIssue, IssueSeverity, IssueType
from identity.reports.channel import NO_MENTIONS, audit_channel_id, unavailable_reason
from identity.reports.embeds import (
    clip,
    clip_title,
    colour_value,
    escape_markdown,
    pack_messages,
)
from patt.discord.errors import DiscordError
from patt.discord.rest import DiscordRestClient
from patt.models import SiteConfig

log = logging.getLogger(__name__)

HEADER_TITLE = "🔍 Guild Identity Audit Report"
# IDN-39: the type order after worst severity, with each type's label.
TYPE_LABELS = {
    IssueType.ROLE_MISMATCH: "⚠️ Role Mismatches (In-Game vs Discord)",
    IssueType.NO_GUILD_ROLE: "🏷️ Missing Discord Guild Role",
    IssueType.ORPHAN_WOW: "🎮 WoW Characters Without a Player",
    IssueType.ORPHAN_DISCORD: "💬 Discord Members Without WoW Characters",
    IssueType.AUTO_LINK_SUGGESTION: "🔗 Suggested Links (Needs Review)",
    IssueType.STALE_CHARACTER: "💤 Inactive Characters (30+ days)",
    # Not in IDN-39's list: the issue of IDN-15's staff rule, last among equal severities.
    IssueType.STAFF_ACCESS_WITHDRAWN: "🔒 Officers Who Left: Admin Access Withdrawn",
}
TYPE_ORDER = list(TYPE_LABELS)
SEVERITY_COLOURS = {
    IssueSeverity.CRITICAL: "#FF0000",
    IssueSeverity.WARNING: "#FFA500",
    IssueSeverity.INFO: "#3498DB",
}
REVIEW_PATH = "/admin/identity/auditissue/"

# IDN-40 limits.
MAX_LINES = 20
SUMMARY_LIMIT = 200
DESCRIPTION_LIMIT = 4000
MESSAGE_TEXT_LIMIT = 5900
TRUNCATED = "_…truncated_"

POSTED, NOTHING, SKIPPED, FAILED, DRY_RUN = "posted", "nothing", "skipped", "failed", "dry_run"


@dataclass
class AuditReportResult:
    """What one report did. `messages` holds the embeds of each message built (sent or not)."""

    status: str
    full: bool = False
    messages: list[list[dict]] = field(default_factory=list)
    issues_selected: int = 0
    issues_notified: int = 0
    messages_sent: int = 0
    error: str = ""

    @property
    def line(self) -> str:
        """One readable result line for commands, tasks and logs."""
        kind = "open" if self.full else "new"
        if self.status == NOTHING:
            return f"Audit report: no {kind} issues to post"
        if self.status == SKIPPED:
            return f"Audit report skipped: {self.error}"
        issues = _plural(self.issues_selected, f"{kind} issue")
        sizes = f"{issues} in {_plural(len(self.messages), 'message')}"
        if self.status == DRY_RUN:
            return f"Audit report dry run: {sizes} (nothing posted)"
        if self.status == FAILED:
            return (
                f"Audit report failed after {self.messages_sent} of {len(self.messages)} "
                f"messages ({self.issues_notified} issues notified): {self.error}"
            )
        return f"Audit report posted: {sizes}"

    @property
    def payloads(self) -> list[dict]:
        """The request bodies the report sends (or would send), as `--dry-run` prints them."""
        return [{"embeds": embeds, "allowed_mentions": NO_MENTIONS} for embeds in self.messages]


def send_audit_report(
    *,
    full: bool = False,
    dry_run: bool = False,
    client: DiscordRestClient | None = None,
    warn: Callable[[str], None] | None = None,
    now: datetime | None = None,
) -> AuditReportResult:
    """IDN-39/40: post the selected open issues to `SiteConfig.discord_audit_channel_id`.

    No channel or no Discord → `skipped`, and `warn` (the caller's SyncRun) hears why. Nothing
    selected → `nothing`, no post. `dry_run` builds the messages and neither posts nor stamps
    (it needs no channel, so a report can be previewed before one is configured).
    """
    if not dry_run:
        reason = unavailable_reason(client)
        if reason:
            if warn is not None:
                warn(reason)
            return AuditReportResult(status=SKIPPED, full=full, error=reason)
    now = now or timezone.now()
    issues = list(select_issues(full=full))
    if not issues:
        return AuditReportResult(status=NOTHING, full=full)
    messages, issue_ids = build_report(issues, full=full, now=now)
    result = AuditReportResult(
        status=DRY_RUN if dry_run else POSTED,
        full=full,
        messages=messages,
        issues_selected=len(issues),
    )
    if not dry_run:
        _send(result, issue_ids, client, now)
    return result


def select_issues(*, full: bool):
    """IDN-39: open, not dismissed, not yet notified (`full`: notified too); report order."""
    issues = AuditIssue.objects.filter(resolved_at__isnull=True, dismissed_at__isnull=True)
    if not full:
        issues = issues.filter(notified_at__isnull=True)
    return issues.only("pk", "issue_type", "severity", "summary", "first_detected_at").order_by(
        "-severity", "first_detected_at", "pk"
    )


def build_report(
    issues: list[AuditIssue], *, full: bool, now: datetime
) -> tuple[list[list[dict]], list[list[int]]]:
    """The messages of a report (embeds per message) and the issue ids each message covers.

    `issues` come in report order (severity, first detection, pk).
    """
    by_type: dict[str, list[AuditIssue]] = {}
    for issue in issues:
        by_type.setdefault(issue.issue_type, []).append(issue)
    types = sorted(
        by_type,
        key=lambda kind: (-max(i.severity for i in by_type[kind]), _type_rank(kind)),
    )
    embeds = [_header_embed(issues, full=full, now=now)]
    covered: list[list[int]] = [[]]
    for kind in types:
        embeds.append(_type_embed(kind, by_type[kind]))
        covered.append([issue.pk for issue in by_type[kind]])
    embeds[-1]["footer"] = {"text": f"Review: {settings.SITE_URL}{REVIEW_PATH}"}
    messages, issue_ids = [], []
    for indexes in pack_messages(embeds, max_text=MESSAGE_TEXT_LIMIT):
        messages.append([embeds[i] for i in indexes])
        issue_ids.append([pk for i in indexes for pk in covered[i]])
    return messages, issue_ids


def _type_rank(kind: str) -> int:
    return TYPE_ORDER.index(kind) if kind in TYPE_ORDER else len(TYPE_ORDER)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _header_embed(issues: list[AuditIssue], *, full: bool, now: datetime) -> dict:
    severities = [issue.severity for issue in issues]
    if full:
        headline = f"**{_plural(len(issues), 'open issue')}**"
    else:
        headline = f"**{_plural(len(issues), 'new issue')} detected**"
    counts = " · ".join(
        f"{severity.label.lower()} {severities.count(severity)}"
        for severity in (IssueSeverity.CRITICAL, IssueSeverity.WARNING, IssueSeverity.INFO)
    )
    return {
        "title": HEADER_TITLE,
        "description": "\n".join([headline, f"Run at: <t:{int(now.timestamp())}:F>", counts]),
        "color": colour_value(SiteConfig.get().accent_colour),
    }


def _type_embed(kind: str, issues: list[AuditIssue]) -> dict:
    label = TYPE_LABELS.get(kind, kind)
    worst = max(issue.severity for issue in issues)
    return {
        "title": clip_title(f"{label} ({len(issues)})"),
        "description": _bullets(issues),
        "color": colour_value(SEVERITY_COLOURS[worst]),
    }


def _bullets(issues: list[AuditIssue]) -> str:
    """Up to 20 bullets, then "…and K more"; whole bullets dropped past 4000 characters."""
    bullets = [
        f"• {escape_markdown(clip(issue.summary, SUMMARY_LIMIT))}" for issue in issues[:MAX_LINES]
    ]
    tail = [f"_…and {len(issues) - MAX_LINES} more_"] if len(issues) > MAX_LINES else []
    description = "\n".join(bullets + tail)
    if len(description) <= DESCRIPTION_LIMIT:
        return description
    tail = [TRUNCATED, *tail]
    while bullets and len("\n".join(bullets + tail)) > DESCRIPTION_LIMIT:
        bullets.pop()
    return "\n".join(bullets + tail)


def _send(
    result: AuditReportResult,
    issue_ids: list[list[int]],
    client: DiscordRestClient | None,
    now: datetime,
) -> None:
    """Send message by message, stamping each one's issues; stop at the first failure."""
    own = client is None
    channel_id = audit_channel_id()
    try:
        if own:
            client = DiscordRestClient()
        for embeds, ids in zip(result.messages, issue_ids, strict=True):
            client.post_channel_message(channel_id, embeds=embeds, allowed_mentions=NO_MENTIONS)
            result.messages_sent += 1
            if ids:
                AuditIssue.objects.filter(pk__in=ids).update(notified_at=now)
                result.issues_notified += len(ids)
    except (DiscordError, ValueError) as exc:
        # ValueError: check_message refused a message, which the builder should never allow.
        log.warning("Audit report stopped after %d messages: %s", result.messages_sent, exc)
        result.status = FAILED
        result.error = str(exc)
    finally:
        if own and client is not None:
            client.close()
