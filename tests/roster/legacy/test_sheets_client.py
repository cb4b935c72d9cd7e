"""The Google Sheets export client (ROS-63) on the shared HTTP base, over real HTTP against
the loopback fake (tests/fakes/fake_sheets.py)."""

import json
import logging
import socket

import pytest
from django.core.management import CommandError, call_command

from roster.sheets_client import SheetsExportClient, SheetsExportError
from tests.fakes.fake_sheets import FakeSheets, Route

SECRET_PATH = "/macros/s/AKfycbDeploymentId0123456789/exec?key=sheet-key-NEVER-LOG-ME"


@pytest.fixture
def sheets():
    fake = FakeSheets().start()
    yield fake
    fake.stop()


def test_ros63_a_200_json_object_is_the_export(sheets):
    sheets.routes["/export.json"] = Route(200, json.dumps({"success": True}).encode())

    with SheetsExportClient() as client:
        assert client.fetch_export(sheets.url("/export.json")) == {"success": True}


@pytest.mark.parametrize(
    ("route", "message"),
    [
        (Route(200, b"<html>Sign in</html>", "text/html"), "not valid JSON"),
        (Route(200, b'{"success": tr', "application/json"), "not valid JSON"),
        (Route(200, b"[1, 2]", "application/json"), "must be one JSON object"),
        (Route(204, b"", "application/json"), "HTTP 204"),
        (Route(403, b"denied", "text/plain"), "HTTP 403"),
        (Route(500, b"oops", "text/plain"), "HTTP 500"),
        (Route(429, b"slow down", "text/plain"), "HTTP 429"),
    ],
)
def test_ros63_anything_but_a_200_json_object_is_one_clear_error(sheets, route, message):
    sheets.routes["/export.json"] = route

    with SheetsExportClient() as client, pytest.raises(SheetsExportError) as info:
        client.fetch_export(sheets.url("/export.json"))

    assert message in info.value.message


def test_ros63_failures_are_never_retried(sheets):
    sheets.routes["/export.json"] = Route(503, b"busy", "text/plain")

    with SheetsExportClient() as client, pytest.raises(SheetsExportError):
        client.fetch_export(sheets.url("/export.json"))

    assert sheets.paths == ["/export.json"]


def test_ros63_no_answer_within_the_timeout_names_it(sheets):
    sheets.routes["/slow"] = Route(200, b"{}", delay=1.0)

    with SheetsExportClient(timeout=0.2) as client, pytest.raises(SheetsExportError) as info:
        client.fetch_export(sheets.url("/slow"))

    assert info.value.message == "Could not download the export: no answer within 0.2 s."


def test_ros63_a_closed_port_is_a_connection_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    with SheetsExportClient() as client, pytest.raises(SheetsExportError) as info:
        client.fetch_export(f"http://127.0.0.1:{port}/export.json")

    assert info.value.message == "Could not download the export: ConnectionError."


def test_ros63_command_turns_a_non_json_answer_into_a_command_error(sheets, db):
    sheets.routes["/login"] = Route(200, b"<html>Sign in</html>", "text/html")

    with pytest.raises(CommandError, match=r"^The downloaded export is not valid JSON\.$"):
        call_command("import_sheets", "--url", sheets.url("/login"))


def test_ros63_the_export_url_and_its_key_never_reach_a_log_line(sheets, caplog):
    sheets.routes[SECRET_PATH] = Route(500, b"oops", "text/plain")
    caplog.set_level(logging.DEBUG)

    with SheetsExportClient() as client, pytest.raises(SheetsExportError) as info:
        client.fetch_export(sheets.url(SECRET_PATH))

    assert sheets.paths == [SECRET_PATH]  # the request itself carried them
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "<export URL>" in logged
    assert "AKfycbDeploymentId0123456789" not in logged
    assert "sheet-key-NEVER-LOG-ME" not in logged
    assert "AKfycbDeploymentId0123456789" not in info.value.message
