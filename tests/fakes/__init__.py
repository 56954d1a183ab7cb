"""Small HTTP servers that speak the real requests, responses and errors of remote systems, for tests."""
