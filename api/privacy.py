"""Who sees customers' numbers (R26), per request: `Disclosure` is what a feature's router
asks before it renders a number. The masking itself is domain.privacy; which roles see numbers
is the `[privacy] unmasked_roles` setting (on app.state, set by api.app.create_app)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from api.auth import Principal
from api.deps import CurrentPrincipal
from api.errors import Forbidden
from domain.privacy import sees_numbers


class NumberFilterForbidden(Forbidden):
    error_id = "privacy.number_filter_forbidden"
    message = ("this token's role sees customers' numbers masked and may not search by "
               "number (R26; see [privacy] unmasked_roles)")


@dataclass(frozen=True)
class Disclosure:
    """Whether the principal sees every number (`unmasked`), else which agent's own calls and
    tickets it sees the numbers of (`agent`, an agent token's 工号)."""

    unmasked: bool
    agent: str | None

    def reveals(self, owners: Iterable[str | None]) -> bool:
        """Whether a record whose agents (the call's agent, a ticket's creator and assignee)
        are `owners` is shown with its numbers."""
        if self.unmasked:
            return True
        if self.agent is None:
            return False
        return any(o in (self.agent, f"agent:{self.agent}") for o in owners)

    def check_number_filter(self, field: str, value: str | None) -> None:
        """A masked role may not find out whether a number called (R26): 403 when it searches
        by number. An agent token may, among its own records (the router narrows the search)."""
        if value is not None and not self.unmasked and self.agent is None:
            raise NumberFilterForbidden(details={"field": field})


def disclosure_for(principal: Principal, unmasked_roles: frozenset[str]) -> Disclosure:
    return Disclosure(sees_numbers(principal.role, unmasked_roles), principal.agent)


def disclosure(request: Request, principal: CurrentPrincipal) -> Disclosure:
    roles: frozenset[str] = request.app.state.unmasked_roles
    return disclosure_for(principal, roles)


NumberDisclosure = Annotated[Disclosure, Depends(disclosure)]
