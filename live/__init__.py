"""Live listening (issue 8, R18): a supervisor's or QA member's phone listens in on an agent's
current call (listen, whisper, barge), started over the API or by dialling the listen feature
code; every session is kept (callrecords.live_sessions)."""
