"""The calls feature: one complete record per call (R12) with its recording (R11).

- `tracker.py` (pure): AMI events in, finished call records out.
- `keeper.py`, `spool.py`: store each record and its recording; spool what the database
  cannot take yet, crash-safe.
- `plugin.py`: wiring, subscribing the tracker to the AMI dispatcher.
- `http.py`, `schemas.py`, `errors.py`: the /calls routes."""
