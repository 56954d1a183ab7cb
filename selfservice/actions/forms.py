"""The parameter forms of actions: a base that knows the requester and the team, and the field types."""

from django import forms
from django.db.models import Exists, OuterRef, Value

from catalog.models import Membership, Team
from portal import prepared
from portal.roles import is_lead


def team_choices(user) -> tuple[list[Team], Team | None]:
    """The teams `user` may request for (their own teams; the lead may request for any team) and the default
    among them, the requester's own team (their subteam before the team above it): one query for both, prepared
    (portal/prepared.py: every submit asks, and building the query cost more than running it)."""
    if user is None or not user.is_authenticated:
        return list(Team.objects.all()), None
    teams = []
    for *values, own in prepared.values_list(_all_teams if is_lead(user) else _own_teams, [user.pk]):
        team = Team.from_db("default", TEAM_FIELDS, values)
        team.own = own
        teams.append(team)
    teams.sort(key=lambda t: (t.parent_id is None, t.parent_id or 0, t.name.casefold()))  # teams above last
    own_teams = sorted((t for t in teams if t.own), key=lambda t: t.parent_id is None)
    return teams, (own_teams[0] if own_teams else None)


TEAM_FIELDS = prepared.field_names(Team)


def _all_teams(user_ids):
    """Every team, each marked whether the user is a member."""
    own = Exists(Membership.objects.filter(team=OuterRef("pk"), person__user_id__in=user_ids))
    return Team.objects.annotate(own=own).values_list(*TEAM_FIELDS, "own")


def _own_teams(user_ids):
    # A join, not a filter on the mark: the user's id would be in the query twice, and only one place is re-bound.
    teams = Team.objects.filter(memberships__person__user_id__in=user_ids).distinct()
    return teams.annotate(own=Value(True)).values_list(*TEAM_FIELDS, "own")


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
