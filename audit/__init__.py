"""The durable access log (R26, issue 13): every recording fetch, with the bytes actually sent
and the client's address, and every refused attempt, goes to an append-only table that
supervisors query with GET /audit. The `hotline.audit` log lines stay as they were, for log
shippers; this is the record that survives log rotation."""
