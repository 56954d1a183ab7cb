"""Self-service's dashboard panel: approvals waiting for you and your latest requests."""

from django.http import HttpRequest

from portal import slots
from selfservice import selectors


def _requests(request: HttpRequest, _obj) -> dict | None:
    approvals = list(selectors.approvals_waiting_for(user=request.user)[:5])
    mine = list(selectors.request_list_visible(user=request.user).filter(requester=request.user)[:5])
    if not approvals and not mine:
        return None
    return {"approvals": approvals, "mine": mine}


def register() -> None:
    slots.register(
        slots.HOME, slots.Panel("selfservice", "Self-service", "selfservice/includes/panel.html", _requests, 20)
    )
