"""The bridge's protocol adapters to Asterisk: the FastAGI routing server and the pyst2 fallback
script (both run the pure decision in `domain`), the AMI client, its event dispatcher and the
typed AMI actions. Nothing here knows about features; features subscribe and act through it."""
