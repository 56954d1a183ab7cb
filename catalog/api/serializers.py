"""Serializers of the catalog API: read serializers for responses, write serializers that only check shapes and
resolve slugs. The rules (R9, R10, ...) are the services' job, so the forms and the API share them."""

from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db import models
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.reverse import reverse
from rest_framework.settings import api_settings
from rest_framework.utils.urls import replace_query_param

from catalog import rules, selectors
from catalog.api import read_model
from catalog.choices import (
    DATA_PRODUCT_LIFECYCLES,
    SERVICE_KINDS,
    SERVICE_LIFECYCLES,
    EntityKind,
    FieldType,
    Lifecycle,
    MembershipRole,
    RaciRole,
    Tier,
)
from catalog.models import (
    ContractField,
    DataProduct,
    DataProductVersion,
    Domain,
    Entity,
    Membership,
    OutputDataset,
    Person,
    Runbook,
    Service,
    System,
    Team,
)
from catalog.models.dataproducts import semver_key
from catalog.rules import OwnerSpec
from portal.api.fields import EnumField

User = get_user_model()


def _slug_field(model, what: str, **kwargs) -> serializers.SlugRelatedField:
    """A reference by slug whose error names what was not found: "no domain with slug 'x'"."""
    return serializers.SlugRelatedField(
        slug_field="slug",
        queryset=model.objects.all(),
        error_messages={"does_not_exist": f"no {what} with slug '{{value}}'"},
        **kwargs,
    )


class PartyType(models.TextChoices):
    TEAM = "team", "Team"
    PERSON = "person", "Person"


def _flat_errors(path: str, detail) -> list[str]:
    """Nested list errors as "contract_fields[1].type: message", the shape owners and depends_on errors have."""
    if isinstance(detail, dict):
        return [
            message
            for key, value in detail.items()
            for message in _flat_errors(f"{path}[{key}]" if str(key).isdigit() else f"{path}.{key}", value)
        ]
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return [f"{path}: {message}" for message in detail]
        return [message for i, item in enumerate(detail) if item for message in _flat_errors(f"{path}[{i}]", item)]
    return [f"{path}: {detail}"]


class FlatErrorsMixin:
    """Reports errors inside nested lists as flat messages that name the row and the key."""

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if not isinstance(exc.detail, dict):
                raise
            flat = {
                field: value
                if isinstance(value, list) and all(isinstance(v, str) for v in value)
                else (_flat_errors(field, value))
                for field, value in exc.detail.items()
            }
            raise serializers.ValidationError(flat) from None


#
# Parties (teams and people) and owners
#


def party_data(party: Team | Person) -> dict:
    if isinstance(party, Team):
        return {
            "type": "team",
            "slug": party.slug,
            "name": party.name,
            "email": party.email,
            "chat": party.chat_channel,
        }
    return {
        "type": "person",
        "slug": party.slug,
        "name": party.full_name,
        "email": party.email,
        "chat": party.chat_handle,
    }


class PartySerializer(serializers.Serializer):
    """A team or a person, as owners and consumers are shown."""

    type = EnumField(PartyType)
    slug = serializers.SlugField()
    name = serializers.CharField()
    email = serializers.CharField(help_text="May be empty")
    chat = serializers.CharField(help_text="Chat channel of a team (#data-platform) or handle of a person (@kim)")

    def to_representation(self, instance):
        return party_data(instance)


class OwnersSerializer(serializers.Serializer):
    """An entity's RACI by role (R9: one Accountable, at least one Responsible)."""

    accountable = PartySerializer(allow_null=True)
    responsible = PartySerializer(many=True)
    consulted = PartySerializer(many=True)
    informed = PartySerializer(many=True)


class OwnerInputSerializer(serializers.Serializer):
    """Documentation only: one RACI row as written (a team or a person, by slug, and a role)."""

    team = serializers.SlugField(required=False, help_text="A team's slug (or give person)")
    person = serializers.SlugField(required=False, help_text="A person's slug (or give team)")
    role = EnumField(RaciRole)


class ConsumerInputSerializer(serializers.Serializer):
    """Documentation only: one consumer as written (a team or a named stakeholder, by slug)."""

    team = serializers.SlugField(required=False)
    person = serializers.SlugField(required=False)
    purpose = serializers.CharField(required=False, allow_blank=True, max_length=200)


class _PartyListField(serializers.Field):
    """A list of {"team": slug} or {"person": slug} objects with extra keys; slugs resolved in two queries.

    Every problem is reported as "<field>[<index>].<key>: ...", so a client knows which row to fix.
    """

    extra_keys: tuple[str, ...] = ()

    def to_internal_value(self, data):
        if not isinstance(data, list):
            raise serializers.ValidationError('Expected a list of objects such as {"team": "<slug>"}.')
        errors: list[str] = []
        rows: list[tuple[int, dict]] = []
        for index, item in enumerate(data):
            path = f"{self.field_name}[{index}]"
            if not isinstance(item, dict):
                errors.append(f'{path}: expected an object such as {{"team": "<slug>"}}.')
                continue
            unknown = sorted(set(item) - {"team", "person", *self.extra_keys})
            if unknown:
                errors.append(f"{path}: unknown key(s) {', '.join(unknown)}.")
            has_team, has_person = bool(item.get("team")), bool(item.get("person"))
            if has_team == has_person:
                errors.append(f'{path}: give either "team" or "person" (a slug), not both or neither.')
                continue
            if not isinstance(item.get("team") or item.get("person"), str):
                errors.append(f"{path}: a slug is a string.")
                continue
            errors.extend(self.check_extra(path, item))
            rows.append((index, item))
        teams = {t.slug: t for t in Team.objects.filter(slug__in=[i["team"] for _, i in rows if i.get("team")])}
        people = {p.slug: p for p in Person.objects.filter(slug__in=[i["person"] for _, i in rows if i.get("person")])}
        resolved = []
        for index, item in rows:
            key = "team" if item.get("team") else "person"
            party = (teams if key == "team" else people).get(item[key])
            if party is None:
                errors.append(f"{self.field_name}[{index}].{key}: no {key} with slug '{item[key]}'")
                continue
            resolved.append(self.build(key, party, item))
        if errors:
            raise serializers.ValidationError(errors)
        return resolved

    def check_extra(self, path: str, item: dict) -> list[str]:
        return []

    def build(self, key: str, party, item: dict):
        raise NotImplementedError

    def to_representation(self, value):  # write-only in practice; responses use the read serializers
        return value


@extend_schema_field(OwnerInputSerializer(many=True))
class OwnersField(_PartyListField):
    """Owners as written: [{"team": "data-platform", "role": "A"}, {"person": "kim", "role": "R"}] -> OwnerSpec."""

    extra_keys = ("role",)

    def check_extra(self, path: str, item: dict) -> list[str]:
        if item.get("role") not in RaciRole.values:
            return [f"{path}.role: '{item.get('role', '')}' is not a RACI role: use R, A, C or I."]
        return []

    def build(self, key: str, party, item: dict) -> OwnerSpec:
        return OwnerSpec(role=item["role"], **{key: party})


@extend_schema_field(ConsumerInputSerializer(many=True))
class ConsumersField(_PartyListField):
    """Consumers as written: [{"team": "bi-services", "purpose": "Board revenue report"}] -> service dicts."""

    extra_keys = ("purpose",)

    def check_extra(self, path: str, item: dict) -> list[str]:
        purpose = item.get("purpose", "")
        if not isinstance(purpose, str):
            return [f"{path}.purpose: a purpose is text."]
        if len(purpose) > 200:
            return [f"{path}.purpose: at most 200 characters."]
        return []

    def build(self, key: str, party, item: dict) -> dict:
        return {key: party, "purpose": item.get("purpose", "")}


@extend_schema_field({"type": "array", "items": {"type": "string", "pattern": r"^[-a-zA-Z0-9_]+$"}})
class DependsOnField(serializers.Field):
    """Entity slugs -> entities (services or data products), in one query."""

    def to_internal_value(self, data):
        if not isinstance(data, list) or not all(isinstance(s, str) for s in data):
            raise serializers.ValidationError("Expected a list of entity slugs.")
        found = {e.slug: e for e in Entity.objects.filter(slug__in=data)}
        errors = [
            f"{self.field_name}[{index}]: no service or data product with slug '{slug}'"
            for index, slug in enumerate(data)
            if slug not in found
        ]
        if errors:
            raise serializers.ValidationError(errors)
        return list({slug: found[slug] for slug in data}.values())  # in order, each once

    def to_representation(self, value):
        return value


#
# Teams, people, memberships, domains, systems
#


class TeamMemberSerializer(serializers.ModelSerializer):
    membership = serializers.IntegerField(source="id", help_text="The membership's id (for memberships/{id}/)")
    person = serializers.SlugField(source="person.slug")
    full_name = serializers.CharField(source="person.full_name")
    role = EnumField(MembershipRole)

    class Meta:
        model = Membership
        fields = ["membership", "person", "full_name", "role"]


class TeamSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    subteams = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    members = TeamMemberSerializer(source="memberships", many=True, read_only=True)
    flags = serializers.SerializerMethodField(help_text="What the team should fix (R1)")
    needs_subteam_lead = serializers.SerializerMethodField(
        help_text="R1/R2: a subteam with three or more engineers and no subteam lead"
    )

    class Meta:
        model = Team
        fields = [
            "slug",
            "name",
            "parent",
            "subteams",
            "description",
            "email",
            "chat_channel",
            "members",
            "flags",
            "needs_subteam_lead",
        ]

    def get_flags(self, team: Team) -> list[str]:
        return selectors.team_flags(team)

    def get_needs_subteam_lead(self, team: Team) -> bool:
        return rules.needs_subteam_lead(
            is_subteam=team.parent_id is not None,
            engineers=team.engineer_count,
            subteam_leads=team.subteam_lead_count,
        )


class TeamWriteSerializer(serializers.ModelSerializer):
    slug = serializers.SlugField(max_length=100, required=False, help_text="Made from the name when left out")
    parent = _slug_field(Team, "team", required=False, allow_null=True)

    class Meta:
        model = Team
        fields = ["name", "slug", "parent", "description", "email", "chat_channel"]
        extra_kwargs = {"name": {"validators": []}}  # uniqueness is the model's (services run full_clean)


class PersonMembershipSerializer(serializers.ModelSerializer):
    membership = serializers.IntegerField(source="id")
    team = serializers.SlugField(source="team.slug")
    team_name = serializers.CharField(source="team.name")
    role = EnumField(MembershipRole)

    class Meta:
        model = Membership
        fields = ["membership", "team", "team_name", "role"]


class PersonSerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(slug_field="username", read_only=True, help_text="The login, if any")
    memberships = PersonMembershipSerializer(many=True, read_only=True)

    class Meta:
        model = Person
        fields = ["slug", "full_name", "title", "email", "chat_handle", "user", "memberships"]


class PersonWriteSerializer(serializers.ModelSerializer):
    slug = serializers.SlugField(max_length=150, required=False, help_text="Made from the full name when left out")
    user = serializers.SlugRelatedField(
        slug_field="username",
        queryset=User.objects.all(),
        required=False,
        allow_null=True,
        error_messages={"does_not_exist": "no user with username '{value}'"},
        help_text="The login to link (the lead only)",
    )

    class Meta:
        model = Person
        fields = ["full_name", "slug", "title", "email", "chat_handle", "user"]


class MembershipSerializer(serializers.ModelSerializer):
    team = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    person = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    person_name = serializers.CharField(source="person.full_name", read_only=True)
    role = EnumField(MembershipRole, read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "team", "person", "person_name", "role"]


class MembershipWriteSerializer(serializers.ModelSerializer):
    team = _slug_field(Team, "team")
    person = _slug_field(Person, "person")
    role = EnumField(MembershipRole, default=MembershipRole.MEMBER)

    class Meta:
        model = Membership
        fields = ["team", "person", "role"]
        validators = []  # membership_set adds or changes a role: an existing pair is not an error

    def validate(self, attrs):
        if self.instance is not None:
            for key in ("team", "person"):
                if key in attrs and attrs[key] != getattr(self.instance, key):
                    raise serializers.ValidationError(
                        {key: "A membership's team and person are fixed: remove it and add a new one."}
                    )
        return attrs


class DomainSerializer(serializers.ModelSerializer):
    class Meta:
        model = Domain
        fields = ["slug", "name", "description"]


class DomainWriteSerializer(serializers.ModelSerializer):
    slug = serializers.SlugField(max_length=100, required=False)

    class Meta:
        model = Domain
        fields = ["name", "slug", "description"]
        extra_kwargs = {"name": {"validators": []}}


class SystemSerializer(serializers.ModelSerializer):
    domain = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = System
        fields = ["slug", "name", "description", "domain"]


class SystemWriteSerializer(serializers.ModelSerializer):
    slug = serializers.SlugField(max_length=100, required=False)
    domain = _slug_field(Domain, "domain", required=False, allow_null=True)

    class Meta:
        model = System
        fields = ["name", "slug", "description", "domain"]
        extra_kwargs = {"name": {"validators": []}}


#
# Entities: services and data products
#


class EntityLinksSerializer(serializers.Serializer):
    self = serializers.URLField()
    html = serializers.CharField(allow_null=True, help_text="The entity's page in the portal")
    runbook = serializers.URLField()
    dependencies = serializers.URLField()


LINK_SLUG = "--slug--"  # a placeholder no real slug contains (slugs are checked with SlugField)


class LinkTemplates(NamedTuple):
    """An entity's links with LINK_SLUG where its slug goes: as a dict, and as the JSON text of that dict."""

    urls: dict[str, str | None]
    json: str


@lru_cache(maxsize=64)
def _link_templates(
    api_basename: str, model: type[Entity], origin: str, fmt: str | None, *url_context
) -> LinkTemplates:
    """An entity's URLs with a placeholder slug, reversed once per process, origin (scheme and host) and `?format=`
    (kept on API links, as DRF's reverse() keeps it; the script prefix and URLconf, which reverse() reads, are in the
    key too) rather than on every response; with their JSON text, which stored documents are completed with."""
    kind = EntityKind.DATA_PRODUCT if model is DataProduct else ""  # the page's URL tells only these apart
    try:
        html = model(slug=LINK_SLUG, kind=kind).get_absolute_url()
    except NoReverseMatch:  # the page is not there (yet): the API does not depend on it
        html = None
    routes = (("self", "detail"), ("runbook", "runbook"), ("dependencies", "dependencies"))
    templates = {name: origin + reverse(f"{api_basename}-{route}", args=[LINK_SLUG]) for name, route in routes}
    if fmt is not None:
        templates = {
            name: replace_query_param(url, api_settings.URL_FORMAT_OVERRIDE, fmt) for name, url in templates.items()
        }
    templates |= {"html": origin + html if html is not None else None}
    return LinkTemplates(templates, JSONRenderer().render(templates).decode())


class EntitySerializer(serializers.ModelSerializer):
    """What services and data products share on reads.

    Reads rows of `catalog.api.read_model.rows()` (owners and dependencies as JSON columns) and builds plain dicts:
    DRF's per-field machinery was most of a page's time (docs/benchmarks.md). The declared fields document the
    shape for the schema; `document` writes it, but the links, which depend on the request: lists and details
    store that part (catalog/api/documents.py) and add the links per response.
    """

    api_basename = ""  # the router basename of the concrete viewset

    kind = EnumField(EntityKind, read_only=True)
    tier = EnumField(Tier, read_only=True)
    lifecycle = EnumField(Lifecycle, read_only=True)
    domain = serializers.SlugField(read_only=True, allow_null=True)
    system = serializers.SlugField(read_only=True, allow_null=True)
    owners = OwnersSerializer(read_only=True)
    depends_on = serializers.ListField(
        child=serializers.SlugField(), read_only=True, help_text="What this entity depends on (slugs)"
    )
    dependents = serializers.ListField(
        child=serializers.SlugField(), read_only=True, help_text="What depends on this entity (slugs)"
    )
    flags = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="R11: what a tier-1 entity lacks (an owner, a runbook)"
    )
    has_runbook = serializers.BooleanField(read_only=True)
    links = EntityLinksSerializer(read_only=True)

    entity_fields = [
        "slug",
        "name",
        "kind",
        "tier",
        "lifecycle",
        "description",
        "domain",
        "system",
        "owners",
        "depends_on",
        "dependents",
        "flags",
        "has_runbook",
        "created",
        "updated",
    ]  # then the model's own fields, then "links" (last: a stored document is completed with them)
    own_fields: tuple[str, ...] = ()  # the concrete model's plain fields, copied as they are

    def to_representation(self, entity) -> dict:
        return {**self.document(entity), "links": self.links_of(entity.slug)}

    def document(self, entity) -> dict:
        """All but the links."""
        owners = read_model.owners(entity)
        return {
            "slug": entity.slug,
            "name": entity.name,
            "kind": entity.kind,
            "tier": entity.tier,
            "lifecycle": entity.lifecycle,
            "description": entity.description,
            "domain": entity.domain_slug,
            "system": entity.system_slug,
            "owners": owners,
            "depends_on": sorted(entity.depends_on_slugs or []),
            "dependents": sorted(entity.dependent_slugs or []),
            "flags": rules.tier1_gaps(
                tier=entity.tier, has_accountable=owners["accountable"] is not None, has_runbook=entity.has_runbook
            ),
            "has_runbook": entity.has_runbook,
            "created": self._datetime(entity.created),
            "updated": self._datetime(entity.updated),
            **{name: getattr(entity, name) for name in self.own_fields},
        }

    def link_templates(self) -> LinkTemplates:
        """The links of this response's entities, with a placeholder slug."""
        where = self.context.get("_origin")
        if where is None:  # once per response (the context is the list's)
            request = self.context.get("request")
            origin = request.build_absolute_uri("/")[:-1] if request is not None else ""  # else links are paths
            override = api_settings.URL_FORMAT_OVERRIDE
            fmt = request.GET.get(override) if request is not None and override else None
            where = self.context["_origin"] = (origin, fmt)
        model = self.Meta.model  # rows are plain records (read_model), not instances
        return _link_templates(self.api_basename, model, *where, get_script_prefix(), get_urlconf())

    def _datetime(self, value: datetime | None) -> str | None:
        """As DRF's DateTimeField writes it (ISO 8601 in the current time zone, UTC as Z), looking the time zone up
        once per response rather than twice a row."""
        if value is None:
            return None
        zone = self.context.get("_zone")
        if zone is None:
            zone = self.context["_zone"] = timezone.get_current_timezone()
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    def links_of(self, slug: str) -> dict:
        return {name: url.replace(LINK_SLUG, slug) if url else url for name, url in self.link_templates().urls.items()}


class ServiceSerializer(EntitySerializer):
    api_basename = "catalog-service"
    own_fields = ("repository_url", "docs_url")

    class Meta:
        model = Service
        fields = [*EntitySerializer.entity_fields, "repository_url", "docs_url", "links"]


class ConsumerSerializer(serializers.Serializer):
    type = EnumField(PartyType)
    slug = serializers.SlugField()
    name = serializers.CharField()
    email = serializers.CharField()
    chat = serializers.CharField()
    purpose = serializers.CharField()

    def to_representation(self, instance):
        return {**party_data(instance.team or instance.person), "purpose": instance.purpose}


class OutputDatasetSerializer(serializers.ModelSerializer):
    class Meta:
        model = OutputDataset
        fields = ["name", "location"]
        validators = []  # duplicates are the service's to report


class ContractFieldSerializer(serializers.ModelSerializer):
    type = EnumField(FieldType)
    quality_rules = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, help_text='e.g. ["not_null", "min: 0"]'
    )

    class Meta:
        model = ContractField
        fields = ["name", "type", "nullable", "description", "quality_rules"]
        validators = []


class DataProductVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = DataProductVersion
        fields = ["version", "changelog", "released_at"]


class DataProductVersionWriteSerializer(serializers.Serializer):
    version = serializers.CharField(max_length=50, help_text="Semantic version, e.g. 1.4.0")
    changelog = serializers.CharField(required=False, allow_blank=True, help_text="Markdown")
    released_at = serializers.DateField(required=False, help_text="Defaults to today")


class DataProductSerializer(EntitySerializer):
    api_basename = "catalog-data-product"

    consumers = ConsumerSerializer(many=True, read_only=True)
    output_datasets = OutputDatasetSerializer(many=True, read_only=True)
    contract_fields = ContractFieldSerializer(many=True, read_only=True)
    versions = DataProductVersionSerializer(many=True, read_only=True, help_text="Newest first")
    current_version = serializers.SerializerMethodField(help_text="The highest semantic version")

    class Meta:
        model = DataProduct
        fields = [
            *EntitySerializer.entity_fields,
            "quality_sla",
            "documentation",
            "documentation_url",
            "consumers",
            "output_datasets",
            "contract_fields",
            "versions",
            "current_version",
            "links",
        ]

    own_fields = ("quality_sla", "documentation", "documentation_url")

    def document(self, product) -> dict:
        data = super().document(product)
        versions = read_model.versions(product)
        data.update(
            consumers=read_model.consumers(product),
            output_datasets=read_model.output_datasets(product),
            contract_fields=read_model.contract_fields(product),
            versions=versions,
            # The highest semantic version (on a tie, the newest), as selectors.current_version picks it.
            current_version=max(versions, key=lambda v: semver_key(v["version"])) if versions else None,
        )
        return data

    @extend_schema_field(DataProductVersionSerializer(allow_null=True))
    def get_current_version(self, product: DataProduct) -> dict | None:  # documents the field; see above
        return None


class EntityWriteSerializer(FlatErrorsMixin, serializers.ModelSerializer):
    """What services and data products share on writes; owners are required on create only."""

    slug = serializers.SlugField(max_length=200, required=False, help_text="Made from the name when left out")
    tier = EnumField(Tier, required=False)
    domain = _slug_field(Domain, "domain", required=False, allow_null=True)
    system = _slug_field(System, "system", required=False, allow_null=True)
    owners = OwnersField(
        required=False,
        help_text="RACI rows: exactly one A and at least one R (R9). Required on create; replaces all when given.",
    )
    depends_on = DependsOnField(required=False, help_text="Slugs of what this depends on; replaces all when given")

    entity_fields = ["name", "slug", "tier", "lifecycle", "description", "domain", "system", "owners", "depends_on"]

    def validate(self, attrs):
        if self.instance is None and "owners" not in attrs:
            raise serializers.ValidationError(
                {"owners": ["Name the owners: exactly one Accountable (A) and at least one Responsible (R)."]}
            )
        return attrs


class ServiceWriteSerializer(EntityWriteSerializer):
    kind = EnumField(EntityKind, help_text=f"One of: {', '.join(dict(SERVICE_KINDS))} (checked by the model)")
    lifecycle = EnumField(
        Lifecycle,
        required=False,
        help_text=f"One of: {', '.join(SERVICE_LIFECYCLES)}; defaults to production",
    )

    class Meta:
        model = Service
        fields = [*EntityWriteSerializer.entity_fields, "kind", "repository_url", "docs_url"]


class DataProductWriteSerializer(EntityWriteSerializer):
    lifecycle = EnumField(
        Lifecycle,
        required=False,
        help_text=f"One of: {', '.join(DATA_PRODUCT_LIFECYCLES)}; a new data product is a draft; publishing checks R10",
    )
    consumers = ConsumersField(required=False, help_text="Teams or named stakeholders; replaces all when given")
    output_datasets = OutputDatasetSerializer(many=True, required=False)
    contract_fields = ContractFieldSerializer(many=True, required=False)

    class Meta:
        model = DataProduct
        fields = [
            *EntityWriteSerializer.entity_fields,
            "quality_sla",
            "documentation",
            "documentation_url",
            "consumers",
            "output_datasets",
            "contract_fields",
        ]

    def validate(self, attrs):
        attrs = super().validate(attrs)
        # Nested serializers give OrderedDicts; the services take plain dicts.
        for key in ("output_datasets", "contract_fields"):
            if key in attrs:
                attrs[key] = [dict(row) for row in attrs[key]]
        return attrs


#
# Dependencies and runbooks
#


class DependencySerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    kind = serializers.CharField()
    tier = serializers.IntegerField()
    depth = serializers.IntegerField(help_text="1 for a direct link")


class DependenciesSerializer(serializers.Serializer):
    entity = serializers.SlugField()
    upstream = DependencySerializer(many=True, help_text="What the entity depends on, to any depth")
    downstream = DependencySerializer(many=True, help_text="What depends on the entity, to any depth")

    def to_representation(self, instance):
        entity, graph = instance

        def rows(pairs):
            return [{"slug": e.slug, "name": e.name, "kind": e.kind, "tier": e.tier, "depth": d} for e, d in pairs]

        return {"entity": entity.slug, "upstream": rows(graph.upstream), "downstream": rows(graph.downstream)}


class RunbookStepSerializer(serializers.Serializer):
    instruction = serializers.CharField()
    command = serializers.CharField(required=False, allow_blank=True, default="")


class AlertResponseSerializer(serializers.Serializer):
    alert = serializers.CharField(max_length=200, allow_blank=True, help_text='e.g. "daily_orders_pipeline FAILED"')
    steps = RunbookStepSerializer(many=True, help_text="In order; at least one")


class EscalationContactSerializer(serializers.Serializer):
    situation = serializers.CharField(max_length=200)
    target = serializers.CharField(max_length=200)
    contact_method = serializers.CharField(max_length=200)


class RunbookWriteSerializer(FlatErrorsMixin, serializers.Serializer):
    sla = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    related_dashboards = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    alerts = AlertResponseSerializer(many=True, required=False, default=list)
    escalation_contacts = EscalationContactSerializer(many=True, required=False, default=list)

    def validate(self, attrs):
        attrs["alerts"] = [{"alert": a["alert"], "steps": [dict(s) for s in a["steps"]]} for a in attrs["alerts"]]
        attrs["escalation_contacts"] = [dict(c) for c in attrs["escalation_contacts"]]
        return attrs


class RunbookSerializer(serializers.ModelSerializer):
    entity = serializers.SlugField(source="entity.slug", read_only=True)
    owner = serializers.SerializerMethodField(help_text="The entity's Accountable owner")
    alerts = AlertResponseSerializer(many=True, read_only=True)
    escalation_contacts = EscalationContactSerializer(many=True, read_only=True)

    class Meta:
        model = Runbook
        fields = [
            "entity",
            "owner",
            "sla",
            "related_dashboards",
            "summary",
            "last_updated",
            "alerts",
            "escalation_contacts",
        ]

    @extend_schema_field(PartySerializer(allow_null=True))
    def get_owner(self, runbook: Runbook) -> dict | None:
        accountable = selectors.entity_owners(runbook.entity).accountable
        return party_data(accountable) if accountable else None


__all__ = [
    "DataProductSerializer",
    "DataProductVersionSerializer",
    "DataProductVersionWriteSerializer",
    "DataProductWriteSerializer",
    "DependenciesSerializer",
    "DomainSerializer",
    "DomainWriteSerializer",
    "MembershipSerializer",
    "MembershipWriteSerializer",
    "PersonSerializer",
    "PersonWriteSerializer",
    "RunbookSerializer",
    "RunbookWriteSerializer",
    "ServiceSerializer",
    "ServiceWriteSerializer",
    "SystemSerializer",
    "SystemWriteSerializer",
    "TeamSerializer",
    "TeamWriteSerializer",
]
