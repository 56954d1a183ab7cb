"""Pages of incidents: list, declare, detail with timeline, edit; postmortems, action items, metrics."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from oncall import metrics, rules, selectors, services
from oncall.choices import SEVERITY_DEFINITIONS, Severity
from oncall.filters import ActionItemFilterSet, IncidentFilterSet
from oncall.forms import (
    ActionItemForm,
    ActionItemStatusForm,
    IncidentEditForm,
    IncidentEventForm,
    IncidentForm,
    IncidentStatusForm,
    PostmortemForm,
    apply_errors,
)
from oncall.models import ActionItem, Postmortem
from oncall.permissions import can_declare_incident, can_manage_incident, can_update_action_item


def _query(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@require_GET
def incident_list(request: HttpRequest) -> HttpResponse:
    filterset = IncidentFilterSet(request.GET or None, queryset=selectors.incident_list())
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    context = {
        "filter": filterset,
        "page": page,
        "query": _query(request),
        "can_declare": can_declare_incident(request.user),
    }
    return render(request, "oncall/incident_list.html", context)


@require_http_methods(["GET", "POST"])
def incident_create(request: HttpRequest) -> HttpResponse:
    if not can_declare_incident(request.user):
        raise PermissionDenied("Stakeholders read incidents; engineers and the lead declare them.")
    form = IncidentForm(request.POST or None, initial={"affected": request.GET.get("affected", "")})
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        try:
            incident = services.incident_create(actor=request.user, **data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"{incident.reference} declared.")
            return redirect(incident)
    context = {"form": form, "definitions": SEVERITY_DEFINITIONS.items()}
    return render(request, "oncall/incident_form.html", context, status=400 if form.errors else 200)


def _incident(pk: int):
    return get_object_or_404(selectors.incident_list(), pk=pk)


@require_GET
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(pk)
    postmortem = getattr(incident, "postmortem", None)
    context = {
        "incident": incident,
        "events": incident.events.select_related("author"),
        "definition": SEVERITY_DEFINITIONS.get(incident.severity),
        "can_manage": can_manage_incident(request.user, incident),
        "status_form": IncidentStatusForm(initial={"root_cause_category": incident.root_cause_category}),
        "event_form": IncidentEventForm(),
        "postmortem": postmortem,
        "due_at": rules.postmortem_due_at(incident),
        "overdue": rules.postmortem_is_overdue(incident, postmortem=postmortem, now=timezone.now()),
    }
    return render(request, "oncall/incident_detail.html", context)


@require_http_methods(["GET", "POST"])
def incident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(pk)
    if not can_manage_incident(request.user, incident):
        raise PermissionDenied("Only the responding team, the commander and the lead change an incident.")
    initial = {
        "title": incident.title,
        "severity": incident.severity,
        "description": incident.description,
        "affected": ", ".join(e.slug for e in incident.affected.all()),
        "team": incident.team.slug if incident.team else None,
        "commander": incident.commander.slug if incident.commander else None,
        "root_cause_category": incident.root_cause_category,
        **{name: getattr(incident, name) for name in services.incidents.TIMES},
    }
    form = IncidentEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        affected = data.pop("affected")
        data["started_at"] = data["started_at"] or incident.started_at
        data["detected_at"] = data["detected_at"] or incident.detected_at
        try:
            services.incident_update(actor=request.user, incident=incident, affected=affected, **data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"{incident.reference} saved.")
            return redirect(incident)
    context = {"form": form, "incident": incident, "definitions": SEVERITY_DEFINITIONS.items()}
    return render(request, "oncall/incident_form.html", context, status=400 if form.errors else 200)


@require_POST
def incident_action(request: HttpRequest, pk: int, what: str) -> HttpResponse:
    """Status change, acknowledgement or a timeline entry, from the incident's page."""
    incident = _incident(pk)
    if not can_manage_incident(request.user, incident):
        raise PermissionDenied("Only the responding team, the commander and the lead change an incident.")
    form = {"status": IncidentStatusForm, "event": IncidentEventForm}.get(what)
    try:
        if what == "acknowledge":
            services.incident_acknowledge(actor=request.user, incident=incident)
        elif form is not None:
            bound = form(request.POST)
            if not bound.is_valid():
                raise ValidationError({k: [e["message"] for e in v] for k, v in bound.errors.get_json_data().items()})
            data = {k: v for k, v in bound.cleaned_data.items() if v not in (None, "")}
            if what == "status":
                services.incident_set_status(actor=request.user, incident=incident, **data)
            else:
                services.incident_add_event(actor=request.user, incident=incident, **data)
        else:
            raise PermissionDenied("Unknown action.")
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            messages.error(request, f"{field.replace('_', ' ').capitalize()}: {' '.join(errors)}")
    else:
        messages.success(request, "Saved.")
    return redirect(incident)


#
# Postmortems and action items
#


def _postmortem(incident_pk: int) -> Postmortem:
    items = ActionItem.objects.select_related("owner")
    return get_object_or_404(
        Postmortem.objects.select_related("incident__team", "incident__commander").prefetch_related(
            "incident__affected", Prefetch("action_items", queryset=items)
        ),
        incident_id=incident_pk,
    )


@require_POST
def postmortem_start(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(pk)
    if not can_manage_incident(request.user, incident):
        raise PermissionDenied("Only the responding team, the commander and the lead write its postmortem.")
    try:
        services.postmortem_create(actor=request.user, incident=incident)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("oncall:postmortem-detail", pk=incident.pk)


@require_http_methods(["GET", "POST"])
def postmortem_detail(request: HttpRequest, pk: int) -> HttpResponse:
    postmortem = _postmortem(pk)
    incident = postmortem.incident
    can_manage = can_manage_incident(request.user, incident)
    item_form = ActionItemForm(request.POST or None, prefix="item")
    status = 200
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("Only the responding team, the commander and the lead change its postmortem.")
        if item_form.is_valid():
            try:
                services.action_item_create(actor=request.user, postmortem=postmortem, **item_form.cleaned_data)
            except ValidationError as exc:
                apply_errors(item_form, exc)
            else:
                messages.success(request, "Action item added.")
                return redirect("oncall:postmortem-detail", pk=pk)
        status = 400
    today = timezone.localdate()
    context = {
        "postmortem": postmortem,
        "incident": incident,
        "items": [(item, rules.action_item_is_overdue(item, today=today)) for item in postmortem.action_items.all()],
        "can_manage": can_manage,
        "item_form": item_form,
        "due_at": rules.postmortem_due_at(incident),
        "overdue": rules.postmortem_is_overdue(incident, postmortem=postmortem, now=timezone.now()),
        "status_form": ActionItemStatusForm(),
    }
    return render(request, "oncall/postmortem_detail.html", context, status=status)


@require_http_methods(["GET", "POST"])
def postmortem_edit(request: HttpRequest, pk: int) -> HttpResponse:
    postmortem = _postmortem(pk)
    if not can_manage_incident(request.user, postmortem.incident):
        raise PermissionDenied("Only the responding team, the commander and the lead change its postmortem.")
    initial = {name: getattr(postmortem, name) for name in services.postmortems.EDITABLE}
    initial["root_cause_category"] = postmortem.incident.root_cause_category
    form = PostmortemForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.postmortem_update(actor=request.user, postmortem=postmortem, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Postmortem saved.")
            return redirect(postmortem)
    context = {"form": form, "postmortem": postmortem}
    return render(request, "oncall/postmortem_form.html", context, status=400 if form.errors else 200)


@require_POST
def postmortem_status(request: HttpRequest, pk: int) -> HttpResponse:
    postmortem = _postmortem(pk)
    if not can_manage_incident(request.user, postmortem.incident):
        raise PermissionDenied("Only the responding team, the commander and the lead change its postmortem.")
    try:
        services.postmortem_transition(actor=request.user, postmortem=postmortem, status=request.POST.get("status", ""))
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            messages.error(request, f"{field.replace('_', ' ').capitalize()}: {' '.join(errors)}")
    else:
        messages.success(request, f"Postmortem is now {postmortem.get_status_display().lower()}.")
    return redirect(postmortem)


@require_POST
def action_item_status(request: HttpRequest, item_pk: int) -> HttpResponse:
    item = get_object_or_404(ActionItem.objects.select_related("postmortem__incident"), pk=item_pk)
    if not can_update_action_item(request.user, item):
        raise PermissionDenied("Only the owner, the responding team and the lead update an action item.")
    form = ActionItemStatusForm(request.POST)
    if form.is_valid():
        services.action_item_update(actor=request.user, item=item, status=form.cleaned_data["status"])
        messages.success(request, f"'{item.title}' is {item.get_status_display().lower()}.")
    else:
        messages.error(request, "Status: choose open, in progress or done.")
    return redirect(request.POST.get("next") or item.postmortem)


@require_GET
def action_item_list(request: HttpRequest) -> HttpResponse:
    """R12: every action item, the overdue ones first when asked (?overdue=true)."""
    qs = ActionItem.objects.select_related("owner", "postmortem__incident").order_by("deadline", "id")
    filterset = ActionItemFilterSet(request.GET or None, queryset=qs)
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = [(item, rules.action_item_is_overdue(item, today=today)) for item in page]
    context = {"filter": filterset, "page": page, "rows": rows, "query": _query(request)}
    return render(request, "oncall/action_item_list.html", context)


@require_GET
def incident_metrics(request: HttpRequest) -> HttpResponse:
    """The incidents dashboard: MTTR against R6's targets, by team and month, repeats, R5, R12."""
    try:
        days = min(max(int(request.GET.get("days", 365)), 1), 3650)
    except ValueError:
        days = 365
    now = timezone.now()
    data = metrics.incident_metrics(since=now - timedelta(days=days), until=now, today=timezone.localdate())
    context = {
        "m": data,
        "days": days,
        "severities": Severity,
        "overdue_postmortems": list(selectors.overdue_postmortems(now=now)),
        "overdue_items": list(selectors.overdue_action_items(today=timezone.localdate())[:20]),
    }
    return render(request, "oncall/incident_metrics.html", context)
