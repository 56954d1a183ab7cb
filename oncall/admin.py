"""Admin registrations for On-call (its models register here as they arrive)."""
