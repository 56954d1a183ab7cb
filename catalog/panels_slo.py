"""SLO panels: breached and at-risk SLOs with the per-tier KPIs (dashboard), an entity's SLOs (entity page),
freshness now and the SLA in plain words (stakeholder page)."""

from django.http import HttpRequest

from catalog.permissions import can_edit_entity
from catalog.slo import selectors
from catalog.slo.words import objective_words, sla_words
from portal import slots


def _dashboard(request: HttpRequest, _obj) -> dict:
    return {"attention": selectors.slos_needing_attention(), "kpis": selectors.tier_kpis()}


def _entity(request: HttpRequest, entity) -> dict:
    slos = selectors.entity_slos(entity)
    return {"slos": [(slo, objective_words(slo)) for slo in slos], "can_edit": can_edit_entity(request.user, entity)}


def _stakeholder(request: HttpRequest, product) -> dict:
    slos = selectors.entity_slos(product)
    return {"freshness": selectors.product_freshness(product), "promises": [(slo, sla_words(slo)) for slo in slos]}


def register() -> None:
    from catalog.slo import tasks  # noqa: F401 (registers the periodic evaluation with Celery)

    slots.register(slots.HOME, slots.Panel("catalog-slos", "SLOs", "catalog/slo/panels/dashboard.html", _dashboard, 35))
    slots.register(
        slots.ENTITY_PAGE, slots.Panel("catalog-slos", "SLOs", "catalog/slo/panels/entity.html", _entity, 20)
    )
    slots.register(
        slots.STAKEHOLDER_PAGE,
        slots.Panel("catalog-freshness", "Is it fresh?", "catalog/slo/panels/stakeholder.html", _stakeholder, 10),
    )
