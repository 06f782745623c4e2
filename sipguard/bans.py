"""Who is banned (issue 13): pure bookkeeping of failed SIP authentications per address and
the temporary bans they earn, on the one clock. No I/O: the plugin renders the bans into
Asterisk and counts them."""

from __future__ import annotations

import ipaddress
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class BanRule:
    failures: int  # this many within `window` ban an address; 0: never
    window: timedelta
    duration: timedelta
    exempt: tuple[str, ...] = ()  # networks never banned (the carrier)

    def exempts(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return True  # not an address we could write into an ACL
        return any(ip in ipaddress.ip_network(n, strict=False) for n in self.exempt)


class BanBook:
    def __init__(self, rule: BanRule) -> None:
        self.rule = rule
        self._failures: dict[str, deque[datetime]] = {}
        self._until: dict[str, datetime] = {}
        self._attempts: dict[tuple[str, str], datetime] = {}  # (address, Call-ID) -> when

    @property
    def banned(self) -> list[str]:
        return sorted(self._until)

    def failure(self, address: str, now: datetime, attempt: str = "") -> bool:
        """One failed authentication from `address` at `now`; True when it starts a ban.
        `attempt` names the request (its SIP Call-ID): Asterisk may report one failed request
        several times (a digest failure, a contact ACL checked twice), counted once."""
        if self.rule.failures <= 0 or address in self._until or self.rule.exempts(address):
            return False
        if attempt:
            if (address, attempt) in self._attempts:
                return False
            self._attempts[(address, attempt)] = now
        seen = self._failures.setdefault(address, deque())
        seen.append(now)
        while seen and seen[0] <= now - self.rule.window:
            seen.popleft()
        if len(seen) < self.rule.failures:
            return False
        del self._failures[address]
        self._until[address] = now + self.rule.duration
        return True

    def expire(self, now: datetime) -> list[str]:
        """Addresses whose ban is over at `now` (removed from the book)."""
        over = [a for a, until in self._until.items() if until <= now]
        for address in over:
            del self._until[address]
        # Forget failures that left the window, so the book does not grow with every scanner.
        for address in [a for a, seen in self._failures.items()
                        if not seen or seen[-1] <= now - self.rule.window]:
            del self._failures[address]
        for key in [k for k, at in self._attempts.items() if at <= now - self.rule.window]:
            del self._attempts[key]
        return over


def acl_text(banned: Iterable[str]) -> str:
    """pjsip.conf text of the bans: one res_pjsip_acl object denying each address (no object
    at all when nobody is banned: an empty ACL would be a configuration error)."""
    addresses = sorted(set(banned))
    head = "; Rendered by the bridge (sipguard): addresses banned after repeated failed SIP\n" \
           "; authentications (issue 13). Rewritten on every ban and unban.\n"
    if not addresses:
        return head
    return head + "[hotline-bans]\ntype = acl\n" + "".join(f"deny = {a}\n" for a in addresses)
