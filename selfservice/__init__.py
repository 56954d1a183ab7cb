"""Self-service."""
