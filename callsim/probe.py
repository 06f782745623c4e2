"""A SIP prober standing in for a stranger or an attacker: one REGISTER or INVITE over UDP from
a chosen local address, answering a digest challenge with a given (possibly wrong) password,
and reporting every final status code it got. SIPp scripts a whole call; this only knocks on
the door, which is what the doors' tests need (an unknown INVITE, a wrong password)."""

from __future__ import annotations

import hashlib
import re
import secrets
import socket
import time
from dataclasses import dataclass, field

_CHALLENGE = re.compile(r'(\w+)="?([^",]*)"?')


@dataclass
class Knock:
    """Final status codes in order: e.g. [401, 403] for a challenge then a refusal."""

    codes: list[int] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)

    @property
    def final(self) -> int | None:
        return self.codes[-1] if self.codes else None


def _digest(method: str, uri: str, user: str, password: str, challenge: str) -> str:
    params = dict(_CHALLENGE.findall(challenge.split(" ", 1)[1]))
    realm, nonce = params.get("realm", ""), params.get("nonce", "")

    def md5(text: str) -> str:
        return hashlib.md5(text.encode()).hexdigest()  # SIP digest is MD5 (RFC 2617)

    ha1, ha2 = md5(f"{user}:{realm}:{password}"), md5(f"{method}:{uri}")
    if "auth" in params.get("qop", ""):
        cnonce, nc = secrets.token_hex(8), "00000001"
        response = md5(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
        extra = f', qop=auth, nc={nc}, cnonce="{cnonce}"'
    else:
        response, extra = md5(f"{ha1}:{nonce}:{ha2}"), ""
    opaque = f', opaque="{params["opaque"]}"' if "opaque" in params else ""
    return (f'Digest username="{user}", realm="{realm}", nonce="{nonce}", uri="{uri}", '
            f'response="{response}", algorithm=MD5{opaque}{extra}')


def knock(server: str, local_ip: str, method: str, user: str, target: str | None = None,
          password: str | None = None, timeout: float = 5.0, contact: str | None = None
          ) -> Knock:
    """One `method` (REGISTER or INVITE) from `local_ip`, From `user`, to `target` (default
    `user`). A 401/407 is answered once with `password` if one is given. A final response to an
    INVITE is acknowledged; a 200 to an INVITE is hung up at once (BYE). `contact`: the
    HOST:PORT the Contact header claims (default: the real one), as a lying phone would."""
    host, _, port = server.rpartition(":")
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((local_ip, 0))
    sock.settimeout(0.5)
    local = f"{local_ip}:{sock.getsockname()[1]}"
    uri = f"sip:{target or user}@{host}:{port}" if method == "INVITE" else f"sip:{host}:{port}"
    call_id, tag = secrets.token_hex(8) + "@probe", secrets.token_hex(4)
    result = Knock()
    try:
        cseq, auth = 1, ""
        while True:
            branch = "z9hG4bK" + secrets.token_hex(8)
            request = _request(method, uri, local, user, target, call_id, tag, cseq, branch, auth,
                               contact or local)
            response = _exchange(sock, request, (host, int(port)), timeout)
            if response is None:
                return result
            code = int(response.split(" ", 2)[1])
            result.codes.append(code)
            result.replies.append(response)
            if method == "INVITE":
                _ack(sock, (host, int(port)), uri, local, user, target, call_id, tag, cseq,
                     branch, response, code)
            header = "WWW-Authenticate" if code == 401 else "Proxy-Authenticate"
            challenge = _header(response, header)
            if code in (401, 407) and password is not None and not auth and challenge:
                kind = "Authorization" if code == 401 else "Proxy-Authorization"
                auth = f"{kind}: {_digest(method, uri, user, password, challenge)}\r\n"
                cseq += 1
                continue
            return result
    finally:
        sock.close()


def _request(method: str, uri: str, local: str, user: str, target: str | None, call_id: str,
             tag: str, cseq: int, branch: str, auth: str, contact: str) -> str:
    to = f"sip:{target or user}@{uri.split('@')[-1]}" if method == "INVITE" else \
        f"sip:{user}@{uri[4:]}"
    body = ""
    if method == "INVITE":
        ip = local.split(":")[0]
        body = (f"v=0\r\no=probe 1 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\n"
                "m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")
    return (f"{method} {uri} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {local};branch={branch};rport\r\n"
            f"From: <sip:{user}@{local}>;tag={tag}\r\n"
            f"To: <{to}>\r\n"
            f"Call-ID: {call_id}\r\nCSeq: {cseq} {method}\r\n"
            f"Contact: <sip:{user}@{contact}>\r\nMax-Forwards: 70\r\n"
            f"User-Agent: hotline-probe\r\n{auth}"
            + ("Expires: 60\r\n" if method == "REGISTER" else "")
            + ("Content-Type: application/sdp\r\n" if body else "")
            + f"Content-Length: {len(body)}\r\n\r\n{body}")


def _exchange(sock: socket.socket, request: str, server: tuple[str, int], timeout: float
              ) -> str | None:
    """Sends (retransmitting every 0.5 s) until a final response comes; None on timeout."""
    deadline = time.monotonic() + timeout
    provisional = False
    sock.sendto(request.encode(), server)
    while time.monotonic() < deadline:
        try:
            data = sock.recv(65535).decode(errors="replace")
        except TimeoutError:
            if not provisional:
                sock.sendto(request.encode(), server)
            continue
        if not data.startswith("SIP/2.0 "):
            continue  # a request from the server (e.g. OPTIONS): not ours to answer
        if data.split(" ", 2)[1].startswith("1"):
            provisional = True
            continue
        return data
    return None


def _header(message: str, name: str) -> str | None:
    for line in message.split("\r\n"):
        key, sep, value = line.partition(":")
        if sep and key.strip().lower() == name.lower():
            return value.strip()
    return None


def _ack(sock: socket.socket, server: tuple[str, int], uri: str, local: str, user: str,
         target: str | None, call_id: str, tag: str, cseq: int, branch: str, response: str,
         code: int) -> None:
    to = _header(response, "To") or f"<sip:{target or user}@{uri.split('@')[-1]}>"
    ack_branch = branch if code >= 300 else "z9hG4bK" + secrets.token_hex(8)
    common = (f"Via: SIP/2.0/UDP {local};branch={ack_branch};rport\r\n"
              f"From: <sip:{user}@{local}>;tag={tag}\r\nTo: {to}\r\nCall-ID: {call_id}\r\n"
              "Max-Forwards: 70\r\n")
    sock.sendto(f"ACK {uri} SIP/2.0\r\n{common}CSeq: {cseq} ACK\r\n"
                "Content-Length: 0\r\n\r\n".encode(), server)
    if code < 300:
        sock.sendto(f"BYE {uri} SIP/2.0\r\n{common}CSeq: {cseq + 1} BYE\r\n"
                    "Content-Length: 0\r\n\r\n".encode(), server)
