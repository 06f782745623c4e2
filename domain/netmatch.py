"""IPv4 networks as dialplan regular expressions (issue 13, `[[agents]] permit`): Asterisk's
dialplan cannot compare an address with a CIDR network, but it can match a regular expression,
and every IPv4 network is a union of networks whose prefix is a whole number of octets. The
expression matches `CHANNEL(pjsip,remote_addr)`, e.g. `10.1.2.7:5060`."""

from __future__ import annotations

import ipaddress


def octet_prefixes(network: str) -> list[str]:
    """`10.1.2.0/23` -> `["10.1.2.", "10.1.3."]`; `10.1.2.7/32` -> `["10.1.2.7:"]`; IPv6 ->
    `[]` (the phones here speak IPv4). At most 128 prefixes per network."""
    net = ipaddress.ip_network(network, strict=False)
    if not isinstance(net, ipaddress.IPv4Network):
        return []
    whole = -(-net.prefixlen // 8)  # octets that must be written out
    if whole == 0:
        return [""]  # 0.0.0.0/0: any address
    out = []
    for sub in net.subnets(new_prefix=whole * 8):
        octets = str(sub.network_address).split(".")[:whole]
        out.append(".".join(octets) + ("." if whole < 4 else ":"))
    return out


def permit_regex(networks: list[str]) -> str:
    """One anchored expression for all of an agent's networks (dots as `[.]`, which needs no
    escaping in extensions.conf); "" when none is IPv4."""
    prefixes = sorted({p for n in networks for p in octet_prefixes(n)})
    if not prefixes:
        return ""
    return "^(" + "|".join(p.replace(".", "[.]") for p in prefixes) + ")"
