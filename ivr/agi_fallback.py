"""Classic AGI fallback (pyst2), run by Asterisk itself when the FastAGI bridge does not answer:
makes the same decision from the same code (domain.routing) and the rendered policy, so the hotline
is never unattended because the bridge is down (R7). Runs inside Asterisk's root on its Python."""

from __future__ import annotations

import io
import os
import sys
from datetime import UTC, datetime

from domain.policy import RoutingPolicy, clock_args

POLICY_FILE = os.environ.get("HOTLINE_POLICY", "")


def main() -> int:
    from asterisk.agi import AGI  # pyst2

    # pyst2 writes str to stdout and debug lines to stderr: give it text streams of its own.
    stdin = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")
    stdout = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", write_through=True)
    agi = AGI(stdin=stdin, stdout=stdout, stderr=open(os.devnull, "w"))
    try:
        policy = RoutingPolicy.load(POLICY_FILE or sys.argv[0].replace(".py", ".json"))
        # The call's own clock, if its SIP peer may set one: the bridge's check, same code.
        override, refused = policy.call_clock(*clock_args(agi.env))
        if refused:
            agi.verbose(f"hotline fallback: {refused}", 1)
        decision = policy.decide(override or datetime.now(UTC))
        for name, value in decision.channel_variables(policy.prompts_dir).items():
            agi.set_variable(name, value)
        agi.verbose(f"hotline fallback route {decision.route}", 2)
    except Exception as e:
        try:
            agi.verbose(f"hotline fallback failed: {type(e).__name__}: {e}", 1)
        except Exception:
            pass
        return 1
    return 0
