"""Officer actions on audit issues: Resolve, Dismiss, Undismiss, Accept suggestion (IDN-43).

The admin only calls these. Each bulk action is one conditional UPDATE, so it costs the same
for one issue or a hundred and never touches an issue it does not apply to (Resolve skips
resolved issues, Dismiss skips dismissed or resolved ones, Undismiss skips undismissed ones).

- **Resolve** sets `resolved_at` / `resolved_by` and the note. Nothing else changes: when the
  condition persists, the next integrity run opens a new issue with the same key (IDN-38),
  except that a suggestion an officer resolved is never suggested again (matching skips it).
- **Dismiss** mutes an open issue: it stays open, is still detected and auto-resolved, but is
  never posted (IDN-38, IDN-39). **Undismiss** unmutes it.
- **Accept suggestion** links the suggested character to the Discord user's player (created
  when the user has none, as matching would: IDN-35) as a `fuzzy`, confirmed link made by the
  officer, then resolves the issue. Linking goes through `identity.services.links`, so IDN-12
  (one owner per character) is enforced there.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from identity.models import (
    AuditIssue,
    Confidence,
    DiscordUser,
    IssueType,
    LinkSource,
    Player,
    PlayerCharacter,
    RankSource,
)
from identity.services.links import already_linked_message, link_character
from patt.refusals import Refused
from patt.validators import max_length_of

NOTE_MAX = max_length_of(AuditIssue, "resolution_note")


def _ids(issues: Iterable[AuditIssue | int]) -> list[int]:
    return [issue if isinstance(issue, int) else issue.pk for issue in issues]


def clean_note(note: str | None, *, resolved_by: Player | None = None, by_user: str = "") -> str:
    """The officer's note, trimmed and cut to the column's length.

    `resolved_by` null means "resolved automatically" (IDN-17), so a superuser without a
    Player who resolves by hand is named in the note instead (`by_user`).
    """
    note = " ".join((note or "").split())
    if resolved_by is None and by_user:
        note = f"{note} (by {by_user})".strip()
    return note if len(note) <= NOTE_MAX else note[: NOTE_MAX - 1] + "…"


def resolve_issues(
    issues: Iterable[AuditIssue | int],
    *,
    resolved_by: Player | None,
    note: str = "",
    by_user: str = "",
    now: datetime | None = None,
) -> int:
    """IDN-43 "Resolve": the open ones among `issues` (rows or pks) are resolved by the officer.

    Returns how many were resolved; issues already resolved are left as they were.
    """
    return AuditIssue.objects.filter(pk__in=_ids(issues), resolved_at__isnull=True).update(
        resolved_at=now or timezone.now(),
        resolved_by=resolved_by,
        resolution_note=clean_note(note, resolved_by=resolved_by, by_user=by_user),
    )


def dismiss_issues(
    issues: Iterable[AuditIssue | int], *, dismissed_by: Player | None, now: datetime | None = None
) -> int:
    """IDN-43 "Dismiss": mute open, not yet dismissed issues. They stay open (IDN-38)."""
    return AuditIssue.objects.filter(
        pk__in=_ids(issues), resolved_at__isnull=True, dismissed_at__isnull=True
    ).update(dismissed_at=now or timezone.now(), dismissed_by=dismissed_by)


def undismiss_issues(issues: Iterable[AuditIssue | int]) -> int:
    """IDN-43 "Undismiss": dismissed issues are muted no more (and may be posted again)."""
    return AuditIssue.objects.filter(pk__in=_ids(issues), dismissed_at__isnull=False).update(
        dismissed_at=None, dismissed_by=None
    )


# --- Accept suggestion -------------------------------------------------------------------------


@dataclass(frozen=True)
class AcceptedSuggestion:
    issue: AuditIssue
    player: Player
    link: PlayerCharacter | None  # None: the player already owned the character
    player_created: bool

    @property
    def message(self) -> str:
        character = self.issue.character
        if self.link is None:
            return f"{character} was already linked to {self.player}; the suggestion is resolved."
        created = " (new player)" if self.player_created else ""
        return f"Linked {character} to {self.player}{created}; the suggestion is resolved."


def not_a_suggestion_message(issue: AuditIssue) -> str:
    return f"“{issue.summary}” is not a suggested link; only suggestions can be accepted."


def _player_for(discord_user: DiscordUser) -> tuple[Player, bool]:
    """The Discord user's player, created as matching creates one (IDN-35) when missing."""
    player = Player.objects.filter(discord_user=discord_user).first()
    if player is not None:
        return player, False
    try:
        with transaction.atomic():
            player = Player.objects.create(
                display_name=discord_user.display_name or discord_user.username,
                discord_user=discord_user,
                rank_source=RankSource.AUTO,
            )
    except IntegrityError:
        # Created concurrently (a sign-in, a matching run): use that one.
        return Player.objects.get(discord_user=discord_user), False
    return player, True


def accept_suggestion(
    issue: AuditIssue | int,
    *,
    accepted_by: Player | None,
    by_user: str = "",
    now: datetime | None = None,
) -> AcceptedSuggestion:
    """IDN-43 "Accept suggestion" for one `auto_link_suggestion` issue.

    Refused (`patt.refusals.Refused`) when the issue is not a suggestion, is resolved already,
    lacks its character or Discord user, or the character is owned by another player (IDN-12).
    The link is `fuzzy`, high and confirmed, `linked_by` / `confirmed_by` the officer; the
    issue is then resolved by the officer with a note naming the link.
    """
    pk = issue if isinstance(issue, int) else issue.pk
    now = now or timezone.now()
    with transaction.atomic():
        # The row lock makes two officers accepting the same suggestion take turns.
        locked = (
            AuditIssue.objects.select_for_update(of=("self",))
            .select_related("character", "discord_user")
            .filter(pk=pk)
            .first()
        )
        if locked is None:
            raise Refused("This issue no longer exists.", code=Refused.NOT_FOUND)
        if locked.issue_type != IssueType.AUTO_LINK_SUGGESTION:
            raise Refused(not_a_suggestion_message(locked), code=Refused.CONFLICT)
        if not locked.is_open:
            raise Refused(f"“{locked.summary}” is already resolved.", code=Refused.CONFLICT)
        character, discord_user = locked.character, locked.discord_user
        if character is None or discord_user is None:
            raise Refused(
                f"“{locked.summary}” has lost its character or Discord user; resolve it instead.",
                code=Refused.CONFLICT,
            )
        owner = Player.objects.filter(character_links__character=character).first()
        if owner is not None and owner.discord_user_id != discord_user.pk:
            raise Refused(already_linked_message(character, owner=owner), code=Refused.CONFLICT)

        if owner is not None:
            player, player_created, link = owner, False, None
        else:
            player, player_created = _player_for(discord_user)
            try:
                link = link_character(
                    player=player,
                    character=character,
                    source=LinkSource.FUZZY,
                    confidence=Confidence.HIGH,
                    confirmed=True,
                    linked_by=accepted_by,
                ).link
            except Refused as refused:  # linked concurrently (IDN-12)
                raise Refused(refused.message, code=Refused.CONFLICT) from None

        note = (
            f"Suggestion accepted: {character} linked to {player}"
            if link is not None
            else f"Suggestion accepted: {character} was already linked to {player}"
        )
        locked.resolved_at = now
        locked.resolved_by = accepted_by
        locked.resolution_note = clean_note(note, resolved_by=accepted_by, by_user=by_user)
        locked.save(update_fields=["resolved_at", "resolved_by", "resolution_note"])
    return AcceptedSuggestion(issue=locked, player=player, link=link, player_created=player_created)
