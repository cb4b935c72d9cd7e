"""Reconcile after a pipeline's write: matching, ranks, integrity (IDN-44, IDN-45)."""

import pytest
from django.core.management import call_command

from identity.models import AuditIssue, PlayerCharacter
from identity.services.discord_sync import sync_discord_members
from tests.factories import WowCharacterFactory, rank
from tests.sync.support import add_ladder_roles

pytestmark = pytest.mark.django_db


def test_idn44_discord_sync_is_followed_by_matching_and_integrity(fake_discord):
    roles = add_ladder_roles(fake_discord)
    fake_discord.add_member(username="trogmoon", roles=[roles.member])
    trogmoon = WowCharacterFactory(name="Trogmoon", guild_rank=rank("Member"), guild_rank_index=3)
    orphan = WowCharacterFactory(name="Nobodyhere", guild_rank=rank("Member"), guild_rank_index=3)

    result = sync_discord_members()

    link = PlayerCharacter.objects.get(character=trogmoon)
    assert link.link_source == "exact_name"
    assert link.player.guild_rank.name == "Member"
    assert AuditIssue.objects.filter(dedup_key=f"orphan_wow:c{orphan.pk}").exists()
    assert result.run.details["matching"]["exact"] == 1
    assert result.run.details["integrity"]["new"] >= 1


def test_idn48_run_matching_runs_integrity_unless_told_not_to(capsys):
    orphan = WowCharacterFactory(name="Loner", guild_rank=rank("Member"), guild_rank_index=3)

    call_command("run_matching", "--no-integrity")
    assert not AuditIssue.objects.exists()
    assert "Integrity:" not in capsys.readouterr().out

    call_command("run_matching")
    out = capsys.readouterr().out
    assert AuditIssue.objects.filter(dedup_key=f"orphan_wow:c{orphan.pk}").exists()
    assert "Matching: considered=1" in out
    assert "Integrity: new=1" in out
