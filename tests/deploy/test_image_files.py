"""The container image's files, read without building it (issue 15): the Dockerfile, the
.dockerignore, the entry point and check-image.sh's secret scan. scripts/check-image.sh builds
and runs the image itself (`.ci/run`)."""

from __future__ import annotations

import http.server
import json
import os
import re
import subprocess
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = ROOT / "scripts" / "docker-entrypoint.sh"
CHECK_IMAGE = ROOT / "scripts" / "check-image.sh"


def stages() -> list[list[str]]:
    """The Dockerfile's stages, each a list of its instructions (continuation lines joined)."""
    text = (ROOT / "Dockerfile").read_text()
    text = re.sub(r"\\\n", " ", text)
    result: list[list[str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            result.append([])
        result[-1].append(line)
    return result


def instructions(stage: list[str], keyword: str) -> list[str]:
    return [line for line in stage if line.split()[0].upper() == keyword]


def test_two_stages_on_the_required_base():
    build, runtime = stages()
    assert build[0] == "FROM python:3.11-slim-bookworm AS build"
    assert runtime[0].startswith("FROM python:3.11-slim-bookworm")
    # The runtime stage takes the venv and the code from the build stage and installs nothing.
    copies = instructions(runtime, "COPY")
    assert copies and all(line.startswith("COPY --from=build ") for line in copies)
    assert not any("pip install" in line for line in instructions(runtime, "RUN"))


def test_build_stage_installs_the_pinned_requirements_and_collects_static_files():
    build, _ = stages()
    runs = " ".join(instructions(build, "RUN"))
    assert "-r /tmp/requirements.txt" in runs
    assert "collectstatic --noinput" in runs
    assert "APP_ENV=production" in runs  # the hashed manifest storage the runtime uses
    requirements = [
        line.split("#")[0].strip()
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.split("#")[0].strip()
    ]
    unpinned = [line for line in requirements if "==" not in line]
    assert requirements and not unpinned


def test_runtime_runs_as_a_non_root_user_with_the_health_check():
    _, runtime = stages()
    (user,) = instructions(runtime, "USER")
    name = user.split()[1].split(":")[0]
    assert name not in {"root", "0"}
    assert re.search(rf"useradd .*--uid (\d+) .*{name}", " ".join(instructions(runtime, "RUN")))
    (health,) = instructions(runtime, "HEALTHCHECK")
    assert '"/app/scripts/docker-entrypoint.sh", "healthcheck"' in health
    assert instructions(runtime, "ENTRYPOINT") == [
        'ENTRYPOINT ["/app/scripts/docker-entrypoint.sh"]'
    ]
    assert instructions(runtime, "CMD") == ['CMD ["web"]']


def test_no_secret_in_the_runtime_stage_instructions():
    """Only the runtime stage's instructions reach the image history; none names a secret."""
    _, runtime = stages()
    secretish = re.compile(r"SECRET|TOKEN|PASSWORD|API_KEY")
    for line in instructions(runtime, "ENV") + instructions(runtime, "ARG"):
        assert not secretish.search(line), line


def test_dockerignore_keeps_local_state_out_of_the_build_context():
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for entry in (".venv", ".git", ".env", "db.sqlite3", "staticfiles", "media", "tests"):
        assert entry in ignored, entry
    assert "**/node_modules" in ignored
    # The apps themselves go in.
    for app in ("patt", "identity", "campaigns", "roster", "onboarding", "templates", "static"):
        assert app not in ignored


def test_entrypoint_maps_each_process_to_its_command():
    text = ENTRYPOINT.read_text()
    commands = dict(re.findall(r"^  ([a-z]+)\)\n(.*?)\n    ;;", text, flags=re.M | re.S))
    assert "exec gunicorn patt.wsgi" in commands["web"]
    assert "exec python manage.py qcluster" in commands["worker"]
    assert "exec python manage.py runbot" in commands["bot"]
    assert "manage.py migrate --noinput" in commands["migrate"]


def run_entrypoint(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        "PATH": f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "APP_DIR": str(ROOT),
        **env,
    }
    return subprocess.run(
        ["sh", str(ENTRYPOINT), *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_without_a_key_is_one_line_not_a_traceback():
    result = run_entrypoint("web", APP_ENV="production")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "DJANGO_SECRET_KEY is not set: production needs a key of 50+ random characters "
        "(see .env.example)."
    ]


class HealthServer:
    """A stand-in for web on 127.0.0.1: /api/health answers `status` when the Host header is
    one ALLOWED_HOSTS would accept (`host`), 400 otherwise, as Django does."""

    def __init__(self, *, host: str, status: int):
        expected, answer = host, status

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                ok = self.path == "/api/health" and self.headers["Host"] == expected
                self.send_response(answer if ok else 400)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = str(self.server.server_address[1])
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize(
    ("allowed_hosts", "host_header"),
    [("patt.example.org", "patt.example.org"), (".example.org,*", "www.example.org")],
)
def test_healthcheck_web_asks_with_an_allowed_host(allowed_hosts, host_header):
    """The image's HEALTHCHECK (compose's web health check): 0 when /api/health answers 200
    for a Host header ALLOWED_HOSTS accepts (production allows only the site's name)."""
    server = HealthServer(host=host_header, status=200)
    try:
        result = run_entrypoint("healthcheck", PORT=server.port, ALLOWED_HOSTS=allowed_hosts)
    finally:
        server.close()
    assert result.returncode == 0, result.stdout


def test_healthcheck_web_fails_with_the_reason():
    server = HealthServer(host="patt.example.org", status=503)  # the database is away
    try:
        down = run_entrypoint(
            "healthcheck", "web", PORT=server.port, ALLOWED_HOSTS="patt.example.org"
        )
    finally:
        server.close()
    assert down.returncode == 1
    assert down.stdout.startswith("unhealthy: HTTP Error 503")
    closed = run_entrypoint("healthcheck", "web", PORT="1", ALLOWED_HOSTS="localhost")
    assert closed.returncode == 1
    assert closed.stdout.startswith("unhealthy: ")


# --- check-image.sh scan-secrets: what "no secret in the history" means ---------------------


def scan(document: object) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(CHECK_IMAGE), "scan-secrets"],
        input=json.dumps(document),
        capture_output=True,
        text=True,
        timeout=30,
    )


def history(*created_by: str) -> dict:
    return {"History": [{"created_by": line} for line in created_by]}


def test_scan_secrets_passes_a_clean_history():
    result = scan(
        {
            **history(
                "/bin/sh -c #(nop) ENV PATH=/opt/venv/bin:$PATH APP_ENV=production",
                "/bin/sh -c DJANGO_SECRET_KEY=\"$(python -c 'import secrets')\" manage.py x",
            ),
            "Config": {"Env": ["DISCORD_BOT_TOKEN=", "PORT=8000"]},
        }
    )
    assert result.returncode == 0, result.stdout
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("line", "reported"),
    [
        ("/bin/sh -c #(nop) ENV DJANGO_SECRET_KEY=s3cr3t-value", "DJANGO_SECRET_KEY="),
        ("/bin/sh -c #(nop) ARG DISCORD_BOT_TOKEN='abcd.efgh'", "DISCORD_BOT_TOKEN="),
        ("/bin/sh -c POSTGRES_PASSWORD: hunter22 x", "POSTGRES_PASSWORD="),
        ("/bin/sh -c pip install --index-url https://me:pa55@mirror/simple", "in a URL"),
    ],
)
def test_scan_secrets_reports_a_literal_value_without_printing_it(line, reported):
    result = scan(history(line))
    assert result.returncode == 1
    assert reported in result.stdout
    for value in ("s3cr3t-value", "abcd.efgh", "hunter22", "pa55"):
        assert value not in result.stdout
