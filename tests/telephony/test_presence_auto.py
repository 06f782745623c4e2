"""[queue] sign_in = "auto" (the suite's default hotline, R24): every agent is signed in by the
setting, on the trail with via=auto, and a registered phone shows as registered and available;
the calls of the rest of the suite reach agents as before sign-in existed."""

from __future__ import annotations

import time

import pytest

from tests.telephony.conftest import Hotline

pytestmark = pytest.mark.asterisk


def test_auto_signs_every_agent_in_and_says_so_on_the_trail(hotline: Hotline, phones) -> None:
    deadline = time.monotonic() + 15
    while hotline.api.client.get("/health").json().get("presence") != "synced":
        assert time.monotonic() < deadline, "presence never reconciled at the AMI login"
        time.sleep(0.2)
    phones("1001")
    agents = {a["agent"]: a for a in hotline.api.client.get("/agents").json()}
    assert agents["1001"]["state"] == "available" and agents["1001"]["registered"] is True
    assert agents["1002"]["state"] == "available"
    first = hotline.api.client.get("/agents/1001/presence").json()[0]
    assert (first["from"], first["to"], first["via"]) == ("signed_out", "available", "auto")
