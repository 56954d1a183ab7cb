"""Every write to the catalog: one transaction each, validated by the models and rules, and audited."""

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from catalog import documents, permissions, rules
from catalog.choices import EntityKind, Lifecycle, MembershipRole
from catalog.models import (
    AlertResponse,
    ContractField,
    DataProduct,
    DataProductConsumer,
    DataProductVersion,
    Dependency,
    Domain,
    Entity,
    EscalationContact,
    Membership,
    OutputDataset,
    Ownership,
    Person,
    Runbook,
    RunbookStep,
    Service,
    System,
    Team,
)
from catalog.rules import OwnerSpec
from portal import audit

__all__ = [
    "data_product_create",
    "domain_create",
    "domain_delete",
    "domain_update",
    "person_delete",
    "system_create",
    "system_delete",
    "system_update",
    "team_delete",
    "data_product_publish",
    "data_product_update",
    "data_product_version_add",
    "entity_delete",
    "membership_remove",
    "membership_set",
    "ownership_set",
    "person_create",
    "person_update",
    "runbook_save",
    "service_create",
    "service_update",
    "team_create",
    "team_update",
]


#
# Shared helpers
#


def _unique_slug(model, name: str, slug: str | None = None, instance=None) -> str:
    base = slugify(slug or name)[:190] or "item"
    candidate, n = base, 2
    others = model.objects.exclude(pk=instance.pk) if instance is not None and instance.pk else model.objects
    while others.filter(slug=candidate).exists():
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _apply(instance, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        setattr(instance, name, value)


def _save_clean(instance, exclude: Iterable[str] = (), *, new_entity: bool = False) -> None:
    """full_clean then save, so a form and the API get the same {field: [message]} errors. `new_entity`: its slug,
    an entity's only unique field, was just made unique by `_unique_slug`, so it is not looked up again."""
    instance.full_clean(exclude=list(exclude), validate_unique=not new_entity)
    instance.save()


def _entity_extra(entity: Entity) -> dict:
    """The related rows that belong in an entity's audit snapshot."""
    return _extra_of(
        entity.ownerships.select_related("team", "person"),
        entity.dependency_links.values_list("target__slug", flat=True),
    )


def _extra_of(ownerships: Iterable[Ownership], dependency_slugs: Iterable[str]) -> dict:
    return {
        "owners": sorted(f"{o.role}:{o.party}" for o in ownerships),
        "depends_on": sorted(dependency_slugs),
    }


#
# Teams, people, memberships
#


@transaction.atomic
def team_create(*, actor, name: str, parent: Team | None = None, slug: str | None = None, **fields) -> Team:
    team = Team(name=name, parent=parent, **fields)
    team.slug = _unique_slug(Team, name, slug)
    _save_clean(team)
    permissions.team_group(team)
    audit.record_change(actor=actor, verb="team.created", instance=team, before={})
    return team


@transaction.atomic
def team_update(*, actor, team: Team, **fields) -> Team:
    before = audit.snapshot(team)
    parent = fields.get("parent")
    ancestor = parent
    while ancestor is not None:  # the tree must stay a tree: no team above itself
        if ancestor.pk == team.pk:
            raise ValidationError(
                {"parent": f"{parent} is {team} or one of its subteams; a team cannot be above itself."}
            )
        ancestor = ancestor.parent
    _apply(team, fields)
    _save_clean(team)
    audit.record_change(actor=actor, verb="team.updated", instance=team, before=before)
    return team


@transaction.atomic
def team_delete(*, actor, team: Team) -> None:
    if team.subteams.exists():
        raise ValidationError({"parent": f"{team} has subteams; move or delete them first."})
    audit.record(actor=actor, verb="team.deleted", target=team)
    group = team.group
    team.delete()
    if group is not None:
        group.delete()


@transaction.atomic
def person_create(*, actor, full_name: str, slug: str | None = None, **fields) -> Person:
    person = Person(full_name=full_name, **fields)
    person.slug = _unique_slug(Person, full_name, slug)
    _save_clean(person)
    audit.record_change(actor=actor, verb="person.created", instance=person, before={})
    return person


@transaction.atomic
def person_update(*, actor, person: Person, **fields) -> Person:
    before = audit.snapshot(person)
    _apply(person, fields)
    _save_clean(person)
    audit.record_change(actor=actor, verb="person.updated", instance=person, before=before)
    return person


@transaction.atomic
def person_delete(*, actor, person: Person) -> None:
    teams = [m.team for m in person.memberships.select_related("team")]
    audit.record(actor=actor, verb="person.deleted", target=person)
    person.delete()
    for team in teams:  # their login loses the teams' edit rights with the membership
        permissions.sync_team_members(team)


def _grouping_create(model, verb: str, *, actor, name: str, slug: str | None = None, **fields):
    row = model(name=name, **fields)
    row.slug = _unique_slug(model, name, slug)
    _save_clean(row)
    audit.record_change(actor=actor, verb=verb, instance=row, before={})
    return row


def _grouping_update(verb: str, *, actor, row, **fields):
    before = audit.snapshot(row)
    _apply(row, fields)
    _save_clean(row)
    audit.record_change(actor=actor, verb=verb, instance=row, before=before)
    return row


@transaction.atomic
def domain_create(*, actor, name: str, slug: str | None = None, **fields) -> Domain:
    return _grouping_create(Domain, "domain.created", actor=actor, name=name, slug=slug, **fields)


@transaction.atomic
def domain_update(*, actor, domain: Domain, **fields) -> Domain:
    return _grouping_update("domain.updated", actor=actor, row=domain, **fields)


@transaction.atomic
def domain_delete(*, actor, domain: Domain) -> None:
    audit.record(actor=actor, verb="domain.deleted", target=domain)
    domain.delete()  # entities and systems keep existing, without a domain


@transaction.atomic
def system_create(*, actor, name: str, slug: str | None = None, **fields) -> System:
    return _grouping_create(System, "system.created", actor=actor, name=name, slug=slug, **fields)


@transaction.atomic
def system_update(*, actor, system: System, **fields) -> System:
    return _grouping_update("system.updated", actor=actor, row=system, **fields)


@transaction.atomic
def system_delete(*, actor, system: System) -> None:
    audit.record(actor=actor, verb="system.deleted", target=system)
    system.delete()


@transaction.atomic
def membership_set(*, actor, team: Team, person: Person, role: str = MembershipRole.MEMBER) -> Membership:
    """Add `person` to `team` with `role`, or change their role; the team's group follows."""
    membership = Membership.objects.filter(team=team, person=person).first()
    before = audit.snapshot(membership) if membership else {}
    membership = membership or Membership(team=team, person=person)
    membership.role = role
    _save_clean(membership)
    permissions.sync_team_members(team)
    audit.record_change(actor=actor, verb="membership.set", instance=membership, before=before)
    return membership


@transaction.atomic
def membership_remove(*, actor, membership: Membership) -> None:
    team = membership.team
    audit.record(actor=actor, verb="membership.removed", target=team, message=str(membership))
    membership.delete()
    permissions.sync_team_members(team)


#
# Ownership (RACI) and dependencies
#


def _check_owners(owners: list[OwnerSpec]) -> None:
    problems = rules.raci_violations(owners)
    if problems:
        raise ValidationError({"owners": problems})


@transaction.atomic
def ownership_set(*, actor, entity: Entity, owners: list[OwnerSpec], record: bool = True) -> list[Ownership]:
    """Replace the entity's RACI with `owners` (R9 checked first), and move the edit grants along."""
    _check_owners(owners)
    before = audit.snapshot(entity, _entity_extra(entity)) if record else None
    entity.ownerships.all().delete()
    rows = _add_owners(entity, owners)
    if record:
        audit.record_change(
            actor=actor, verb="ownership.set", instance=entity, before=before, extra=_entity_extra(entity)
        )
    return rows


def _add_owners(entity: Entity, owners: list[OwnerSpec], *, new: bool = False) -> list[Ownership]:
    """RACI rows for an entity that has none (`new`: just created; else just cleared), with the edit grants
    they give."""
    rows = Ownership.objects.bulk_create(
        [Ownership(entity=entity, team=o.team, person=o.person, role=o.role) for o in owners]
    )
    if new:  # its document is out of date from its creation, and it holds no grants yet
        permissions.grant_new_owners(rows)
    else:
        documents.out_of_date([entity.pk])  # bulk inserts send no signals
        permissions.sync_grants([entity.pk])
    return rows


def _set_dependencies(entity: Entity, depends_on: Iterable[Entity], *, new: bool = False) -> list[Entity]:
    """Make the entity depend on exactly `depends_on` (`new`: it was just created, so it has no links to read)."""
    targets = {e.pk: e for e in depends_on}
    if entity.pk in targets:
        raise ValidationError({"depends_on": f"{entity} cannot depend on itself."})
    existing = set()
    if not new:
        entity.dependency_links.exclude(target_id__in=targets).delete()
        existing = set(entity.dependency_links.values_list("target_id", flat=True))
    Dependency.objects.bulk_create([Dependency(source=entity, target_id=pk) for pk in targets if pk not in existing])
    documents.out_of_date([entity.pk, *targets])  # bulk inserts send no signals
    return list(targets.values())


#
# Services
#


@transaction.atomic
def service_create(
    *, actor, name: str, owners: list[OwnerSpec], depends_on: Iterable[Entity] = (), slug: str | None = None, **fields
) -> Service:
    _check_owners(owners)  # before anything is written, so a refusal leaves nothing behind
    fields.setdefault("lifecycle", Lifecycle.PRODUCTION)
    service = Service(name=name, **fields)
    service.slug = _unique_slug(Entity, name, slug)
    _save_clean(service, new_entity=True)
    ownerships = _add_owners(service, owners, new=True)
    targets = _set_dependencies(service, depends_on, new=True)
    # The snapshot of what was just written, as _entity_extra() would read it back.
    extra = _extra_of(ownerships, (target.slug for target in targets))
    audit.record_change(actor=actor, verb="service.created", instance=service, before={}, extra=extra)
    return service


@transaction.atomic
def service_update(
    *,
    actor,
    service: Service,
    owners: list[OwnerSpec] | None = None,
    depends_on: Iterable[Entity] | None = None,
    **fields,
) -> Service:
    before = audit.snapshot(service, _entity_extra(service))
    _apply(service, fields)
    _save_clean(service)
    if owners is not None:
        ownership_set(actor=actor, entity=service, owners=owners, record=False)
    if depends_on is not None:
        _set_dependencies(service, depends_on)
    audit.record_change(
        actor=actor, verb="service.updated", instance=service, before=before, extra=_entity_extra(service)
    )
    return service


@transaction.atomic
def entity_delete(*, actor, entity: Entity) -> None:
    audit.record(actor=actor, verb=f"{'data_product' if entity.is_data_product else 'service'}.deleted", target=entity)
    Entity.objects.filter(pk=entity.pk).delete()


#
# Data products
#


def _set_consumers(product: DataProduct, consumers: Iterable[dict]) -> None:
    product.consumers.all().delete()
    rows = [DataProductConsumer(data_product=product, **c) for c in consumers]
    for row in rows:
        row.full_clean(exclude=["data_product"])
    DataProductConsumer.objects.bulk_create(rows)
    documents.out_of_date([product.pk])


def _set_output_datasets(product: DataProduct, datasets: Iterable[dict]) -> None:
    product.output_datasets.all().delete()
    rows = [OutputDataset(data_product=product, **d) for d in datasets]
    names = [r.name for r in rows]
    if len(names) != len(set(names)):
        raise ValidationError({"output_datasets": "Each output dataset is listed once."})
    for row in rows:
        row.full_clean(exclude=["data_product"], validate_unique=False)
    OutputDataset.objects.bulk_create(rows)
    documents.out_of_date([product.pk])


def _set_contract(product: DataProduct, fields: Iterable[dict]) -> None:
    product.contract_fields.all().delete()
    rows = [ContractField(data_product=product, position=i, **f) for i, f in enumerate(fields)]
    names = [r.name for r in rows]
    if len(names) != len(set(names)):
        raise ValidationError({"contract_fields": "Each contract field name is used once."})
    for row in rows:
        row.full_clean(exclude=["data_product"], validate_unique=False)
    ContractField.objects.bulk_create(rows)
    documents.out_of_date([product.pk])


def _check_publishable(product: DataProduct) -> None:
    missing = rules.publish_missing(
        consumers=product.consumers.count(),
        slos=product.slos.count(),
        versions=product.versions.count(),
        documentation=product.documentation,
        url=product.documentation_url,
    )
    if missing:
        raise ValidationError({"lifecycle": f"Cannot publish {product.name}: it needs {', '.join(missing)}."})


def _product_extra(product: DataProduct) -> dict:
    return {
        **_entity_extra(product),
        "consumers": sorted(str(c) for c in product.consumers.select_related("team", "person")),
        "output_datasets": sorted(product.output_datasets.values_list("name", flat=True)),
        "contract_fields": list(product.contract_fields.values_list("name", "type")),
    }


@transaction.atomic
def data_product_create(
    *,
    actor,
    name: str,
    owners: list[OwnerSpec],
    consumers: Iterable[dict] = (),
    output_datasets: Iterable[dict] = (),
    contract_fields: Iterable[dict] = (),
    depends_on: Iterable[Entity] = (),
    slug: str | None = None,
    **fields,
) -> DataProduct:
    """Create a data product as a draft; publishing is its own step (R10 needs a version first)."""
    _check_owners(owners)
    if fields.get("lifecycle", Lifecycle.DRAFT) == Lifecycle.PUBLISHED:
        raise ValidationError(
            {"lifecycle": "A new data product starts as a draft: add a version, then publish it (R10)."}
        )
    fields.setdefault("lifecycle", Lifecycle.DRAFT)
    product = DataProduct(name=name, kind=EntityKind.DATA_PRODUCT, **fields)
    product.slug = _unique_slug(Entity, name, slug)
    _save_clean(product, new_entity=True)
    _add_owners(product, owners, new=True)
    _set_consumers(product, consumers)
    _set_output_datasets(product, output_datasets)
    _set_contract(product, contract_fields)
    _set_dependencies(product, depends_on, new=True)
    audit.record_change(
        actor=actor, verb="data_product.created", instance=product, before={}, extra=_product_extra(product)
    )
    return product


@transaction.atomic
def data_product_update(
    *,
    actor,
    product: DataProduct,
    owners: list[OwnerSpec] | None = None,
    consumers: Iterable[dict] | None = None,
    output_datasets: Iterable[dict] | None = None,
    contract_fields: Iterable[dict] | None = None,
    depends_on: Iterable[Entity] | None = None,
    **fields,
) -> DataProduct:
    before = audit.snapshot(product, _product_extra(product))
    was_published = product.lifecycle == Lifecycle.PUBLISHED
    _apply(product, fields)
    _save_clean(product)
    if owners is not None:
        ownership_set(actor=actor, entity=product, owners=owners, record=False)
    if consumers is not None:
        _set_consumers(product, consumers)
    if output_datasets is not None:
        _set_output_datasets(product, output_datasets)
    if contract_fields is not None:
        _set_contract(product, contract_fields)
    if depends_on is not None:
        _set_dependencies(product, depends_on)
    if product.lifecycle == Lifecycle.PUBLISHED:
        # Checked after the related rows are in place, in this transaction: a refusal rolls everything back.
        _check_publishable(product)
    verb = "data_product.published" if product.lifecycle == Lifecycle.PUBLISHED and not was_published else None
    audit.record_change(
        actor=actor,
        verb=verb or "data_product.updated",
        instance=product,
        before=before,
        extra=_product_extra(product),
    )
    return product


@transaction.atomic
def data_product_publish(*, actor, product: DataProduct) -> DataProduct:
    """R10: refuse with the list of what is missing; otherwise publish."""
    return data_product_update(actor=actor, product=product, lifecycle=Lifecycle.PUBLISHED)


@transaction.atomic
def data_product_version_add(
    *, actor, product: DataProduct, version: str, changelog: str = "", released_at: date | None = None
) -> DataProductVersion:
    from django.utils import timezone

    row = DataProductVersion(
        data_product=product, version=version, changelog=changelog, released_at=released_at or timezone.localdate()
    )
    try:
        _save_clean(row)
    except IntegrityError:  # a concurrent request added the same version first
        raise ValidationError({"version": f"Version {version} already exists."}) from None
    audit.record(actor=actor, verb="data_product.version_added", target=product, message=f"{version}: {changelog}")
    return row


#
# Runbooks
#


@transaction.atomic
def runbook_save(
    *,
    actor,
    entity: Entity,
    alerts: Iterable[dict] = (),
    escalation_contacts: Iterable[dict] = (),
    **header,
) -> Runbook:
    """Create or replace an entity's runbook: header, alert responses with ordered steps, escalation contacts.

    `alerts` is [{"alert": str, "steps": [{"instruction": str, "command": str}]}].
    """
    runbook = Runbook.objects.filter(entity=entity).first()
    created = runbook is None
    before = (
        audit.snapshot(runbook, {"alerts": list(runbook.alerts.values_list("alert", flat=True))}) if runbook else {}
    )
    runbook = runbook or Runbook(entity=entity)
    _apply(runbook, header)
    _save_clean(runbook, exclude=["entity"])
    runbook.alerts.all().delete()
    runbook.escalation_contacts.all().delete()
    for a_pos, alert in enumerate(alerts):
        steps = alert.get("steps") or []
        if not (alert.get("alert") or "").strip():
            raise ValidationError({"alerts": f"Alert response {a_pos + 1} needs the alert it answers."})
        if not steps:
            raise ValidationError({"alerts": f"Alert response '{alert['alert']}' needs at least one step."})
        response = AlertResponse(runbook=runbook, position=a_pos, alert=alert["alert"].strip())
        response.full_clean(exclude=["runbook"])
        response.save()
        for s_pos, step in enumerate(steps):
            row = RunbookStep(alert=response, position=s_pos, **step)
            row.full_clean(exclude=["alert"])
            row.save()
    for c_pos, contact in enumerate(escalation_contacts):
        row = EscalationContact(runbook=runbook, position=c_pos, **contact)
        row.full_clean(exclude=["runbook"])
        row.save()
    after = audit.snapshot(runbook, {"alerts": list(runbook.alerts.values_list("alert", flat=True))})
    audit.record(
        actor=actor,
        verb="runbook.created" if created else "runbook.updated",
        target=entity,
        changes=audit.diff(before, after),
    )
    return runbook
