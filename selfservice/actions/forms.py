"""The parameter forms of actions: a base that knows the requester and the team, and the field types."""

from django import forms

from catalog.models import Membership, Team
from portal.roles import is_lead


def teams_for(user) -> list[Team]:
    """The teams a user may request for: their own teams; the lead may request for any team."""
    if user is None or not user.is_authenticated:
        return list(Team.objects.all())
    if is_lead(user):
        return list(Team.objects.order_by("parent_id", "name"))
    return list(Team.objects.filter(memberships__person__user=user).order_by("parent_id", "name"))


def default_team(user) -> Team | None:
    """The requester's own team: their subteam before the team above it."""
    if user is None or not user.is_authenticated:
        return None
    membership = (
        Membership.objects.filter(person__user=user).select_related("team").order_by("-team__parent_id").first()
    )
    return membership.team if membership else None


class ActionForm(forms.Form):
    """Validates an action's parameters for the page and the API alike; `params()` is what gets stored."""

    team = forms.ChoiceField(label="Owning team", help_text="The team that will own the result.")

    def __init__(self, data=None, *, user, connector_factory, **kwargs):
        team = default_team(user)
        if data is not None and not data.get("team") and team is not None:
            data = {**data, "team": team.slug}  # the owning team defaults to the requester's
        super().__init__(data=data, **kwargs)
        self.user = user
        self.connector_factory = connector_factory
        self.fields["team"].choices = [(t.slug, t.name) for t in teams_for(user)]
        if team is not None:
            self.fields["team"].initial = team.slug
        self.unknown_fields = sorted(set(data or {}) - set(self.fields) - {"csrfmiddlewaretoken", "idempotency_key"})

    def clean(self):
        cleaned = super().clean()
        for name in self.unknown_fields:
            self.add_error(None, f"Unknown parameter '{name}'.")
        return cleaned

    def params(self) -> dict:
        return dict(self.cleaned_data)

    def team_object(self) -> Team:
        return Team.objects.get(slug=self.cleaned_data["team"])
