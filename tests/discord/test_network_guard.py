"""BOT-30: the network guard lets tests reach loopback only."""

import socket

import pytest
import requests

from tests.fakes.network_guard import NetworkAccessBlocked, is_loopback


@pytest.mark.parametrize(
    ("family", "address", "allowed"),
    [
        (socket.AF_INET, ("127.0.0.1", 80), True),
        (socket.AF_INET, ("127.8.9.10", 80), True),
        (socket.AF_INET6, ("::1", 80, 0, 0), True),
        (socket.AF_INET, ("localhost", 80), True),
        (socket.AF_INET, ("203.0.113.5", 443), False),
        (socket.AF_INET, ("10.0.0.1", 443), False),
        (socket.AF_INET6, ("2001:db8::1", 443, 0, 0), False),
        (socket.AF_INET, ("discord.com", 443), False),
    ],
)
def test_bot30_only_loopback_addresses_are_allowed(family, address, allowed):
    assert is_loopback(family, address) is allowed


def test_bot30_a_connection_beyond_loopback_is_refused_before_anything_is_sent():
    # 203.0.113.0/24 is TEST-NET-3 (documentation only); the guard refuses before connect().
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(NetworkAccessBlocked, match="only connect to loopback"):
            sock.connect(("203.0.113.5", 443))
    finally:
        sock.close()


def test_bot30_http_clients_are_guarded_too(fake_discord):
    with pytest.raises(requests.ConnectionError):
        requests.get("http://203.0.113.5/", timeout=1)
    # ... while the loopback fake answers.
    assert requests.get(f"{fake_discord.base_url}/gateway", timeout=5).status_code in (
        200,
        401,
        404,
    )
