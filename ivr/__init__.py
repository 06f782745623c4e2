"""The AMI/AGI bridge: routing decisions (FastAGI + pyst2 fallback) and call tracking (AMI)."""
