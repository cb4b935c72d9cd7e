"""The onboarding checker (ONB-31 … ONB-35, ONB-40, ONB-41, ONB-11, ONB-1): `run_checker`.

It runs in the django-q2 worker (onboarding/checker_tasks.py: the 30-minute schedule
`onboarding-deadline-check` and the admin's "Run checker now"), so it sends its DMs and posts
through the REST client itself (BOT-13). Steps, in order (ONB-32): verify, provision, escalate
and post escalations, nudge, resume, post queued landing notices, record a SyncRun.

- Lock: the job lock `onboarding-deadline-check`; a run that finds it taken does nothing
  ("skipped: already running").
- Paused (ONB-1): onboarding off -> "disabled", nothing at all; DMs off -> no nudge and no
  resume (channel posts still go out).
- Absent members (ONB-11): verified, but never DMed, provisioned or escalated.
- Isolation: each session is its own transaction; an error is logged, recorded on the
  session's timeline, counted, and the run goes on.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from identity.models import SyncSource, SyncStatus, SyncTrigger
from identity.services.sync_runs import pipeline_run
from onboarding.models import (
    CLOSED_STATES,
    CONVERSATION_STATES,
    OPEN_STATES,
    EscalationReason,
    LandingNoticeStatus,
    OnboardingEvent,
    OnboardingSession,
    State,
)
from onboarding.services import notices, replies
from onboarding.services.conversation import current_question
from onboarding.services.joins import report_opening_dm, send_opening
from onboarding.services.provisioning import provision_session
from onboarding.services.states import record_event
from onboarding.services.timing import deadline_after, nudge_after, resume_batch, resume_max_age
from onboarding.services.verification import verify_session
from patt.discord.errors import DiscordAuthError, DiscordError, DiscordNotConfigured, DMsClosed
from patt.discord.events import DMS_CLOSED, FAILED, OutMessage
from patt.discord.rest import DiscordRestClient
from patt.job_lock import JobLock
from patt.models import SiteConfig

__all__ = [
    "CHECKER_NAME",
    "DISABLED",
    "NUDGE_PREFIX",
    "SKIPPED",
    "CheckerReport",
    "run_checker",
]

logger = logging.getLogger("onboarding")

CHECKER_NAME = "onboarding-deadline-check"  # ONB-31: the schedule's and the job lock's name
CHECKER_LOCK_ID = 0x0B0A_4D01  # the PostgreSQL advisory lock key of that job lock
CHECKER_LOCK_TTL = 30 * 60  # SQLite's cache lock expires by itself after a schedule period
DISABLED = "disabled"
SKIPPED = "skipped: already running"
NUDGE_PREFIX = "Hi again! Whenever you have a moment:"  # ONB-35

COUNTS = (
    "verified",
    "provisioned",
    "provisioning_failed",
    "escalated",
    "escalations_posted",
    "nudged",
    "resumed",
    "dms_closed",
    "landing_notices",
    "still_pending",
    "errors",
)


@dataclass
class CheckerReport:
    """What one run did (ONB-32 step 6); `outcome` is "done", `DISABLED` or `SKIPPED`."""

    outcome: str = "done"
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    warnings: list[str] = field(default_factory=list)

    def add(self, name: str, n: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + n

    def warn(self, message: str) -> None:
        logger.warning("Onboarding checker: %s", message)
        if message not in self.warnings:
            self.warnings.append(message)

    @property
    def line(self) -> str:
        if self.outcome != "done":
            return f"Onboarding checker {self.outcome}"
        counts = ", ".join(f"{name} {value}" for name, value in self.counts.items())
        return f"Onboarding checker: {counts}"


def run_checker(
    *,
    now: datetime | None = None,
    client: DiscordRestClient | None = None,
    trigger: str = SyncTrigger.SCHEDULE,
) -> CheckerReport:
    """ONB-31, ONB-32: one run of the checker. `client` defaults to a REST client built from
    the settings; without a bot token the Discord steps are skipped ("Discord not configured")
    and the database steps still run."""
    now = now or timezone.now()
    report = CheckerReport()
    config = SiteConfig.get()
    if not config.onboarding_enabled:
        report.outcome = DISABLED
        return report
    with JobLock(key=CHECKER_LOCK_ID, name=CHECKER_NAME, ttl=CHECKER_LOCK_TTL) as held:
        if not held:
            report.outcome = SKIPPED
            return report
        with pipeline_run(source=SyncSource.ONBOARDING, trigger=trigger) as run:
            if run.skipped:
                report.outcome = SKIPPED
                return report
            _run(report, config=config, client=client, now=now)
            run.counts = dict(report.counts)
            for warning in report.warnings:
                run.details.setdefault("warnings", []).append(warning)
            if report.counts["errors"]:
                run.status = SyncStatus.PARTIAL
    return report


def _run(
    report: CheckerReport, *, config: SiteConfig, client: DiscordRestClient | None, now: datetime
) -> None:
    if client is None:
        try:
            client = DiscordRestClient()
        except DiscordNotConfigured:
            report.warn("Discord not configured: no DMs, posts or provisioning this run")
    try:
        _verify(report, now=now)
        if client is not None:
            _provision(report, client=client, now=now)
        _escalate(report, now=now)
        if client is not None:
            _post_escalations(report, client=client, config=config, now=now)
            if config.bot_dms_enabled:
                _nudge(report, client=client, config=config, now=now)
                _resume(report, client=client, config=config, now=now)
            _post_landing_notices(report, client=client, config=config, now=now)
    except DiscordAuthError as exc:
        # BOT-18, BOT-19: a rejected token is never repeated; the run stops its Discord work.
        report.add("errors")
        report.warn(f"Discord rejected the bot token; the Discord steps stopped ({exc})")
    report.counts["still_pending"] = OnboardingSession.objects.filter(
        state=State.PENDING_VERIFICATION
    ).count()


def _guarded(
    report: CheckerReport, session_id: int, kind: str, step: Callable[[], None], *, now: datetime
) -> None:
    """ONB-31 isolation: one session's failure is logged with an error id, written on its
    timeline and counted; the run goes on."""
    try:
        step()
    except DiscordAuthError:
        raise  # the whole run stops its Discord work (`_run`)
    except Exception as exc:
        error_id = uuid.uuid4().hex[:8]
        report.add("errors")
        logger.exception(
            "Onboarding checker failed on session #%s (error %s)",
            session_id,
            error_id,
            extra={"session_id": session_id, "error_id": error_id, "outcome": "error"},
        )
        try:
            session = OnboardingSession.objects.get(pk=session_id)
            record_event(
                session, kind=kind, detail=f"checker error {error_id}: {exc}"[:500], now=now
            )
        except Exception:  # the database itself failed: the log line is the record
            logger.exception("Could not record the checker error on session #%s", session_id)


def _present() -> Q:
    return Q(discord_user__is_present=True)


# --- 1. verify ------------------------------------------------------------------------------


def _verify(report: CheckerReport, *, now: datetime) -> None:
    """ONB-32 step 1: every `pending_verification` session, oldest first, present or not
    (ONB-11); verification keeps retrying after escalation (ONB-34)."""
    pending = OnboardingSession.objects.filter(state=State.PENDING_VERIFICATION).order_by(
        "created_at", "pk"
    )
    for session_id in pending.values_list("pk", flat=True):

        def step(session_id: int = session_id) -> None:
            with transaction.atomic():  # BOT-9: verification runs with the row locked
                session = (
                    OnboardingSession.objects.select_for_update(of=("self",))
                    .filter(pk=session_id, state=State.PENDING_VERIFICATION)
                    .first()
                )
                if session is None:
                    return
                verify_session(session, now=now)
            if session.state == State.VERIFIED:
                report.add("verified")

        _guarded(report, session_id, OnboardingEvent.Kind.VERIFICATION, step, now=now)


# --- 2. provision ---------------------------------------------------------------------------


def _provision(report: CheckerReport, *, client: DiscordRestClient, now: datetime) -> None:
    """ONB-32 step 2: `verified` sessions whose member is present (ONB-11), through the
    idempotent provisioning of ONB-28."""
    verified = OnboardingSession.objects.filter(_present(), state=State.VERIFIED).order_by(
        "verified_at", "pk"
    )
    for session_id in verified.values_list("pk", flat=True):

        def step(session_id: int = session_id) -> None:
            provision_session(session_id, client=client, now=now)
            session = OnboardingSession.objects.get(pk=session_id)
            if session.state in CLOSED_STATES:
                report.add("provisioned")
            elif session.provision_error:
                report.add("provisioning_failed")

        _guarded(report, session_id, OnboardingEvent.Kind.PROVISIONING, step, now=now)


# --- 3. escalate ----------------------------------------------------------------------------


def _escalate(report: CheckerReport, *, now: datetime) -> None:
    """ONB-32 step 3, ONB-33, ONB-34: mark open, present, not-yet-escalated sessions once:
    `pending_verification` past its deadline (`no_name` when no name was ever given, else
    `no_match`), and `verified` ones still not provisioned a deadline after `verified_at`
    (`provisioning_stuck`). Conversation states, `awaiting_dm` and `declined` never escalate."""
    due = OnboardingSession.objects.filter(_present(), escalated_at__isnull=True).filter(
        Q(state=State.PENDING_VERIFICATION, deadline_at__lte=now)
        | Q(state=State.VERIFIED, verified_at__lte=now - deadline_after())
    )
    for session_id in due.order_by("created_at", "pk").values_list("pk", flat=True):

        def step(session_id: int = session_id) -> None:
            with transaction.atomic():
                session = (
                    OnboardingSession.objects.select_for_update(of=("self",))
                    .filter(pk=session_id, escalated_at__isnull=True)
                    .first()
                )
                if session is None:
                    return
                deadline = session.deadline_at
                if session.state == State.PENDING_VERIFICATION and deadline and deadline <= now:
                    no_name = not session.reported_main_name and session.main_character_id is None
                    reason = EscalationReason.NO_NAME if no_name else EscalationReason.NO_MATCH
                elif session.state == State.VERIFIED:
                    reason = EscalationReason.PROVISIONING_STUCK
                else:
                    return
                session.escalated_at = now
                session.escalation_reason = reason
                session.save(update_fields=["escalated_at", "escalation_reason", "updated_at"])
                record_event(
                    session, kind=OnboardingEvent.Kind.ESCALATION, detail=str(reason), now=now
                )
            report.add("escalated")

        _guarded(report, session_id, OnboardingEvent.Kind.ESCALATION, step, now=now)


def _post_escalations(
    report: CheckerReport, *, client: DiscordRestClient, config: SiteConfig, now: datetime
) -> None:
    """ONB-32 step 3 (then), ONB-34: post every escalation not yet posted, for a present
    member, while the session is open; a `role_failed` escalation comes from provisioning that
    finished, so it is posted for a provisioned session too. No channel: a WARNING each run."""
    unposted = OnboardingSession.objects.filter(
        _present(), escalated_at__isnull=False, escalation_posted_at__isnull=True
    ).filter(
        Q(state__in=sorted(OPEN_STATES))
        | Q(
            escalation_reason=EscalationReason.ROLE_FAILED,
            state__in=[State.PROVISIONED, State.MANUALLY_RESOLVED],
        )
    )
    session_ids = list(unposted.order_by("escalated_at", "pk").values_list("pk", flat=True))
    if session_ids and not config.discord_audit_channel_id:
        report.warn(f"{len(session_ids)} escalation(s) not posted: no audit channel is set")
        return
    for session_id in session_ids:

        def step(session_id: int = session_id) -> None:
            outcome = notices.post_escalation(session_id, client=client, config=config, now=now)
            if outcome == notices.POSTED:
                report.add("escalations_posted")

        _guarded(report, session_id, OnboardingEvent.Kind.ESCALATION, step, now=now)


# --- 4. nudge -------------------------------------------------------------------------------


def _nudge(
    report: CheckerReport, *, client: DiscordRestClient, config: SiteConfig, now: datetime
) -> None:
    """ONB-35: once per round, a quiet conversation (present, `nudged_at` empty, `prompted_at`
    at least the nudge delay ago) gets "Hi again! Whenever you have a moment: <question>".

    `nudged_at` is claimed before the send, so a concurrent run never nudges twice; a
    transient failure gives the claim back for the next run. DMs closed keeps it and sets
    `dm_blocked_at`: never retried.
    """
    quiet = OnboardingSession.objects.filter(
        _present(),
        state__in=sorted(CONVERSATION_STATES),
        nudged_at__isnull=True,
        prompted_at__lte=now - nudge_after(),
    )
    for session_id in quiet.order_by("prompted_at", "pk").values_list("pk", flat=True):

        def step(session_id: int = session_id) -> None:
            with transaction.atomic():
                session = (
                    OnboardingSession.objects.select_for_update(of=("self",))
                    .select_related("discord_user")
                    .filter(pk=session_id, nudged_at__isnull=True)
                    .first()
                )
                if (
                    session is None
                    or session.state not in CONVERSATION_STATES
                    or session.prompted_at is None
                    or session.prompted_at > now - nudge_after()
                ):
                    return
                session.nudged_at = now
                session.save(update_fields=["nudged_at", "updated_at"])
                message = nudge_message(session, config=config)
            user_id = session.discord_user.discord_id
            try:
                client.send_dm(user_id, message.content or None, list(message.embeds) or None)
            except DMsClosed:
                OnboardingSession.objects.filter(pk=session_id).update(dm_blocked_at=now)
                record_event(
                    session, kind=OnboardingEvent.Kind.DM_OUT, detail="nudge: DMs closed", now=now
                )
                report.add("dms_closed")
                return
            except DiscordError as exc:
                if exc.transient:
                    OnboardingSession.objects.filter(pk=session_id, nudged_at=now).update(
                        nudged_at=None
                    )
                    return
                raise
            record_event(
                session,
                kind=OnboardingEvent.Kind.DM_OUT,
                detail=f"nudge: {replies.summary(message)}",
                now=now,
            )
            report.add("nudged")

        _guarded(report, session_id, OnboardingEvent.Kind.DM_OUT, step, now=now)


def nudge_message(session: OnboardingSession, *, config: SiteConfig) -> OutMessage:
    """ONB-35: "Hi again! Whenever you have a moment: <current question>"."""
    question = current_question(session, config=config)
    if question.content:
        return replies.text(f"{NUDGE_PREFIX} {question.content}")
    return OutMessage(content=NUDGE_PREFIX, embeds=question.embeds)


# --- 5. resume ------------------------------------------------------------------------------


def _resume(
    report: CheckerReport, *, client: DiscordRestClient, config: SiteConfig, now: datetime
) -> None:
    """ONB-32 step 5: the opening DM, through REST, to the oldest `awaiting_dm` sessions
    (`ONBOARDING_RESUME_BATCH`) whose member is present and joined within
    `ONBOARDING_RESUME_MAX_AGE_DAYS`. As on a join (ONB-8) the state moves before the send;
    DMs closed -> `declined` and a landing notice (ONB-40); another failure -> back to
    `awaiting_dm` for the next run. Older sessions stay in the admin."""
    cutoff = now - resume_max_age()
    waiting = (
        OnboardingSession.objects.filter(_present(), state=State.AWAITING_DM)
        .filter(
            Q(discord_user__joined_at__gte=cutoff)
            | Q(discord_user__joined_at__isnull=True, created_at__gte=cutoff)
        )
        .order_by("created_at", "pk")
    )
    for session_id in list(waiting.values_list("pk", flat=True)[: resume_batch()]):

        def step(session_id: int = session_id) -> None:
            with transaction.atomic():
                session = (
                    OnboardingSession.objects.select_for_update(of=("self",))
                    .select_related("discord_user")
                    .filter(pk=session_id, state=State.AWAITING_DM)
                    .first()
                )
                if session is None:
                    return
                message = send_opening(
                    session, config=config, now=now, trigger="checker: resumed opening DM"
                )
            user_id = session.discord_user.discord_id
            try:
                client.send_dm(user_id, message.content or None, list(message.embeds) or None)
            except DMsClosed:
                report_opening_dm(discord_user_id=user_id, outcome=DMS_CLOSED, now=now)
                report.add("dms_closed")
                return
            except DiscordError as exc:
                report_opening_dm(discord_user_id=user_id, outcome=FAILED, now=now)
                if exc.transient:
                    return
                raise
            record_event(
                session,
                kind=OnboardingEvent.Kind.DM_OUT,
                detail=f"resumed: {replies.summary(message)}",
                now=now,
            )
            report.add("resumed")

        _guarded(report, session_id, OnboardingEvent.Kind.DM_OUT, step, now=now)


# --- landing notices ------------------------------------------------------------------------


def _post_landing_notices(
    report: CheckerReport, *, client: DiscordRestClient, config: SiteConfig, now: datetime
) -> None:
    """ONB-41: post every `queued` landing notice of a present member (a transient failure
    left it queued for this run)."""
    queued = OnboardingSession.objects.filter(
        _present(), landing_notice_status=LandingNoticeStatus.QUEUED
    )
    for session_id in queued.order_by("created_at", "pk").values_list("pk", flat=True):

        def step(session_id: int = session_id) -> None:
            outcome = notices.post_landing_notice(session_id, client=client, config=config, now=now)
            if outcome == LandingNoticeStatus.POSTED:
                report.add("landing_notices")
            elif outcome == LandingNoticeStatus.NO_CHANNEL:
                report.warn("a landing notice was not posted: no landing channel is set")

        _guarded(report, session_id, OnboardingEvent.Kind.DM_OUT, step, now=now)
