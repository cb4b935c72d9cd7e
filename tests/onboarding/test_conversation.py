"""The DM conversation as sequences of `handle_dm` calls with an injected `now` (BOT-32):
ONB-12 … ONB-19, ONB-23, ONB-25, with the spec's reply texts."""

from datetime import timedelta

import pytest

from onboarding.models import OnboardingEvent, OnboardingSession, State
from onboarding.services.conversation import handle_dm
from onboarding.services.joins import member_joined
from onboarding.services.states import transition
from patt.models import SiteConfig, clear_site_config_cache
from tests.factories import PlayerFactory, WowCharacterFactory, rank

from .conftest import session_of

pytestmark = pytest.mark.django_db


class Chat:
    """One member's DMs, with increasing message ids and a clock."""

    def __init__(self, member, now):
        self.member, self.now, self.message_id = member, now, 1000

    def say(self, text, *, after=timedelta(seconds=10)):
        self.now += after
        self.message_id += 1
        replies = handle_dm(
            author_id=self.member.discord_id,
            message_id=str(self.message_id),
            text=text,
            now=self.now,
        )
        return [r.content or r.embeds[0]["title"] for r in replies]

    @property
    def session(self):
        return session_of(self.member)


@pytest.fixture
def chat(member, now, roster):
    member_joined(discord_user_id=member.discord_id, now=now)
    return Chat(member, now)


def test_onb16_onb17_onb25_happy_path_yes_main_alts_wrap_up(chat, roster):
    assert chat.say("Yes!") == [
        "What's your main character's name? The name alone is fine; add -Realm if you play on "
        "another realm."
    ]
    assert chat.session.is_in_guild is True
    assert chat.say("trogmoon") == [
        "Found **Trogmoon** - Sen'jin, Druid (Member).",
        "Any alts in the guild? Names separated by commas, or **none**.",
    ]
    assert chat.session.main_character == roster["Trogmoon"]
    assert chat.session.state == State.ASKED_ALTS
    replies = chat.say("Trogdor, Nobody and x1")
    # ONB-25 steps 3-4: verified at once, and the closing line says so.
    assert replies == [
        "Got it - thanks!",
        "Matched! Setting up your role and website access - one more message is coming.",
    ]
    session = chat.session
    assert session.state == State.VERIFIED
    assert session.reported_alt_names == ["Trogdor", "Nobody"]
    assert session.dm_completed_at == chat.now
    assert session.deadline_at == chat.now + timedelta(hours=24)


def test_onb25_wrap_up_embed_lists_main_and_alts(chat, member):
    chat.say("yes")
    chat.say("Trogmoon")
    handle = handle_dm(
        author_id=member.discord_id, message_id="5000", text="Trogdor, Nobody", now=chat.now
    )
    fields = {f["name"]: f["value"] for f in handle[0].embeds[0]["fields"]}
    assert fields["Main"] == "Trogmoon - Sen'jin"
    assert "Found: Trogdor - Sen'jin" in fields["Alts"]
    assert "Not yet on the roster: Nobody" in fields["Alts"]


def test_onb25_none_means_no_alts(chat):
    chat.say("yes")
    chat.say("Trogmoon")
    chat.say("none")
    assert chat.session.reported_alt_names == []
    assert chat.session.state == State.VERIFIED  # Trogmoon matched at once (ONB-25)


def test_onb19_no_means_not_in_the_guild_yet(chat):
    assert chat.say("no, not yet") == ["No worries!"]
    session = chat.session
    assert session.is_in_guild is False
    assert session.state == State.PENDING_VERIFICATION
    assert session.deadline_at == session.dm_completed_at + timedelta(hours=24)


def test_onb16_unclear_once_asks_again_twice_takes_it_as_yes(chat):
    assert chat.say("I think so") == ["Sorry, I didn't catch that - just **yes** or **no**?"]
    assert chat.session.state == State.ASKED_IN_GUILD
    replies = chat.say("hmm")
    assert replies[0] == "I'll take that as a yes!"
    assert chat.session.state == State.ASKED_MAIN
    assert chat.session.unclear_count == 0


def test_onb16_a_roster_name_instead_of_yes_is_yes_then_that_name(chat, roster):
    replies = chat.say("Trogmoon")
    assert replies[0] == "Found **Trogmoon** - Sen'jin, Druid (Member)."
    assert chat.session.is_in_guild is True
    assert chat.session.state == State.ASKED_ALTS


def test_onb17_invalid_name_is_explained_as_often_as_needed(chat):
    chat.say("yes")
    for _ in range(3):
        replies = chat.say("my main is Trogmoon")
        assert replies[0] == "That doesn't look like a character name - one word, 2-12 letters."
        assert chat.session.state == State.ASKED_MAIN


def test_onb17_no_in_asked_main_means_not_in_the_guild(chat):
    chat.say("yes")
    assert chat.say("nope") == ["No worries!"]
    assert chat.session.state == State.PENDING_VERIFICATION


def test_onb17_unknown_name_with_nothing_to_suggest_goes_on_to_alts(chat):
    chat.say("yes")
    assert chat.say("Zzyzx")[0] == (
        "I can't see **Zzyzx** on the roster yet - it syncs a few times a day and I'll keep "
        "checking."
    )
    assert chat.session.state == State.ASKED_ALTS
    assert chat.session.reported_main_name == "Zzyzx"


def test_onb18_suggestions_are_a_numbered_pick(chat, roster):
    chat.say("yes")
    replies = chat.say("Trogmon")
    assert replies == [
        "Which one is yours?\n1. **Trogmoon** (Sen'jin, Druid)\n2. **Trogdor** (Sen'jin, Druid)\n"
        "Reply with the number, or **no**."
    ]
    assert chat.session.state == State.CONFIRM_MAIN
    assert chat.say("#2")[0] == "Found **Trogdor** - Sen'jin, Druid (Member)."
    assert chat.session.main_character == roster["Trogdor"]
    assert chat.session.state == State.ASKED_ALTS


def test_onb18_one_suggestion_takes_yes(chat, roster):
    chat.say("yes")
    assert chat.say("Moonfyre") == ["Did you mean **Moonfire** (Sen'jin, Druid)? yes/no"]
    chat.say("yep")
    assert chat.session.main_character == roster["Moonfire"]


def test_onb18_none_of_these_declines_and_asks_the_exact_name_without_suggesting_again(chat):
    chat.say("yes")
    chat.say("Trogmon")
    assert chat.say("none of these") == ["No problem - what's the exact name?"]
    session = chat.session
    assert (session.state, session.declined_suggestions_for) == (State.ASKED_MAIN, "trogmon")
    assert chat.say("Trogmon")[0].startswith("I can't see **Trogmon**")


def test_onb18_a_candidates_name_picks_it_and_another_name_is_a_new_answer(chat, roster):
    chat.say("yes")
    chat.say("Trogmon")
    assert chat.say("Moonfire")[0] == "Found **Moonfire** - Sen'jin, Druid (Member)."
    assert chat.session.main_character == roster["Moonfire"]


def test_onb18_confirm_unclear_repeats_then_keeps_the_name_as_not_found(chat):
    chat.say("yes")
    chat.say("Trogmon")
    assert chat.say("hmm maybe")[0].startswith("Which one is yours?")
    replies = chat.say("dunno really")
    assert replies[0].startswith("I can't see **Trogmon**")
    assert chat.session.state == State.ASKED_ALTS
    assert chat.session.main_character is None


def test_onb18_realm_mismatch_asks_is_that_you(chat, roster):
    chat.say("yes")
    assert chat.say("Trogmoon-Stormrage") == [
        "I found **Trogmoon** on Sen'jin, not Stormrage - is that you?"
    ]
    chat.say("yes")
    assert chat.session.main_character == roster["Trogmoon"]


def test_onb18_ambiguous_name_is_a_numbered_pick(chat, roster):
    SiteConfig.objects.update_or_create(pk=1, defaults={"guild_realm_slug": "area-52"})
    clear_site_config_cache()
    WowCharacterFactory(name="Trogmoon", realm_slug="stormrage", realm_name="Stormrage")
    chat.say("yes")
    assert chat.say("Trogmoon")[0].startswith("Which one is yours?\n1. **Trogmoon** (Sen'jin")
    chat.say("2")
    assert chat.session.main_character.realm_slug == "stormrage"


def test_onb14_late_reply_is_welcomed_back_and_handled(chat):
    replies = chat.say("yes", after=timedelta(minutes=6))
    assert replies[0].startswith("Welcome back! Picking up where we left off.\nWhat's your main")
    assert chat.session.state == State.ASKED_MAIN


def test_onb14_a_reply_within_the_window_is_not_prefixed(chat):
    assert not chat.say("yes", after=timedelta(minutes=4))[0].startswith("Welcome back")


def test_onb14_help_explains_and_repeats_the_question(chat):
    replies = chat.say("help")
    assert "PATT-Bot" in replies[0] and "start over" in replies[0]
    assert replies[1] == "Welcome to Pull All The Things!"
    assert chat.say("?")[1] == "Welcome to Pull All The Things!"
    assert chat.session.state == State.ASKED_IN_GUILD


def test_onb14_start_over_resets_and_sends_the_opening_question(chat):
    chat.say("yes")
    chat.say("Trogmoon")
    assert chat.say("start over") == ["Welcome to Pull All The Things!"]
    session = chat.session
    assert (session.state, session.round, session.main_character) == (State.ASKED_IN_GUILD, 2, None)


def test_onb12_duplicate_delivery_is_ignored(chat, member):
    chat.say("yes")
    assert (
        handle_dm(
            author_id=member.discord_id, message_id=str(chat.message_id), text="yes", now=chat.now
        )
        == []
    )
    assert (
        handle_dm(author_id=member.discord_id, message_id="5", text="Trogmoon", now=chat.now) == []
    )
    assert chat.session.state == State.ASKED_MAIN


def test_onb12_empty_text_asks_for_text(chat):
    assert chat.say("  ") == ["I can only read text - please type your answer."]


def test_onb12_text_is_cut_to_500_and_logged_cut_to_200(chat):
    chat.say("x" * 900)
    incoming = OnboardingEvent.objects.filter(kind=OnboardingEvent.Kind.DM_IN).get()
    assert len(incoming.detail) == 200
    assert OnboardingEvent.objects.filter(kind=OnboardingEvent.Kind.DM_OUT).exists()


def test_onb13_first_dm_with_no_session_creates_one_and_asks(member, now):
    replies = handle_dm(author_id=member.discord_id, message_id="1", text="hello", now=now)
    assert replies[0].embeds[0]["title"] == "Welcome to Pull All The Things!"
    assert session_of(member).state == State.ASKED_IN_GUILD


def test_onb13_awaiting_dm_and_declined_get_the_opening_question_not_an_answer(member, now):
    OnboardingSession.objects.create(discord_user=member, state=State.DECLINED, dm_blocked_at=now)
    replies = handle_dm(author_id=member.discord_id, message_id="1", text="yes", now=now)
    assert replies[0].embeds[0]["title"] == "Welcome to Pull All The Things!"
    assert session_of(member).state == State.ASKED_IN_GUILD


def test_onb13_not_present_is_told_to_rejoin(member, now):
    member.is_present = False
    member.left_at = now
    member.save()
    replies = handle_dm(author_id=member.discord_id, message_id="1", text="yes", now=now)
    assert replies[0].content == (
        "You're not in the Pull All The Things Discord right now - rejoin to continue."
    )


def test_onb13_paused_at_most_hourly(chat, member):
    SiteConfig.objects.filter(pk=1).update(onboarding_enabled=False)
    clear_site_config_cache()
    assert chat.say("yes") == ["Onboarding is paused - an officer will help you."]
    assert chat.say("yes") == []
    assert chat.say("yes", after=timedelta(hours=1)) == [
        "Onboarding is paused - an officer will help you."
    ]
    assert chat.session.state == State.ASKED_IN_GUILD


def test_onb13_a_player_without_a_session_is_all_set(member, now, settings):
    PlayerFactory(discord_user=member, display_name="Trog")
    replies = handle_dm(author_id=member.discord_id, message_id="1", text="hi", now=now)
    assert replies[0].content == (
        f"You're all set as **Trog**. Sign in with Discord: {settings.SITE_URL}/accounts/login/ - "
        f"the roster: {settings.SITE_URL}/roster"
    )
    assert not OnboardingSession.objects.exists()


def test_onb13_a_player_without_a_session_is_all_set_at_most_hourly(member, now):
    """No session row to remember the reply on: the hour is kept in the cache (ONB-13)."""
    PlayerFactory(discord_user=member, display_name="Trog")

    def dm(message_id, at):
        return handle_dm(author_id=member.discord_id, message_id=message_id, text="hi", now=at)

    assert len(dm("1", now)) == 1
    assert dm("2", now + timedelta(minutes=59)) == []
    assert len(dm("3", now + timedelta(minutes=61))) == 1
    assert not OnboardingSession.objects.exists()


def test_onb13_paused_without_a_session_at_most_hourly(member, now):
    SiteConfig.objects.update(onboarding_enabled=False)
    clear_site_config_cache()

    def dm(message_id, at):
        return handle_dm(author_id=member.discord_id, message_id=message_id, text="hi", now=at)

    assert [m.content for m in dm("1", now)] == ["Onboarding is paused - an officer will help you."]
    assert dm("2", now + timedelta(minutes=30)) == []
    assert len(dm("3", now + timedelta(hours=1, minutes=1))) == 1


def test_onb13_provisioned_is_all_set_at_most_hourly(chat):
    session = chat.session
    player = PlayerFactory(display_name="Trog")
    OnboardingSession.objects.filter(pk=session.pk).update(
        state=State.PROVISIONED, player=player, verified_at=chat.now, provisioned_at=chat.now
    )
    assert chat.say("hi")[0].startswith("You're all set as **Trog**")
    assert chat.say("hi again") == []


def test_onb13_dismissed_and_verified_replies(chat):
    session = chat.session
    transition(session, to=State.DISMISSED, now=chat.now, trigger="t")
    assert chat.say("hi") == [
        "An officer closed your onboarding; if you've joined the guild since, use `/verify <name>`."
    ]
    OnboardingSession.objects.filter(pk=session.pk).update(
        state=State.VERIFIED, player=PlayerFactory(), verified_at=chat.now
    )
    assert chat.say("hi") == ["You're verified - your welcome message is on its way."]


def test_onb23_pending_without_a_name_and_with_one(chat, roster):
    chat.say("no")
    assert chat.say("ok thanks") == ["Once you've joined in-game, send me your character name."]
    deadline = chat.session.deadline_at
    # ONB-23: verified at once, and the reply gives the outcome.
    assert chat.say("Trogmoon") == [
        "Found **Trogmoon** - Sen'jin, Druid (Member).",
        "Matched! Setting up your role and website access - one more message is coming.",
    ]
    session = chat.session
    assert session.state == State.VERIFIED
    assert session.is_in_guild is True
    assert session.main_character == roster["Trogmoon"]
    assert session.deadline_at == deadline  # the deadline never moves


def test_onb23_pending_still_looking_and_a_pick(chat, roster):
    chat.say("no")
    # ONB-23: the name is verified at once (no match), so it has been checked once.
    assert chat.say("Zzyzx")[-1] == (
        "I'll check after every roster sync; if I can't find you within a day, an officer "
        "will help."
    )
    assert chat.say("any news?")[0].startswith("Still looking for **Zzyzx** (checked 1 times")
    OnboardingSession.objects.filter(pk=chat.session.pk).update(
        verification_attempts=2, last_verification_at=chat.now - timedelta(hours=2)
    )
    assert chat.say("any news")[0].startswith(
        "Still looking for **Zzyzx** (checked 2 times, last 2"
    )
    chat.say("Trogmon")
    assert chat.session.state == State.CONFIRM_MAIN
    chat.say("1")
    session = chat.session
    assert (session.state, session.main_character) == (State.VERIFIED, roster["Trogmoon"])


def test_onb17_found_reply_names_the_rank(chat):
    WowCharacterFactory(name="Veteranx", guild_rank=rank("Veteran"))
    chat.say("yes")
    assert chat.say("Veteranx")[0] == "Found **Veteranx** - Sen'jin, Druid (Veteran)."
