"""The QA console's call: one real call with dead air through the real Asterisk
(tests/telephony/dead_air.py), shorter than the prefill test's."""

from __future__ import annotations

from tests.telephony.dead_air import DeadAirCall

CALL = DeadAirCall("13900000088", speech_before=8.0, gap=10.0, speech_after=8.0,
                   agent_ip="127.0.0.73")
