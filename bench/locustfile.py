"""Locust users for `bench/load.py` (issue 17 items 1 and 6). Run by load.py, not by hand.

No Django here: `bench/load.py` seeds the database and writes what the users need to the JSON
file named by PATT_LOAD_FILE — the live and closed campaign ids, the live campaign's entry ids
and picks, and one signed-in session key per member (each member uses its own, once).

Phase "mix" (load.py's ramp to 200 users): a realistic mix of
- `Visitor` (anonymous): landing, /roster-view (its tabs), /campaigns, the live vote page, the
  campaigns JSON;
- `Member` (signed in): the same pages, /roster with an availability save (the form POST
  with its CSRF token), and one ballot on the live campaign (the JSON endpoint);
- `HealthProbe` (2 fixed users): `/api/health` twice a second, the yardstick of the same run.

Phase "endpoint" (PATT_ENDPOINT set): `EndpointUser` only, hammering that one path with no wait
(20 users = 20 concurrent clients), for the per-endpoint req/s and p95.
"""

import json
import os
import random

from locust import FastHttpUser, between, constant, events, task

SETUP: dict = {}
if os.environ.get("PATT_LOAD_FILE"):
    with open(os.environ["PATT_LOAD_FILE"], encoding="utf-8") as handle:
        SETUP = json.load(handle)
FREE_SESSIONS: list[dict] = list(SETUP.get("sessions", []))
ENDPOINT = os.environ.get("PATT_ENDPOINT", "")
SESSION_COOKIE = SETUP.get("session_cookie", "sessionid")
CSRF_COOKIE = SETUP.get("csrf_cookie", "csrftoken")
HEALTH = "/api/health"
# Every response time (ms) but the health probes', for load.py's exact pooled p95.
PAGE_TIMES: list[float] = []


@events.request.add_listener
def _record(name, response_time, **_kwargs):
    if name != HEALTH:
        PAGE_TIMES.append(response_time)


@events.quitting.add_listener
def _write_times(**_kwargs):
    target = os.environ.get("PATT_TIMES_FILE")
    if target:
        with open(target, "w", encoding="utf-8") as handle:
            json.dump(PAGE_TIMES, handle)


def _cookie(user: FastHttpUser, name: str) -> str:
    for cookie in user.client.cookiejar:
        if cookie.name == name:
            return cookie.value
    return ""


class Browsing:
    """The pages every visitor reads (names group the variants in the report)."""

    def landing(self):
        self.client.get("/", name="landing")

    def roster_view(self):
        view = random.choice(("", "?view=roster", "?view=composition"))
        self.client.get(f"/roster-view{view}", name="/roster-view")

    def campaigns(self):
        self.client.get("/campaigns", name="/campaigns")

    def live_vote_page(self):
        self.client.get(f"/vote/{SETUP['live_campaign']}", name="/vote/<live>")

    def campaigns_json(self):
        self.client.get("/api/v1/campaigns", name="/api/v1/campaigns")


class Visitor(Browsing, FastHttpUser):
    weight = 3
    wait_time = between(1, 3)

    @task(3)
    def t_landing(self):
        self.landing()

    @task(2)
    def t_roster_view(self):
        self.roster_view()

    @task(2)
    def t_campaigns(self):
        self.campaigns()

    @task(2)
    def t_live_vote(self):
        self.live_vote_page()

    @task(1)
    def t_campaigns_json(self):
        self.campaigns_json()


class Member(Browsing, FastHttpUser):
    weight = 2
    wait_time = between(1, 3)

    def on_start(self):
        if not FREE_SESSIONS:
            raise RuntimeError("load.py seeded fewer member sessions than Member users")
        session = FREE_SESSIONS.pop(0)  # the eligible voters come first
        self.voted = not session["vote"]
        self.client.cookiejar.set_cookie(_make_cookie(SESSION_COOKIE, session["key"], self.host))
        self.client.get("/roster", name="/roster")  # the page a member opens: the CSRF cookie

    @task(2)
    def t_landing(self):
        self.landing()

    @task(2)
    def t_roster_view(self):
        self.roster_view()

    @task(1)
    def t_campaigns(self):
        self.campaigns()

    @task(2)
    def t_live_vote(self):
        self.live_vote_page()
        if not self.voted:
            self.vote()

    @task(2)
    def t_roster(self):
        self.client.get("/roster", name="/roster")
        self.save_availability()

    def vote(self):
        picks = random.sample(SETUP["entries"], SETUP["picks_per_voter"])
        body = {"picks": [{"entry_id": e, "rank": r} for r, e in enumerate(picks, 1)]}
        self.client.post(
            f"/api/v1/campaigns/{SETUP['live_campaign']}/vote",
            json=body,
            headers={"X-CSRFToken": _cookie(self, CSRF_COOKIE), "Referer": self.host + "/"},
            name="/api/v1/campaigns/<live>/vote",
        )
        self.voted = True

    def save_availability(self):
        days = sorted(random.sample(range(7), random.randint(1, 5)))
        form = [("csrfmiddlewaretoken", _cookie(self, CSRF_COOKIE))]
        form += [("action", "save_availability"), ("avail-notes", "load test")]
        form += [("avail-days", str(day)) for day in days]
        if random.random() < 0.5:
            form.append(("avail-auto_signup", "on"))
        with self.client.post(
            "/roster",
            data="&".join(f"{k}={v.replace(' ', '+')}" for k, v in form),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": self.host + "/roster",
            },
            allow_redirects=False,
            name="/roster (save availability)",
            catch_response=True,
        ) as response:
            if response.status_code in (302, 303):
                response.success()
            else:
                response.failure(f"expected a redirect, got {response.status_code}")


class HealthProbe(FastHttpUser):
    fixed_count = 2
    wait_time = constant(0.5)

    @task
    def health(self):
        self.client.get(HEALTH, name=HEALTH)


class EndpointUser(FastHttpUser):
    """Phase "endpoint": one path, no think time."""

    wait_time = constant(0)

    @task
    def hit(self):
        self.client.get(ENDPOINT, name=ENDPOINT)


def _make_cookie(name: str, value: str, host: str):
    from http.cookiejar import Cookie
    from urllib.parse import urlsplit

    domain = urlsplit(host).hostname or "127.0.0.1"
    return Cookie(
        0, name, value, None, False, domain, False, False, "/", True, False, None, False,
        None, None, {},
    )  # fmt: skip
