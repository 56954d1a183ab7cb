"""Admin registrations for Self-service (its models register here as they arrive)."""
