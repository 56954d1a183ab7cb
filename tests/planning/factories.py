"""factory_boy factories for planning's tests."""

import datetime

import factory
from django.contrib.auth.models import Group, User

from catalog.models import Membership, Person, Team
from planning.choices import Appetite, CycleState, PitchStatus
from planning.models import Absence, Bet, Cycle, HillUpdate, Pitch, Scope


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get_or_create(name=extracted or "engineer")[0])


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.LazyAttribute(lambda t: t.name.lower().replace(" ", "-"))


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    full_name = factory.Sequence(lambda n: f"Person {n}")
    slug = factory.Sequence(lambda n: f"person-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    person = factory.SubFactory(PersonFactory)
    team = factory.SubFactory(TeamFactory)
    role = "member"


class CycleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cycle

    name = factory.Sequence(lambda n: f"Cycle {n}")
    slug = factory.Sequence(lambda n: f"cycle-{n}")
    start_date = datetime.date(2026, 3, 2)  # a Monday
    state = CycleState.BETTING


class PitchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pitch

    title = factory.Sequence(lambda n: f"Pitch {n}")
    slug = factory.Sequence(lambda n: f"pitch-{n}")
    problem = "Upgrades need a maintenance window."
    solution = "Roll them out job by job."
    appetite = Appetite.BIG_BATCH
    status = PitchStatus.SHAPED


class BetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bet

    cycle = factory.SubFactory(CycleFactory, state=CycleState.BUILDING)
    pitch = factory.SubFactory(PitchFactory, status=PitchStatus.BET)
    team = factory.SubFactory(TeamFactory)


class ScopeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Scope

    bet = factory.SubFactory(BetFactory)
    title = factory.Sequence(lambda n: f"Scope {n}")


class HillUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HillUpdate

    scope = factory.SubFactory(ScopeFactory)
    position = 10
    note = "moved"


class AbsenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Absence

    person = factory.SubFactory(PersonFactory)
    start_date = datetime.date(2026, 3, 9)
    end_date = datetime.date(2026, 3, 13)
    reason = "Vacation"
