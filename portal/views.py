"""Pages of the project package: home, health, API tokens and the audit trail."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal import services, slots
from portal.filters import AuditEventFilterSet
from portal.forms import ApiTokenForm
from portal.health import run_checks
from portal.models import ApiToken
from portal.selectors import audit_event_list_visible


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"panels": slots.render(slots.HOME, request)})


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and serving requests."""
    return JsonResponse({"status": "ok"})


@login_not_required
@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """The database and the message broker are reachable; 503 with the failing check otherwise."""
    checks = run_checks()
    ready = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ok" if ready else "fail", "checks": checks}, status=200 if ready else 503)


@never_cache
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    """List my tokens and create one; a new token's secret is shown in this response only."""
    form = ApiTokenForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_secret = services.api_token_create(
                actor=request.user,
                user=request.user,
                name=form.cleaned_data["name"],
                expires_in_days=form.cleaned_data["expires_in_days"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            form = ApiTokenForm()
    status = 400 if request.method == "POST" and new_secret is None else 200
    context = {"form": form, "tokens": services.api_token_list(user=request.user), "new_secret": new_secret}
    return render(request, "portal/api_tokens.html", context, status=status)


@require_POST
def api_token_revoke(request: HttpRequest, token_key: str) -> HttpResponse:
    # Scoped to the signed-in user: someone else's token is a 404, not a revoke.
    token = get_object_or_404(ApiToken, user=request.user, token_key=token_key)
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, f"Token '{token.name}' revoked. Requests using it now get 401.")
    return redirect("api-tokens")


@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    filterset = AuditEventFilterSet(request.GET or None, queryset=audit_event_list_visible(user=request.user))
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "portal/audit_list.html", {"filter": filterset, "page": page, "query": query.urlencode()})
