"""What an action declares: its parameters (one Django form for the page and the API), policy and connector."""

from dataclasses import dataclass
from typing import Any, ClassVar

from django import forms
from django.db.models import Q
from django.utils.module_loading import import_string

from catalog.choices import MembershipRole, RaciRole
from catalog.models import Membership, Person
from catalog.rules import OwnerSpec
from portal import prepared
from portal.roles import is_read_only
from selfservice.connectors.base import Connector, Outcome


@dataclass(frozen=True)
class ApprovalNeed:
    reason: str  # shown to the requester and the approver: "24 partitions is above 12"


class Action:
    """A self-service action. Subclasses set the class attributes and may override the policy hooks."""

    id: ClassVar[str]
    title: ClassVar[str]
    description: ClassVar[str]
    form_class: ClassVar[type[forms.Form]]  # the parameter schema: drives the form and validates the API
    connector_path: ClassVar[str]

    def connector(self) -> Connector:
        return import_string(self.connector_path).from_settings()

    def form(self, *, user, data: dict | None = None, **kwargs) -> forms.Form:
        return self.form_class(data=data, user=user, connector_factory=self.connector, **kwargs)

    # Policy

    def may_request(self, user) -> bool:
        """Engineers and leads; stakeholders read."""
        return user.is_authenticated and not is_read_only(user)

    def approval_needed(self, params: dict, *, requester, team) -> ApprovalNeed | None:
        return None

    # Results

    def on_success(self, request, outcome: Outcome) -> dict | None:
        """Land the result in the catalog where it belongs. Runs in the success transaction, before the request
        is marked succeeded; what it returns is added to the request's outcome (e.g. where the result landed)."""

    def parameter_schema(self) -> dict[str, Any]:
        """A JSON-Schema-like description of the parameters, derived from the form, for the API."""
        form = self.form_class(user=None, connector_factory=None)
        properties, required = {}, []
        for name, field in form.fields.items():
            prop: dict[str, Any] = {"title": str(form[name].label), "description": str(field.help_text or "")}
            if isinstance(field, forms.IntegerField):
                prop["type"] = "integer"
                if field.min_value is not None:
                    prop["minimum"] = field.min_value
                if field.max_value is not None:
                    prop["maximum"] = field.max_value
            elif isinstance(field, forms.JSONField):
                prop["type"] = "object"
            else:
                prop["type"] = "string"
            choices = getattr(field, "choices", None)
            if choices:
                prop["enum"] = [value for value, _label in choices if value != ""]
            initial = field.initial() if callable(field.initial) else field.initial
            if initial not in (None, ""):
                prop["default"] = initial
            properties[name] = prop
            if field.required:
                required.append(name)
        return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


def team_owners(team) -> list:
    """The RACI a self-service result lands with in the catalog: Accountable the team's lead (its subteam
    lead or lead, else the lead of the team above; the team itself if it has none), Responsible the team."""
    # One prepared query for both candidates (portal/prepared.py: every success asks); no team has id 0.
    candidates = prepared.values_list(_lead_candidates, [team.pk, team.parent_id or 0])
    # Membership's own ordering within a team: by role ("lead" before "subteam_lead"), then by name; the team's
    # own leads before the lead of the team above.
    lead = min(candidates, key=lambda row: (row[0] != team.pk, row[1], row[_FULL_NAME]), default=None)
    accountable = (
        OwnerSpec(RaciRole.ACCOUNTABLE, person=Person.from_db("default", PERSON_FIELDS, lead[2:]))
        if lead
        else OwnerSpec(RaciRole.ACCOUNTABLE, team=team)
    )
    return [accountable, OwnerSpec(RaciRole.RESPONSIBLE, team=team)]


PERSON_FIELDS = prepared.field_names(Person)
_FULL_NAME = 2 + PERSON_FIELDS.index("full_name")  # in a row of _lead_candidates


def _lead_candidates(team_ids):
    """(team id, role, the person's fields) of the team's subteam lead and lead, and of the lead of the team above."""
    own, above = team_ids
    leads = Q(team_id=own, role__in=[MembershipRole.SUBTEAM_LEAD, MembershipRole.LEAD])
    leads |= Q(team_id=above, role=MembershipRole.LEAD)
    return Membership.objects.filter(leads).values_list("team_id", "role", *(f"person__{f}" for f in PERSON_FIELDS))
