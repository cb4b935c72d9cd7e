"""IDN-43 officer actions on audit issues: Resolve, Dismiss / Undismiss, Accept suggestion.

Driven through the admin (changelist actions and the issue page's buttons) and, for the
rules, through `identity.services.issue_actions`.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from identity.models import (
    AuditIssue,
    Confidence,
    IssueSeverity,
    IssueType,
    LinkSource,
    Player,
    PlayerCharacter,
)
from identity.services.integrity import run_integrity_checks
from identity.services.issue_actions import (
    accept_suggestion,
    dismiss_issues,
    resolve_issues,
    undismiss_issues,
)
from patt.refusals import Refused
from tests.admin_tools.conftest import (
    change_url,
    changelist_url,
    issue_url,
    messages_of,
    run_action,
)
from tests.factories import (
    DiscordUserFactory,
    PlayerCharacterFactory,
    PlayerFactory,
    WowCharacterFactory,
)
from tests.site.test_security import inline_code

pytestmark = pytest.mark.django_db

RESOLVED_HINT = "If the problem persists, the next integrity run opens a new issue."


def issue(key=None, **fields) -> AuditIssue:
    kind = fields.pop("issue_type", IssueType.ORPHAN_WOW)
    return AuditIssue.objects.create(
        issue_type=kind,
        severity=fields.pop("severity", IssueSeverity.WARNING),
        dedup_key=key or f"{kind}:{AuditIssue.objects.count() + 1}",
        summary=fields.pop("summary", f"Issue {key}"),
        **fields,
    )


def suggestion(character=None, discord_user=None, **fields) -> AuditIssue:
    character = character or WowCharacterFactory(name="Trogmoon")
    discord_user = discord_user or DiscordUserFactory(username="trog", display_name="Trog")
    return issue(
        f"auto_link_suggestion:c{character.pk}:d{discord_user.pk}",
        issue_type=IssueType.AUTO_LINK_SUGGESTION,
        severity=IssueSeverity.INFO,
        summary=f"Possible match: {character} ↔ {discord_user.username} (score: 91%)",
        character=character,
        discord_user=discord_user,
        **fields,
    )


def fresh(obj):
    obj.refresh_from_db()
    return obj


# --- Resolve -----------------------------------------------------------------------------------


def test_resolve_action_asks_for_a_note_first(officer_client):
    first, second = issue("a"), issue("b")

    page = run_action(officer_client, AuditIssue, "resolve_selected", [first, second])

    assert page.status_code == 200
    assert page.templates[0].name == "admin/identity/auditissue/resolve.html"
    html = page.content.decode()
    assert "Resolve 2 open issues?" in html and "Issue a" in html and "Issue b" in html
    assert 'name="post" value="yes"' in html and "csrfmiddlewaretoken" in html
    assert inline_code(page) == []
    assert fresh(first).is_open and fresh(second).is_open


def test_resolve_action_sets_resolved_by_and_note(officer, officer_client):
    first, done = issue("a"), issue("b", resolved_at=timezone.now())

    response = run_action(
        officer_client,
        AuditIssue,
        "resolve_selected",
        [first, done],
        post="yes",
        note="  Checked   in game ",
    )

    assert response.status_code == 302
    assert messages_of(response) == [f"Resolved 1 issue. 1 issue already resolved. {RESOLVED_HINT}"]
    first = fresh(first)
    assert first.resolved_at is not None
    assert first.resolved_by == officer.player
    assert first.resolution_note == "Checked in game"
    assert fresh(done).resolved_by is None  # untouched


def test_resolve_note_is_optional(officer_client):
    target = issue("a")

    response = run_action(officer_client, AuditIssue, "resolve_selected", [target], post="yes")

    assert messages_of(response) == [f"Resolved 1 issue. {RESOLVED_HINT}"]
    assert fresh(target).resolution_note == ""


def test_resolve_button_on_the_issue_page(officer, officer_client):
    target = issue("a")

    page = officer_client.get(change_url(target))
    assert issue_url(target, "resolve") in page.content.decode()

    form = officer_client.get(issue_url(target, "resolve"))
    assert form.status_code == 200
    assert "Resolution note" in form.content.decode()
    assert inline_code(form) == []

    response = officer_client.post(issue_url(target, "resolve"), {"note": "Fixed by hand"})
    assert response.status_code == 302 and response.url == change_url(target)
    assert messages_of(response) == [f"Resolved 1 issue. {RESOLVED_HINT}"]
    target = fresh(target)
    assert (target.resolved_by, target.resolution_note) == (officer.player, "Fixed by hand")


def test_resolve_by_a_superuser_without_player_names_them_in_the_note(superuser_client):
    target = issue("a")

    run_action(superuser_client, AuditIssue, "resolve_selected", [target], post="yes", note="ok")

    target = fresh(target)
    assert target.resolved_at is not None and target.resolved_by is None
    assert target.resolution_note == "ok (by root)"


def test_resolved_issue_reopens_as_a_new_issue_when_the_condition_persists(officer_client):
    """IDN-38 / IDN-43: Resolve does not fix anything; the next run opens a new issue."""
    character = WowCharacterFactory(name="Orphan")
    run_integrity_checks()
    first = AuditIssue.objects.get(dedup_key=f"orphan_wow:c{character.pk}")

    run_action(officer_client, AuditIssue, "resolve_selected", [first], post="yes")
    assert not fresh(first).is_open
    result = run_integrity_checks()

    assert result.per_type[IssueType.ORPHAN_WOW]["new"] == 1
    reopened = AuditIssue.objects.get(dedup_key=first.dedup_key, resolved_at__isnull=True)
    assert reopened.pk != first.pk
    assert not fresh(first).is_open  # the officer's resolution stays on record


def test_resolved_issue_stays_resolved_when_the_condition_cleared(officer_client):
    character = WowCharacterFactory(name="Orphan")
    run_integrity_checks()
    first = AuditIssue.objects.get(dedup_key=f"orphan_wow:c{character.pk}")
    run_action(officer_client, AuditIssue, "resolve_selected", [first], post="yes")
    PlayerCharacterFactory(character=character)

    run_integrity_checks()

    assert not AuditIssue.objects.filter(dedup_key=first.dedup_key, resolved_at=None).exists()


# --- Dismiss / Undismiss -------------------------------------------------------------------------


def test_dismiss_action_mutes_but_keeps_open(officer, officer_client):
    target, done = issue("a"), issue("b", resolved_at=timezone.now())

    response = run_action(officer_client, AuditIssue, "dismiss_selected", [target, done])

    assert messages_of(response) == [
        "Dismissed 1 issue: they stay open and are still checked, but audit reports leave "
        "them out. 1 issue already dismissed or resolved."
    ]
    target = fresh(target)
    assert target.is_open
    assert target.dismissed_at is not None and target.dismissed_by == officer.player
    assert fresh(done).dismissed_at is None


def test_dismissed_issue_is_still_detected_by_the_next_run(officer_client):
    character = WowCharacterFactory(name="Orphan")
    run_integrity_checks()
    target = AuditIssue.objects.get(dedup_key=f"orphan_wow:c{character.pk}")
    run_action(officer_client, AuditIssue, "dismiss_selected", [target])
    before = fresh(target).last_detected_at

    run_integrity_checks()

    target = fresh(target)
    assert target.is_open and target.dismissed_at is not None
    assert target.last_detected_at > before
    assert AuditIssue.objects.filter(dedup_key=target.dedup_key).count() == 1


def test_undismiss_action_unmutes(officer, officer_client):
    muted = issue("a", dismissed_at=timezone.now(), dismissed_by=officer.player)
    loud = issue("b")

    response = run_action(officer_client, AuditIssue, "undismiss_selected", [muted, loud])

    assert messages_of(response) == [
        "Undismissed 1 issue: audit reports include them again. 1 issue not dismissed."
    ]
    muted = fresh(muted)
    assert muted.dismissed_at is None and muted.dismissed_by is None and muted.is_open


def test_dismiss_and_undismiss_buttons_on_the_issue_page(officer, officer_client):
    target = issue("a")
    page = officer_client.get(change_url(target)).content.decode()
    assert issue_url(target, "dismiss") in page
    assert issue_url(target, "undismiss") not in page

    assert officer_client.get(issue_url(target, "dismiss")).status_code == 405
    response = officer_client.post(issue_url(target, "dismiss"))
    assert response.status_code == 302 and response.url == change_url(target)
    assert messages_of(response)[0].startswith("Dismissed 1 issue")
    assert fresh(target).dismissed_at is not None

    page = officer_client.get(change_url(target)).content.decode()
    assert issue_url(target, "undismiss") in page
    assert issue_url(target, "dismiss") not in page
    response = officer_client.post(issue_url(target, "undismiss"))
    assert messages_of(response)[0].startswith("Undismissed 1 issue")
    assert fresh(target).dismissed_at is None


def test_resolved_issue_page_has_no_resolve_or_dismiss_button(officer_client):
    target = issue("a", resolved_at=timezone.now())

    page = officer_client.get(change_url(target)).content.decode()

    assert issue_url(target, "resolve") not in page
    assert issue_url(target, "dismiss") not in page


def test_services_skip_what_they_do_not_apply_to():
    open_issue, done = issue("a"), issue("b", resolved_at=timezone.now())

    assert resolve_issues([open_issue, done], resolved_by=None) == 1
    assert dismiss_issues([open_issue.pk, done.pk], dismissed_by=None) == 0
    fresh_open = issue("c")
    assert dismiss_issues([fresh_open], dismissed_by=None) == 1
    assert dismiss_issues([fresh_open], dismissed_by=None) == 0
    assert undismiss_issues([fresh_open, open_issue]) == 1


# --- Accept suggestion -------------------------------------------------------------------------


def test_accept_creates_the_player_links_fuzzy_confirmed_and_resolves(officer, officer_client):
    target = suggestion()
    character, discord_user = target.character, target.discord_user

    response = run_action(officer_client, AuditIssue, "accept_suggestions", [target])

    assert messages_of(response) == [
        f"Linked {character} to Trog (new player); the suggestion is resolved."
    ]
    player = Player.objects.get(discord_user=discord_user)
    assert player.display_name == "Trog"
    link = PlayerCharacter.objects.get(character=character)
    assert link.player == player
    assert link.link_source == LinkSource.FUZZY
    assert link.confidence == Confidence.HIGH and link.confirmed
    assert link.linked_by == officer.player and link.confirmed_by == officer.player
    assert link.confirmed_at is not None
    target = fresh(target)
    assert target.resolved_at is not None and target.resolved_by == officer.player
    assert target.resolution_note == f"Suggestion accepted: {character} linked to Trog"


def test_accept_links_to_the_users_existing_player(officer, officer_client):
    discord_user = DiscordUserFactory(username="trog")
    player = PlayerFactory(display_name="Trogdor", discord_user=discord_user)
    target = suggestion(discord_user=discord_user)

    response = officer_client.post(issue_url(target, "accept"))

    assert response.status_code == 302 and response.url == change_url(target)
    assert messages_of(response) == [
        f"Linked {target.character} to Trogdor; the suggestion is resolved."
    ]
    assert PlayerCharacter.objects.get(character=target.character).player == player
    assert Player.objects.count() == 2  # the officer's and Trogdor: none created
    assert not fresh(target).is_open


def test_accept_is_refused_when_another_player_owns_the_character(officer_client):
    """IDN-12: the character was linked elsewhere since the suggestion was made."""
    target = suggestion()
    owner = PlayerFactory(display_name="Someone Else")
    PlayerCharacterFactory(player=owner, character=target.character)

    response = run_action(officer_client, AuditIssue, "accept_suggestions", [target])

    assert messages_of(response) == [
        f"{target.character} is already linked to Someone Else; unlink it first."
    ]
    assert fresh(target).is_open
    assert PlayerCharacter.objects.get(character=target.character).player == owner
    assert not Player.objects.filter(discord_user=target.discord_user).exists()


def test_accept_is_refused_for_other_issue_types(officer_client):
    target = issue("a", summary="WoW character 'Trog-Sen'jin' has no player link")

    response = run_action(officer_client, AuditIssue, "accept_suggestions", [target])

    assert messages_of(response) == [
        "“WoW character 'Trog-Sen'jin' has no player link” is not a suggested link; "
        "only suggestions can be accepted."
    ]
    assert fresh(target).is_open
    assert officer_client.post(issue_url(target, "accept")).status_code == 302
    assert fresh(target).is_open


def test_accept_is_refused_for_a_resolved_suggestion():
    target = suggestion(resolved_at=timezone.now())

    with pytest.raises(Refused, match="already resolved"):
        accept_suggestion(target, accepted_by=None)
    assert not PlayerCharacter.objects.exists()


def test_accept_when_the_users_player_already_owns_the_character_just_resolves():
    discord_user = DiscordUserFactory(username="trog")
    player = PlayerFactory(display_name="Trogdor", discord_user=discord_user)
    target = suggestion(discord_user=discord_user)
    PlayerCharacterFactory(player=player, character=target.character)

    accepted = accept_suggestion(target, accepted_by=None, by_user="root")

    assert accepted.link is None and accepted.player == player
    assert "already linked" in accepted.message
    target = fresh(target)
    assert not target.is_open
    assert target.resolution_note.endswith("(by root)")


def test_accept_button_only_on_open_suggestions(officer_client):
    target, other = suggestion(), issue("x")

    assert issue_url(target, "accept") in officer_client.get(change_url(target)).content.decode()
    assert issue_url(other, "accept") not in officer_client.get(change_url(other)).content.decode()


# --- the changelist: filters, permissions, query count -----------------------------------------


def test_filters_are_kept(officer_client):
    now = timezone.now()
    open_issue = issue("a")
    resolved = issue("b", resolved_at=now)
    dismissed = issue("c", dismissed_at=now, severity=30, issue_type="role_mismatch")
    url = changelist_url(AuditIssue)

    def listed(params):
        response = officer_client.get(url, params)
        assert response.status_code == 200
        return set(response.context["cl"].result_list)

    assert listed({"state": "open"}) == {open_issue, dismissed}
    assert listed({"state": "resolved"}) == {resolved}
    assert listed({"dismissed": "yes"}) == {dismissed}
    assert listed({"dismissed": "no"}) == {open_issue, resolved}
    assert listed({"severity__exact": "30"}) == {dismissed}
    assert listed({"issue_type__exact": "role_mismatch"}) == {dismissed}


def test_changelist_offers_the_actions(officer_client):
    issue("a")
    html = officer_client.get(changelist_url(AuditIssue)).content.decode()

    for action in (
        "resolve_selected",
        "dismiss_selected",
        "undismiss_selected",
        "accept_suggestions",
    ):
        assert f'value="{action}"' in html


def test_non_officer_cannot_use_the_actions(member_client):
    target = suggestion()

    for response in (
        run_action(member_client, AuditIssue, "dismiss_selected", [target]),
        member_client.post(issue_url(target, "accept")),
        member_client.post(issue_url(target, "resolve"), {"note": "x"}),
    ):
        assert response.status_code == 403
    target = fresh(target)
    assert target.is_open and target.dismissed_at is None


def _issues_with_relations(count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        character = WowCharacterFactory()
        issue(
            f"k{n}",
            issue_type=IssueType.AUTO_LINK_SUGGESTION if n % 2 else IssueType.ROLE_MISMATCH,
            character=character,
            discord_user=DiscordUserFactory(),
            player=PlayerFactory(),
        )


def test_changelist_query_count_is_constant(officer_client, django_assert_max_num_queries):
    url = changelist_url(AuditIssue)
    _issues_with_relations(10)
    officer_client.get(url)  # warm the session and caches
    with CaptureQueriesContext(connection) as ten:
        assert officer_client.get(url, {"state": "open"}).status_code == 200

    _issues_with_relations(190, start=10)
    with django_assert_max_num_queries(len(ten)):
        response = officer_client.get(url, {"state": "open"})
    assert response.context["cl"].result_count == 200
