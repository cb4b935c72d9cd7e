"""Per-process memos of shared page data (patt/memo.py, issue 17: the landing page).

A memo keeps a function's answer per arguments for its `seconds`; a save or delete of a model
it names drops it at once in this process; writes that send no signal (another process, bulk
updates) show once the seconds have passed.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns.models import CloseReason
from campaigns.services.lifecycle import close_campaign
from identity.models import GuildRank, Player
from patt import memo as memo_module
from patt.memo import clear_memos, memo
from tests.campaigns.factories import live_campaign
from tests.factories import PlayerFactory, rank

pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(memo_module.time, "monotonic", fake)
    return fake


def counting_memo(**options):
    calls = []

    @memo(**options)
    def answer(value=0):
        calls.append(value)
        return len(calls)

    return answer, calls


def test_issue17_a_memo_answers_from_memory_within_its_seconds(clock):
    answer, calls = counting_memo(cleared_by=("identity.GuildRank",), seconds=30)
    assert (answer(), answer()) == (1, 1)
    clock.now += 29.9
    assert answer() == 1
    clock.now += 0.2
    assert answer() == 2  # 30 s passed: read again
    assert len(calls) == 2


def test_issue17_a_memo_keeps_one_answer_per_argument(clock):
    answer, calls = counting_memo(cleared_by=())
    assert (answer(value=1), answer(value=2), answer(value=1)) == (1, 2, 1)
    assert calls == [1, 2]


def test_issue17_a_save_or_delete_of_a_named_model_drops_the_memo(clock):
    answer, _ = counting_memo(cleared_by=("identity.Player",))
    answer()
    player = PlayerFactory()
    assert answer() == 2  # the save dropped it
    player.delete()
    assert answer() == 3  # so did the delete
    GuildRank.objects.get(level=1).save()  # a model it does not name
    assert answer() == 3


def test_issue17_clear_memos_drops_every_memo(clock):
    first, _ = counting_memo(cleared_by=())
    second, _ = counting_memo(cleared_by=())
    first(), second()
    clear_memos()
    assert (first(), second()) == (2, 2)


def test_issue17_landing_shows_a_write_of_this_process_at_once_and_others_within_30s(client, clock):
    """The landing page's officers block: an officer promoted through the ORM shows at once;
    one promoted by a bulk update (no signal, as from another process) shows after 30 s."""
    PlayerFactory(display_name="Olga", guild_rank=rank("Officer"))
    assert "Olga" in client.get("/").content.decode()
    PlayerFactory(display_name="Sven", guild_rank=rank("Officer"))
    assert "Sven" in client.get("/").content.decode()

    promoted = PlayerFactory(display_name="Quiet", guild_rank=rank("Member"))
    client.get("/")
    Player.objects.filter(pk=promoted.pk).update(guild_rank=rank("Officer"))
    assert "Quiet" not in client.get("/").content.decode()
    clock.now += 31
    assert "Quiet" in client.get("/").content.decode()


def test_issue17_a_closed_campaign_shows_in_the_results_of_the_process_that_closed_it(
    client, clock
):
    """CMP-9/ACC-47 #3: closing saves the campaign, so the results block of this process
    shows it at once, while the anonymous landing page reads no campaign results again."""
    campaign = live_campaign(title="Tabard vote")
    client.get("/")
    with CaptureQueriesContext(connection) as kept:
        page = client.get("/").content.decode()
    assert not any("campaigns_campaignresult" in q["sql"] for q in kept.captured_queries)
    assert "Tabard vote" not in results_block(page)

    close_campaign(campaign, reason=CloseReason.MANUAL)

    assert "Tabard vote" in results_block(client.get("/").content.decode())


def results_block(page: str) -> str:
    start = page.find('<ul class="grid result-cards">')
    return "" if start < 0 else page[start : page.index("</ul>", start)]
