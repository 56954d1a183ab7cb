"""The same page as GET /api/v1/catalog/services/?page_size=50 (services with owners inlined), written by hand:
no DRF, no serializers, two queries of plain dicts. The API's throughput is compared with this view's."""

from collections import defaultdict

from django.http import HttpRequest, JsonResponse

from catalog.models import Ownership, Service
from portal.api.tokens import ApiTokenAuthentication

ROLES = {"A": "accountable", "R": "responsible", "C": "consulted", "I": "informed"}


def bare_services(request: HttpRequest) -> JsonResponse:
    if ApiTokenAuthentication().authenticate(request) is None:  # the same token check as the API
        return JsonResponse({"detail": "Authentication credentials were not provided."}, status=401)
    rows = list(
        Service.objects.order_by("name").values(
            "id", "slug", "name", "kind", "tier", "lifecycle", "description", "domain__slug", "system__slug"
        )[:50]
    )
    owners: dict[int, dict] = defaultdict(
        lambda: {"accountable": None, "responsible": [], "consulted": [], "informed": []}
    )
    for o in Ownership.objects.filter(entity_id__in=[r["id"] for r in rows]).values(
        "entity_id", "role", "team__slug", "team__name", "person__slug", "person__full_name"
    ):
        party = {"slug": o["team__slug"] or o["person__slug"], "name": o["team__name"] or o["person__full_name"]}
        if o["role"] == "A":
            owners[o["entity_id"]]["accountable"] = party
        else:
            owners[o["entity_id"]][ROLES[o["role"]]].append(party)
    results = [{**r, "owners": owners[r["id"]]} for r in rows]
    return JsonResponse({"count": Service.objects.count(), "results": results})
