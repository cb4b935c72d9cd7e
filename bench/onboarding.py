"""Benchmark: 50 members join at once and answer their DMs concurrently (issue 13).

    [DATABASE_URL=postgres://…] .venv/bin/python bench/onboarding.py [--members 50]

Builds a throw-away database (a `bench_onboarding_<pid>` database next to DATABASE_URL's
PostgreSQL, or a temporary SQLite file) with one roster character per member (rank Member,
whose Discord role is a role of the fake server), starts the loopback fake Discord REST server
and gateway (tests/fakes), then a real `manage.py runbot` and a `manage.py qcluster` (the worker
that provisions) against that database.

All members join together (N GUILD_MEMBER_ADD back to back); each waits for its opening DM, then
answers like a member would, one thread per member: "yes" (in the guild), its main's name,
"none" (no alts). The conversation verifies at once against the roster and queues provisioning
(role PUT, welcome DM), which the worker does.

Measured: a reply's latency is from pushing the DM on the gateway to the fake REST server
receiving the bot's first reply to it. The last line is
`members=<n> provisioned=<n> lost=<n> duplicates=<n> reply_p95_ms=<ms>`; the target is
N / N / 0 / 0 with reply p95 ≤ 500 ms. `lost` counts members without an opening DM plus DMs
that got no reply within 30 s; `duplicates` counts DMs handled more than once (DM_IN events
beyond the DMs sent) plus replies that reached Discord twice in a row.

Measured 2026-12-07 on this 2-CPU machine, PostgreSQL, DJANGO_DEBUG=false: before issue 13's
last changes (idle machine) 50 / 50 / 0 / 0 with reply p95 1.5-2.3 s; "yes" queued behind the
burst of 50 joins, "none" waited for verification, links, rank and the invite. After them (load
average 1.75-2.2): 50 / 50 / 0 / 0, reply p95 124 ms; per answer
(p50/p95 ms) "yes" 73/160, the main's name 54/105, "none" 62/130. What changed: the wrap-up
answers "Got it - thanks!" before verifying (ONB-25 in two steps, a `FollowUp`); the bot's
handler pool starts a DM's answer before joins and verifications and runs those on at most a
quarter of its threads; the handlers make fewer queries (join 18 -> 16, "yes" 11 -> 9, name
13 -> 10, "none" 51 -> 10, then 31 and the task-queue insert in the follow-up); gc.freeze()
after the bot's setup.
"""

import argparse
import itertools
import os
import string
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "patt.settings")

import django

django.setup()

from bench import support  # noqa: E402
from tests.fakes.fake_discord import FakeDiscord  # noqa: E402
from tests.fakes.fake_gateway import FakeGateway  # noqa: E402

REPLY_TIMEOUT = 30.0
QUIET = 0.3  # a member's replies have settled when none came for this long


def main_name(index: int) -> str:
    """A distinct WoW-style name per member: letters only."""
    letters = string.ascii_lowercase
    return "Bench" + letters[index // 26 % 26] + letters[index % 26]


def seed(members: int, fake: FakeDiscord) -> None:
    from identity.models import GuildRank
    from tests.factories import WowCharacterFactory, playable_class, rank

    role_id = fake.add_role(name="Member")
    member_rank = rank("Member")
    GuildRank.objects.filter(pk=member_rank.pk).update(discord_role_id=role_id)
    druid = playable_class("Druid")
    for index in range(members):
        WowCharacterFactory(name=main_name(index), guild_rank=member_rank, playable_class=druid)


def start(command: list[str], env: dict[str, str], name: str) -> subprocess.Popen:
    log = open(Path(os.environ.get("TMPDIR", "/tmp")) / f"bench_onboarding_{name}.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "manage.py", *command],
        cwd=support.ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    process.log_path = log.name
    return process


class Member:
    """One member's side of the conversation, run in its own thread."""

    def __init__(self, index: int, data: dict, gateway: FakeGateway, fake: FakeDiscord):
        self.index, self.user = index, data["user"]
        self.gateway, self.fake = gateway, fake
        self.latencies: list[float] = []
        self.steps: list[str] = []  # which answer each latency is of: yes / main / none
        self.lost = 0
        self.sent = 0

    def count(self) -> int:
        return len(self.fake.dm_messages(self.user["id"]))

    def settle(self) -> int:
        """Wait until no further reply came for `QUIET` seconds; the number of DMs then."""
        count = self.count()
        while self.fake.wait_for_dms(self.user["id"], count + 1, QUIET):
            count = self.count()
        return count

    def answer(self, text: str) -> None:
        before = self.count()
        sent_at = time.monotonic()
        self.gateway.dm(self.user, text)
        self.sent += 1
        if not self.fake.wait_for_dms(self.user["id"], before + 1, REPLY_TIMEOUT):
            self.lost += 1
            return
        first = self.fake.dm_messages(self.user["id"])[before]
        self.latencies.append(first.received_at - sent_at)
        self.steps.append(text if text in ("yes", "none") else "main")
        self.settle()

    def run(self) -> None:
        if not self.fake.wait_for_dms(self.user["id"], 1, REPLY_TIMEOUT):  # the opening DM
            self.lost += 1
            return
        for text in ("yes", main_name(self.index), "none"):
            self.answer(text)


def duplicates(members: list[Member]) -> int:
    from django.db.models import Count, Q

    from onboarding.models import OnboardingEvent, OnboardingSession

    handled = dict(
        OnboardingSession.objects.annotate(
            dms=Count("events", filter=Q(events__kind=OnboardingEvent.Kind.DM_IN))
        ).values_list("discord_user__discord_id", "dms")
    )
    twice = 0
    for member in members:
        twice += max(0, handled.get(member.user["id"], 0) - member.sent)
        texts = [(m.content, str(m.embeds)) for m in member.fake.dm_messages(member.user["id"])]
        twice += sum(1 for a, b in itertools.pairwise(texts) if a == b)
    return twice


def provisioned_count(ids: list[str], timeout: float) -> int:
    from onboarding.models import OnboardingSession, State

    deadline = time.monotonic() + timeout
    while True:
        done = OnboardingSession.objects.filter(
            discord_user__discord_id__in=ids, state=State.PROVISIONED
        ).count()
        if done == len(ids) or time.monotonic() > deadline:
            return done
        time.sleep(0.5)


def run(members: int) -> str:
    old_name, database_url = support.create_throwaway_database("bench_onboarding")
    fake = FakeDiscord().start()
    gateway = FakeGateway(fake).start()
    processes: list[subprocess.Popen] = []
    try:
        seed(members, fake)
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DISCORD_BOT_TOKEN": fake.token,
            "DISCORD_GUILD_ID": fake.guild_id,
            "DISCORD_API_URL": fake.base_url,
            "Q_USE_REDIS": "false",
            "DB_CONN_MAX_AGE": "300",  # the bot keeps its connection (health-checked, BOT-9)
        }
        processes.append(start(["qcluster"], env, "qcluster"))
        bot = start(["runbot"], env, "runbot")
        processes.append(bot)
        deadline = time.monotonic() + 90
        while not gateway.connected:
            if bot.poll() is not None or time.monotonic() > deadline:
                tail = Path(bot.log_path).read_text()[-3000:]
                raise SystemExit(f"runbot did not connect:\n{tail}")
            time.sleep(0.1)

        people = [
            Member(index, fake.add_member(username=f"bench{index}"), gateway, fake)
            for index in range(members)
        ]
        threads = [threading.Thread(target=member.run) for member in people]
        for thread in threads:
            thread.start()
        started = time.monotonic()
        for member in people:  # everyone joins at once
            gateway.member_add({"user": member.user, "roles": []})
        for thread in threads:
            thread.join()
        conversation_s = time.monotonic() - started
        ids = [member.user["id"] for member in people]
        provisioned = provisioned_count(ids, timeout=60)
        latencies = [value for member in people for value in member.latencies]
        p95 = support.percentile(latencies, 0.95) * 1000 if latencies else float("nan")
        lost = sum(member.lost for member in people)
        by_step: dict[str, list[float]] = {}
        for member in people:
            for step, value in zip(member.steps, member.latencies, strict=True):
                by_step.setdefault(step, []).append(value)
        print(
            "reply p50/p95 ms by answer: "
            + ", ".join(
                f"{step} {support.percentile(values, 0.5) * 1000:.0f}/"
                f"{support.percentile(values, 0.95) * 1000:.0f}"
                for step, values in by_step.items()
            ),
            file=sys.stderr,
        )
        print(
            f"{len(latencies)} replies in {conversation_s:.1f} s; "
            f"median {sorted(latencies)[len(latencies) // 2] * 1000:.0f} ms"
            if latencies
            else "no replies",
            file=sys.stderr,
        )
        return (
            f"members={members} provisioned={provisioned} lost={lost} "
            f"duplicates={duplicates(people)} reply_p95_ms={p95:.0f}"
        )
    finally:
        for process in processes:
            support.stop_server(process)
        gateway.stop()
        fake.stop()
        support.destroy_throwaway_database(old_name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=50)
    print(run(parser.parse_args().members))
