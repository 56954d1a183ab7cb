"""Admin registrations for Planning (its models register here as they arrive)."""
