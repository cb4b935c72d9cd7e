"""deploy/systemd (issue 15): the units for hosts without Docker run the same processes as the
image, in the right order, as the unprivileged user, and the bot is never restarted after a
start-up failure that needs a settings fix (BOT-2: exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

UNITS = Path(__file__).resolve().parents[2] / "deploy" / "systemd"


def unit(name: str) -> dict[str, dict[str, list[str]]]:
    """A unit file as {section: {key: [values]}} (systemd allows a key more than once)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    text = (UNITS / name).read_text().replace("\\\n", " ")
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key, []).append(" ".join(value.split()))
    return sections


@pytest.mark.parametrize(
    ("name", "command"),
    [
        ("patt-web.service", "/srv/patt/.venv/bin/gunicorn patt.wsgi --bind 127.0.0.1:8000"),
        ("patt-worker.service", "/srv/patt/.venv/bin/python manage.py qcluster"),
        ("patt-bot.service", "/srv/patt/.venv/bin/python manage.py runbot"),
    ],
)
def test_each_process_runs_after_migrate_as_the_patt_user(name, command):
    sections = unit(name)
    service = sections["Service"]
    assert service["ExecStart"][0].startswith(command)
    assert service["User"] == ["patt"] and service["Group"] == ["patt"]
    assert service["EnvironmentFile"] == ["/etc/patt/patt.env"]
    assert service["Restart"] == ["on-failure"]
    assert "patt-migrate.service" in sections["Unit"]["Requires"][0]
    assert "patt-migrate.service" in sections["Unit"]["After"][0]
    assert sections["Install"]["WantedBy"] == ["multi-user.target"]


def test_migrate_is_a_one_shot_that_stays_done():
    service = unit("patt-migrate.service")["Service"]
    assert service["Type"] == ["oneshot"] and service["RemainAfterExit"] == ["yes"]
    assert service["ExecStart"] == [
        "/srv/patt/.venv/bin/python manage.py migrate --noinput",
        "/srv/patt/.venv/bin/python manage.py createcachetable",
    ]


def test_the_bot_is_not_restarted_after_exit_2_and_waits_out_a_stale_lease():
    service = unit("patt-bot.service")["Service"]
    assert service["RestartPreventExitStatus"] == ["2"]
    assert int(service["RestartSec"][0]) >= 30
    assert service["KillSignal"] == ["SIGTERM"]  # BOT-4: the lease is released on the way out


def test_nightly_backup_timer_runs_the_backup_script():
    timer = unit("patt-backup.timer")["Timer"]
    assert timer["OnCalendar"] == ["*-*-* 03:15:00"] and timer["Persistent"] == ["true"]
    service = unit("patt-backup.service")["Service"]
    assert service["ExecStart"] == [
        "/srv/patt/scripts/backup.sh --output /var/backups/patt --keep 14"
    ]
    assert service["ReadWritePaths"] == ["/var/backups/patt"]
