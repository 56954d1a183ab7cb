"""`load_demo`: the seeds' organisation, and running it twice changes nothing."""

from io import StringIO

from django.apps import apps
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import call_command

from catalog.models import Membership, Team


def _table_contents() -> dict:
    """Every row of every model, so a second run can be compared with the first."""
    return {
        model._meta.label: sorted(map(str, model.objects.values_list()))
        for model in apps.get_models()
        if model._meta.app_label in {"auth", "catalog", "selfservice", "oncall", "planning", "portal"}
    }


def test_load_demo_creates_the_seeds_organisation_with_logins(db, settings):
    out = StringIO()
    call_command("load_demo", stdout=out)
    root = Team.objects.get(slug="data-infrastructure")
    assert sorted(root.subteams.values_list("name", flat=True)) == [
        "BI Services",
        "Data Engineering",
        "Data Platform",
        "MLOps",
    ]
    for subteam in root.subteams.all():
        assert subteam.memberships.filter(role="member").count() == 2
    assert Membership.objects.get(team=root, role="lead").person.user.username == "alex"
    assert User.objects.get(username="rachel").groups.filter(name="stakeholder").exists()
    for username in ("alex", "kim", "rachel"):
        assert authenticate(username=username, password=settings.PORTAL_DEMO_PASSWORD) is not None
    assert "alex" in out.getvalue() and settings.PORTAL_DEMO_PASSWORD in out.getvalue()


def test_running_load_demo_twice_changes_nothing(db):
    call_command("load_demo", stdout=StringIO())
    first = _table_contents()
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert _table_contents() == first
    assert "0 rows created" in out.getvalue()
