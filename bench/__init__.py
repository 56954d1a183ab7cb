"""Benchmarks: our portal side by side with Backstage's catalog backend, and our own bars (DESIGN.md section 5)."""
