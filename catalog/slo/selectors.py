"""Reads of SLOs for lists, the dashboard and the stakeholder page, each in a constant number of queries."""

from datetime import datetime

from django.db.models import Avg, Case, Count, IntegerField, Max, Q, QuerySet, Value, When
from django.utils import timezone

from catalog.models import DataProduct, Entity, FreshnessHeartbeat, Slo
from catalog.slo.choices import SliKind, SloStatus
from catalog.slo.defaults import KPI_TARGETS

ATTENTION_LIMIT = 20


def slo_queryset() -> QuerySet[Slo]:
    return Slo.objects.select_related("entity")


def slo_list_visible(*, user) -> QuerySet[Slo]:
    """Every signed-in user reads the catalog's SLOs (as they read its entities)."""
    return slo_queryset()


def entity_slos(entity: Entity) -> list[Slo]:
    return list(Slo.objects.filter(entity_id=entity.pk).order_by("sli_kind", "dataset"))


def slos_needing_attention(limit: int = ATTENTION_LIMIT) -> list[Slo]:
    """Breached first, then at risk; the least budget left first."""
    severity = Case(When(status=SloStatus.BREACHED, then=Value(0)), default=Value(1), output_field=IntegerField())
    return list(
        slo_queryset()
        .filter(status__in=[SloStatus.BREACHED, SloStatus.AT_RISK])
        .order_by(severity, "budget_left_percent", "entity__name")[:limit]
    )


def tier_kpis() -> list[dict]:
    """Per tier: the mean freshness and run-success compliance of its SLOs, against the role blueprint's targets."""
    rows = (
        Slo.objects.filter(sli_kind__in=[SliKind.FRESHNESS, SliKind.PIPELINE_SUCCESS], compliance__isnull=False)
        .values("entity__tier", "sli_kind")
        .annotate(mean=Avg("compliance"), n=Count("id"), met=Count("id", filter=Q(status=SloStatus.OK)))
        .order_by()
    )
    measured = {(r["entity__tier"], r["sli_kind"]): r for r in rows}
    table = []
    for tier in (1, 2, 3):
        row = {"tier": tier, "cells": []}
        for kind in (SliKind.FRESHNESS, SliKind.PIPELINE_SUCCESS):
            found = measured.get((tier, kind))
            target = KPI_TARGETS[kind].get(tier)
            mean = round(found["mean"], 2) if found else None
            row["cells"].append(
                {
                    "kind": kind,
                    "compliance": mean,
                    "slos": found["n"] if found else 0,
                    "target": target,
                    "meets": None if mean is None or target is None else mean >= target,
                }
            )
        table.append(row)
    return table


def product_freshness(product: DataProduct, at: datetime | None = None) -> dict:
    """Freshness now, for the stakeholder page: the product's freshness SLO and its last refresh (two queries)."""
    at = at or timezone.now()
    slo = Slo.objects.filter(entity_id=product.pk, sli_kind=SliKind.FRESHNESS).order_by("dataset").first()
    beats = FreshnessHeartbeat.objects.filter(entity_id=product.pk)
    if slo is not None and slo.dataset:
        beats = beats.filter(dataset=slo.dataset)
    last = beats.aggregate(last=Max("refreshed_at"))["last"]
    age = max(0.0, (at - last).total_seconds()) if last else None
    late = None
    if age is not None and slo is not None:
        late = max(0.0, age - slo.objective * 3600)
    return {
        "slo": slo,
        "last_refresh": last,
        "age_seconds": age,
        "late_seconds": late,
        "beyond_sla": age is not None and slo is not None and age > slo.sla * 3600,
    }
