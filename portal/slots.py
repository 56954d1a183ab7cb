"""Named places on pages that apps fill with panels: the home dashboard, the team page, the stakeholder page.

An app registers its panels in its AppConfig.ready(); a page renders a slot and shows whatever is there,
so the catalog's pages need not know about on-call, SLOs or incidents.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string

__all__ = ["ENTITY_PAGE", "HOME", "STAKEHOLDER_PAGE", "TEAM_PAGE", "Panel", "register", "render"]

HOME = "home"  # the dashboard; obj is None
TEAM_PAGE = "catalog.team"  # obj is a catalog Team
ENTITY_PAGE = "catalog.entity"  # obj is a catalog Entity (service or data product)
STAKEHOLDER_PAGE = "catalog.stakeholder"  # obj is a catalog DataProduct


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    template: str
    # Returns the template context, or None to leave the panel out (for this user or this object).
    context: Callable[[HttpRequest, Any], dict | None]
    order: int = 100


_SLOTS: dict[str, dict[str, Panel]] = {}


def register(slot: str, panel: Panel) -> None:
    _SLOTS.setdefault(slot, {})[panel.key] = panel  # by key: registering again replaces, never duplicates


def render(slot: str, request: HttpRequest, obj: Any = None) -> list[dict]:
    rendered = []
    for panel in sorted(_SLOTS.get(slot, {}).values(), key=lambda p: (p.order, p.key)):
        context = panel.context(request, obj)
        if context is None:
            continue
        html = render_to_string(panel.template, {"panel": panel, "object": obj, **context}, request=request)
        rendered.append({"panel": panel, "html": html})
    return rendered
