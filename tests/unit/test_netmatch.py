"""[[agents]] permit as a dialplan expression (domain.netmatch): the expression matches an
address:port exactly when the address is in one of the networks."""

from __future__ import annotations

import ipaddress
import re

from hypothesis import given
from hypothesis import strategies as st

from domain.netmatch import octet_prefixes, permit_regex

addresses = st.integers(0, 2**32 - 1).map(lambda n: str(ipaddress.IPv4Address(n)))
networks = st.tuples(addresses, st.integers(0, 32)).map(
    lambda t: str(ipaddress.ip_network(f"{t[0]}/{t[1]}", strict=False)))


def _dialplan(expression: str) -> str:
    return expression.replace("[.]", r"\.")  # what [.] means to Asterisk's REGEX (POSIX ERE)


@given(st.lists(networks, min_size=1, max_size=3), addresses, st.integers(1, 65535))
def test_the_expression_matches_exactly_the_networks(nets: list[str], address: str,
                                                     port: int) -> None:
    inside = any(ipaddress.ip_address(address) in ipaddress.ip_network(n) for n in nets)
    matched = re.match(_dialplan(permit_regex(nets)), f"{address}:{port}") is not None
    assert matched == inside
    assert all(len(octet_prefixes(n)) <= 128 for n in nets)


def test_examples() -> None:
    assert octet_prefixes("10.1.2.0/23") == ["10.1.2.", "10.1.3."]
    assert octet_prefixes("10.1.2.7/32") == ["10.1.2.7:"]
    assert octet_prefixes("fd00::/8") == []
    assert permit_regex(["127.0.0.21/32", "10.9.0.0/16"]) == "^(10[.]9[.]|127[.]0[.]0[.]21:)"
    assert permit_regex(["fd00::/8"]) == ""
    # 10.1.2.1 is not 10.1.2.10-19: the last octet ends at the port's colon.
    assert re.match(_dialplan(permit_regex(["10.1.2.1/32"])), "10.1.2.19:5060") is None
