"""Pages of SLOs: the list, the SLO page with its charts, create/edit with the tier's defaults, import."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog.models import Entity, Slo
from catalog.permissions import can_create_entities, can_edit_entity
from catalog.slo import budget, charts, compute, selectors, services
from catalog.slo.choices import SliKind, SloStatus
from catalog.slo.defaults import tier_defaults
from catalog.slo.filters import SloFilterSet
from catalog.slo.forms import OpenSloImportForm, SloForm
from catalog.slo.words import objective_words, sla_words, threshold_words

PAGE_SIZE = 25
EDIT_MESSAGE = "Only the owning team (Responsible or Accountable) or the lead may change this SLO."


@require_GET
def slo_list(request: HttpRequest) -> HttpResponse:
    filterset = SloFilterSet(request.GET or None, queryset=selectors.slo_list_visible(user=request.user))
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    rows = [(slo, objective_words(slo), sla_words(slo)) for slo in page.object_list]
    context = {
        "filter": filterset,
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
        "can_create": can_create_entities(request.user),
    }
    template = "catalog/slo/includes/slo_table.html" if request.htmx else "catalog/slo/slo_list.html"
    return render(request, template, context)


def _charts(slo: Slo, evaluation: compute.Evaluation) -> list[charts.Chart]:
    points = compute.series(slo, evaluation)
    start, end = compute.window_start_at(slo, evaluation.at), evaluation.at
    if slo.sli_kind != SliKind.FRESHNESS:
        sli_title = "SLI per hour (% good)"
        refs = [(slo.target_percent, f"SLO {slo.target_percent:g} %", "slo")]
        if slo.is_ratio:
            refs.append((slo.sla, f"SLA {slo.sla:g} %", "sla"))
        sli = charts.line_chart(
            sli_title, [(p.at, p.sli) for p in points], start=start, end=end, refs=refs, ceiling=100, unit=" %"
        )
    else:
        refs = [(slo.objective, f"SLO {slo.objective:g} h", "slo"), (slo.sla, f"SLA {slo.sla:g} h", "sla")]
        sli = charts.line_chart(
            "Hours between refreshes", [(p.at, p.sli) for p in points], start=start, end=end, refs=refs, floor=0,
            unit=" h",
        )  # fmt: skip
    burn = charts.line_chart(
        "Error budget left (%)",
        [(start, 100.0)] + [(p.at, p.budget_left) for p in points],
        start=start,
        end=end,
        refs=[(0, "spent", "sla"), (budget.AT_RISK_BUDGET_PERCENT, "at risk", "slo")],
        ceiling=100,
        floor=0,
        unit=" %",
        step=True,
    )
    return [sli, burn]


@require_GET
def slo_detail(request: HttpRequest, pk: int) -> HttpResponse:
    slo = get_object_or_404(selectors.slo_queryset(), pk=pk)
    evaluation = compute.evaluate(slo)
    burn_rows = [
        {
            "alert": alert,
            "long": evaluation.burn_rates.get(alert.long),
            "short": evaluation.burn_rates.get(alert.short),
            "firing": alert in evaluation.firing,
        }
        for alert in budget.BURN_ALERTS
    ]
    return render(
        request,
        "catalog/slo/slo_detail.html",
        {
            "slo": slo,
            "evaluation": evaluation,
            "status_label": SloStatus(evaluation.status).label,
            "charts": _charts(slo, evaluation),
            "burn_rows": burn_rows,
            "objective_words": objective_words(slo),
            "sla_words": sla_words(slo),
            "threshold_words": threshold_words(slo, slo.objective),
            "can_edit": can_edit_entity(request.user, slo.entity),
        },
    )


def _apply_errors(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


def _fields(form: SloForm) -> dict:
    data = form.cleaned_data
    return {k: data.get(k) for k in ("objective", "sla", "target", "window", "dataset", "description")}


@require_http_methods(["GET", "POST"])
def slo_create(request: HttpRequest) -> HttpResponse:
    if not can_create_entities(request.user):
        raise PermissionDenied("Stakeholders read SLOs; ask an engineer of the owning team.")
    initial, defaults_note = {}, ""
    entity = Entity.objects.filter(slug=request.GET.get("entity", "")).first()
    kind = request.GET.get("sli_kind", "")
    if entity is not None:
        initial["entity"] = entity.slug
        if kind:
            initial["sli_kind"] = kind
            initial.update(tier_defaults(entity.tier, kind))
            defaults_note = (
                f"Filled in from the playbook's tier-{entity.tier} defaults (R7)."
                if tier_defaults(entity.tier, kind)
                else f"The playbook has no tier-{entity.tier} default for this SLI: set the numbers."
            )
    form = SloForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        entity = form.cleaned_data["entity"]
        if not can_edit_entity(request.user, entity):
            raise PermissionDenied(f"Only the team owning {entity.name} (or the lead) may add SLOs to it.")
        try:
            slo = services.slo_create(
                actor=request.user, entity=entity, sli_kind=form.cleaned_data["sli_kind"], **_fields(form)
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"SLO on {slo} created.")
            return redirect(slo)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "title": "New SLO", "defaults_note": defaults_note, "slo": None}
    return render(request, "catalog/slo/slo_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def slo_edit(request: HttpRequest, pk: int) -> HttpResponse:
    slo = get_object_or_404(selectors.slo_queryset(), pk=pk)
    if not can_edit_entity(request.user, slo.entity):
        raise PermissionDenied(EDIT_MESSAGE)
    initial = {
        "entity": slo.entity.slug,
        "sli_kind": slo.sli_kind,
        **{k: getattr(slo, k) for k in ("objective", "sla", "target", "window", "dataset", "description")},
    }
    form = SloForm(request.POST or None, initial=initial, slo=slo)
    if request.method == "POST" and form.is_valid():
        try:
            services.slo_update(actor=request.user, slo=slo, **_fields(form))
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"SLO on {slo} saved.")
            return redirect(slo)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "title": f"Edit the SLO on {slo}", "slo": slo}
    return render(request, "catalog/slo/slo_form.html", context, status=status)


@require_POST
def slo_delete(request: HttpRequest, pk: int) -> HttpResponse:
    slo = get_object_or_404(selectors.slo_queryset(), pk=pk)
    if not can_edit_entity(request.user, slo.entity):
        raise PermissionDenied(EDIT_MESSAGE)
    entity = slo.entity
    services.slo_delete(actor=request.user, slo=slo)
    messages.success(request, f"The SLO on {slo} is deleted.")
    return redirect(entity)


@require_http_methods(["GET", "POST"])
def slo_import(request: HttpRequest) -> HttpResponse:
    if not can_create_entities(request.user):
        raise PermissionDenied("Stakeholders read SLOs; ask an engineer of the owning team.")
    form = OpenSloImportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            slo, created = services.slo_import_openslo(actor=request.user, text=form.cleaned_data["document"])
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"SLO on {slo} {'created' if created else 'replaced'} from OpenSLO.")
            return redirect(slo)
    status = 400 if request.method == "POST" else 200
    return render(request, "catalog/slo/slo_import.html", {"form": form}, status=status)
