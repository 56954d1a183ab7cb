"""Importing Backstage descriptors: the mapping, per-file-and-line problems, all or nothing, the command and API."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from catalog.importers.backstage import BackstageImportError, import_descriptors
from catalog.models import DataProduct, Dependency, Domain, Entity, Membership, Ownership, Person, Service, System, Team
from catalog.permissions import can_edit_entity, sync_team_members
from portal.models import AuditEvent

ORG = """\
apiVersion: backstage.io/v1alpha1
kind: Domain
metadata:
  name: finance
  description: Money
spec:
  owner: group:default/data-infra
---
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: ledger
spec:
  owner: data-infra
  domain: finance
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: data-infra
spec:
  type: department
  profile: {displayName: Data Infrastructure, email: infra@example.com}
  children: [payments-team]
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: payments-team
spec:
  type: team
  parent: data-infra
  children: []
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: jane
spec:
  profile: {displayName: Jane Doe, email: jane@example.com}
  memberOf: [payments-team]
"""

COMPONENTS = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments-api
  title: Payments API
  description: Takes payments
  annotations:
    backstage.io/source-location: url:https://git.example.com/payments
spec:
  type: service
  lifecycle: production
  owner: group:default/payments-team
  system: ledger
  dependsOn: [resource:default/payments-db]
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: payments-db
spec:
  type: database
  owner: user:jane
  system: system:default/ledger
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: payments-events
spec:
  type: asyncapi
  lifecycle: experimental
  owner: payments-team
  definition: "..."
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: daily-revenue
spec:
  type: data-product
  lifecycle: experimental
  owner: payments-team
"""


def _import(**files):
    return import_descriptors(actor=None, sources=list(files.items()))


@pytest.mark.django_db
def test_descriptors_become_teams_people_groupings_and_services_with_the_owner_accountable():
    report = _import(**{"org.yaml": ORG, "components.yaml": COMPONENTS})

    assert report.created["services"] == 3 and report.created["data products"] == 1
    team = Team.objects.get(slug="payments-team")
    assert team.parent.slug == "data-infra" and Team.objects.get(slug="data-infra").name == "Data Infrastructure"
    jane = Person.objects.get(slug="jane")
    assert jane.full_name == "Jane Doe" and Membership.objects.filter(person=jane, team=team).exists()
    assert System.objects.get(slug="ledger").domain == Domain.objects.get(slug="finance")

    api = Service.objects.get(slug="payments-api")
    assert api.name == "Payments API" and api.kind == "platform_component" and api.lifecycle == "production"
    assert api.system.slug == "ledger" and api.domain.slug == "finance"
    assert api.repository_url == "https://git.example.com/payments"
    roles = set(Ownership.objects.filter(entity=api).values_list("role", "team__slug"))
    assert roles == {("A", "payments-team"), ("R", "payments-team")}
    db_owner = Ownership.objects.get(entity__slug="payments-db", role="A")
    assert db_owner.person == jane
    assert Dependency.objects.filter(source=api, target__slug="payments-db").exists()
    assert Service.objects.get(slug="payments-events").kind == "api"
    assert DataProduct.objects.get(slug="daily-revenue").lifecycle == "draft"
    assert AuditEvent.objects.filter(verb="catalog.imported").count() == 1


@pytest.mark.django_db
def test_the_owning_teams_members_may_edit_what_was_imported(make_user):
    _import(**{"org.yaml": ORG, "components.yaml": COMPONENTS})
    user = make_user("jane-login")
    jane = Person.objects.get(slug="jane")
    jane.user = user
    jane.save()
    sync_team_members(Team.objects.get(slug="payments-team"))
    assert can_edit_entity(user, Entity.objects.get(slug="payments-api"))
    outsider = make_user("outsider")
    assert not can_edit_entity(outsider, Entity.objects.get(slug="payments-api"))


@pytest.mark.django_db
def test_unknown_kinds_and_broken_references_are_reported_by_file_and_line_and_nothing_is_written():
    broken = COMPONENTS.replace("owner: payments-team\n  definition", "owner: group:default/nobody\n  definition")
    broken += "---\napiVersion: backstage.io/v1alpha1\nkind: Template\nmetadata:\n  name: scaffold\n"

    with pytest.raises(BackstageImportError) as caught:
        _import(**{"org.yaml": ORG, "components.yaml": broken})

    messages = [str(p) for p in caught.value.problems]
    owner_line = broken.splitlines().index("  owner: group:default/nobody") + 1
    kind_line = broken.splitlines().index("kind: Template") + 1
    assert f"components.yaml:{owner_line}: spec.owner: no group 'group:default/nobody'" in messages[0]
    assert any(m.startswith(f"components.yaml:{kind_line}: unknown kind 'Template'") for m in messages)
    assert not Entity.objects.exists() and not Team.objects.exists() and not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_bad_lifecycles_missing_owners_and_invalid_yaml_are_each_reported():
    no_owner = "kind: Component\nmetadata:\n  name: x\nspec:\n  type: service\n  lifecycle: beta\n"
    with pytest.raises(BackstageImportError) as caught:
        _import(**{"a.yaml": no_owner, "b.yaml": "kind: Group\nmetadata: {name: [oops\n"})
    text = "\n".join(str(p) for p in caught.value.problems)
    assert "a.yaml:4: spec.owner is required for a Component" in text
    assert "a.yaml:6: spec.lifecycle 'beta' is not one of: production, experimental, deprecated" in text
    assert "b.yaml:" in text and "not valid YAML" in text


@pytest.mark.django_db
def test_importing_again_updates_what_exists_instead_of_duplicating_it():
    _import(**{"org.yaml": ORG, "components.yaml": COMPONENTS})
    changed = COMPONENTS.replace("title: Payments API", "title: Payments gateway")

    report = _import(**{"org.yaml": ORG, "components.yaml": changed})

    assert report.created["services"] == 0 and report.updated["entities"] == 4
    assert Service.objects.get(slug="payments-api").name == "Payments gateway"
    assert Entity.objects.count() == 4 and Ownership.objects.filter(role="A").count() == 4


@pytest.mark.django_db
def test_the_command_imports_folders_and_fails_without_writing_on_problems(tmp_path):
    (tmp_path / "org").mkdir()
    (tmp_path / "org" / "catalog-info.yaml").write_text(ORG)
    (tmp_path / "components.yml").write_text(COMPONENTS)
    out = StringIO()
    call_command("import_backstage", str(tmp_path), stdout=out)
    assert "created" in out.getvalue() and Service.objects.count() == 3

    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "kind: Component\nmetadata:\n  name: y\nspec:\n  type: service\n  lifecycle: production\n  owner: ghost\n"
    )
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_backstage", str(bad), stderr=err)
    assert f"{bad}:7: spec.owner: no group 'ghost'" in err.getvalue()
    assert not Entity.objects.filter(slug="y").exists()


URL = "/api/v1/catalog/imports/backstage/"


@pytest.mark.django_db
def test_the_lead_imports_through_the_api(api_client, lead):
    api_client.force_authenticate(lead)
    files = [{"name": "org.yaml", "content": ORG}, {"name": "components.yaml", "content": COMPONENTS}]
    response = api_client.post(URL, {"files": files}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["created"]["services"] == 3


@pytest.mark.django_db
def test_the_api_answers_400_with_every_problem_and_writes_nothing(api_client, lead):
    api_client.force_authenticate(lead)
    response = api_client.post(URL, {"files": [{"name": "c.yaml", "content": COMPONENTS}]}, format="json")
    assert response.status_code == 400
    assert any(p.startswith("c.yaml:12: spec.owner: no group") for p in response.json()["descriptors"])
    assert not Entity.objects.exists()


@pytest.mark.django_db
def test_only_the_lead_may_import(api_client, engineer):
    api_client.force_authenticate(engineer)
    response = api_client.post(URL, {"files": [{"name": "o.yaml", "content": ORG}]}, format="json")
    assert response.status_code == 403
    assert not Team.objects.exists()
