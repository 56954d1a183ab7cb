"""Models of Self-service."""
