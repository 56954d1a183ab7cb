"""Models of Planning."""
