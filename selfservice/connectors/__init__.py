"""Connectors to the systems self-service acts on: one module per system behind one interface."""
