"""API tokens stored in the database (issue 13): created and revoked without a restart, kept
only as the sha256 of the token, each with a name, a role and an optional expiry. Config tokens
(`[api] tokens`) keep working beside them for bootstrap (api/auth.py)."""
