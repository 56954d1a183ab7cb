"""Pages of self-service: the actions, a form with its plan, request pages with live status, approvals."""

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.errors import Conflict
from selfservice import selectors, services
from selfservice.actions import ACTIONS, get_action
from selfservice.actions.superset_embed import take_guest_token, token_waiting
from selfservice.filters import RequestFilterSet
from selfservice.models import Request

HOME_LIST_SIZE = 10


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    visible = selectors.request_list_visible(user=request.user)
    from catalog.permissions import user_team_ids

    return render(
        request,
        "selfservice/index.html",
        {
            "actions": [(a, a.connector()) for a in ACTIONS.values()],
            "mine": visible.filter(requester=request.user)[:HOME_LIST_SIZE],
            "team": visible.filter(team_id__in=user_team_ids(request.user)).exclude(requester=request.user)[
                :HOME_LIST_SIZE
            ],
            "approvals": selectors.approvals_waiting_for(user=request.user)[:HOME_LIST_SIZE],
        },
    )


@require_GET
def request_list(request: HttpRequest) -> HttpResponse:
    filterset = RequestFilterSet(
        request.GET or None, queryset=selectors.request_list_visible(user=request.user), request=request
    )
    page = Paginator(filterset.qs, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "selfservice/request_list.html", {"filter": filterset, "page": page, "query": query.urlencode()}
    )


def _form_errors(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


@require_http_methods(["GET", "POST"])
def action_form(request: HttpRequest, action_id: str) -> HttpResponse:
    """Fill in, see the plan, confirm. Nothing is sent before the confirmation."""
    action = get_action(action_id)
    if action is None:
        raise Http404(f"No action '{action_id}'.")
    if not action.may_request(request.user):
        raise PermissionDenied("Stakeholders read; ask an engineer of the owning team to request this.")
    data = request.POST.dict() if request.method == "POST" else None
    step = (data or {}).pop("step", "plan")
    token = (data or {}).pop("idempotency_key", "") or uuid.uuid4().hex
    form = action.form(user=request.user, data=data)
    connector = action.connector()
    context = {"action": action, "form": form, "token": token, "connector": connector}
    if request.method == "GET":
        return render(request, "selfservice/action_form.html", context)
    if not form.is_valid():
        return render(request, "selfservice/action_form.html", context, status=400)
    if step == "confirm":
        try:
            created, was_created = services.request_submit(
                user=request.user, action_id=action.id, params=data, idempotency_key=token
            )
        except ValidationError as exc:
            _form_errors(form, exc)
            return render(request, "selfservice/action_form.html", context, status=400)
        if was_created:
            messages.success(request, f"Request #{created.pk} submitted.")
        else:
            messages.info(request, f"This was already submitted as request #{created.pk}.")
        return redirect(created)
    params = form.params()
    need = action.approval_needed(params, requester=request.user, team=form.team_object())
    context.update(plan=connector.plan(params), approval=need, raw=data)
    return render(request, "selfservice/plan.html", context)


def _visible_or_404(request: HttpRequest, pk: int) -> Request:
    found = selectors.request_get_visible(user=request.user, pk=pk)
    if found is None:
        raise Http404("No such request, or you may not see it.")
    return found


@require_GET
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    found = _visible_or_404(request, pk)
    context = {
        "req": found,
        "events": found.events.all(),
        "action": get_action(found.action),
        "can_decide": found.status == "pending_approval" and services.can_approve(request.user, found),
        "can_cancel": services.can_cancel(request.user, found),
        "can_retry": services.can_retry(request.user, found),
        "token_waiting": found.requester_id == request.user.pk and token_waiting(found),
    }
    template = "selfservice/includes/request_live.html" if request.htmx else "selfservice/request_detail.html"
    return render(request, template, context)


def _run(request: HttpRequest, pk: int, operation, success: str, **kwargs) -> HttpResponse:
    found = _visible_or_404(request, pk)
    try:
        operation(actor=request.user, request=found, **kwargs)
    except ValidationError as exc:
        for errors in exc.message_dict.values():
            for error in errors:
                messages.error(request, error)
    except services.StaleRequest:
        messages.error(request, "The request changed meanwhile; here it is as it is now.")
    else:
        messages.success(request, success)
    return redirect(found)


@require_POST
def request_decide(request: HttpRequest, pk: int) -> HttpResponse:
    comment = request.POST.get("comment", "")
    if request.POST.get("decision") == "reject":
        return _run(request, pk, services.request_reject, "Rejected.", comment=comment)
    return _run(request, pk, services.request_approve, "Approved and queued.", comment=comment)


@require_POST
def request_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _run(request, pk, services.request_cancel, "Cancelled.")


@require_POST
def request_token(request: HttpRequest, pk: int) -> HttpResponse:
    """Show a secret the request produced (a Superset guest token) once, to its requester."""
    found = _visible_or_404(request, pk)
    try:
        secret = take_guest_token(user=request.user, request=found)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(found)
    except Conflict as exc:  # shown already, or its pick-up time is over
        messages.error(request, str(exc))
        return redirect(found)
    response = render(request, "selfservice/token_once.html", {"req": found, "secret": secret})
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def request_retry(request: HttpRequest, pk: int) -> HttpResponse:
    return _run(request, pk, services.request_retry, "Queued again.")
