"""Background jobs of the service, beside the adapters: one runner for every job that does a
round every so often (the retention purge, the weekly QA draft, the ticket breach watcher)."""
