"""Agents at work (R24, issue 8): sign-in, sign-out and pause, applied to Asterisk's queue and
kept with an append-only trail."""
