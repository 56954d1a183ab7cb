"""The benchmark's generator: a seeded catalog with full RACI, written in bulk."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Q

from catalog.models import DataProduct, DataProductVersion, Entity, Membership, Person, Runbook, Team


def _generate(*extra: str) -> str:
    out = StringIO()
    call_command("generate_catalog", "--entities=60", "--people=30", "--teams=6", *extra, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_it_generates_the_sizes_asked_with_one_accountable_and_a_responsible_for_every_entity():
    _generate()
    assert Entity.objects.count() == 60 and Person.objects.count() == 30 and Team.objects.count() == 6
    assert Membership.objects.count() == 30
    raci = Entity.objects.annotate(
        a=Count("ownerships", filter=Q(ownerships__role="A")), r=Count("ownerships", filter=Q(ownerships__role="R"))
    )
    assert all(e.a == 1 and e.r >= 1 for e in raci)
    products = DataProduct.objects.count()
    assert 0 < products < 60 and DataProductVersion.objects.count() == 3 * products
    assert Runbook.objects.exists()


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_catalog():
    _generate()
    first = list(Entity.objects.order_by("slug").values_list("slug", "name", "tier", "lifecycle"))
    _generate("--replace")
    assert list(Entity.objects.order_by("slug").values_list("slug", "name", "tier", "lifecycle")) == first
    _generate("--replace", "--seed=7")
    assert list(Entity.objects.order_by("slug").values_list("slug", "name", "tier", "lifecycle")) != first


@pytest.mark.django_db
def test_it_refuses_to_generate_twice_without_replace():
    _generate()
    with pytest.raises(CommandError, match="--replace"):
        _generate()
    assert Entity.objects.count() == 60
