"""Catalog fixtures: the demo organisation, and teams/entities made through the services."""

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from catalog import services
from catalog.choices import MembershipRole
from catalog.models import Team
from catalog.rules import OwnerSpec


@pytest.fixture
def demo(db):
    """The seeds' organisation and catalog, as `make run` loads it."""
    call_command("load_demo", stdout=StringIO())


def login_of(username: str) -> User:
    return User.objects.get(username=username)


@pytest.fixture
def org(db, make_user):
    """Two subteams with one engineer each, a lead and a stakeholder, all linked to people."""
    root = services.team_create(actor=None, name="Data Infrastructure")
    alpha = services.team_create(actor=None, name="Alpha", parent=root)
    beta = services.team_create(actor=None, name="Beta", parent=root)
    people = {}
    for username, role, team, membership in (
        ("boss", "lead", root, MembershipRole.LEAD),
        ("ana", "engineer", alpha, MembershipRole.MEMBER),
        ("ben", "engineer", beta, MembershipRole.MEMBER),
        ("sue", "stakeholder", None, None),
    ):
        user = make_user(username, role=role)
        person = services.person_create(actor=None, full_name=username.title(), user=user, email=f"{username}@x.io")
        if team:
            services.membership_set(actor=None, team=team, person=person, role=membership)
        people[username] = person
    return {"root": root, "alpha": alpha, "beta": beta, **people}


@pytest.fixture
def make_service(org):
    counter = iter(range(10_000))

    def make(team: Team | None = None, **fields):
        team = team or org["alpha"]
        n = next(counter)
        fields.setdefault("name", f"svc-{n}")
        fields.setdefault("kind", "platform_component")
        fields.setdefault("tier", 2)
        return services.service_create(
            actor=None, owners=[OwnerSpec(role="A", team=team), OwnerSpec(role="R", team=team)], **fields
        )

    return make


@pytest.fixture
def make_product(org):
    counter = iter(range(10_000))

    def make(team: Team | None = None, **fields):
        team = team or org["alpha"]
        n = next(counter)
        fields.setdefault("name", f"dp_{n}")
        fields.setdefault("tier", 2)
        return services.data_product_create(
            actor=None, owners=[OwnerSpec(role="A", team=team), OwnerSpec(role="R", team=team)], **fields
        )

    return make
