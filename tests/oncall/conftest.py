"""Fixtures of the on-call tests: teams with people who can sign in, rotations built through the services."""

from datetime import date, time

import pytest

from catalog.choices import MembershipRole, RaciRole
from catalog.models import DataProduct, Membership, Ownership, Person, Service, Team
from oncall import services


@pytest.fixture
def make_team(db):
    def make(slug: str, parent: Team | None = None) -> Team:
        return Team.objects.create(name=slug.replace("-", " ").title(), slug=slug, parent=parent)

    return make


@pytest.fixture
def make_person(make_user):
    """A person with a login, optionally a member of `team`."""

    def make(username: str, team: Team | None = None, role: str = "engineer", membership=MembershipRole.MEMBER):
        user = make_user(username, role=role, first_name=username.title(), last_name="Doe")
        person = Person.objects.create(
            user=user, full_name=f"{username.title()} Doe", slug=username, email=f"{username}@example.com"
        )
        if team is not None:
            Membership.objects.create(person=person, team=team, role=membership)
        return person

    return make


@pytest.fixture
def platform(make_team, make_person):
    """Data Platform with kim, sara and ana; the root team with the lead alex."""
    root = make_team("data-infrastructure")
    team = make_team("data-platform", parent=root)
    people = [make_person(name, team) for name in ("kim", "sara", "ana")]
    alex = make_person("alex", root, role="lead", membership=MembershipRole.LEAD)
    return {"root": root, "team": team, "people": people, "alex": alex}


@pytest.fixture
def other_team(make_team, make_person):
    team = make_team("mlops")
    return {"team": team, "people": [make_person("park", team), make_person("priya", team)]}


@pytest.fixture
def make_rotation(db):
    def make(team: Team, participants, **fields):
        defaults = {
            "name": "On-call",
            "time_zone": "Europe/Berlin",
            "start_date": date(2026, 1, 5),
            "handoff_weekday": 0,
            "handoff_time": time(9, 0),
            "shift_length_days": 7,
            "has_secondary": False,
        }
        defaults.update(fields)
        return services.rotation_create(actor=None, team=team, participants=participants, **defaults)

    return make


@pytest.fixture
def owned_entities(platform):
    """A pipeline and a tier-1 data product, both Accountable to Data Platform."""
    pipeline = Service.objects.create(
        kind="pipeline", name="daily_orders_pipeline", slug="daily-orders-pipeline", tier=1, lifecycle="production"
    )
    product = DataProduct.objects.create(
        name="fct_daily_revenue", slug="fct-daily-revenue", tier=1, lifecycle="published"
    )
    for entity in (pipeline, product):
        Ownership.objects.create(entity=entity, team=platform["team"], role=RaciRole.ACCOUNTABLE)
    return {"pipeline": pipeline, "product": product}
