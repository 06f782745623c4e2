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


def test_a_second_hotline_on_the_same_ports_is_named_as_such() -> None:
    """Issue 12: a second `make up` says the port is probably held by another Hotline."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    class Health(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps({"status": "ok", "database": True}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    running = HTTPServer(("127.0.0.1", 0), Health)
    threading.Thread(target=running.serve_forever, daemon=True).start()
    api = f"127.0.0.1:{running.server_address[1]}"
    env = {"HOTLINE_API__BIND": api, "HOTLINE_AGI__BIND": _free()}
    try:
        with pytest.raises(ServiceError, match="probably by another Hotline") as e:
            preflight(load_settings(environ=env), asterisk_running=True)
        assert "Ctrl-C" in str(e.value)
    finally:
        running.shutdown()
        running.server_close()
    sock, bind = _taken(socket.SOCK_STREAM)  # any other program: said so, with what to do
    try:
        with pytest.raises(ServiceError, match=r"another program: stop it, or set api\.bind"):
            preflight(load_settings(environ={"HOTLINE_API__BIND": bind,
                                             "HOTLINE_AGI__BIND": _free()}),
                      asterisk_running=True)
    finally:
        sock.close()
