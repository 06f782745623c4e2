"""What the benchmark's own client can receive at all: the recording sent by a server that
does nothing else (the HTTP head, then `os.sendfile`, the kernel copying from the page cache),
in a process of its own like the API's server. The API's download is then seen against the raw read
of the file and against this ceiling of httpx on loopback, both in the same run."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _answer(conn: socket.socket, path: Path) -> None:
    size = path.stat().st_size
    head = (f"HTTP/1.1 200 OK\r\nContent-Type: audio/wav\r\nContent-Length: {size}\r\n\r\n"
            .encode())
    with conn, path.open("rb") as f:
        while True:  # keep-alive: one answer per request head, whatever it asks
            request = b""
            while b"\r\n\r\n" not in request:
                data = conn.recv(4096)
                if not data:
                    return
                request += data
            conn.sendall(head)
            offset = 0
            while offset < size:
                offset += os.sendfile(conn.fileno(), f.fileno(), offset, size - offset)


def serve(path: Path) -> None:
    """The server process: prints its port, then answers until terminated."""
    listener = socket.create_server(("127.0.0.1", 0))
    print(listener.getsockname()[1], flush=True)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=_answer, args=(conn, path), daemon=True).start()


@contextmanager
def sendfile_server(path: Path) -> Iterator[int]:
    """A port on 127.0.0.1 answering every request with the whole of `path`."""
    server = subprocess.Popen([sys.executable, __file__, str(path)], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert server.stdout is not None
        yield int(server.stdout.readline())
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    serve(Path(sys.argv[1]))
