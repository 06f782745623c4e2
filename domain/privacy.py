"""Customers' numbers and names as a role without the right to see them gets them (R26).

Pure functions: which role may see numbers is the caller's decision (settings
`[privacy] unmasked_roles`, applied per principal in each feature's http/schema layer); here is
only what a masked number or name looks like.

A number's digits are masked by position; anything that is not a digit (`+`, `-`, spaces) stays
where it is, so a masked number still looks like the number it hides:

| digits | kept | example |
|---|---|---|
| 11 or more (mobiles, area code + landline, +86) | first 3, last 4 | `139****1234` |
| 8-10 (local landlines) | first 2, last 2 | `62345678` → `62****78` |
| 1-7 (short, service and extension numbers) | none | `95555` → `*****` |

Each rule hides at least four digits, or all of them: a masked number cannot be read back,
only recognised by someone who already knows it."""

from __future__ import annotations

MASK = "*"


def _kept(digits: int) -> tuple[int, int]:
    """How many leading and trailing digits a number of this many digits keeps."""
    if digits >= 11:
        return 3, 4
    if digits >= 8:
        return 2, 2
    return 0, 0


def mask_number(number: str) -> str:
    """`13912341234` → `139****1234`; see the module's table. A value without digits (empty,
    `anonymous`) is returned as it is: there is nothing in it to hide."""
    total = sum(c.isdigit() for c in number)
    if total == 0:
        return number
    head, tail = _kept(total)
    out: list[str] = []
    seen = 0
    for c in number:
        if not c.isdigit():
            out.append(c)
            continue
        out.append(c if seen < head or seen >= total - tail else MASK)
        seen += 1
    return "".join(out)


def mask_name(name: str) -> str:
    """A person's name keeps its first character (`张三` → `张*`, `Alice` → `A****`); a caller
    name that is really a number (caller ID without a name) is masked as a number."""
    stripped = name.strip()
    if not stripped:
        return name
    if any(c.isdigit() for c in stripped) and all(c.isdigit() or c in "+-() " for c in stripped):
        return mask_number(name)
    return stripped[0] + MASK * (len(stripped) - 1)


def sees_numbers(role: str, unmasked_roles: frozenset[str]) -> bool:
    """Whether a role sees every customer's number in full. `unmasked_roles` names roles as
    tokens carry them (`admin`, `qa`, `agent:1001`); `agent` stands for every agent token."""
    if role in unmasked_roles:
        return True
    kind, _, number = role.partition(":")
    return kind == "agent" and bool(number) and "agent" in unmasked_roles
