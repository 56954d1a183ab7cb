"""Forms of the catalog pages. They only validate shapes; the services apply the rules (R9, R10) for forms and
the API alike, and the views map a service's ValidationError back onto the form."""

from django import forms
from django.core.exceptions import ValidationError

from catalog import textformats
from catalog.choices import DATA_PRODUCT_LIFECYCLES, SERVICE_KINDS, SERVICE_LIFECYCLES, Lifecycle, RaciRole
from catalog.models import DataProduct, Domain, Entity, Person, Service, System, Team
from catalog.rules import OwnerSpec

TEXTAREA = forms.Textarea(attrs={"rows": 6, "spellcheck": "false"})


def party_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    teams = [(f"team:{slug}", name) for slug, name in Team.objects.values_list("slug", "name")]
    people = [(f"person:{slug}", name) for slug, name in Person.objects.values_list("slug", "full_name")]
    return [("Teams", teams), ("People", people)]


def resolve_parties(values: list[str]) -> list:
    """["team:slug", "person:slug"] -> Team and Person objects, in two queries."""
    team_slugs = [v.split(":", 1)[1] for v in values if v.startswith("team:")]
    person_slugs = [v.split(":", 1)[1] for v in values if v.startswith("person:")]
    teams = {t.slug: t for t in Team.objects.filter(slug__in=team_slugs)}
    people = {p.slug: p for p in Person.objects.filter(slug__in=person_slugs)}
    parties = []
    for value in values:
        kind, _, slug = value.partition(":")
        party = (teams if kind == "team" else people).get(slug)
        if party is None:
            raise ValidationError(f"No {kind} '{slug}'.")
        parties.append(party)
    return parties


class OwnersFieldsMixin(forms.Form):
    """RACI as four fields; cleaned into the OwnerSpec list the services check against R9."""

    accountable = forms.ChoiceField(help_text="Exactly one team or person answers for it (R9).")
    responsible = forms.MultipleChoiceField(help_text="At least one: who does the work (R9).")
    consulted = forms.MultipleChoiceField(required=False)
    informed = forms.MultipleChoiceField(required=False)

    def _init_owner_choices(self, entity: Entity | None) -> None:
        choices = party_choices()
        self.fields["accountable"].choices = [("", "—"), *choices]
        for name in ("responsible", "consulted", "informed"):
            self.fields[name].choices = choices
            self.fields[name].widget.attrs["size"] = 6
        if entity is not None and not self.is_bound:
            by_role: dict[str, list[str]] = {}
            for o in entity.ownerships.select_related("team", "person"):
                by_role.setdefault(o.role, []).append(textformats.party_value(o.party))
            self.initial.update(
                accountable=(by_role.get(RaciRole.ACCOUNTABLE) or [""])[0],
                responsible=by_role.get(RaciRole.RESPONSIBLE, []),
                consulted=by_role.get(RaciRole.CONSULTED, []),
                informed=by_role.get(RaciRole.INFORMED, []),
            )

    def owner_specs(self) -> list[OwnerSpec]:
        specs = []
        for field, role in (
            ("accountable", RaciRole.ACCOUNTABLE),
            ("responsible", RaciRole.RESPONSIBLE),
            ("consulted", RaciRole.CONSULTED),
            ("informed", RaciRole.INFORMED),
        ):
            values = self.cleaned_data.get(field) or []
            values = [values] if isinstance(values, str) else values
            for party in resolve_parties([v for v in values if v]):
                specs.append(OwnerSpec(role=role, **{type(party).__name__.lower(): party}))
        return specs


class DependsOnField(forms.CharField):
    """Comma-separated entity slugs, checked to exist."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "Slugs of the services and data products it depends on, comma-separated.")
        super().__init__(**kwargs)

    def clean(self, value):
        slugs = [s.strip() for s in (super().clean(value) or "").split(",") if s.strip()]
        found = {e.slug: e for e in Entity.objects.filter(slug__in=slugs)}
        unknown = [s for s in slugs if s not in found]
        if unknown:
            raise ValidationError(f"Not in the catalog: {', '.join(unknown)}.")
        return [found[s] for s in dict.fromkeys(slugs)]


class EntityFormBase(OwnersFieldsMixin, forms.Form):
    name = forms.CharField(max_length=200)
    tier = forms.TypedChoiceField(choices=[(1, "Tier 1"), (2, "Tier 2"), (3, "Tier 3")], coerce=int)
    description = forms.CharField(required=False, widget=TEXTAREA, help_text="Markdown.")
    domain = forms.ModelChoiceField(queryset=Domain.objects.all(), required=False)
    system = forms.ModelChoiceField(queryset=System.objects.all(), required=False)
    depends_on = DependsOnField()

    def __init__(self, *args, entity: Entity | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.entity = entity
        self._init_owner_choices(entity)
        if entity is not None and not self.is_bound:
            self.initial.update(
                name=entity.name,
                tier=entity.tier,
                description=entity.description,
                domain=entity.domain_id,
                system=entity.system_id,
                lifecycle=entity.lifecycle,
                depends_on=", ".join(entity.dependency_links.values_list("target__slug", flat=True)),
            )

    def clean_depends_on(self):
        targets = self.cleaned_data["depends_on"]
        if self.entity is not None and any(t.pk == self.entity.pk for t in targets):
            raise ValidationError(f"{self.entity} cannot depend on itself.")
        return targets


class ServiceForm(EntityFormBase):
    field_order = ["name", "kind", "tier", "lifecycle", "description", "repository_url", "docs_url"]

    kind = forms.ChoiceField(choices=SERVICE_KINDS)
    lifecycle = forms.ChoiceField(choices=[(v, Lifecycle(v).label) for v in SERVICE_LIFECYCLES])
    repository_url = forms.URLField(required=False, assume_scheme="https")
    docs_url = forms.URLField(required=False, assume_scheme="https")

    def __init__(self, *args, entity: Service | None = None, **kwargs):
        super().__init__(*args, entity=entity, **kwargs)
        if entity is not None and not self.is_bound:
            self.initial.update(kind=entity.kind, repository_url=entity.repository_url, docs_url=entity.docs_url)

    def service_fields(self) -> dict:
        keys = ["name", "kind", "tier", "lifecycle", "description", "repository_url", "docs_url", "domain", "system"]
        return {k: self.cleaned_data[k] for k in keys}


class DataProductForm(EntityFormBase):
    field_order = ["name", "tier", "lifecycle", "description", "quality_sla", "documentation", "documentation_url"]

    lifecycle = forms.ChoiceField(
        choices=[(v, Lifecycle(v).label) for v in DATA_PRODUCT_LIFECYCLES],
        help_text="Publishing needs a consumer, a quality SLA, a version and documentation (R10).",
    )
    quality_sla = forms.CharField(
        max_length=300, required=False, label="Quality SLA", help_text="e.g. 'Refreshed before 7 AM daily'."
    )
    documentation = forms.CharField(required=False, widget=TEXTAREA, help_text="Markdown.")
    documentation_url = forms.URLField(required=False, assume_scheme="https")
    consumers = forms.MultipleChoiceField(required=False, help_text="Teams or named stakeholders who use it.")
    output_datasets = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="One per line: name | location"
    )
    contract = forms.CharField(
        required=False,
        label="Data contract",
        widget=TEXTAREA,
        help_text="One field per line: name | type | nullable (yes/no) | description | rule; rule",
    )

    def __init__(self, *args, entity: DataProduct | None = None, **kwargs):
        super().__init__(*args, entity=entity, **kwargs)
        self.fields["consumers"].choices = party_choices()
        self.fields["consumers"].widget.attrs["size"] = 6
        if entity is not None and not self.is_bound:
            self.initial.update(
                quality_sla=entity.quality_sla,
                documentation=entity.documentation,
                documentation_url=entity.documentation_url,
                consumers=[textformats.party_value(c.team or c.person) for c in entity.consumers.all()],
                output_datasets=textformats.render_datasets(entity),
                contract=textformats.render_contract(entity),
            )

    def clean_output_datasets(self):
        return textformats.parse_datasets(self.cleaned_data["output_datasets"])

    def clean_contract(self):
        return textformats.parse_contract(self.cleaned_data["contract"])

    def clean_consumers(self):
        parties = resolve_parties(self.cleaned_data["consumers"])
        return [{type(p).__name__.lower(): p} for p in parties]

    def product_fields(self) -> dict:
        keys = ["name", "tier", "lifecycle", "description", "quality_sla", "documentation", "documentation_url"]
        data = {k: self.cleaned_data[k] for k in keys}
        data.update(domain=self.cleaned_data["domain"], system=self.cleaned_data["system"])
        return data


class VersionForm(forms.Form):
    version = forms.CharField(max_length=50, help_text="Semantic version, e.g. 1.4.0")
    changelog = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    released_at = forms.DateField(required=False, help_text="YYYY-MM-DD; today when empty")


class RunbookForm(forms.Form):
    sla = forms.CharField(max_length=200, required=False, label="SLA")
    related_dashboards = forms.CharField(max_length=300, required=False, help_text="Comma-separated")
    summary = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    alerts = forms.CharField(
        label="Alert responses",
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false"}),
        help_text="'## alert name' starts a response; '1. ...' a step; '$ command' the step's command.",
    )
    escalation = forms.CharField(
        label="Escalation contacts",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One per line: situation | escalation target | contact method",
    )

    def clean_alerts(self):
        return textformats.parse_alerts(self.cleaned_data["alerts"])

    def clean_escalation(self):
        return textformats.parse_escalation(self.cleaned_data["escalation"])
