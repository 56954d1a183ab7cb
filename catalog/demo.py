"""Demo data of the catalog: the seeds' organisation (a lead, four subteams, a stakeholder)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from catalog import demo_entities, demo_slo, permissions
from catalog.choices import MembershipRole
from catalog.models import Membership, Person, Team
from portal.roles import ENGINEER, LEAD, STAKEHOLDER

ROOT_TEAM = {
    "name": "Data Infrastructure",
    "slug": "data-infrastructure",
    "email": "data-infra@example.com",
    "chat_channel": "#data-infra",
    "description": "Runs the data platform end to end: storage, compute, pipelines, ML serving and BI.",
}

SUBTEAMS = [
    {
        "name": "Data Platform",
        "slug": "data-platform",
        "email": "data-platform@example.com",
        "chat_channel": "#data-platform",
        "description": "HDFS, YARN, Spark, Airflow, Kafka and ZooKeeper on Kubernetes: deployment, upgrades, "
        "security, monitoring, backup and disaster recovery.",
    },
    {
        "name": "Data Engineering",
        "slug": "data-engineering",
        "email": "data-engineering@example.com",
        "chat_channel": "#data-engineering",
        "description": "Batch and stream ingestion into the lakehouse, PySpark transformations, Airflow DAGs, "
        "Great Expectations and DataHub lineage, pipeline generation.",
    },
    {
        "name": "MLOps",
        "slug": "mlops",
        "email": "mlops@example.com",
        "chat_channel": "#mlops",
        "description": "Feature stores, MLflow, training pipelines on Ray and Kubeflow, model and LLM serving, "
        "drift monitoring.",
    },
    {
        "name": "BI Services",
        "slug": "bi-services",
        "email": "bi-services@example.com",
        "chat_channel": "#bi-services",
        "description": "Semantic metrics with dbt, OLAP wide tables on StarRocks, Trino, Superset dashboards "
        "with RLS embedding.",
    },
]

# username, full name, title, team slug (None: not in a team), membership role, login role
PEOPLE = [
    ("alex", "Alex Morgan", "Data Infrastructure Lead", "data-infrastructure", MembershipRole.LEAD, LEAD),
    ("kim", "Min-jun Kim", "Senior Data Platform Engineer", "data-platform", MembershipRole.MEMBER, ENGINEER),
    ("sara", "Sara Okafor", "Data Platform Engineer", "data-platform", MembershipRole.MEMBER, ENGINEER),
    ("lee", "Ha-eun Lee", "Senior Data Engineer", "data-engineering", MembershipRole.MEMBER, ENGINEER),
    (
        "tom",
        "Tom Becker",
        "Data Engineer, Pipeline Development",
        "data-engineering",
        MembershipRole.MEMBER,
        ENGINEER,
    ),
    ("park", "Ji-ho Park", "MLOps Engineer", "mlops", MembershipRole.MEMBER, ENGINEER),
    ("priya", "Priya Nair", "MLOps Engineer, LLM Serving", "mlops", MembershipRole.MEMBER, ENGINEER),
    ("lucas", "Lucas Silva", "BI Engineer", "bi-services", MembershipRole.MEMBER, ENGINEER),
    ("mei", "Mei Chen", "Analytics Engineer", "bi-services", MembershipRole.MEMBER, ENGINEER),
    ("rachel", "Rachel Green", "Head of Finance Analytics (stakeholder)", None, None, STAKEHOLDER),
]


def load(*, stdout) -> int:
    """Create or complete the organisation; returns how many rows were created (0 on a second run)."""
    created = 0
    root, was_created = Team.objects.get_or_create(slug=ROOT_TEAM["slug"], defaults=ROOT_TEAM)
    created += was_created
    teams = {root.slug: root}
    for spec in SUBTEAMS:
        team, was_created = Team.objects.get_or_create(slug=spec["slug"], defaults={**spec, "parent": root})
        created += was_created
        teams[team.slug] = team

    User = get_user_model()
    for username, full_name, title, team_slug, membership_role, login_role in PEOPLE:
        first, last = full_name.split(" ", 1)
        user, was_created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@example.com"},
        )
        if was_created:
            # Only on creation: a second run must not change anything, a rehash included.
            user.set_password(settings.PORTAL_DEMO_PASSWORD)
            if login_role == LEAD:
                user.is_staff = True
            user.save()
            created += 1
        user.groups.add(Group.objects.get_or_create(name=login_role)[0])
        person, was_created = Person.objects.get_or_create(
            slug=username,
            defaults={
                "user": user,
                "full_name": full_name,
                "title": title,
                "email": f"{username}@example.com",
                "chat_handle": f"@{username}",
            },
        )
        created += was_created
        if team_slug:
            _membership, was_created = Membership.objects.get_or_create(
                person=person, team=teams[team_slug], defaults={"role": membership_role}
            )
            created += was_created
    for team in teams.values():
        permissions.sync_team_members(team)
    created += demo_entities.load()
    created += demo_slo.load()
    stdout.write(f"catalog: {created} rows created")
    return created


DEMO_LOGINS = [(username, login_role, title) for username, _n, title, _t, _m, login_role in PEOPLE]
