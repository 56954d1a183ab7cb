"""API views of the catalog: a ModelViewSet per model, slug lookups, writes through catalog.services.

Reads are open to every signed-in user; writes are checked per object (django-guardian grants for entities, team
membership for teams and memberships, the lead for the rest). A write answers with the read representation.
"""

import json
from collections.abc import Sequence

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.http import HttpResponse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from catalog import cache as catalog_cache
from catalog import selectors, services
from catalog.api import documents, read_model, team_lists
from catalog.api import serializers as s
from catalog.filters import (
    DataProductFilterSet,
    DomainFilterSet,
    MembershipFilterSet,
    PersonFilterSet,
    ServiceFilterSet,
    SystemFilterSet,
    TeamFilterSet,
)
from catalog.models import DataProduct, Domain, Entity, Membership, Person, Runbook, Service, System, Team
from catalog.permissions import CatalogEntityPermission, can_manage_team
from portal.api.pagination import StableOrderingFilter
from portal.roles import is_lead, is_read_only

WRITE_ACTIONS = {"create", "update", "partial_update"}

#
# Permissions
#


class LeadWritesPermission(permissions.BasePermission):
    """Everyone signed in reads; the lead writes (domains, systems)."""

    message = "Only the lead may change this."

    def has_permission(self, request, view) -> bool:
        return request.method in permissions.SAFE_METHODS or is_lead(request.user)


class TeamPermission(permissions.BasePermission):
    """The lead creates and deletes teams; the lead or a member of the team edits it."""

    message = "Only the lead creates or deletes teams; the lead or the team's members edit it."

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        if view.action == "create":
            return is_lead(request.user)
        return not is_read_only(request.user)

    def has_object_permission(self, request, view, obj: Team) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        if view.action == "destroy":
            return is_lead(request.user)
        return can_manage_team(request.user, obj)


class PersonPermission(permissions.BasePermission):
    """The lead creates, deletes and edits people; a person edits their own record."""

    message = "Only the lead or the person themselves may change this record."

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        if view.action == "create":
            return is_lead(request.user)
        return not is_read_only(request.user)

    def has_object_permission(self, request, view, obj: Person) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        if is_lead(request.user):
            return True
        return view.action != "destroy" and obj.user_id is not None and obj.user_id == request.user.pk


class MembershipPermission(permissions.BasePermission):
    """The lead or a member of the team adds, changes and removes the team's memberships."""

    message = "Only the lead or a member of the team may change its memberships."

    def has_permission(self, request, view) -> bool:
        return request.method in permissions.SAFE_METHODS or not is_read_only(request.user)

    def has_object_permission(self, request, view, obj: Membership) -> bool:
        return request.method in permissions.SAFE_METHODS or can_manage_team(request.user, obj.team)


#
# The shared shape: read and write serializers, writes through a service, the response re-read
#


class CatalogViewSet(viewsets.ModelViewSet):
    """Picks the write serializer for writes; create/update answer with the read representation."""

    serializer_class: type = None
    write_serializer_class: type = None
    lookup_field = "slug"

    def get_serializer_class(self):
        if self.action in WRITE_ACTIONS:
            return self.write_serializer_class
        return self.serializer_class

    def _read(self, instance) -> dict:
        # Re-read through the list queryset, so a response carries the same prefetches and annotations.
        fresh = self.get_queryset().get(pk=instance.pk)
        return self.serializer_class(fresh, context=self.get_serializer_context()).data

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        instance = self.perform_create(serializer)
        return Response(self._read(instance), status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        instance = self.get_object()  # 404, then the object permission, before the input is looked at
        serializer = self.get_serializer(instance, data=request.data, partial=kwargs.pop("partial", False))
        serializer.is_valid(raise_exception=True)
        instance = self.perform_update(serializer)
        return Response(self._read(instance))

    def perform_create(self, serializer):
        raise NotImplementedError

    def perform_update(self, serializer):
        raise NotImplementedError


def crud_schema(read, write, name: str, create_example: dict | None = None, update_example: dict | None = None):
    """The schema of a CatalogViewSet: the write serializer in, the read serializer out."""
    create_examples = [OpenApiExample(f"Create a {name}", value=create_example, request_only=True)]
    update_examples = [OpenApiExample(f"Change a {name}", value=update_example, request_only=True)]
    errors = {
        400: OpenApiResponse(description="Field errors, as {field: [messages]}; nothing was written"),
        403: OpenApiResponse(description="Signed in, but not allowed to change this"),
    }
    return extend_schema_view(
        list=extend_schema(summary=f"List {name}s"),
        retrieve=extend_schema(summary=f"One {name}", responses={200: read, 404: None}),
        create=extend_schema(
            summary=f"Create a {name}",
            request=write,
            responses={201: read, **errors},
            examples=create_examples if create_example else None,
        ),
        update=extend_schema(summary=f"Replace a {name}", request=write, responses={200: read, **errors}),
        partial_update=extend_schema(
            summary=f"Change a {name}",
            request=write,
            responses={200: read, **errors},
            examples=update_examples if update_example else None,
        ),
        destroy=extend_schema(summary=f"Delete a {name}", responses={204: None, 403: errors[403]}),
    )


#
# Teams, people, memberships, domains, systems
#


@crud_schema(
    s.TeamSerializer,
    s.TeamWriteSerializer,
    "team",
    create_example={
        "name": "Streaming",
        "parent": "data-infrastructure",
        "email": "streaming@example.com",
        "chat_channel": "#streaming",
        "description": "Kafka, Flink and the CDC connectors.",
    },
    update_example={"chat_channel": "#data-platform-oncall"},
)
class TeamViewSet(CatalogViewSet):
    """Teams and subteams, their members, and the R1 flag (a subteam of three or more engineers without a
    subteam lead)."""

    serializer_class = s.TeamSerializer
    write_serializer_class = s.TeamWriteSerializer
    permission_classes = [permissions.IsAuthenticated, TeamPermission]
    filterset_class = TeamFilterSet
    ordering_fields = ["name"]
    ordering = ["name"]

    def get_queryset(self) -> QuerySet[Team]:
        if getattr(self, "swagger_fake_view", False):
            return Team.objects.none()
        return selectors.team_queryset().prefetch_related(
            Prefetch("memberships", queryset=Membership.objects.select_related("person").order_by("role", "id")),
            Prefetch("subteams", queryset=Team.objects.only("id", "slug", "parent_id").order_by("name")),
        )

    def perform_create(self, serializer) -> Team:
        return services.team_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer) -> Team:
        return services.team_update(actor=self.request.user, team=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance: Team) -> None:
        services.team_delete(actor=self.request.user, team=instance)


@crud_schema(
    s.PersonSerializer,
    s.PersonWriteSerializer,
    "person",
    create_example={
        "full_name": "Noor Haddad",
        "title": "Data Engineer",
        "email": "noor@example.com",
        "chat_handle": "@noor",
        "user": "noor",
    },
    update_example={"title": "Senior Data Engineer"},
)
class PersonViewSet(CatalogViewSet):
    """People the catalog can name. The lead creates and deletes them; a person edits their own record."""

    serializer_class = s.PersonSerializer
    write_serializer_class = s.PersonWriteSerializer
    permission_classes = [permissions.IsAuthenticated, PersonPermission]
    filterset_class = PersonFilterSet
    ordering_fields = ["full_name"]
    ordering = ["full_name"]

    def get_queryset(self) -> QuerySet[Person]:
        if getattr(self, "swagger_fake_view", False):
            return Person.objects.none()
        return Person.objects.select_related("user").prefetch_related(
            Prefetch("memberships", queryset=Membership.objects.select_related("team").order_by("team__name"))
        )

    def _check_user_link(self, serializer) -> None:
        if "user" in serializer.validated_data and not is_lead(self.request.user):
            current = serializer.instance.user if serializer.instance else None
            if serializer.validated_data["user"] != current:
                raise PermissionDenied("Only the lead links a person to a login.")

    def perform_create(self, serializer) -> Person:
        return services.person_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer) -> Person:
        self._check_user_link(serializer)
        return services.person_update(actor=self.request.user, person=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance: Person) -> None:
        services.person_delete(actor=self.request.user, person=instance)


@crud_schema(
    s.MembershipSerializer,
    s.MembershipWriteSerializer,
    "membership",
    create_example={"team": "data-platform", "person": "kim", "role": "subteam_lead"},
    update_example={"role": "member"},
)
class MembershipViewSet(CatalogViewSet):
    """Who belongs to which team, and as what. The team's group (its edit grants) follows every change."""

    serializer_class = s.MembershipSerializer
    write_serializer_class = s.MembershipWriteSerializer
    permission_classes = [permissions.IsAuthenticated, MembershipPermission]
    filterset_class = MembershipFilterSet
    lookup_field = "pk"
    ordering_fields = ["id", "role"]
    ordering = ["id"]

    def get_queryset(self) -> QuerySet[Membership]:
        if getattr(self, "swagger_fake_view", False):
            return Membership.objects.none()
        return Membership.objects.select_related("team", "person")

    def perform_create(self, serializer) -> Membership:
        team = serializer.validated_data["team"]
        if not can_manage_team(self.request.user, team):
            raise PermissionDenied(MembershipPermission.message)
        return services.membership_set(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer) -> Membership:
        membership = serializer.instance
        role = serializer.validated_data.get("role", membership.role)
        return services.membership_set(
            actor=self.request.user, team=membership.team, person=membership.person, role=role
        )

    def perform_destroy(self, instance: Membership) -> None:
        services.membership_remove(actor=self.request.user, membership=instance)


@crud_schema(
    s.DomainSerializer,
    s.DomainWriteSerializer,
    "domain",
    create_example={"name": "Finance", "description": "Revenue, billing and the ledger."},
    update_example={"description": "Revenue, billing, the ledger and forecasting."},
)
class DomainViewSet(CatalogViewSet):
    """Business areas the catalog is browsed by. The lead writes."""

    serializer_class = s.DomainSerializer
    write_serializer_class = s.DomainWriteSerializer
    permission_classes = [permissions.IsAuthenticated, LeadWritesPermission]
    filterset_class = DomainFilterSet
    ordering_fields = ["name"]
    ordering = ["name"]

    def get_queryset(self) -> QuerySet[Domain]:
        return Domain.objects.all()

    def perform_create(self, serializer) -> Domain:
        return services.domain_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer) -> Domain:
        return services.domain_update(actor=self.request.user, domain=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance: Domain) -> None:
        services.domain_delete(actor=self.request.user, domain=instance)


@crud_schema(
    s.SystemSerializer,
    s.SystemWriteSerializer,
    "system",
    create_example={"name": "Lakehouse", "domain": "finance", "description": "Iceberg tables on S3, queried by Trino."},
    update_example={"domain": None},
)
class SystemViewSet(CatalogViewSet):
    """Services and data products that together deliver one capability. The lead writes."""

    serializer_class = s.SystemSerializer
    write_serializer_class = s.SystemWriteSerializer
    permission_classes = [permissions.IsAuthenticated, LeadWritesPermission]
    filterset_class = SystemFilterSet
    ordering_fields = ["name"]
    ordering = ["name"]

    def get_queryset(self) -> QuerySet[System]:
        return System.objects.select_related("domain")

    def perform_create(self, serializer) -> System:
        return services.system_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer) -> System:
        return services.system_update(actor=self.request.user, system=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance: System) -> None:
        services.system_delete(actor=self.request.user, system=instance)


#
# Services and data products
#


class EntityViewSet(CatalogViewSet):
    """Services and data products: the owning team (R or A) or the lead edits; everyone signed in reads."""

    model: type[Entity] = Entity
    permission_classes = [permissions.IsAuthenticated, CatalogEntityPermission]
    ordering_fields = ["name", "tier", "updated"]
    ordering = ["name"]

    def get_queryset(self) -> QuerySet:
        # Writes and actions work on plain model instances; reads go through read_model.
        return self.model.objects.all()

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # The filters and the ordering are the list's; a detail is found by its slug alone.
        if self.action != "list":
            return queryset
        backends = self.filter_backends
        if not self._named_filters():
            # No filter asked for: skip building and validating the filter form (about 1 ms); ordering applies.
            backends = [b for b in backends if not issubclass(b, DjangoFilterBackend)]
        for backend in backends:
            queryset = backend().filter_queryset(self.request, queryset, self)
        return queryset

    def _named_filters(self) -> set[str]:
        """The list's filters that the query string names (empty or not)."""
        return set(self.filterset_class.base_filters) & set(self.request.query_params)

    def list(self, request, *args, **kwargs):
        team = team_lists.team_alone(request.query_params, self._named_filters())
        as_json = request.accepted_renderer.format == "json"  # not the browsable API, which names the user
        # Every signed-in user sees the same JSON list, so one cached body per URL and catalog generation serves
        # all of them, sent as it was rendered. Not a team's own list: it is read in about the time a cache miss
        # costs (team_lists.py) and its URLs seldom repeat, so caching it would cost more than it saves.
        cached = as_json and team is None
        url, media_type = request.build_absolute_uri(), request.accepted_media_type  # e.g. "...; indent=2"
        body, slot = catalog_cache.lookup("api", self.basename, media_type, url) if cached else (None, None)
        if body is None:
            # Page plain ids in the requested order first, then read those entities' stored documents
            # (documents.py).
            found = documents.read(self.model, self._page_of_ids(team))
            envelope = self.get_paginated_response([]).data
            if not as_json:
                envelope["results"] = self._parsed(found)
                return Response(envelope)
            body = self._rendered(found, envelope)
            catalog_cache.put(slot, body)  # no slot: not cached
        return HttpResponse(body, content_type=request.accepted_renderer.media_type)

    def _page_of_ids(self, team: str | None) -> Sequence[int]:
        if team is not None:
            # The team's own list (team_lists.py), in the order the list's ordering filter gives.
            ordering = tuple(StableOrderingFilter().get_ordering(self.request, read_model.listed(self.model), self))
            try:
                return self.paginate_queryset(team_lists.TeamIds(self.model, team, ordering))
            except (team_lists.UnknownTeam, NotFound):
                pass  # the filter below answers: its 400 for an unknown team comes before a page's 404
        # Other filters: their count and ids are planned for their values (not prepared), as a filter on a rare
        # value and one on a common value want different plans, which one generic plan would not give them.
        ordered = self.filter_queryset(read_model.listed(self.model))
        return self.paginate_queryset(ordered.values_list("pk", flat=True))

    def retrieve(self, request, *args, **kwargs):
        # Reading is open to every signed-in user (CatalogEntityPermission allows safe methods on any object).
        found = documents.read_by_slug(self.model, kwargs[self.lookup_field])
        if found is None:
            raise NotFound(f"No {self.model._meta.verbose_name} with slug '{kwargs[self.lookup_field]}'.")
        if self._compact_json():
            return HttpResponse(self._completed([found])[0], content_type=request.accepted_renderer.media_type)
        return Response(self._parsed([found])[0])

    def _compact_json(self) -> bool:
        """Whether the response is JSON text the stored documents can be spliced into as they are."""
        renderer = self.request.accepted_renderer
        # DRF's own renderer only, compact (the stored bodies are its output), and not indented for this request.
        return (
            type(renderer) is JSONRenderer
            and renderer.compact
            and renderer.get_indent(self.request.accepted_media_type, {}) is None
        )

    def _completed(self, found: Sequence[tuple[str, str]]) -> Sequence[str]:  # list() is a method here
        """The stored bodies completed with their links, as JSON text (the links worked out once per response)."""
        links = self.get_serializer().link_templates().json
        return [documents.with_links(body, slug, links) for slug, body in found]

    def _parsed(self, found: Sequence[tuple[str, str]]) -> Sequence[dict]:
        """The documents as data, for the browsable API and indented JSON."""
        serializer = self.get_serializer()
        return [json.loads(body) | {"links": serializer.links_of(slug)} for slug, body in found]

    def _rendered(self, found: Sequence[tuple[str, str]], envelope: dict) -> bytes:
        renderer, media_type = self.request.accepted_renderer, self.request.accepted_media_type
        if not self._compact_json():
            envelope["results"] = self._parsed(found)
            return renderer.render(envelope, media_type)
        head = renderer.render(envelope, media_type)  # count, next, previous, results: []
        return head[:-2] + ",".join(self._completed(found)).encode() + b"]}"

    def _read(self, instance) -> dict:
        row = read_model.rows_in_order(self.model, [instance.pk])[0]
        return self.serializer_class(row, context=self.get_serializer_context()).data

    def perform_destroy(self, instance: Entity) -> None:
        services.entity_delete(actor=self.request.user, entity=instance)

    @extend_schema(
        methods=["GET"],
        summary="The runbook",
        responses={200: s.RunbookSerializer, 404: OpenApiResponse(description="No runbook yet")},
    )
    @extend_schema(
        methods=["PUT"],
        summary="Create or replace the runbook",
        request=s.RunbookWriteSerializer,
        responses={200: s.RunbookSerializer, 400: OpenApiResponse(description="Field errors; nothing was written")},
        examples=[
            OpenApiExample(
                "A pipeline's runbook",
                request_only=True,
                value={
                    "sla": "Refreshed before 7 AM daily",
                    "related_dashboards": "Grafana: Pipelines, Superset: Orders freshness",
                    "summary": "Loads yesterday's orders from Kafka into the lakehouse.",
                    "alerts": [
                        {
                            "alert": "daily_orders_pipeline FAILED",
                            "steps": [
                                {"instruction": "Check the Airflow logs of the failed task", "command": ""},
                                {
                                    "instruction": "Re-run from the failed task",
                                    "command": "airflow tasks clear daily_orders -t load -s yesterday",
                                },
                            ],
                        }
                    ],
                    "escalation_contacts": [
                        {
                            "situation": "Not fixed in 30 min",
                            "target": "Data Engineering on call",
                            "contact_method": "Page",
                        }
                    ],
                },
            )
        ],
    )
    @action(detail=True, methods=["get", "put"])
    def runbook(self, request, slug=None):
        entity = self.get_object()
        if request.method == "PUT":
            serializer = s.RunbookWriteSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            services.runbook_save(actor=request.user, entity=entity, **serializer.validated_data)
        runbook = (
            Runbook.objects.prefetch_related("alerts__steps", "escalation_contacts").filter(entity_id=entity.pk).first()
        )
        if runbook is None:
            raise NotFound("This entity has no runbook yet.")
        prefetch_related_objects([entity], selectors.owners_prefetch())  # the runbook shows the Accountable
        runbook.entity = entity
        return Response(s.RunbookSerializer(runbook, context=self.get_serializer_context()).data)

    @extend_schema(summary="Upstream and downstream dependencies, to any depth", responses=s.DependenciesSerializer)
    @action(detail=True, methods=["get"])
    def dependencies(self, request, slug=None):
        entity = self.get_object()
        return Response(s.DependenciesSerializer((entity, selectors.dependency_graph(entity))).data)


SERVICE_EXAMPLE = {
    "name": "Kafka",
    "kind": "platform_component",
    "tier": 1,
    "lifecycle": "production",
    "description": "The event backbone: three brokers on Kubernetes.",
    "repository_url": "https://gitlab.example.com/data-platform/kafka",
    "docs_url": "https://docs.example.com/kafka",
    "domain": "finance",
    "system": "lakehouse",
    "owners": [
        {"person": "kim", "role": "A"},
        {"team": "data-platform", "role": "R"},
        {"team": "data-engineering", "role": "C"},
    ],
    "depends_on": ["zookeeper"],
}


@crud_schema(
    s.ServiceSerializer,
    s.ServiceWriteSerializer,
    "service",
    create_example=SERVICE_EXAMPLE,
    update_example={"tier": 2, "owners": [{"team": "data-platform", "role": "A"}, {"person": "sara", "role": "R"}]},
)
class ServiceViewSet(EntityViewSet):
    """Platform components, pipelines, ML models, dashboards, APIs and Kafka topics, with their RACI owners."""

    model = Service
    serializer_class = s.ServiceSerializer
    write_serializer_class = s.ServiceWriteSerializer
    filterset_class = ServiceFilterSet

    def perform_create(self, serializer) -> Service:
        return services.service_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer) -> Service:
        return services.service_update(
            actor=self.request.user, service=serializer.instance, **serializer.validated_data
        )


DATA_PRODUCT_EXAMPLE = {
    "name": "Daily revenue",
    "tier": 1,
    "description": "Revenue per day, country and channel, from the ledger.",
    "domain": "finance",
    "quality_sla": "Refreshed before 7 AM daily; completeness > 99.5 %",
    "documentation": "## How to use it\nJoin on `country_code`.",
    "documentation_url": "https://docs.example.com/data-products/daily-revenue",
    "owners": [{"team": "data-engineering", "role": "A"}, {"person": "lee", "role": "R"}],
    "consumers": [{"team": "bi-services", "purpose": "Board revenue report"}, {"person": "rachel"}],
    "output_datasets": [
        {"name": "lakehouse.finance.fct_daily_revenue", "location": "iceberg://warehouse/finance/fct_daily_revenue"}
    ],
    "contract_fields": [
        {"name": "day", "type": "date", "nullable": False, "description": "UTC day", "quality_rules": ["not_null"]},
        {"name": "revenue_eur", "type": "decimal", "nullable": False, "quality_rules": ["min: 0"]},
    ],
    "depends_on": ["kafka"],
}


@crud_schema(
    s.DataProductSerializer,
    s.DataProductWriteSerializer,
    "data product",
    create_example=DATA_PRODUCT_EXAMPLE,
    update_example={"quality_sla": "Refreshed before 6 AM daily"},
)
class DataProductViewSet(EntityViewSet):
    """Data products: consumers, output datasets, a data contract and a version history. Publishing checks R10."""

    model = DataProduct
    serializer_class = s.DataProductSerializer
    write_serializer_class = s.DataProductWriteSerializer
    filterset_class = DataProductFilterSet

    def perform_create(self, serializer) -> DataProduct:
        return services.data_product_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer) -> DataProduct:
        return services.data_product_update(
            actor=self.request.user, product=serializer.instance, **serializer.validated_data
        )

    @extend_schema(
        summary="Publish (R10: needs a consumer, an SLO, a version and documentation)",
        request=None,
        responses={
            200: s.DataProductSerializer,
            400: OpenApiResponse(description='{"lifecycle": ["Cannot publish ...: it needs an SLO, ..."]}'),
        },
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, slug=None):
        product = self.get_object()
        services.data_product_publish(actor=request.user, product=product)
        return Response(self._read(product))

    @extend_schema(
        summary="Add a version",
        request=s.DataProductVersionWriteSerializer,
        responses={201: s.DataProductVersionSerializer, 400: OpenApiResponse(description="Field errors")},
        examples=[
            OpenApiExample(
                "A minor release",
                request_only=True,
                value={"version": "1.4.0", "changelog": "Adds `channel`.", "released_at": "2025-03-01"},
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def versions(self, request, slug=None):
        product = self.get_object()
        serializer = s.DataProductVersionWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = services.data_product_version_add(actor=request.user, product=product, **serializer.validated_data)
        return Response(s.DataProductVersionSerializer(version).data, status=status.HTTP_201_CREATED)
