"""Simulated SIP peers (SIPp) for tests and `hotline demo-call`: callers on the carrier trunk and
agents' phones that register and answer. Shipped with the product, like httpx's test transport,
so that anyone can exercise a running hotline without a real phone."""

from callsim.peers import AgentPhone, CallResult, SippError, place_call, speech, tone

__all__ = ["AgentPhone", "CallResult", "SippError", "place_call", "speech", "tone"]
