"""The service's Prometheus metrics (prometheus-client), served at GET /metrics. Defined once
here, at the adapters' level, so every feature counts into the same registry without knowing
the others. Names follow Prometheus conventions (`hotline_..._total` for counters)."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, generate_latest

__all__ = ["API_REQUESTS", "ASTERISK_RESTARTS", "CALLS", "CONTENT_TYPE_LATEST",
           "OUTBOUND_REFUSED", "RECORDINGS_RECOVERED", "RECORDING_FAILURES", "RECORDS",
           "ROUTING_DECISIONS", "SIP_BANNED", "SIP_BANS", "SIP_REJECTED", "exposition"]

CALLS = Counter("hotline_calls_total", "Finished calls, by route, disposition and decider",
                ["route", "disposition", "decided_by"])
RECORDS = Counter("hotline_call_records_total",
                  "Call records by what happened to them: written (to the database), spooled "
                  "(database down), quarantined (unreadable spool line), lost, reconciled "
                  "(built from Asterisk's CEL after the bridge was down; also counted written "
                  "or spooled)",
                  ["outcome"])
RECORDING_FAILURES = Counter("hotline_recording_failures_total",
                             "Recordings that could not be finalised (R11)")
ROUTING_DECISIONS = Counter("hotline_routing_decisions_total",
                            "Routing decisions made by the bridge's FastAGI server, by route",
                            ["route"])
API_REQUESTS = Counter("hotline_api_requests_total", "API requests by route and status",
                       ["method", "route", "status"])

OUTBOUND_REFUSED = Counter("hotline_outbound_refused_total",
                           "Agents' outbound calls refused by the [outbound] rules, by reason "
                           "(agent_not_permitted, number_not_allowed)", ["reason"])

# issue 13: nothing lost while the bridge or Asterisk was down.
RECORDINGS_RECOVERED = Counter("hotline_recordings_recovered_total",
                               "Raw recordings a crash left behind, finalised and attached")
ASTERISK_RESTARTS = Counter("hotline_asterisk_restarts_total",
                            "Times `hotline up` restarted an Asterisk that had died")
SIP_REJECTED = Counter("hotline_sip_rejected_total",
                       "SIP requests turned away (issue 13), by reason (domain.status."
                       "SipRejection: unknown_source, auth_failed)", ["reason"])
SIP_BANS = Counter("hotline_sip_bans_total",
                   "Addresses banned after repeated failed SIP authentications (issue 13)")
SIP_BANNED = Gauge("hotline_sip_banned", "Addresses banned right now (every SIP request from "
                   "them answered 403 by Asterisk, which does not report each one)")


def exposition() -> bytes:
    return generate_latest()
