"""Signed listening links (issue 10): a browser's <audio> element fetches its source itself,
with HTTP Range, and cannot add an Authorization header. So a client that holds a token asks
for a link to one stored file (POST /calls/{id}/recording/link); the link carries who asked
(role and token fingerprint, for the access log, R26), which file, and until when, signed
with a key that lives only in this process's memory. The token itself never appears in a
URL: a leaked link opens that one file, for minutes, and nothing else.

Format: ``<payload>.<signature>``, both base64url; the payload is JSON
``{"w": "call", "id": 5, "exp": 1796617981, "role": "qa", "fp": "3f9a0c1e", "tid": 3,
"tn": "王五"}``; the signature is HMAC-SHA256 over the payload's text."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from datetime import datetime

from api.auth import Principal
from api.errors import AuthInvalid


def new_key() -> bytes:
    """A fresh signing key: links die with the process that made them."""
    return secrets.token_bytes(32)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(key: bytes, payload: str) -> str:
    return _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())


def make_link(key: bytes, what: str, ident: int, principal: Principal,
              expires: datetime) -> str:
    body = {"w": what, "id": ident, "exp": int(expires.timestamp()), "role": principal.role,
            "fp": principal.fingerprint, "tid": principal.token_id, "tn": principal.token_name}
    payload = _b64(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode())
    return f"{payload}.{_sign(key, payload)}"


def link_principal(key: bytes, link: str, what: str, ident: int, now: datetime) -> Principal:
    """Who the link was made for; 401 auth.invalid for a link that is forged, for another
    file, or expired."""
    payload, _, signature = link.partition(".")
    # Compared as bytes: compare_digest refuses str with non-ASCII characters (a 500 found by
    # tests/api/test_api_fuzz.py with ?listen=0.%C2%80).
    if not payload or not hmac.compare_digest(_sign(key, payload).encode(),
                                              signature.encode(errors="replace")):
        raise AuthInvalid("this listening link is not valid")
    try:
        body = json.loads(_unb64(payload))
        role, fp, exp = str(body["role"]), str(body["fp"]), int(body["exp"])
        matches = body["w"] == what and int(body["id"]) == ident
    except (ValueError, KeyError, TypeError) as e:
        raise AuthInvalid("this listening link is not valid") from e
    if not matches:
        raise AuthInvalid("this listening link is for another recording")
    if now.timestamp() >= exp:
        raise AuthInvalid("this listening link has expired: ask for a new one")
    tid, name = body.get("tid"), body.get("tn")
    return Principal(role, fp, tid if isinstance(tid, int) else None,
                     name if isinstance(name, str) else None)
