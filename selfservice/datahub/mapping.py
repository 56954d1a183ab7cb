"""Catalog entities as DataHub metadata change proposals, built with the SDK's own classes.

RACI to DataHub ownership: Accountable -> BUSINESS_OWNER, Responsible -> TECHNICAL_OWNER; Consulted and Informed
are not owners in DataHub's model and are not published."""

from datahub.emitter.mcp import MetadataChangeProposalWrapper
from datahub.metadata.schema_classes import (
    AuditStampClass,
    DataProductPropertiesClass,
    DomainPropertiesClass,
    DomainsClass,
    InstitutionalMemoryClass,
    InstitutionalMemoryMetadataClass,
    OwnerClass,
    OwnershipClass,
    OwnershipTypeClass,
)
from django.conf import settings
from django.utils import timezone

from catalog.models import DataProduct, Domain, Ownership

PORTAL_ACTOR = "urn:li:corpuser:datahub-portal"
OWNERSHIP_TYPES = {"A": OwnershipTypeClass.BUSINESS_OWNER, "R": OwnershipTypeClass.TECHNICAL_OWNER}


def domain_urn(domain: Domain) -> str:
    return f"urn:li:domain:{domain.slug}"


def data_product_urn(product: DataProduct) -> str:
    return f"urn:li:dataProduct:{product.slug}"


def owner_urn(ownership: Ownership) -> str:
    if ownership.person_id:
        person = ownership.person
        return f"urn:li:corpuser:{person.user.username if person.user_id else person.slug}"
    return f"urn:li:corpGroup:{ownership.team.slug}"


def portal_url(path: str) -> str:
    base = getattr(settings, "PORTAL_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
    return f"{base}{path}"


def domain_mcps(domain: Domain) -> list[MetadataChangeProposalWrapper]:
    properties = DomainPropertiesClass(name=domain.name, description=domain.description or None)
    return [MetadataChangeProposalWrapper(entityUrn=domain_urn(domain), aspect=properties)]


def data_product_mcps(product: DataProduct) -> list[MetadataChangeProposalWrapper]:
    """Properties, domain, owners and links of a data product: full aspects, so a second publication is an
    idempotent upsert and an owner removed in the catalog disappears from DataHub too."""
    urn = data_product_urn(product)
    page = portal_url(product.get_absolute_url())
    now = AuditStampClass(time=int(timezone.now().timestamp() * 1000), actor=PORTAL_ACTOR)
    properties = DataProductPropertiesClass(
        name=product.name,
        description=product.description or None,
        externalUrl=page,
        customProperties={
            "tier": str(product.tier),
            "lifecycle": product.lifecycle,
            "quality_sla": product.quality_sla,
            "portal_slug": product.slug,
        },
    )
    owners = [
        OwnerClass(owner=owner_urn(o), type=OWNERSHIP_TYPES[o.role])
        for o in product.ownerships.all()
        if o.role in OWNERSHIP_TYPES
    ]
    links = [InstitutionalMemoryMetadataClass(url=page, description="Portal page", createStamp=now)]
    if product.documentation_url:
        links.append(
            InstitutionalMemoryMetadataClass(
                url=product.documentation_url, description="Documentation", createStamp=now
            )
        )
    mcps = [
        MetadataChangeProposalWrapper(entityUrn=urn, aspect=properties),
        MetadataChangeProposalWrapper(entityUrn=urn, aspect=OwnershipClass(owners=owners, lastModified=now)),
        MetadataChangeProposalWrapper(entityUrn=urn, aspect=InstitutionalMemoryClass(elements=links)),
        MetadataChangeProposalWrapper(
            entityUrn=urn, aspect=DomainsClass(domains=[domain_urn(product.domain)] if product.domain_id else [])
        ),
    ]
    if product.domain_id:
        mcps = domain_mcps(product.domain) + mcps
    return mcps
