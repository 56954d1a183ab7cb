"""Demo data of on-call: a rotation per subteam, the lead's escalation policy, and the playbook's incident
(a source column type change broke daily_orders_pipeline) with its postmortem and action items."""

from datetime import UTC, date, datetime, time

from django.apps import apps

from catalog.models import Entity, Person, Team
from oncall import services
from oncall.choices import IncidentStatus, PostmortemStatus, RootCauseCategory, Severity, StepKind
from oncall.models import EscalationPolicy, Incident, Rotation

ROTATION_START = date(2026, 1, 5)  # a Monday
# subteam slug -> participants in order (the catalog demo's usernames are the person slugs)
ROTATIONS = {
    "data-platform": ["kim", "sara"],
    "data-engineering": ["lee", "tom"],
    "mlops": ["park", "priya"],
    "bi-services": ["lucas", "mei"],
}
INCIDENT_TITLE = "daily_orders_pipeline failed: source column type change"


def _at(hour: int, minute: int) -> datetime:
    return datetime(2026, 4, 19, hour, minute, tzinfo=UTC)


def _count() -> int:
    return sum(model.objects.count() for model in apps.get_app_config("oncall").get_models())


def load(*, stdout) -> int:
    """Create what is missing; returns how many on-call rows were created (0 on a second run)."""
    before = _count()
    teams = {t.slug: t for t in Team.objects.filter(slug__in=[*ROTATIONS, "data-infrastructure"])}
    people = {p.slug: p for p in Person.objects.all()}
    for slug, usernames in ROTATIONS.items():
        team = teams.get(slug)
        participants = [people[u] for u in usernames if u in people]
        if team is None or not participants or Rotation.objects.filter(slug=f"{slug}-oncall").exists():
            continue
        services.rotation_create(
            actor=None,
            team=team,
            participants=participants,
            slug=f"{slug}-oncall",
            name=f"{team.name} on-call",
            time_zone="Europe/Berlin",
            start_date=ROTATION_START,
            handoff_weekday=0,
            handoff_time=time(9, 0),
            shift_length_days=7,
            has_secondary=True,
        )
    root = teams.get("data-infrastructure")
    if root is not None and not EscalationPolicy.objects.filter(team=root).exists():
        steps = [
            {"kind": StepKind.PRIMARY, "timeout_minutes": 30},
            {"kind": StepKind.SECONDARY, "timeout_minutes": 30},
            {"kind": StepKind.DOMAIN_EXPERT, "timeout_minutes": 30},
            {"kind": StepKind.MANAGER, "person": people.get("alex"), "timeout_minutes": 30},
        ]
        services.escalation_policy_save(actor=None, team=root, name="Data Infrastructure escalation", steps=steps)
    if "data-engineering" in teams and not Incident.objects.filter(title=INCIDENT_TITLE).exists():
        _playbook_incident(teams["data-engineering"], people)
    created = _count() - before
    stdout.write(f"oncall: {created} rows created")
    return created


def _playbook_incident(team: Team, people: dict) -> None:
    affected = list(Entity.objects.filter(slug__in=["daily-orders-pipeline", "fct-daily-revenue"]))
    incident = services.incident_create(
        actor=None,
        title=INCIDENT_TITLE,
        severity=Severity.SEV1,
        team=team,
        affected=affected,
        description="The daily orders pipeline failed at 06:00; fct_orders, the Revenue Dashboard and the "
        "revenue data product were not refreshed before 7 AM.",
        started_at=_at(5, 55),
        detected_at=_at(6, 0),
    )
    services.incident_acknowledge(actor=None, incident=incident, at=_at(6, 5))
    services.incident_add_event(actor=None, incident=incident, at=_at(6, 5), text="On-call engineer begins triage")
    services.incident_set_status(
        actor=None,
        incident=incident,
        status=IncidentStatus.IDENTIFIED,
        at=_at(6, 20),
        note="Source DB schema change identified (orders.user_id INT → VARCHAR)",
    )
    services.incident_set_status(
        actor=None,
        incident=incident,
        status=IncidentStatus.MITIGATED,
        at=_at(6, 45),
        note="Pipeline patched and re-run",
    )
    services.incident_set_status(
        actor=None,
        incident=incident,
        status=IncidentStatus.RESOLVED,
        at=_at(7, 10),
        note="All downstream systems verified",
        root_cause_category=RootCauseCategory.SCHEMA_CHANGE,
    )
    postmortem = services.postmortem_create(actor=None, incident=incident)
    services.postmortem_update(
        actor=None,
        postmortem=postmortem,
        root_cause="Source table user_id column type changed from INT to VARCHAR",
        analysis=(
            "1. Why did the pipeline fail?\n   → Source table user_id column type changed from INT to VARCHAR\n"
            "2. Why was this change not detected in advance?\n"
            "   → No schema change policy in the data contract with the source team\n"
            "3. Why was the data contract incomplete?\n"
            "   → Breaking Change definition was missing at contract creation time"
        ),
        went_well="Quick impact assessment, clear communication",
        to_improve="Automate schema change monitoring",
    )
    for title, owner, deadline in [
        ("Add schema change policy to data contract", "kim", date(2026, 4, 26)),
        ("Add automated source schema drift monitor", "lee", date(2026, 5, 3)),
        ("Agree on Breaking Change process with source team", "park", date(2026, 5, 10)),
    ]:
        if owner in people:
            services.action_item_create(
                actor=None, postmortem=postmortem, title=title, owner=people[owner], deadline=deadline
            )
    services.postmortem_transition(actor=None, postmortem=postmortem, status=PostmortemStatus.IN_REVIEW)
    services.postmortem_transition(actor=None, postmortem=postmortem, status=PostmortemStatus.PUBLISHED)
