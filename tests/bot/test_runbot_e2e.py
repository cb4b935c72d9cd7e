"""`manage.py runbot` end to end (issue 13, beyond BOT-32): a real bot process against the loopback
fake Discord gateway (tests/fakes/fake_gateway.py) and the fake REST server.

One walk: a member joins (GUILD_MEMBER_ADD), their DiscordUser appears and the opening DM is
POSTed; they answer over DM (MESSAGE_CREATE) and every answer gets its replies. Mid-conversation
the gateway drops the connection and a DM arrives while the bot is away: the bot resumes
(RESUME, the missed dispatch is replayed) and that DM is answered exactly once. Their last
answer verifies them against the roster and the worker (`manage.py qcluster`, also a real
process) provisions them: the rank's role PUT and the welcome DM reach the fake. A second
member is verified by `/verify` (INTERACTION_CREATE, deferred then answered by follow-up) and
provisioned the same way. A second `runbot` started meanwhile exits 1 on the lease (BOT-3). The
token is never printed (BOT-11).

Shorter runs: a bot never added to the server logs the install URL and keeps running (BOT-2);
`runbot --force` takes the lease from a running bot, which stops at its next heartbeat
(BOT-1, BOT-3; BOT_HEARTBEAT_SECONDS short); an update of a member the bot never cached is
recorded (the GUILD_MEMBER_UPDATE parser wrap, IDN-28).

The processes cannot see pytest-django's test database (in memory, or uncommitted), so they get
their own, migrated and seeded once per run and copied per test: a SQLite file, or with
DATABASE_URL on PostgreSQL a database beside it (`CREATE DATABASE … TEMPLATE`); the test reads
it directly.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from tests.fakes.fake_discord import FakeDiscord
from tests.fakes.fake_gateway import FakeGateway

ROOT = Path(__file__).resolve().parents[2]
MEMBER_ROLE_ID = "900000000000000100"  # rank Member's Discord role, a role of the fake server
# The roster the members verify against (ONB-26): two Member-rank characters.
SEED = f"""
from identity.models import GuildRank
from tests.factories import WowCharacterFactory, playable_class, rank
member = rank("Member")
GuildRank.objects.filter(pk=member.pk).update(discord_role_id="{MEMBER_ROLE_ID}")
for name in ("Trogmoon", "Moonfire"):
    WowCharacterFactory(name=name, guild_rank=member, playable_class=playable_class("Druid"))
"""
pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="signals a real process")


class BotDatabase:
    """The database the bot's processes share: a SQLite file, or a PostgreSQL database beside
    DATABASE_URL's when the suite runs on PostgreSQL (as CI does). The test reads it directly."""

    def __init__(self, url: str):
        self.url = url
        self.postgres = url.startswith("postgres")

    def query(self, sql: str, *params) -> list[tuple]:
        if self.postgres:
            with psycopg.connect(self.url, autocommit=True) as db:
                return [tuple(row) for row in db.execute(sql.replace("?", "%s"), params)]
        with sqlite3.connect(self.url.removeprefix("sqlite:///")) as db:
            return db.execute(sql, params).fetchall()


def _admin_url() -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/postgres"))


def _postgres_admin(sql: str) -> None:
    with psycopg.connect(_admin_url(), autocommit=True) as db:
        db.execute(sql)


@pytest.fixture(scope="module")
def migrated_database(tmp_path_factory):
    """A migrated, seeded template: a SQLite file, or on PostgreSQL a template database."""
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        name = f"{urlsplit(os.environ['DATABASE_URL']).path.strip('/')}_bot_e2e_{os.getpid()}"
        _postgres_admin(f'DROP DATABASE IF EXISTS "{name}"')
        _postgres_admin(f'CREATE DATABASE "{name}"')
        url = urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path="/" + name))
    else:
        name = ""
        url = f"sqlite:///{tmp_path_factory.mktemp('bot-e2e') / 'bot.sqlite3'}"
    env = {**os.environ, "DATABASE_URL": url}
    env.pop("REDIS_URL", None)
    for command in (["migrate", "--noinput", "-v", "0"], ["shell", "-c", SEED]):
        subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, timeout=180
        )
    yield name or url
    if name:
        _postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def database(migrated_database, tmp_path):
    """A fresh copy of the template for one test."""
    if migrated_database.startswith("sqlite:///"):
        copy = tmp_path / "bot.sqlite3"
        copy.write_bytes(Path(migrated_database.removeprefix("sqlite:///")).read_bytes())
        yield BotDatabase(f"sqlite:///{copy}")
        return
    name = f"{migrated_database}_{tmp_path.name}"[:63]
    _postgres_admin(f'CREATE DATABASE "{name}" TEMPLATE "{migrated_database}"')
    try:
        yield BotDatabase(
            urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path="/" + name))
        )
    finally:
        _postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bot_env(database: BotDatabase, fake: FakeDiscord) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database.url,
        "DISCORD_BOT_TOKEN": fake.token,
        "DISCORD_GUILD_ID": fake.guild_id,
        "DISCORD_API_URL": fake.base_url,
        "LOG_LEVEL": "INFO",
    }
    env.pop("REDIS_URL", None)
    return env


def start_bot(env: dict[str, str], log: Path, command: str = "runbot") -> subprocess.Popen:
    with log.open("w") as out:
        return subprocess.Popen(
            [sys.executable, "manage.py", command],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )


def query(database: BotDatabase, sql: str, *params):
    return database.query(sql, *params)


def session_state(database: BotDatabase, user_id: str) -> str | None:
    rows = query(
        database,
        "select s.state from onboarding_onboardingsession s "
        "join identity_discorduser u on u.id = s.discord_user_id where u.discord_id = ?",
        user_id,
    )
    return rows[0][0] if rows else None


def settled(fake: FakeDiscord, user_id: str, quiet: float = 0.4) -> int:
    """The number of DMs to `user_id` once no new one came for `quiet` seconds."""
    count = len(fake.dm_messages(user_id))
    while True:
        time.sleep(quiet)
        now = len(fake.dm_messages(user_id))
        if now == count:
            return count
        count = now


def stop_bot(bot: subprocess.Popen) -> None:
    if bot.poll() is None:
        bot.send_signal(signal.SIGTERM)
        try:
            bot.wait(timeout=30)
        except subprocess.TimeoutExpired:
            bot.kill()
            bot.wait(timeout=10)


def test_runbot_walks_a_member_through_join_and_dms_and_resumes_after_a_drop(database, tmp_path):
    fake = FakeDiscord().start()
    fake.add_role(role_id=MEMBER_ROLE_ID, name="Member")
    gateway = FakeGateway(fake, heartbeat_interval_ms=2_000).start()
    log = tmp_path / "runbot.log"
    bot = start_bot(bot_env(database, fake), log)
    worker = start_bot(bot_env(database, fake), tmp_path / "qcluster.log", "qcluster")
    try:
        gateway.wait_until(lambda: gateway.connected or bot.poll() is not None, timeout=60)
        assert bot.poll() is None, log.read_text()
        identify = gateway.identify_payloads[0]
        assert identify["intents"] == (1 << 0) | (1 << 1) | (1 << 12)  # BOT-6
        gateway.wait_until(
            lambda: query(database, "select connected from patt_botstatus") == [(1,)]
        )

        # BOT-3: a second bot meanwhile exits 1 on the lease, naming the first one's pid.
        second = subprocess.run(
            [sys.executable, "manage.py", "runbot"],
            cwd=ROOT,
            env=bot_env(database, fake),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 1, second.stderr
        assert f"(pid {bot.pid}" in second.stderr and fake.token not in second.stderr

        # GUILD_MEMBER_ADD: the DiscordUser appears and the opening DM goes out.
        member = fake.add_member(username="newbie", global_name="Newbie")
        user, user_id = member["user"], member["user"]["id"]
        gateway.member_add(member)
        gateway.wait_until(lambda: len(fake.dm_messages(user_id)) == 1)
        assert query(
            database, "select username from identity_discorduser where discord_id = ?", user_id
        ) == [("newbie",)]
        assert session_state(database, user_id) == "asked_in_guild"

        def answer(text: str, *, after: int) -> int:
            """DM `text`; wait for the bot's replies past `after` and until they settle."""
            gateway.dm(user, text)
            gateway.wait_until(lambda: len(fake.dm_messages(user_id)) > after)
            return settled(fake, user_id)

        sent = answer("yes", after=1)
        assert session_state(database, user_id) == "asked_main"

        # The gateway drops mid-conversation; a DM arrives while the bot is away.
        gateway.drop(4000, hold=True)
        gateway.wait_until(lambda: not gateway.connected)
        gateway.dm(user, "Trogmoon")
        gateway.release()
        gateway.wait_until(lambda: gateway.resume_count == 1, timeout=30)
        assert gateway.ready_count == 1, "the bot resumed the session instead of a new IDENTIFY"
        gateway.wait_until(lambda: len(fake.dm_messages(user_id)) > sent)
        settled(fake, user_id)
        replies_to_missed = len(fake.dm_messages(user_id)) - sent
        dms_in = query(
            database,
            "select count(*) from onboarding_onboardingevent e "
            "join onboarding_onboardingsession s on s.id = e.session_id "
            "join identity_discorduser u on u.id = s.discord_user_id "
            "where u.discord_id = ? and e.kind = 'dm_in'",
            user_id,
        )
        assert dms_in == [(2,)], "each DM handled exactly once"
        dms_out = query(
            database,
            "select count(*) from onboarding_onboardingevent e "
            "join onboarding_onboardingsession s on s.id = e.session_id "
            "join identity_discorduser u on u.id = s.discord_user_id "
            "where u.discord_id = ? and e.kind = 'dm_out'",
            user_id,
        )
        # Every reply the conversation recorded reached Discord once: none lost, none twice
        # (the opening DM is the join's, recorded as its state move, not as a dm_out).
        assert dms_out == [(len(fake.dm_messages(user_id)) - 1,)]
        assert len({m.id for m in fake.dm_messages(user_id)}) == len(fake.dm_messages(user_id))
        assert replies_to_missed >= 1
        assert session_state(database, user_id) == "asked_alts"

        # No alts: the wrap-up verifies against the roster at once (ONB-25, ONB-26) and the
        # worker provisions: the rank's role is PUT and the welcome DM goes out (ONB-28).
        answer("none", after=len(fake.dm_messages(user_id)))
        gateway.wait_until(lambda: session_state(database, user_id) == "provisioned", timeout=30)
        role_puts = fake.requests_to("PUT", "/guilds/{g}/members/{u}/roles/{r}")
        assert [r.path.rsplit("/", 1)[-1] for r in role_puts] == [MEMBER_ROLE_ID]
        assert MEMBER_ROLE_ID in fake.member(user_id)["roles"]
        welcome = fake.dm_messages(user_id)[-1]
        assert welcome.embeds and welcome.embeds[0]["title"].startswith("You're all set, ")

        # A second member skips the conversation: `/verify Moonfire` (INTERACTION_CREATE,
        # ONB-50) answers through the interaction and the worker provisions them too.
        other = fake.add_member(username="quick")
        other_id = other["user"]["id"]
        gateway.member_add(other)
        gateway.wait_until(lambda: len(fake.dm_messages(other_id)) == 1)
        interaction_id = gateway.interaction(
            other, "verify", [{"name": "character", "type": 3, "value": "Moonfire"}]
        )
        token = f"interaction-token-{interaction_id}"
        gateway.wait_until(lambda: fake.interaction_replies(token))
        assert fake._interaction_callbacks[0][2] == 5  # deferred first (BOT-10)
        gateway.wait_until(lambda: session_state(database, other_id) == "provisioned", timeout=30)
        assert MEMBER_ROLE_ID in fake.member(other_id)["roles"]
        assert fake.dm_messages(other_id)[-1].embeds[0]["title"].startswith("You're all set, ")

        # IDN-28 in real time: a rename (GUILD_MEMBER_UPDATE) and leaving (GUILD_MEMBER_REMOVE).
        gateway.member_update({**other, "nick": "Moony", "roles": [MEMBER_ROLE_ID]})
        gateway.member_remove(other["user"])
        gateway.wait_until(
            lambda: (
                query(
                    database,
                    "select display_name, is_present from identity_discorduser"
                    " where discord_id = ?",
                    other_id,
                )
                == [("Moony", False)]
            )
        )
    finally:
        stop_bot(worker)
        stop_bot(bot)
        gateway.stop()
        fake.stop()
        print(log.read_text())  # shown when the test fails
    output = log.read_text()
    assert bot.returncode == 0, output
    assert fake.token not in output
    assert query(database, "select instance_id, connected from patt_botstatus") == [("", 0)]


@pytest.mark.parametrize(
    ("token_ok", "allowed", "code", "line"),
    [
        (False, ("members",), 2, "Discord rejected the bot token"),
        (True, (), 2, "Enable the Server Members Intent"),
    ],
)
def test_runbot_start_up_refusals_by_the_gateway_exit_2(
    database, tmp_path, token_ok, allowed, code, line
):
    """BOT-2 for real: the gateway closes with 4004 (a token REST accepted but the gateway
    refuses) or 4014 (the Server Members Intent is off); one stderr line, exit 2."""
    fake = FakeDiscord().start()
    token = None if token_ok else "another-" + fake.token  # REST takes it, the gateway not
    gateway = FakeGateway(fake, allowed_intents=allowed, token=token).start()
    try:
        done = subprocess.run(
            [sys.executable, "manage.py", "runbot"],
            cwd=ROOT,
            env=bot_env(database, fake),
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        gateway.stop()
        fake.stop()
    assert done.returncode == code, done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith(line)
    assert fake.token not in done.stderr
    assert gateway.close_codes == [4004 if not token_ok else 4014]


def _wait_for(condition, *, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.1)


def test_runbot_not_in_the_server_logs_the_install_url_and_keeps_running(database, tmp_path):
    """BOT-2, BOT-12: the gateway's READY lists no guild (the bot was never added): an ERROR with
    the install URL, and the bot keeps running until SIGTERM (exit 0)."""
    fake = FakeDiscord().start()
    gateway = FakeGateway(fake, in_guild=False).start()
    log = tmp_path / "runbot.log"
    bot = start_bot(bot_env(database, fake), log)
    url = (
        f"https://discord.com/oauth2/authorize?client_id={fake.bot_user['id']}"
        "&scope=bot+applications.commands&permissions=268520448"
    )
    try:
        _wait_for(lambda: url in log.read_text() or bot.poll() is not None)
        line = next(line for line in log.read_text().splitlines() if url in line)
        assert "ERROR" in line and f"not a member of server {fake.guild_id}" in line
        assert gateway.close_codes == []
        time.sleep(1)  # still connected and running a moment later
        assert bot.poll() is None and gateway.connected, log.read_text()
        assert query(database, "select connected from patt_botstatus") == [(1,)]
    finally:
        stop_bot(bot)
        gateway.stop()
        fake.stop()
        print(log.read_text())  # shown when the test fails
    assert bot.returncode == 0
    assert query(database, "select instance_id from patt_botstatus") == [("",)]


def test_runbot_force_takes_the_lease_and_the_old_bot_stops_at_its_next_heartbeat(
    database, tmp_path
):
    """BOT-1 `--force`, BOT-3: B takes the lease from a running A; A's next heartbeat finds the
    lease lost and A stops (without releasing B's lease); B keeps it until SIGTERM."""
    fake = FakeDiscord().start()
    gateway = FakeGateway(fake).start()
    env = {**bot_env(database, fake), "BOT_HEARTBEAT_SECONDS": "0.5"}
    log_a, log_b = tmp_path / "a.log", tmp_path / "b.log"
    bot_a = start_bot(env, log_a)
    bot_b = None
    try:
        gateway.wait_until(lambda: gateway.ready_count == 1 or bot_a.poll() is not None, 60)
        _wait_for(lambda: query(database, "select pid, connected from patt_botstatus")[0][1])
        assert query(database, "select pid from patt_botstatus") == [(bot_a.pid,)]

        with log_b.open("w") as out:
            bot_b = subprocess.Popen(
                [sys.executable, "manage.py", "runbot", "--force"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                text=True,
            )
        bot_a.wait(timeout=30)
        assert bot_a.returncode == 0, log_a.read_text()
        assert "Another bot instance took over the lease" in log_a.read_text()
        assert "Bot lease taken over with --force" in log_b.read_text()
        gateway.wait_until(lambda: gateway.ready_count == 2 or bot_b.poll() is not None, 60)
        assert bot_b.poll() is None, log_b.read_text()
        # A stopped without releasing: the lease is still B's.
        _wait_for(lambda: query(database, "select pid, connected from patt_botstatus")[0][1])
        assert query(database, "select pid from patt_botstatus") == [(bot_b.pid,)]
    finally:
        stop_bot(bot_a)
        if bot_b is not None:
            stop_bot(bot_b)
        gateway.stop()
        fake.stop()
        print(log_a.read_text(), log_b.read_text())  # shown when the test fails
    assert bot_b.returncode == 0
    assert query(database, "select instance_id from patt_botstatus") == [("",)]


def test_runbot_sees_an_update_of_a_member_it_never_cached(database, tmp_path):
    """IDN-28 through `PattBot._see_uncached_member_updates`: without chunking (BOT-6) discord.py
    drops GUILD_MEMBER_UPDATE for a member it has not cached; a member never announced (no
    GUILD_MEMBER_ADD, not in GUILD_CREATE) who is renamed and given a role is still recorded."""
    fake = FakeDiscord().start()
    fake.add_role(role_id=MEMBER_ROLE_ID, name="Member")
    gateway = FakeGateway(fake).start()
    log = tmp_path / "runbot.log"
    bot = start_bot(bot_env(database, fake), log)
    try:
        gateway.wait_until(lambda: gateway.ready_count == 1 or bot.poll() is not None, 60)
        _wait_for(lambda: query(database, "select connected from patt_botstatus") == [(1,)])
        member = fake.add_member(username="oldtimer", global_name="Old Timer")
        user_id = member["user"]["id"]
        gateway.member_update({**member, "nick": "Elder", "roles": [MEMBER_ROLE_ID]})

        def row():
            return query(
                database,
                "select username, display_name, role_ids, is_present from identity_discorduser"
                " where discord_id = ?",
                user_id,
            )

        _wait_for(lambda: row() != [] or bot.poll() is not None)
        [(username, display_name, role_ids, present)] = row()
        if isinstance(role_ids, str):  # SQLite keeps JSON as text
            role_ids = json.loads(role_ids)
        assert (username, display_name, present) == ("oldtimer", "Elder", 1)
        assert MEMBER_ROLE_ID in [str(role) for role in role_ids]
    finally:
        stop_bot(bot)
        gateway.stop()
        fake.stop()
        print(log.read_text())  # shown when the test fails
    assert bot.returncode == 0
