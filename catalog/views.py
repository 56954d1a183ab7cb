"""Pages of the catalog: lists, details, forms, the team page, the RACI matrix, the stakeholder page, search."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog import permissions, search, selectors, services, textformats
from catalog.filters import DataProductFilterSet, ServiceFilterSet
from catalog.forms import DataProductForm, RunbookForm, ServiceForm, VersionForm
from catalog.models import DataProduct, Entity, Person, Runbook, Service, Team
from portal import audit, slots

PAGE_SIZE = 25


def _apply_service_errors(form, exc: ValidationError) -> None:
    """Show a service's refusal on the form: on its field when the form has one, else above the form."""
    for field, errors in exc.message_dict.items():
        for error in errors:
            if field in form.fields:
                form.add_error(field, error)
            else:
                label = field.replace("_", " ").capitalize() if field != "__all__" else None
                form.add_error(None, f"{label}: {error}" if label else error)


def _paginate(request: HttpRequest, queryset, size: int = PAGE_SIZE):
    page = Paginator(queryset, size).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def _list_template(request: HttpRequest, full: str) -> str:
    # HTMX filter requests swap only the results table.
    return "catalog/includes/entity_table.html" if request.htmx else full


#
# Overview, teams, people
#


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    teams = selectors.team_queryset().annotate(member_count=Count("memberships", distinct=True))
    counts = dict(Entity.objects.values_list("kind").annotate(n=Count("id")).order_by())
    return render(
        request,
        "catalog/index.html",
        {
            "teams": teams,
            "service_count": sum(n for kind, n in counts.items() if kind != "data_product"),
            "product_count": counts.get("data_product", 0),
            "people_count": Person.objects.count(),
        },
    )


@require_GET
def team_detail(request: HttpRequest, slug: str) -> HttpResponse:
    team = get_object_or_404(selectors.team_queryset(), slug=slug)
    return render(
        request,
        "catalog/team_detail.html",
        {
            "team": team,
            "memberships": selectors.memberships_of(team),
            "subteams": team.subteams.all(),
            "owned": selectors.team_owned_entities(team),
            "flags": selectors.team_flags(team),
            "panels": slots.render(slots.TEAM_PAGE, request, team),
        },
    )


@require_GET
def team_raci(request: HttpRequest, slug: str) -> HttpResponse:
    team = get_object_or_404(Team, slug=slug)
    matrix = selectors.raci_matrix(team, request.GET.get("page", 1))
    return render(request, "catalog/team_raci.html", {"team": team, "matrix": matrix, "page": matrix.page})


@require_GET
def person_detail(request: HttpRequest, slug: str) -> HttpResponse:
    person = get_object_or_404(Person, slug=slug)
    ownerships = person.ownerships.select_related("entity").order_by("role", "entity__name")
    return render(
        request,
        "catalog/person_detail.html",
        {"person": person, "memberships": person.memberships.select_related("team"), "ownerships": ownerships},
    )


#
# Services
#


@require_GET
def service_list(request: HttpRequest) -> HttpResponse:
    filterset = ServiceFilterSet(request.GET or None, queryset=selectors.service_queryset())
    page, query = _paginate(request, filterset.qs)
    context = {"filter": filterset, "page": page, "query": query, "kind": "service"}
    context["can_create"] = permissions.can_create_entities(request.user)
    return render(request, _list_template(request, "catalog/service_list.html"), context)


def _entity_detail_context(request: HttpRequest, entity: Entity) -> dict:
    runbook = (
        Runbook.objects.filter(entity_id=entity.pk).prefetch_related("alerts__steps", "escalation_contacts").first()
    )
    return {
        "owners": selectors.entity_owners(entity),
        "graph": selectors.dependency_graph(entity),
        "runbook": runbook,
        "flags": selectors.entity_flags(entity),
        "events": audit.events_for(entity)[:20],
        "can_edit": permissions.can_edit_entity(request.user, entity),
        "panels": slots.render(slots.ENTITY_PAGE, request, entity),
    }


@require_GET
def service_detail(request: HttpRequest, slug: str) -> HttpResponse:
    service = get_object_or_404(selectors.service_queryset(), slug=slug)
    return render(
        request, "catalog/service_detail.html", {"entity": service, **_entity_detail_context(request, service)}
    )


@require_http_methods(["GET", "POST"])
def service_create(request: HttpRequest) -> HttpResponse:
    if not permissions.can_create_entities(request.user):
        raise PermissionDenied("Stakeholders read the catalog; ask an engineer of the owning team.")
    form = ServiceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service = services.service_create(
                actor=request.user,
                owners=form.owner_specs(),
                depends_on=form.cleaned_data["depends_on"],
                **form.service_fields(),
            )
        except ValidationError as exc:
            _apply_service_errors(form, exc)
        else:
            messages.success(request, f"{service.name} added to the catalog.")
            return redirect(service)
    status = 400 if request.method == "POST" else 200
    return render(request, "catalog/entity_form.html", {"form": form, "title": "New service"}, status=status)


@require_http_methods(["GET", "POST"])
def service_edit(request: HttpRequest, slug: str) -> HttpResponse:
    service = get_object_or_404(Service, slug=slug)
    if not permissions.can_edit_entity(request.user, service):
        raise PermissionDenied("Only the owning team (Responsible or Accountable) or the lead may change this.")
    form = ServiceForm(request.POST or None, entity=service)
    if request.method == "POST" and form.is_valid():
        try:
            services.service_update(
                actor=request.user,
                service=service,
                owners=form.owner_specs(),
                depends_on=form.cleaned_data["depends_on"],
                **form.service_fields(),
            )
        except ValidationError as exc:
            _apply_service_errors(form, exc)
        else:
            messages.success(request, f"{service.name} saved.")
            return redirect(service)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "title": f"Edit {service.name}", "entity": service}
    return render(request, "catalog/entity_form.html", context, status=status)


#
# Data products
#


@require_GET
def dataproduct_list(request: HttpRequest) -> HttpResponse:
    filterset = DataProductFilterSet(request.GET or None, queryset=selectors.data_product_queryset())
    page, query = _paginate(request, filterset.qs)
    context = {"filter": filterset, "page": page, "query": query, "kind": "data_product"}
    context["can_create"] = permissions.can_create_entities(request.user)
    return render(request, _list_template(request, "catalog/dataproduct_list.html"), context)


@require_GET
def dataproduct_detail(request: HttpRequest, slug: str) -> HttpResponse:
    product = get_object_or_404(selectors.data_product_queryset(), slug=slug)
    context = {
        "entity": product,
        "product": product,
        "current_version": selectors.current_version(product),
        "version_form": VersionForm(),
        **_entity_detail_context(request, product),
    }
    return render(request, "catalog/dataproduct_detail.html", context)


@require_GET
def dataproduct_overview(request: HttpRequest, slug: str) -> HttpResponse:
    """The stakeholder page: what it is, who answers for it and how to reach them, in plain words."""
    product = get_object_or_404(selectors.data_product_queryset(), slug=slug)
    owners = selectors.entity_owners(product)
    accountable = owners.accountable
    accountable_team = accountable if isinstance(accountable, Team) else None
    if accountable is not None and not isinstance(accountable, Team):
        membership = accountable.memberships.select_related("team").first()
        accountable_team = membership.team if membership else None
    return render(
        request,
        "catalog/dataproduct_overview.html",
        {
            "product": product,
            "owners": owners,
            "accountable": accountable,
            "accountable_team": accountable_team,
            "current_version": selectors.current_version(product),
            "panels": slots.render(slots.STAKEHOLDER_PAGE, request, product),
        },
    )


def _product_form_view(request: HttpRequest, product: DataProduct | None) -> HttpResponse:
    form = DataProductForm(request.POST or None, entity=product)
    if request.method == "POST" and form.is_valid():
        related = {
            "owners": form.owner_specs(),
            "consumers": form.cleaned_data["consumers"],
            "output_datasets": form.cleaned_data["output_datasets"],
            "contract_fields": form.cleaned_data["contract"],
            "depends_on": form.cleaned_data["depends_on"],
        }
        try:
            if product is None:
                product = services.data_product_create(actor=request.user, **related, **form.product_fields())
                messages.success(request, f"{product.name} added to the catalog as a {product.lifecycle}.")
            else:
                services.data_product_update(actor=request.user, product=product, **related, **form.product_fields())
                messages.success(request, f"{product.name} saved.")
        except ValidationError as exc:
            _apply_service_errors(form, exc)
        else:
            return redirect(product)
    status = 400 if request.method == "POST" else 200
    title = f"Edit {product.name}" if product else "New data product"
    return render(request, "catalog/entity_form.html", {"form": form, "title": title, "entity": product}, status=status)


@require_http_methods(["GET", "POST"])
def dataproduct_create(request: HttpRequest) -> HttpResponse:
    if not permissions.can_create_entities(request.user):
        raise PermissionDenied("Stakeholders read the catalog; ask an engineer of the owning team.")
    return _product_form_view(request, None)


@require_http_methods(["GET", "POST"])
def dataproduct_edit(request: HttpRequest, slug: str) -> HttpResponse:
    product = get_object_or_404(DataProduct, slug=slug)
    if not permissions.can_edit_entity(request.user, product):
        raise PermissionDenied("Only the owning team (Responsible or Accountable) or the lead may change this.")
    return _product_form_view(request, product)


@require_POST
def dataproduct_publish(request: HttpRequest, slug: str) -> HttpResponse:
    product = get_object_or_404(DataProduct, slug=slug)
    if not permissions.can_edit_entity(request.user, product):
        raise PermissionDenied("Only the owning team (Responsible or Accountable) or the lead may publish this.")
    try:
        services.data_product_publish(actor=request.user, product=product)
    except ValidationError as exc:
        for errors in exc.message_dict.values():
            for error in errors:
                messages.error(request, error)
    else:
        messages.success(request, f"{product.name} is published.")
    return redirect(product)


@require_POST
def dataproduct_version_add(request: HttpRequest, slug: str) -> HttpResponse:
    product = get_object_or_404(DataProduct, slug=slug)
    if not permissions.can_edit_entity(request.user, product):
        raise PermissionDenied("Only the owning team (Responsible or Accountable) or the lead may add a version.")
    form = VersionForm(request.POST)
    if form.is_valid():
        try:
            services.data_product_version_add(actor=request.user, product=product, **form.cleaned_data)
        except ValidationError as exc:
            _apply_service_errors(form, exc)
    if form.errors:
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{field.replace('_', ' ').capitalize()}: {error}")
    else:
        messages.success(request, f"Version {form.cleaned_data['version']} added.")
    return redirect(product)


#
# Runbooks
#


@require_http_methods(["GET", "POST"])
def runbook_edit(request: HttpRequest, slug: str) -> HttpResponse:
    entity = get_object_or_404(Entity, slug=slug)
    if not permissions.can_edit_entity(request.user, entity):
        raise PermissionDenied("Only the owning team (Responsible or Accountable) or the lead may change this.")
    runbook = Runbook.objects.filter(entity=entity).first()
    initial = {}
    if runbook:
        initial = {
            "sla": runbook.sla,
            "related_dashboards": runbook.related_dashboards,
            "summary": runbook.summary,
            "alerts": textformats.render_alerts(runbook),
            "escalation": textformats.render_escalation(runbook),
        }
    form = RunbookForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.runbook_save(
                actor=request.user,
                entity=entity,
                alerts=data["alerts"],
                escalation_contacts=data["escalation"],
                sla=data["sla"],
                related_dashboards=data["related_dashboards"],
                summary=data["summary"],
            )
        except ValidationError as exc:
            _apply_service_errors(form, exc)
        else:
            messages.success(request, f"Runbook of {entity.name} saved.")
            return redirect(entity.get_absolute_url() + "#runbook")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "title": f"Runbook: {entity.name}", "entity": entity}
    return render(request, "catalog/entity_form.html", context, status=status)


#
# Search
#


@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")
    results = search.search(q)
    return render(request, "catalog/search.html", {"q": q, "results": results})
