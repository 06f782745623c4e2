"""`hotline up` refuses to start, before starting anything, when a port it needs is taken."""

from __future__ import annotations

import socket

import pytest

from hotline.service import ServiceError, preflight
from settings import load_settings


def _taken(kind: int) -> tuple[socket.socket, str]:
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    if kind == socket.SOCK_STREAM:
        s.listen()
    return s, f"127.0.0.1:{s.getsockname()[1]}"


def _free() -> str:
    s, bind = _taken(socket.SOCK_STREAM)
    s.close()
    return bind


@pytest.mark.parametrize(("key", "kind"), [("API__BIND", socket.SOCK_STREAM),
                                           ("SIP__BIND", socket.SOCK_DGRAM)])
def test_taken_port_is_named(key: str, kind: int) -> None:
    sock, bind = _taken(kind)
    env = {"HOTLINE_API__BIND": _free(), "HOTLINE_AGI__BIND": _free(),
           "HOTLINE_AMI__BIND": _free(), "HOTLINE_SIP__BIND": _free(), f"HOTLINE_{key}": bind}
    settings = load_settings(environ=env)
    try:
        with pytest.raises(ServiceError, match=key.lower().replace("__", ".")):
            preflight(settings, asterisk_running=False)
        if key == "SIP__BIND":  # our own running Asterisk holds SIP: that is adoption, not a clash
            preflight(settings, asterisk_running=True)
    finally:
        sock.close()
