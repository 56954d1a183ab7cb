"""The catalog's rules R1, R9, R10, R11: enforced by the services, flagged by the selectors."""

import pytest
from django.core.exceptions import ValidationError

from catalog import rules, selectors, services
from catalog.choices import MembershipRole
from catalog.models import Entity, Ownership, Service
from catalog.rules import OwnerSpec
from catalog.slo import services as slo_services
from portal.models import AuditEvent


def test_r9_needs_an_accountable_owner(org):
    problems = rules.raci_violations([OwnerSpec(role="R", team=org["alpha"])])
    assert problems == ["Name exactly one Accountable (A) owner."]


def test_r9_allows_only_one_accountable_owner_and_names_them(org):
    problems = rules.raci_violations(
        [
            OwnerSpec(role="A", team=org["alpha"]),
            OwnerSpec(role="A", person=org["ana"]),
            OwnerSpec(role="R", team=org["alpha"]),
        ]
    )
    assert any("Only one Accountable (A) owner is allowed, not 2 (Alpha, Ana)" in p for p in problems)


def test_r9_needs_a_responsible_owner(org):
    assert rules.raci_violations([OwnerSpec(role="A", team=org["alpha"])]) == [
        "Name at least one Responsible (R) owner."
    ]


def test_r9_lets_one_party_be_accountable_and_responsible(org):
    assert rules.raci_violations([OwnerSpec(role="A", team=org["alpha"]), OwnerSpec(role="R", team=org["alpha"])]) == []


def test_r9_refuses_the_same_role_twice_for_one_party(org):
    problems = rules.raci_violations(
        [
            OwnerSpec(role="A", team=org["alpha"]),
            OwnerSpec(role="R", person=org["ana"]),
            OwnerSpec("R", person=org["ana"]),
        ]
    )
    assert problems == ["Ana is listed as R more than once."]


def test_creating_a_service_without_a_responsible_owner_writes_nothing(org):
    with pytest.raises(ValidationError) as excinfo:
        services.service_create(
            actor=None, name="Orphan", kind="api", tier=1, owners=[OwnerSpec("A", team=org["alpha"])]
        )
    assert excinfo.value.message_dict == {"owners": ["Name at least one Responsible (R) owner."]}
    assert not Entity.objects.filter(name="Orphan").exists()
    assert not AuditEvent.objects.filter(verb="service.created").exists()


def test_changing_owners_moves_the_edit_grant(org, make_service):
    from catalog.permissions import can_edit_entity

    service = make_service(team=org["alpha"])
    assert can_edit_entity(org["ana"].user, service)
    assert not can_edit_entity(org["ben"].user, service)
    services.ownership_set(
        actor=org["boss"].user,
        entity=service,
        owners=[OwnerSpec("A", team=org["beta"]), OwnerSpec("R", team=org["beta"]), OwnerSpec("C", team=org["alpha"])],
    )
    assert can_edit_entity(org["ben"].user, service)
    assert not can_edit_entity(org["ana"].user, service)  # Consulted does not edit
    event = AuditEvent.objects.filter(verb="ownership.set").get()
    assert event.changes["owners"] == [["A:Alpha", "R:Alpha"], ["A:Beta", "C:Alpha", "R:Beta"]]


def test_the_database_also_refuses_a_second_accountable_owner(org, make_service):
    from django.db import IntegrityError, transaction

    service = make_service()
    with pytest.raises(IntegrityError), transaction.atomic():
        Ownership.objects.create(entity=service, team=org["beta"], role="A")


def test_r10_publishing_lists_everything_that_is_missing(org, make_product):
    product = make_product(documentation="")
    with pytest.raises(ValidationError) as excinfo:
        services.data_product_publish(actor=None, product=product)
    assert excinfo.value.message_dict["lifecycle"] == [
        f"Cannot publish {product.name}: it needs a consumer (a team or a named stakeholder), an SLO, "
        "a version with a changelog, documentation."
    ]
    product.refresh_from_db()
    assert product.lifecycle == "draft"


def test_r10_publishing_succeeds_once_everything_is_there(org, make_product):
    product = make_product(
        documentation="How to use it", quality_sla="Daily by 7 AM", consumers=[{"team": org["beta"]}]
    )
    services.data_product_version_add(actor=None, product=product, version="1.0.0", changelog="First")
    slo_services.slo_create(actor=None, entity=product, sli_kind="freshness")  # R10: an SLO, not words
    services.data_product_publish(actor=org["boss"].user, product=product)
    product.refresh_from_db()
    assert product.lifecycle == "published"
    assert AuditEvent.objects.filter(verb="data_product.published", actor_repr="boss").exists()


def test_r10_a_new_data_product_cannot_start_published(org):
    with pytest.raises(ValidationError, match="starts as a draft"):
        services.data_product_create(
            actor=None,
            name="x",
            lifecycle="published",
            owners=[OwnerSpec("A", team=org["alpha"]), OwnerSpec("R", team=org["alpha"])],
        )


def test_a_version_must_be_semantic(org, make_product):
    with pytest.raises(ValidationError) as excinfo:
        services.data_product_version_add(actor=None, product=make_product(), version="v2")
    assert "Use a semantic version" in excinfo.value.message_dict["version"][0]


def test_r1_a_subteam_of_three_engineers_without_a_subteam_lead_is_flagged(org, make_user):
    alpha = org["alpha"]
    for name in ("cy", "dee"):
        person = services.person_create(actor=None, full_name=name, user=make_user(name))
        services.membership_set(actor=None, team=alpha, person=person)
    team = selectors.team_queryset().get(pk=alpha.pk)
    assert selectors.team_flags(team) == ["3 engineers and no subteam lead (R1)"]
    assert [t.name for t in selectors.teams_needing_subteam_lead()] == ["Alpha"]

    services.membership_set(actor=None, team=alpha, person=org["ana"], role=MembershipRole.SUBTEAM_LEAD)
    assert selectors.team_flags(selectors.team_queryset().get(pk=alpha.pk)) == []


def test_r1_does_not_flag_the_top_level_team_or_two_engineers(org):
    for team in selectors.team_queryset():
        assert selectors.team_flags(team) == []


def test_r11_flags_tier1_entities_without_an_owner_or_a_runbook(org, make_service):
    covered = make_service(name="Covered", tier=1)
    services.runbook_save(actor=None, entity=covered, alerts=[{"alert": "down", "steps": [{"instruction": "restart"}]}])
    make_service(name="Bare", tier=1)
    make_service(name="Tier two", tier=2)
    flagged = [(e.name, gaps) for e, gaps in selectors.tier1_flagged()]
    assert flagged == [("Bare", ["no runbook"])]
    assert selectors.runbook_completeness() == [
        {"tier": 1, "total": 2, "done": 1, "percent": 50.0},
        {"tier": 2, "total": 1, "done": 0, "percent": 0.0},
    ]


def test_r11_completeness_is_undefined_without_entities(db):
    assert selectors.runbook_completeness()[0]["percent"] is None


def test_service_changes_are_audited_with_before_and_after(org, make_service):
    service = make_service(name="Kafka", tier=2)
    services.service_update(actor=org["ana"].user, service=Service.objects.get(pk=service.pk), tier=1)
    event = AuditEvent.objects.filter(verb="service.updated").get()
    assert event.actor_repr == "ana"
    assert event.changes["tier"] == [2, 1]
