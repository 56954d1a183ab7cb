"""The catalog's dashboard panels: teams that need a subteam lead (R1), tier-1 gaps and runbook completeness (R11)."""

from django.http import HttpRequest

from catalog import selectors
from portal import slots


def _teams_needing_lead(request: HttpRequest, _obj) -> dict | None:
    teams = selectors.teams_needing_subteam_lead()
    return {"teams": teams} if teams else None


def _runbook_kpi(request: HttpRequest, _obj) -> dict:
    return {"completeness": selectors.runbook_completeness(), "flagged": selectors.tier1_flagged()}


def register() -> None:
    slots.register(
        slots.HOME,
        slots.Panel("catalog-r1", "Subteams that need a lead", "catalog/panels/r1.html", _teams_needing_lead, 30),
    )
    slots.register(
        slots.HOME,
        slots.Panel("catalog-r11", "Runbook completeness", "catalog/panels/r11.html", _runbook_kpi, 40),
    )
