"""On-call's panels on other pages: the dashboard, the team page and the stakeholder page."""

from django.http import HttpRequest
from django.utils import timezone

from portal import slots


def _now(request: HttpRequest, _obj) -> dict | None:
    from oncall import selectors

    rows = selectors.oncall_now(at=timezone.now())
    return {"rows": rows} if rows else None


def _overdue(request: HttpRequest, _obj) -> dict:
    from oncall import selectors

    return {
        "postmortems": list(selectors.overdue_postmortems(now=timezone.now())[:5]),
        "items": list(selectors.overdue_action_items(today=timezone.localdate())[:5]),
    }


def _team(request: HttpRequest, team) -> dict:
    from catalog.permissions import can_manage_team
    from oncall import selectors

    return {
        "rows": selectors.oncall_now(at=timezone.now(), team=team),
        "policy": selectors.policy_for_team(team),
        "can_manage": can_manage_team(request.user, team),
    }


def _stakeholder(request: HttpRequest, data_product) -> dict:
    from oncall import selectors

    team = selectors.owning_team(data_product)
    primaries = selectors.team_primaries_now(team=team, at=timezone.now()) if team else []
    return {
        "team": team,
        "primaries": [row for row in primaries if row.person],
        "incidents": list(selectors.open_incidents_affecting(data_product)),
    }


def register() -> None:
    slots.register(slots.HOME, slots.Panel("oncall-now", "On call now", "oncall/panels/now.html", _now, 20))
    slots.register(
        slots.HOME,
        slots.Panel("oncall-overdue", "Overdue postmortems and actions", "oncall/panels/overdue.html", _overdue, 30),
    )
    slots.register(slots.TEAM_PAGE, slots.Panel("oncall-team", "On call", "oncall/panels/team.html", _team, 20))
    slots.register(
        slots.STAKEHOLDER_PAGE,
        slots.Panel(
            "oncall-stakeholder", "Who to call, open incidents", "oncall/panels/stakeholder.html", _stakeholder, 20
        ),
    )
