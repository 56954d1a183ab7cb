"""Every write to SLOs, their measurements and heartbeats: one transaction each, validated, audited."""

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from catalog import permissions
from catalog.models import DataProduct, Entity, FreshnessHeartbeat, OutputDataset, SliMeasurement, Slo
from catalog.slo import compute, ingest, openslo
from catalog.slo.choices import SliKind
from catalog.slo.defaults import tier_defaults
from portal import audit

__all__ = [
    "freshness_heartbeats_add",
    "slo_create",
    "slo_delete",
    "slo_evaluation_store",
    "slo_import_openslo",
    "slo_measurements_add",
    "slo_update",
]

SLO_FIELDS = ("sli_kind", "objective", "sla", "target", "window", "dataset", "description")


def _check_entity_fit(slo: Slo) -> None:
    """A freshness SLO is about a data product (and, when named, one of its output datasets)."""
    if slo.sli_kind != SliKind.FRESHNESS:
        return
    if not slo.entity.is_data_product:
        raise ValidationError({"sli_kind": "Freshness is measured on data products; this is a service."})
    if slo.dataset and not OutputDataset.objects.filter(data_product_id=slo.entity_id, name=slo.dataset).exists():
        raise ValidationError({"dataset": f"{slo.entity.name} has no output dataset named '{slo.dataset}'."})


def _save(slo: Slo) -> None:
    _check_entity_fit(slo)
    slo.full_clean(exclude=["entity"], validate_unique=False, validate_constraints=False)
    duplicate = Slo.objects.filter(entity_id=slo.entity_id, sli_kind=slo.sli_kind, dataset=slo.dataset)
    if duplicate.exclude(pk=slo.pk).exists():
        raise ValidationError(
            {"sli_kind": f"{slo.entity.name} already has a {slo.get_sli_kind_display().lower()} SLO; edit that one."}
        )
    try:
        with transaction.atomic():
            slo.save()
    except IntegrityError:  # a concurrent request created the same SLO first
        raise ValidationError({"sli_kind": "This SLO was just created by someone else; edit that one."}) from None


def slo_evaluation_store(slo: Slo, at: datetime | None = None) -> compute.Evaluation:
    """Compute the SLO in the database and keep the summary that lists, filters and the dashboard read."""
    evaluation = compute.evaluate(slo, at)
    fields = {
        "status": evaluation.status,
        "compliance": evaluation.compliance,
        "budget_left_percent": evaluation.budget_left_percent,
        "budget_left_minutes": evaluation.budget_left_minutes,
        "evaluated_at": evaluation.at,
    }
    Slo.objects.filter(pk=slo.pk).update(**fields)  # derived data, not a change anyone made: not audited
    for name, value in fields.items():
        setattr(slo, name, value)
    return evaluation


@transaction.atomic
def slo_create(*, actor, entity: Entity, sli_kind: str, **fields) -> Slo:
    """Create an SLO; what is not given comes from the playbook's defaults for the entity's tier (R7)."""
    defaults = tier_defaults(entity.tier, sli_kind)
    values = {**defaults, **{k: v for k, v in fields.items() if v is not None and v != ""}}
    values.setdefault("dataset", fields.get("dataset") or "")
    slo = Slo(entity=entity, sli_kind=sli_kind, **values)
    _save(slo)
    audit.record(
        actor=actor,
        verb="slo.created",
        target=entity,
        changes=audit.diff({}, audit.snapshot(slo)),
        message=f"SLO on {slo}",
    )
    slo_evaluation_store(slo)
    return slo


@transaction.atomic
def slo_update(*, actor, slo: Slo, **fields) -> Slo:
    before = audit.snapshot(slo)
    for name, value in fields.items():
        if name in SLO_FIELDS:
            setattr(slo, name, value)
    _save(slo)
    audit.record(
        actor=actor,
        verb="slo.updated",
        target=slo.entity,
        changes=audit.diff(before, audit.snapshot(slo)),
        message=f"SLO on {slo}",
    )
    slo_evaluation_store(slo)
    return slo


@transaction.atomic
def slo_delete(*, actor, slo: Slo) -> None:
    audit.record(actor=actor, verb="slo.deleted", target=slo.entity, message=f"SLO on {slo}")
    slo.delete()  # its measurements go with it


@transaction.atomic
def slo_measurements_add(*, actor, slo: Slo, items) -> dict:
    """Store a batch of SLI points, all or nothing; a point sent again (same SLO and time) replaces the earlier."""
    clean = ingest.clean_measurements(items, sli_kind=slo.sli_kind)
    timestamps = [m.timestamp for m in clean]
    existing = SliMeasurement.objects.filter(slo=slo, timestamp__in=timestamps).count()
    SliMeasurement.objects.bulk_create(
        [SliMeasurement(slo=slo, timestamp=m.timestamp, value=m.value, good=m.good, total=m.total) for m in clean],
        update_conflicts=True,
        unique_fields=["slo", "timestamp"],
        update_fields=["value", "good", "total"],
    )
    result = {"received": len(clean), "created": len(clean) - existing, "replaced": existing}
    audit.record(
        actor=actor,
        verb="slo.measurements_added",
        target=slo.entity,
        message=f"{slo}: {result['created']} new, {result['replaced']} replaced",
    )
    slo_evaluation_store(slo)
    return result


def _resolve_heartbeats(clean: list[ingest.CleanHeartbeat]) -> list[tuple[DataProduct, str]]:
    """The data product (and dataset) of each heartbeat, in two queries; every unknown one is named."""
    slugs = {h.data_product for h in clean if h.data_product}
    names = {h.dataset for h in clean if h.dataset}
    products = {p.slug: p for p in DataProduct.objects.filter(slug__in=slugs)}
    datasets: dict[str, list[OutputDataset]] = {}
    for row in OutputDataset.objects.filter(name__in=names).select_related("data_product"):
        datasets.setdefault(row.name, []).append(row)
    errors, resolved = [], []
    for i, beat in enumerate(clean):
        where = f"heartbeats[{i}]"
        product = products.get(beat.data_product) if beat.data_product else None
        if beat.data_product and product is None:
            errors.append(f"{where}.data_product: no data product with slug '{beat.data_product}'")
            continue
        if beat.dataset:
            matches = [d for d in datasets.get(beat.dataset, []) if product is None or d.data_product_id == product.pk]
            if not matches:
                owner = f" of {product.name}" if product else ""
                errors.append(f"{where}.dataset: no output dataset{owner} named '{beat.dataset}'")
                continue
            if len(matches) > 1:
                errors.append(f"{where}.dataset: '{beat.dataset}' belongs to several data products; add data_product")
                continue
            product = matches[0].data_product
        resolved.append((product, beat.dataset))
    if errors:
        raise ValidationError({"heartbeats": errors})
    return resolved


@transaction.atomic
def freshness_heartbeats_add(*, actor, items) -> dict:
    """Record "refreshed at" heartbeats, all or nothing; only for data products `actor` may edit."""
    clean = ingest.clean_heartbeats(items)
    resolved = _resolve_heartbeats(clean)
    products = {p.pk: p for p, _d in resolved}
    for i, (product, _dataset) in enumerate(resolved):
        if not permissions.can_edit_entity(actor, product):
            raise PermissionDenied(
                f"heartbeats[{i}]: only the team owning {product.name} (or the lead) may report its refreshes."
            )
    rows = [
        FreshnessHeartbeat(entity_id=product.pk, dataset=dataset, refreshed_at=beat.refreshed_at)
        for (product, dataset), beat in zip(resolved, clean, strict=True)
    ]
    before = FreshnessHeartbeat.objects.filter(entity_id__in=products).count()
    FreshnessHeartbeat.objects.bulk_create(rows, ignore_conflicts=True)  # the same heartbeat twice is one heartbeat
    created = FreshnessHeartbeat.objects.filter(entity_id__in=products).count() - before
    for product in products.values():
        audit.record(
            actor=actor,
            verb="freshness.heartbeats_added",
            target=product,
            message=f"{sum(1 for p, _d in resolved if p.pk == product.pk)} heartbeat(s)",
        )
    for slo in _freshness_slos(resolved):
        slo_evaluation_store(slo)
    return {"received": len(rows), "created": created}


def _freshness_slos(resolved: Iterable[tuple[DataProduct, str]]) -> list[Slo]:
    condition = Q()
    for product, dataset in resolved:
        condition |= Q(entity_id=product.pk, dataset="") | Q(entity_id=product.pk, dataset=dataset)
    return list(Slo.objects.filter(condition, sli_kind=SliKind.FRESHNESS).select_related("entity"))


@transaction.atomic
def slo_import_openslo(*, actor, text: str) -> tuple[Slo, bool]:
    """Create or replace the SLO an OpenSLO v1 document describes; (slo, created)."""
    imported = openslo.parse(text)
    entity = Entity.objects.filter(slug=imported.entity_slug).first()
    if entity is None:
        raise ValidationError(
            {"document": [f"spec.service: no service or data product with slug '{imported.entity_slug}'"]}
        )
    if not permissions.can_edit_entity(actor, entity):
        raise PermissionDenied(f"Only the team owning {entity.name} (or the lead) may change its SLOs.")
    fields = dict(imported.fields)
    kind = fields.pop("sli_kind")
    existing = Slo.objects.filter(entity=entity, sli_kind=kind, dataset=fields.get("dataset", "")).first()
    if existing is not None:
        return slo_update(actor=actor, slo=existing, **fields), False
    return slo_create(actor=actor, entity=entity, sli_kind=kind, **fields), True
