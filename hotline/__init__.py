"""The `hotline` command and the service it runs."""
