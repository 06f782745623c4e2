"""Which roles may use which route: the one table (issue 13). Every route of the API is listed
here; tests/api/test_api_route_roles.py calls every route of the OpenAPI document (and the
documentation routes, which are not in it) with a token of every role and without one, and
checks each answer against this table: a role listed gets past authorisation (anything but 401
and 403), any other gets 401 or 403. A route missing here fails that test, so a new route
cannot ship without saying who may use it.

The routes enforce their rule themselves (`require_role`/`ensure_role` in each feature's
router); this table is the contract they are checked against, kept apart from them on purpose
so that a slip in a router shows up as a difference rather than being copied. It is also
published in the OpenAPI document (`x-roles` on every operation, api.app) and in the README.

Keys are "METHOD /path" as in the OpenAPI document. Values name roles: `admin`, `supervisor`,
`qa`, `ticket`, `agent` (any `agent:<工号>` token; such a route shows it only its own calls,
tickets or reviews), or `ANYONE` (no token needed)."""

from __future__ import annotations

ANYONE = "anyone"
ROLES = ("admin", "supervisor", "qa", "ticket", "agent")

_ALL = frozenset(ROLES)
_RECORDINGS = frozenset({"admin", "supervisor", "qa"})  # R26: who may hear recordings
_STAFF = frozenset({"admin", "supervisor", "qa"})
_STAFF_AND_AGENTS = _STAFF | {"agent"}
_MANAGERS = frozenset({"admin", "supervisor"})
_ADMIN = frozenset({"admin"})
_PUBLIC = frozenset({ANYONE, *ROLES})

ROUTE_ROLES: dict[str, frozenset[str]] = {
    # The service: a load balancer's probe and the operator's scraper carry no token; the
    # documents describe the API, not its data.
    "GET /health": _PUBLIC,
    "GET /metrics": _PUBLIC,
    "GET /openapi.json": _PUBLIC,
    "GET /docs": _PUBLIC,
    "GET /docs/oauth2-redirect": _PUBLIC,
    "GET /redoc": _PUBLIC,
    # Call records (every role; an agent token its own calls); recordings only R26's roles.
    "GET /calls": _ALL,
    "GET /calls/{call_id}": _ALL,
    "GET /calls/{call_id}/recording": _RECORDINGS,
    # The QA console's listening (issue 10): the waveform and a signed link for <audio>.
    "GET /calls/{call_id}/recording/peaks": _RECORDINGS,
    "POST /calls/{call_id}/recording/link": _RECORDINGS,
    # The durable access log.
    "GET /audit": _MANAGERS,
    # Quality assurance: plans, forms, reviews, weekly reports.
    "POST /qa/plans": _STAFF,
    "GET /qa/plans/{month}": _STAFF,
    "POST /qa/plans/{month}/live": _STAFF,
    "GET /qa/forms": _STAFF,
    "POST /qa/forms": _MANAGERS,
    "GET /qa/reviews/prefill": _STAFF,
    "POST /qa/reviews": _STAFF,
    "GET /qa/reviews": _STAFF_AND_AGENTS,
    "GET /qa/reviews/{review_id}": _STAFF_AND_AGENTS,
    "PATCH /qa/reviews/{review_id}": _STAFF,
    "POST /qa/reviews/{review_id}/confirm": _STAFF,
    "POST /qa/reviews/{review_id}/revisions": _STAFF,
    "GET /qa/agents/{agent}": _STAFF_AND_AGENTS,
    "GET /qa/excellent": _STAFF,
    "POST /qa/reports/weekly": _STAFF,
    "POST /qa/reports/weekly/{week}/confirm": _MANAGERS,
    "GET /qa/reports/weekly/{week}": _STAFF,
    # Tickets: the ticketing integration and agents write them, QA reads them.
    "POST /tickets": frozenset({"admin", "supervisor", "ticket", "agent"}),
    "GET /tickets": _ALL,
    "GET /tickets/stats": _STAFF,
    "GET /tickets/stats/chart": _STAFF,
    "GET /tickets/{ticket_id}": _ALL,
    "POST /tickets/{ticket_id}/events": frozenset({"admin", "supervisor", "ticket", "agent"}),
    "POST /tickets/{ticket_id}/callbacks": frozenset({"admin", "supervisor", "ticket",
                                                      "agent"}),
    "GET /tickets/{ticket_id}/voicemail": _RECORDINGS,
    # Agents' presence (R24): managers change it, QA spot-checks the trail; an agent token
    # sees and changes itself only.
    "GET /agents": _STAFF_AND_AGENTS,
    "POST /agents/{agent}/presence": _MANAGERS | {"agent"},
    "GET /agents/{agent}/presence": _STAFF_AND_AGENTS,
    # Tokens.
    "GET /admin/tokens": _ADMIN,
    "POST /admin/tokens": _ADMIN,
    "DELETE /admin/tokens/{token_id}": _ADMIN,
    # Live listening (R18): QA staff and supervisors; qa may only listen (checked per mode).
    "POST /live-sessions": _STAFF,
    "GET /live-sessions": _STAFF,
    "DELETE /live-sessions/{session_id}": _STAFF,
}


def roles_of(method: str, path: str) -> frozenset[str] | None:
    """The roles that may use this route, or None if the table does not know it."""
    return ROUTE_ROLES.get(f"{method.upper()} {path}")
