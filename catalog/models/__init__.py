"""Models of the catalog, one module per concept."""

from catalog.models.dataproducts import (
    ContractField,
    DataProduct,
    DataProductConsumer,
    DataProductVersion,
    OutputDataset,
)
from catalog.models.documents import EntityDocument
from catalog.models.entities import Dependency, Domain, Entity, Service, System
from catalog.models.ownership import Ownership
from catalog.models.runbooks import AlertResponse, EscalationContact, Runbook, RunbookStep
from catalog.models.slo import FreshnessHeartbeat, SliMeasurement, Slo
from catalog.models.teams import Membership, Person, Team

__all__ = [
    "AlertResponse",
    "ContractField",
    "DataProduct",
    "DataProductConsumer",
    "DataProductVersion",
    "Dependency",
    "Domain",
    "Entity",
    "EntityDocument",
    "EscalationContact",
    "FreshnessHeartbeat",
    "Membership",
    "OutputDataset",
    "Ownership",
    "Person",
    "Runbook",
    "RunbookStep",
    "Service",
    "SliMeasurement",
    "Slo",
    "System",
    "Team",
]
