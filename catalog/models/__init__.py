"""Models of the catalog, one module per concept."""

from catalog.models.teams import Membership, Person, Team

__all__ = ["Membership", "Person", "Team"]
