"""Planning fixtures: a data-infrastructure tree with two subteams of two engineers, and a cycle at betting."""

from dataclasses import dataclass

import pytest

from catalog.models import Membership, Person, Team
from planning.choices import CycleState
from tests.planning.factories import CycleFactory, PersonFactory, UserFactory


@dataclass
class Org:
    root: Team
    platform: Team
    mlops: Team
    kim: object  # users
    sara: object
    park: object
    priya: object

    def person(self, user) -> Person:
        return user.person


@pytest.fixture
def org(db, lead) -> Org:
    root = Team.objects.create(name="Data Infrastructure", slug="data-infrastructure")
    platform = Team.objects.create(name="Data Platform", slug="data-platform", parent=root)
    mlops = Team.objects.create(name="MLOps", slug="mlops", parent=root)
    lead_person = Person.objects.create(user=lead, full_name="Lena Lead", slug="lena")
    Membership.objects.create(person=lead_person, team=root, role="lead")
    users = {}
    for username, team in [("kim", platform), ("sara", platform), ("park", mlops), ("priya", mlops)]:
        user = UserFactory(username=username, first_name=username.title())
        person = PersonFactory(user=user, full_name=f"{username.title()} Engineer", slug=username)
        Membership.objects.create(person=person, team=team)
        users[username] = user
    return Org(root=root, platform=platform, mlops=mlops, **users)


@pytest.fixture
def betting_cycle(db):
    """Six build weeks from Monday 2 March 2026: 30 working days, so two people have 12 person-weeks."""
    return CycleFactory(name="Spring", slug="spring", state=CycleState.BETTING)
