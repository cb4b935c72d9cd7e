"""The last security review's findings, each pinned by a test that fails if it comes back
(issue 17 item 5; the findings are issue 11's items 1-21).

Each test probes the finding the way the review did, through the real endpoint, client or
pipeline where it can, and names its item. The rules' own detailed tests live next to their
features; this module is the one place that says "the review's list still holds". Item 19
(the SavedVariables parser speed) is a benchmark target, kept in bench/parse_savedvariables.py,
not a timed test.
"""

import datetime
import io
import json
import time

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client

from campaigns.models import Ballot, BallotPick, BallotReceipt
from identity.models import (
    AddonUpload,
    AuditIssue,
    DiscordUser,
    IssueType,
    SyncRun,
    SyncSource,
    SyncStatus,
    SyncTrigger,
    WowCharacter,
)
from identity.services import reconcile as reconcile_module
from identity.services.role_push import push_roles
from identity.services.roster_sync import sync_roster
from identity.services.sync_runs import queue_run
from identity.uploads.tokens import create_token
from patt.models import SiteConfig
from roster.services import planner
from tests.campaigns.factories import CampaignFactory, EntryFactory, live_campaign
from tests.campaigns.factories import member as make_member
from tests.conftest import LADDER_ROLE_IDS
from tests.factories import DiscordUserFactory, PlayerCharacterFactory, WowCharacterFactory, rank
from tests.fakes.fake_discord import Reply
from tests.role_push.conftest import guildie, server, writes_on  # noqa: F401 - fixtures
from tests.uploads.support import payload
from tests.uploads.support import post as post_upload

pytestmark = pytest.mark.django_db

NUL, SURROGATE = "\x00", "\ud800"
ROLE_ROUTE = "/guilds/{guild_id}/members/{user_id}/roles/{role_id}"


def signed_in(player) -> Client:
    client = Client()
    client.force_login(player.user)
    client.get("/")  # the officer rule (ACC-36) syncs staff access on a request
    return client


@pytest.fixture
def officer():
    return make_member("Officer", discord_user=DiscordUserFactory(username="boss"))


@pytest.fixture
def audit_posts(fake_discord):
    channel = fake_discord.add_channel(name="officer-audit")
    config = SiteConfig.get()
    config.discord_audit_channel_id = channel
    config.save()
    return lambda: [
        embed["title"] for m in fake_discord.channel_messages(channel) for embed in m.embeds
    ]


# --- sync faults (items 1-4) ------------------------------------------------------------------


def test_item1_a_blizzard_200_html_roster_is_an_error_run_and_a_profile_a_partial_one(
    fake_blizzard,
):
    fake_blizzard.set_roster_mode("html")
    run = sync_roster(trigger=SyncTrigger.COMMAND).run
    assert run.status == SyncStatus.ERROR and run.error.startswith("Roster fetch failed: ")
    assert not WowCharacter.objects.exists()

    fake_blizzard.set_roster_mode("ok")
    member = next(m for m in fake_blizzard.fixture["members"] if m.get("name"))
    fake_blizzard.set_profile_mode(member["name"], member["realm"]["slug"], "html")
    run = sync_roster(trigger=SyncTrigger.COMMAND).run
    assert run.status == SyncStatus.PARTIAL and run.counts["profiles_failed"] == 1


def test_item1_a_discord_200_html_answer_is_the_clients_typed_error(discord_client, fake_discord):
    from patt.discord.errors import DiscordError

    fake_discord.script("GET", "/guilds/{g}/roles", [Reply.html_page()])
    with pytest.raises(DiscordError):
        discord_client.list_guild_roles()


def test_item2_a_pipeline_that_raises_still_tells_the_officers(
    fake_discord, audit_posts, monkeypatch
):
    def boom(**kwargs):
        raise RuntimeError("matching blew up")

    monkeypatch.setattr(reconcile_module, "run_matching", boom)
    with pytest.raises(RuntimeError):
        reconcile_module.run_reconcile_pipeline()
    assert SyncRun.objects.get(source=SyncSource.RECONCILE).status == SyncStatus.ERROR
    assert audit_posts() == ["🚨 Sync failed: Matching and integrity"]


def test_item3_a_refused_role_add_never_removes_the_old_guild_role(
    server,  # noqa: F811
    discord_client,
    guildie,  # noqa: F811
    writes_on,  # noqa: F811
):
    player = guildie("Member", ["Initiate"])
    server.script("PUT", ROLE_ROUTE, [Reply.error(403, 50013, "Missing Permissions")])

    push_roles(client=discord_client)

    assert server.member(player.discord_user.discord_id)["roles"] == [LADDER_ROLE_IDS["Initiate"]]
    assert not server.requests_to("DELETE", ROLE_ROUTE)


def test_item4_an_officer_with_nothing_left_in_the_guild_loses_staff_access(fake_blizzard):
    sync_roster(trigger=SyncTrigger.COMMAND)
    leader = make_member("Guild Leader", discord_user=None)
    character = WowCharacter.objects.filter(in_guild=True).first()
    PlayerCharacterFactory(player=leader, character=character)
    assert signed_in(leader).get("/admin/").status_code == 200

    fixture = json.loads(json.dumps(fake_blizzard.fixture))
    fixture["members"] = [m for m in fixture["members"] if m.get("name") != character.name]
    fake_blizzard.load(fixture)
    sync_roster(trigger=SyncTrigger.COMMAND)

    leader.user.refresh_from_db()
    assert not leader.user.is_staff
    assert signed_in(leader).get("/admin/").status_code == 403
    assert AuditIssue.objects.filter(
        issue_type=IssueType.STAFF_ACCESS_WITHDRAWN, player=leader, resolved_at=None
    ).exists()


# --- secret ballots (item 5) ------------------------------------------------------------------


def test_item5_a_secret_ballot_is_not_linkable_to_its_voter(officer):
    campaign = live_campaign(secret_ballot=True)
    entries = list(campaign.entries.order_by("sort_order").values_list("pk", flat=True))
    voters = [make_member("Veteran") for _ in range(2)]
    make_member("Veteran")  # one eligible member still to vote: the campaign stays live
    for voter in [*voters, officer]:
        response = signed_in(voter).post(
            f"/api/v1/campaigns/{campaign.pk}/vote",
            json.dumps(
                {"picks": [{"entry_id": e, "rank": n} for n, e in enumerate(entries[:3], 1)]}
            ),
            content_type="application/json",
        )
        assert response.status_code < 300, response.content
    assert not Ballot.objects.filter(campaign=campaign).exists()
    assert not BallotPick.objects.filter(entry__campaign=campaign).exists()
    assert BallotReceipt.objects.filter(campaign=campaign).count() == 3
    client = signed_in(officer)  # an officer who voted: no standings while live
    for suffix in ("/results", "/results/live"):
        assert client.get(f"/api/v1/campaigns/{campaign.pk}{suffix}").status_code == 403
    assert "Live standings" not in client.get(f"/vote/{campaign.pk}").content.decode()


# --- 500s on hostile input (items 6-8) --------------------------------------------------------


@pytest.fixture
def trog():
    return make_member("Member", discord_user=DiscordUserFactory(username="trog"))


@pytest.mark.parametrize("realm", ["x" * 65, "\ufdfa" * 10])
def test_item6_a_realm_too_long_after_normalising_is_a_form_error(trog, realm):
    response = signed_in(trog).post(
        "/roster",
        {"action": "add_character", "name": "Trogmoon", "realm": realm, "playable_class": ""},
    )
    assert response.status_code == 400
    assert not WowCharacter.objects.exists()


@pytest.mark.parametrize("text", [f"out{NUL}", f"out{SURROGATE}"])
def test_item7_nul_and_surrogates_are_400_on_every_text_input(trog, officer, text):
    member_client, officer_client = signed_in(trog), signed_in(officer)
    availability = member_client.post(
        "/api/v1/guild/availability",
        json.dumps({"notes": text, "unknown": {text: text}}),
        content_type="application/json",
    )
    assert availability.status_code == 400 and availability.json()["ok"] is False
    token = create_token(name="PC")
    upload = post_upload(Client(), token.secret, payload(**{f"key{text}": 1}))
    assert upload.status_code == 400 and not AddonUpload.objects.exists()
    if NUL in text:  # a form's invalid UTF-8 is decoded with replacement characters instead
        quote = officer_client.post(
            "/mitos-corner", {"action": "add", "kind": "quote", "text": text}
        )
        assert quote.status_code == 400
        template = officer_client.post(
            "/raid-admin", {"action": "save_template", "key": "raid", "raid-title": text}
        )
        assert template.status_code == 400


@pytest.mark.parametrize("path", ["/accounts/discord/login/", "/accounts/discord/login/callback/"])
def test_item8_discord_sign_in_without_an_app_says_so_instead_of_a_500(path, settings):
    response = Client().get(path, follow=True)
    assert response.status_code == 200
    assert "not available" in response.content.decode()


# --- the upload API (items 9, 10) -------------------------------------------------------------


def test_item9_an_export_from_the_future_is_refused():
    token = create_token(name="PC")
    response = post_upload(Client(), token.secret, payload(export_time=int(time.time()) + 3600))
    assert response.status_code == 400
    assert not AddonUpload.objects.exists()


def test_item10_resending_another_tokens_export_is_an_upload_of_its_own():
    body = payload()
    first = post_upload(Client(), create_token(name="A").secret, body).json()
    second = post_upload(Client(), create_token(name="B").secret, body).json()
    assert second["upload_id"] != first["upload_id"]
    assert second["duplicate"] is False


# --- seen by a new user (items 11-14) ---------------------------------------------------------


def test_item11_the_planner_preview_shows_the_raid_start_in_the_raid_time_zone():
    config = SiteConfig.get()
    config.raid_timezone = "America/New_York"
    config.raid_start_time = datetime.time(21, 0)
    label = planner.raid_start_label(datetime.date(2026, 1, 15), config=config)
    assert label == "21:00 EST (America/New_York)"


def test_item12_the_demo_invite_belongs_to_a_plain_member():
    from identity.demo.generate import build_plan
    from identity.demo.write import seed_demo_guild
    from identity.models import InviteCode

    result = seed_demo_guild(build_plan(players=0), password="demo-pass-1234")
    code, _username = result.sample_invite
    invited = InviteCode.objects.get(code=code).player
    assert invited.guild_rank.name == "Member"
    assert invited.guild_rank.level < rank("Officer").level


def test_item13_a_second_click_on_blizzard_sync_queues_nothing():
    first = queue_run(source=SyncSource.BLIZZARD_ROSTER, trigger=SyncTrigger.ADMIN)
    second = queue_run(source=SyncSource.BLIZZARD_ROSTER, trigger=SyncTrigger.ADMIN)
    assert first is not None and second is None
    assert SyncRun.objects.filter(source=SyncSource.BLIZZARD_ROSTER).count() == 1


def test_item14_the_player_page_shows_the_website_account_once(officer, trog):
    page = signed_in(officer).get(f"/admin/identity/player/{trog.pk}/change/")
    assert page.status_code == 200
    assert page.content.decode().count("Website account:") == 1


# --- missing from the legacy site (items 15-18) -----------------------------------------------


def test_item15_the_legacy_public_json_and_the_old_upload_path():
    WowCharacterFactory(name="Trogmoon", guild_rank=rank("Member"), guild_note="secret note")
    for path in ("/api/v1/guild/ranks", "/api/v1/guild/roster"):
        response = Client().get(path)
        assert response.status_code == 200, path
        assert "secret note" not in response.content.decode(), "public fields only"
    gone = Client().post("/api/guild-sync/addon-upload", "{}", content_type="application/json")
    assert gone.status_code == 410
    assert "/api/v1/guild-sync/addon-upload" in gone.json()["error"]


def test_item16_a_member_has_a_profile_page(trog):
    assert signed_in(trog).get("/profile").status_code == 200
    assert Client().get("/profile").status_code == 302  # a visitor is sent to sign in


def test_item17_an_officer_deletes_a_character_after_a_confirmation(officer):
    character = WowCharacterFactory(name="Trogmoon")
    client = signed_in(officer)
    url = f"/admin/identity/wowcharacter/{character.pk}/delete/"
    page = client.get(url)
    assert page.status_code == 200 and "permission to delete" not in page.content.decode()
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not WowCharacter.objects.filter(pk=character.pk).exists()


def test_item18_import_sheets_reads_the_legacy_csv_exports(tmp_path):
    (tmp_path / "characters.csv").write_text(
        "Discord,Character,Class,Spec,Role,MainAlt\nnewbie,Newbiefire,Mage,Fire,Ranged,Main\n"
    )
    (tmp_path / "discord_ids.csv").write_text("Discord,DiscordID\nnewbie,412345678901234567\n")
    call_command("import_sheets", "--csv-dir", str(tmp_path), stdout=io.StringIO())
    assert DiscordUser.objects.filter(discord_id="412345678901234567").exists()


# --- smaller (items 20, 21) -------------------------------------------------------------------


def test_item20_entry_names_are_unique_per_campaign_ignoring_case():
    campaign = CampaignFactory()  # a draft: entries are edited before it goes live
    EntryFactory(campaign=campaign, name="Trog")
    with pytest.raises(IntegrityError), transaction.atomic():
        EntryFactory(campaign=campaign, name="trog")


def test_item21_static_files_carry_the_security_headers(settings):
    response = Client().get(f"{settings.STATIC_URL}css/site.css")
    response.close()
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Permissions-Policy"]
    assert response["Content-Security-Policy"]
