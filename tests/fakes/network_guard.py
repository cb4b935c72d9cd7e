"""Tests reach nothing but this machine (BOT-30: "the network guard allows only loopback").

Every client under test talks to a loopback fake; a test that would reach a real host (a
forgotten base URL, a default pointing at discord.com) fails at once with a clear message
instead of sending anything. Unix sockets and loopback TCP are allowed.
"""

import ipaddress
import socket


class NetworkAccessBlocked(ConnectionRefusedError):
    """A test tried to connect to a host other than this machine."""


def is_loopback(family: int, address) -> bool:
    if family == getattr(socket, "AF_UNIX", None):
        return True
    host = address[0] if isinstance(address, tuple) else address
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return host == "localhost"


def _guarded(connect):
    def guarded_connect(self, address):
        if not is_loopback(self.family, address):
            raise NetworkAccessBlocked(
                f"Tests may only connect to loopback; refused {address!r}. Point the client "
                "at its fake in tests/fakes/."
            )
        return connect(self, address)

    guarded_connect.network_guard = True
    return guarded_connect


def install() -> None:
    """Guard `socket.socket.connect` and `connect_ex` for the rest of the process."""
    for name in ("connect", "connect_ex"):
        original = getattr(socket.socket, name)
        if not getattr(original, "network_guard", False):
            setattr(socket.socket, name, _guarded(original))
