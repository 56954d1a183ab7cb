"""factory_boy factories of the catalog. Rows are made through catalog.services, so grants, groups and the audit
trail are what the portal itself would make.

    team = TeamFactory(parent=root)
    kim = PersonFactory(user=make_user("kim"))
    MembershipFactory(team=team, person=kim, role="subteam_lead")
    service = owned_service(team=team, tier=1)      # A: the team's (subteam) lead, or its parent team; R: the team
    product = owned_data_product(team=team)          # a draft with nothing R10 needs
    ready = publishable_data_product(team=team)      # consumer, SLA, version and documentation: publish succeeds
"""

from dataclasses import dataclass

import factory

from catalog import services
from catalog.choices import EntityKind, MembershipRole, RaciRole
from catalog.models import DataProduct, Membership, Person, Service, Team
from catalog.rules import OwnerSpec

__all__ = [
    "DataProductFactory",
    "MembershipFactory",
    "PersonFactory",
    "ServiceFactory",
    "Org",
    "TeamFactory",
    "build_org",
    "default_owners",
    "member",
    "owned_data_product",
    "owned_service",
    "publishable_data_product",
]


class TeamFactory(factory.django.DjangoModelFactory):
    name = factory.Sequence(lambda n: f"Team {n}")
    slug = None  # services.team_create makes it from the name
    parent = None
    email = factory.LazyAttribute(lambda o: f"{o.name.lower().replace(' ', '-')}@example.com")
    chat_channel = factory.LazyAttribute(lambda o: f"#{o.name.lower().replace(' ', '-')}")
    description = ""

    class Meta:
        model = Team

    @classmethod
    def _create(cls, model_class, *args, actor=None, **kwargs) -> Team:
        return services.team_create(actor=actor, **kwargs)


class PersonFactory(factory.django.DjangoModelFactory):
    full_name = factory.Sequence(lambda n: f"Person {n}")
    slug = None
    title = "Data Engineer"
    email = factory.LazyAttribute(lambda o: f"{o.full_name.lower().replace(' ', '.')}@example.com")
    chat_handle = factory.LazyAttribute(lambda o: f"@{o.full_name.split()[0].lower()}")
    user = None

    class Meta:
        model = Person

    @classmethod
    def _create(cls, model_class, *args, actor=None, **kwargs) -> Person:
        return services.person_create(actor=actor, **kwargs)


class MembershipFactory(factory.django.DjangoModelFactory):
    team = factory.SubFactory(TeamFactory)
    person = factory.SubFactory(PersonFactory)
    role = MembershipRole.MEMBER

    class Meta:
        model = Membership

    @classmethod
    def _create(cls, model_class, *args, actor=None, **kwargs) -> Membership:
        return services.membership_set(actor=actor, **kwargs)


def member(user, team: Team, role: str = MembershipRole.MEMBER) -> Person:
    """Give a login a Person (once) and put it in `team`: the team's edit grants then reach the user."""
    person = Person.objects.filter(user=user).first() or PersonFactory(
        full_name=user.get_full_name() or user.username, slug=user.username, user=user
    )
    MembershipFactory(team=team, person=person, role=role)
    return person


def _lead_of(team: Team | None) -> Person | None:
    if team is None:
        return None
    membership = (
        Membership.objects.filter(team=team, role__in=[MembershipRole.SUBTEAM_LEAD, MembershipRole.LEAD])
        .select_related("person")
        .order_by("role", "id")
        .first()
    )
    return membership.person if membership else None


def default_owners(team: Team) -> list[OwnerSpec]:
    """A valid RACI (R9) for something `team` runs: the team is Responsible; the Accountable is the team's
    (subteam) lead, else the parent team's lead, else the parent team, else a person made for it."""
    accountable = _lead_of(team) or _lead_of(team.parent)
    if accountable is not None:
        return [
            OwnerSpec(role=RaciRole.ACCOUNTABLE, person=accountable),
            OwnerSpec(role=RaciRole.RESPONSIBLE, team=team),
        ]
    if team.parent is not None:
        return [
            OwnerSpec(role=RaciRole.ACCOUNTABLE, team=team.parent),
            OwnerSpec(role=RaciRole.RESPONSIBLE, team=team),
        ]
    return [
        OwnerSpec(role=RaciRole.ACCOUNTABLE, person=PersonFactory()),
        OwnerSpec(role=RaciRole.RESPONSIBLE, team=team),
    ]


class _EntityFactory(factory.django.DjangoModelFactory):
    """Pass `team` (made when left out) for the default owners, or `owners` as a list of OwnerSpec."""

    name = factory.Sequence(lambda n: f"Entity {n}")
    slug = None
    tier = 3
    description = ""
    team = factory.SubFactory(TeamFactory)
    owners = None
    depends_on = ()

    @classmethod
    def _owners(cls, kwargs) -> None:
        team = kwargs.pop("team", None)
        if kwargs.get("owners") is None:
            kwargs["owners"] = default_owners(team or TeamFactory())


class ServiceFactory(_EntityFactory):
    name = factory.Sequence(lambda n: f"Service {n}")
    kind = EntityKind.PLATFORM_COMPONENT

    class Meta:
        model = Service

    @classmethod
    def _create(cls, model_class, *args, actor=None, **kwargs) -> Service:
        cls._owners(kwargs)
        return services.service_create(actor=actor, **kwargs)


class DataProductFactory(_EntityFactory):
    name = factory.Sequence(lambda n: f"Data product {n}")

    class Meta:
        model = DataProduct

    @classmethod
    def _create(cls, model_class, *args, actor=None, **kwargs) -> DataProduct:
        cls._owners(kwargs)
        return services.data_product_create(actor=actor, **kwargs)


def owned_service(*, team: Team, tier: int = 3, **kwargs) -> Service:
    """A service `team` is Responsible for (so its members may edit it), with a valid RACI."""
    return ServiceFactory(team=team, tier=tier, **kwargs)


def owned_data_product(*, team: Team, tier: int = 3, **kwargs) -> DataProduct:
    """A draft data product `team` is Responsible for; it lacks everything R10 asks for unless given."""
    return DataProductFactory(team=team, tier=tier, **kwargs)


def publishable_data_product(*, team: Team, **kwargs) -> DataProduct:
    """A draft that R10 lets through: a consumer, a quality SLA, a version and documentation."""
    consumer = kwargs.pop("consumers", None) or [{"team": team, "purpose": "Weekly report"}]
    kwargs.setdefault("quality_sla", "Refreshed before 7 AM daily")
    kwargs.setdefault("documentation", "## Usage\nJoin on `day`.")
    product = owned_data_product(team=team, consumers=consumer, **kwargs)
    services.data_product_version_add(actor=None, product=product, version="1.0.0", changelog="First release")
    return product


@dataclass
class Org:
    """The seeds' shape in small: a lead over two subteams, an engineer in each, and a stakeholder."""

    root: Team
    platform: Team
    engineering: Team
    lead: object  # users
    platform_engineer: object
    engineering_engineer: object
    stakeholder: object


def build_org(make_user) -> Org:
    """Build the organisation with the `make_user` fixture of tests/conftest.py."""
    root = TeamFactory(name="Data Infrastructure", slug="data-infrastructure")
    platform = TeamFactory(name="Data Platform", slug="data-platform", parent=root)
    engineering = TeamFactory(name="Data Engineering", slug="data-engineering", parent=root)
    lead = make_user("alex", role="lead", first_name="Alex", last_name="Morgan")
    member(lead, root, role=MembershipRole.LEAD)
    kim = make_user("kim", role="engineer", first_name="Min-jun", last_name="Kim")
    member(kim, platform)
    lee = make_user("lee", role="engineer", first_name="Ha-eun", last_name="Lee")
    member(lee, engineering)
    rachel = make_user("rachel", role="stakeholder", first_name="Rachel", last_name="Green")
    PersonFactory(full_name="Rachel Green", slug="rachel", user=rachel, title="Head of Finance Analytics")
    return Org(root, platform, engineering, lead, kim, lee, rachel)
