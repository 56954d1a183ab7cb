"""On-call."""
