"""Errors shared by the apps' services that the pages and the API turn into answers."""


class Conflict(Exception):
    """The object changed meanwhile (another person or worker got there first): 409 on the API."""
