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


def _datahub(request: HttpRequest, entity) -> dict | None:
    """A data product's publication to DataHub: shown only where publishing is configured or has happened."""
    from selfservice.models import DataHubPublication

    publication = DataHubPublication.objects.filter(entity_id=entity.pk).first()
    if publication is None:
        return None
    return {"publication": publication}


def register() -> None:
    slots.register(
        slots.HOME, slots.Panel("selfservice", "Self-service", "selfservice/includes/panel.html", _requests, 20)
    )
    slots.register(
        slots.ENTITY_PAGE,
        slots.Panel("datahub", "DataHub", "selfservice/includes/datahub_panel.html", _datahub, 80),
    )
