"""The parameter forms of actions: a base that knows the requester and the team, and the field types."""

from django import forms
from django.db.models import Exists, OuterRef

from catalog.models import Membership, Team
from portal.roles import is_lead


def team_choices(user) -> tuple[list[Team], Team | None]:
    """The teams `user` may request for (their own teams; the lead may request for any team) and the default
    among them, the requester's own team (their subteam before the team above it): one query for both."""
    if user is None or not user.is_authenticated:
        return list(Team.objects.all()), None
    own = Exists(Membership.objects.filter(team=OuterRef("pk"), person__user=user))
    teams = Team.objects.annotate(own=own).order_by("parent_id", "name")
    if not is_lead(user):
        teams = teams.filter(own=True)
    teams = list(teams)
    own_teams = sorted((t for t in teams if t.own), key=lambda t: t.parent_id is None)
    return teams, (own_teams[0] if own_teams else None)


class ActionForm(forms.Form):
    """Validates an action's parameters for the page and the API alike; `params()` is what gets stored."""

    team = forms.ChoiceField(label="Owning team", help_text="The team that will own the result.")

    def __init__(self, data=None, *, user, connector_factory, **kwargs):
        self.teams, team = team_choices(user)
        if data is not None and not data.get("team") and team is not None:
            data = {**data, "team": team.slug}  # the owning team defaults to the requester's
        super().__init__(data=data, **kwargs)
        self.user = user
        self.connector_factory = connector_factory
        self.fields["team"].choices = [(t.slug, t.name) for t in self.teams]
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
        """The chosen team (a valid choice is one of `self.teams`)."""
        return next(t for t in self.teams if t.slug == self.cleaned_data["team"])
