"""compose.yaml (issue 15): the whole guild on one Docker host. Its structure is read with
PyYAML; `docker compose config` (or docker-compose / podman-compose, whichever is installed)
validates it against the Compose schema. CI installs docker-compose when none is there, so
there the validation never skips."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_TEXT = (ROOT / "compose.yaml").read_text()
COMPOSE = yaml.safe_load(COMPOSE_TEXT)
SERVICES = COMPOSE["services"]
APP_SERVICES = ("web", "worker", "bot")
LONG_RUNNING = ("db", "redis", "web", "worker", "bot", "proxy")


def env_example_names() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", text, flags=re.M))


def test_every_process_of_the_guild_is_a_service():
    assert set(SERVICES) == {"db", "redis", "migrate", "web", "worker", "bot", "proxy"}
    for name, command in (("migrate", "migrate"), ("web", "web"), ("worker", "worker")):
        assert SERVICES[name]["command"] == [command]
    assert SERVICES["bot"]["command"] == ["bot"]
    # One image for every app process.
    images = {SERVICES[name]["image"] for name in ("migrate", *APP_SERVICES)}
    assert images == {"${PATT_IMAGE:-patt:latest}"}


def test_web_worker_and_bot_wait_for_migrate_which_runs_once():
    assert SERVICES["migrate"]["restart"] == "no"
    for name in ("db", "redis"):
        assert SERVICES["migrate"]["depends_on"][name] == {"condition": "service_healthy"}
    for name in APP_SERVICES:
        depends = SERVICES[name]["depends_on"]
        assert depends["migrate"] == {"condition": "service_completed_successfully"}, name
        assert depends["db"] == {"condition": "service_healthy"}, name


def test_exactly_one_bot():
    """BOT-3: the lease refuses a second instance, so the service never asks for two."""
    assert SERVICES["bot"]["deploy"]["replicas"] == 1
    assert "ports" not in SERVICES["bot"]


def test_restart_policies_and_health_checks():
    for name in LONG_RUNNING:
        assert SERVICES[name]["restart"] == "unless-stopped", name
    for name in ("db", "redis", "web", "worker", "bot"):
        assert SERVICES[name]["healthcheck"]["test"], name
    assert SERVICES["web"]["healthcheck"]["test"] == [
        "CMD",
        "/app/scripts/docker-entrypoint.sh",
        "healthcheck",
    ]
    for name in ("worker", "bot"):
        assert SERVICES[name]["healthcheck"]["test"][-2:] == ["healthcheck", name]
    # The proxy only starts once web answers /api/health.
    assert SERVICES["proxy"]["depends_on"]["web"] == {"condition": "service_healthy"}


def test_named_volumes_hold_every_piece_of_state():
    assert set(COMPOSE["volumes"]) == {"pgdata", "redisdata", "media", "caddydata", "caddyconfig"}
    used = {
        volume.split(":")[0]
        for service in SERVICES.values()
        for volume in service.get("volumes", [])
        if not volume.startswith(".")
    }
    assert used == set(COMPOSE["volumes"])
    assert "pgdata:/var/lib/postgresql/data" in SERVICES["db"]["volumes"]
    for name in ("migrate", *APP_SERVICES):
        assert "media:/data/media" in SERVICES[name]["volumes"], name


def test_production_settings_and_persistent_connections():
    environment = SERVICES["web"]["environment"]
    assert environment["APP_ENV"] == "production"
    assert environment["DB_CONN_MAX_AGE"] == "${DB_CONN_MAX_AGE:-60}"
    assert environment["REDIS_URL"] == "redis://redis:6379/0"
    assert environment["USE_X_FORWARDED_PROTO"] == "true"
    assert environment["TRUSTED_PROXY_COUNT"] == "1"
    for name in ("migrate", *APP_SERVICES):
        assert SERVICES[name]["env_file"] == ".env", name


def test_secrets_come_from_the_env_file_and_are_required():
    """No secret value is written in compose.yaml; a missing one stops `compose up` with a
    message naming it (`${VAR:?message}`)."""
    environment = SERVICES["web"]["environment"]
    assert environment["DJANGO_SECRET_KEY"].startswith("${DJANGO_SECRET_KEY:?")
    assert "${POSTGRES_PASSWORD:?" in environment["DATABASE_URL"]
    assert SERVICES["db"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    for service in SERVICES.values():
        for key, value in (service.get("environment") or {}).items():
            if re.search(r"SECRET|TOKEN|PASSWORD", key):
                assert str(value).startswith("${"), key


def test_every_variable_compose_reads_is_documented_in_env_example():
    used = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", COMPOSE_TEXT))
    assert used  # PATT_DOMAIN, POSTGRES_PASSWORD, ...
    assert used - env_example_names() == set()


def compose_command() -> list[str] | None:
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=30)
        if probe.returncode == 0:
            return ["docker", "compose"]
    for tool in ("docker-compose", "podman-compose"):
        if shutil.which(tool):
            return [tool]
    return None


@pytest.fixture(scope="module")
def compose():
    command = compose_command()
    if command is None:
        if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
            pytest.fail("CI: no docker compose, docker-compose or podman-compose to validate with")
        pytest.skip("no docker compose, docker-compose or podman-compose installed (CI has one)")
    return command


def project(tmp_path: Path, **overrides: str) -> Path:
    """A copy of the compose project with a .env made from .env.example plus `overrides`."""
    shutil.copy(ROOT / "compose.yaml", tmp_path / "compose.yaml")
    (tmp_path / "deploy").mkdir()
    shutil.copy(ROOT / "deploy" / "Caddyfile", tmp_path / "deploy" / "Caddyfile")
    lines = []
    for line in (ROOT / ".env.example").read_text().splitlines():
        name = line.split("=", 1)[0]
        lines.append(f"{name}={overrides.pop(name)}" if name in overrides else line)
    lines += [f"{name}={value}" for name, value in overrides.items()]
    (tmp_path / ".env").write_text("\n".join(lines) + "\n")
    return tmp_path


FILLED = {
    "PATT_DOMAIN": "guild.example.org",
    "POSTGRES_PASSWORD": "compose-test-password",
    "DJANGO_SECRET_KEY": "k" * 50,
}


def test_compose_config_validates(compose, tmp_path):
    directory = project(tmp_path, **FILLED)
    result = subprocess.run(
        [*compose, "config"], cwd=directory, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    resolved = yaml.safe_load(result.stdout)["services"]
    web = resolved["web"]["environment"]
    assert web["ALLOWED_HOSTS"] == "guild.example.org"
    assert web["SITE_URL"] == "https://guild.example.org"
    assert web["DATABASE_URL"] == "postgres://patt:compose-test-password@db:5432/patt"
    assert str(web["DB_CONN_MAX_AGE"]) == "60"
    # .env.example's development values never reach the compose stack.
    assert web["APP_ENV"] == "production"


def test_compose_config_names_a_missing_setting(compose, tmp_path):
    directory = project(tmp_path, **{**FILLED, "POSTGRES_PASSWORD": ""})
    result = subprocess.run(
        [*compose, "config"], cwd=directory, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "set POSTGRES_PASSWORD in .env" in result.stderr + result.stdout
