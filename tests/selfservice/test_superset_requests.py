"""Superset embed token requests: RLS clause checks, templates, the plan, approval policy and permissions."""

import re

import pytest

from catalog import services as catalog_services
from catalog.rules import OwnerSpec
from selfservice import rls
from selfservice.models import Request

PLAN = "/api/v1/selfservice/requests/plan/"
URL = "/api/v1/selfservice/requests/"
DASHBOARD = "3e18c4c4-8f7b-492e-bac6-07d2b8120cb8"


def params(**overrides) -> dict:
    found = {
        "dashboard": DASHBOARD,
        "guest_username": "acme-viewer",
        "rls": [{"template": "region", "value": "EMEA"}],
        "lifetime_minutes": 5,
        "team": "data-engineering",
    }
    found.update(overrides)
    return found


@pytest.mark.parametrize(
    ("clause", "problem"),
    [
        ("region = 'EMEA'; DROP TABLE orders", "semicolon"),
        ("region = 'EMEA' -- and the rest", "comment ('--')"),
        ("region = /* hidden */ 'EMEA'", "comment ('/*')"),
        ("tenant_id IN (SELECT id FROM tenants)", "subquery"),
        ("tenant_id IN (with t as (values (1)) table t)", "subquery"),
        ("region = '{{ current_username() }}'", "template syntax"),
        ("region = 'EMEA", "unterminated string literal"),
        ("(region = 'EMEA'", "unbalanced parentheses"),
        ("   ", "non-empty"),
    ],
)
def test_a_clause_that_is_more_than_one_condition_is_refused(clause, problem):
    with pytest.raises(rls.RlsError, match=re.escape(problem)):
        rls.check_clause(clause)


@pytest.mark.parametrize(
    "clause",
    ["region = 'EMEA'", "amount > 6 AND (region IN ('EMEA', 'APAC'))", "name = 'O''Brien'", "label = 'selected'"],
)
def test_a_single_condition_passes(clause):
    assert rls.check_clause(clause) == clause


def test_a_template_value_is_quoted_and_limited_to_its_values():
    template = rls.templates_for(team_slug="any")["region"]
    assert rls.render(template, "EMEA") == "region = 'EMEA'"
    with pytest.raises(rls.RlsError, match="'Mars' is not a value of the 'region' template: EMEA, AMER, APAC"):
        rls.render(template, "Mars")
    tenant = rls.templates_for(team_slug="any")["tenant"]
    with pytest.raises(rls.RlsError, match="must be 1 to 100 letters"):
        rls.render(tenant, "x' OR '1'='1")


def test_team_and_data_product_templates_apply_to_their_own_requests(api_client, people, settings):
    settings.SUPERSET_RLS_TEMPLATES = {
        "team:data-engineering": {"desk": "desk = {value}"},
        "data-product:orders": {"country": {"clause": "country = {value}", "values": ["FR", "DE"]}},
    }
    catalog_services.data_product_create(
        actor=None,
        name="Orders",
        slug="orders",
        owners=[OwnerSpec("A", team=people["de"]), OwnerSpec("R", team=people["de"])],
    )

    def plan(user, **overrides):
        api_client.force_authenticate(user)
        return api_client.post(
            PLAN, {"action": "superset-embed-token", "parameters": params(**overrides)}, format="json"
        )

    response = plan(people["ana"], rls=[{"template": "desk", "value": "fx"}])
    assert response.status_code == 200, response.content
    assert response.json()["parameters"]["rls_clauses"] == [
        {"clause": "desk = 'fx'", "dataset": None, "template": "desk"}
    ]
    response = plan(people["ana"], data_product="orders", rls=[{"template": "country", "value": "FR", "dataset": 3}])
    assert response.json()["parameters"]["rls_clauses"] == [
        {"clause": "country = 'FR'", "dataset": 3, "template": "country"}
    ]

    response = plan(people["ben"], team="data-platform", rls=[{"template": "desk", "value": "fx"}])
    assert response.status_code == 400  # Data Platform has no 'desk' template, and no data product was named
    assert response.json()["rls"] == ["Rule 1: no template 'desk' for this team or data product (none)."]


def test_the_plan_shows_the_exact_guest_token_call_and_the_clauses(api_client, people, settings):
    settings.SUPERSET_URL = "http://superset.example:8088"
    settings.SUPERSET_USERNAME = "portal-bot"
    api_client.force_authenticate(people["ana"])
    response = api_client.post(PLAN, {"action": "superset-embed-token", "parameters": params()}, format="json")
    assert response.status_code == 200, response.content
    plan = response.json()
    assert plan["target"] == "Superset at http://superset.example:8088 (as portal-bot)"
    assert plan["sandbox"] is False and plan["approval_needed"] is None
    summaries = [s["summary"] for s in plan["steps"]]
    assert summaries[0].startswith("Log in to Superset as portal-bot (POST /api/v1/security/login, provider db)")
    assert summaries[1] == f"Check that {DASHBOARD} is an embedded dashboard"
    assert summaries[2] == "Ask for a guest token for acme-viewer with 1 row-level-security clause"
    assert '"rls": [\n    {\n      "clause": "region = \'EMEA\'"' in plan["steps"][2]["detail"]
    assert plan["steps"][3]["detail"] == "region = 'EMEA'"


def test_without_superset_the_plan_says_sandbox(api_client, people, settings, monkeypatch):
    monkeypatch.delenv("SUPERSET_URL", raising=False)
    settings.SUPERSET_URL = ""
    api_client.force_authenticate(people["ana"])
    plan = api_client.post(PLAN, {"action": "superset-embed-token", "parameters": params()}, format="json").json()
    assert plan["sandbox"] is True
    assert plan["target"].startswith("Superset sandbox (SUPERSET_URL is not set)")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"dashboard": "1"}, "dashboard", "not its number"),
        ({"dashboard": "superset-lab"}, "dashboard", "is not a uuid"),
        ({"guest_username": "a b"}, "guest_username", "Use 1 to 100 letters"),
        ({"rls": [{"clause": "a = 1; select 2"}]}, "rls", "Rule 1: A clause may not contain a semicolon"),
        ({"rls": [{"template": "region"}]}, "rls", "Rule 1: The value for the 'region' template must be"),
        ({"rls": [{"clause": "a = 1", "template": "region"}]}, "rls", "Rule 1: give either a template"),
        ({"rls": [{"clause": "a = 1", "dataset": "one"}]}, "rls", "dataset must be a Superset dataset id"),
        ({"rls": {"clause": "a = 1"}}, "rls", "Give the rules as a JSON list"),
        ({"lifetime_minutes": 0}, "lifetime_minutes", "greater than or equal to 1"),
        ({"data_product": "nope"}, "data_product", "No data product 'nope'"),
    ],
)
def test_bad_parameters_are_refused_naming_the_field_and_nothing_is_stored(
    api_client, people, overrides, field, message
):
    api_client.force_authenticate(people["ana"])
    response = api_client.post(
        URL, {"action": "superset-embed-token", "parameters": params(**overrides)}, format="json"
    )
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    assert not Request.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"rls": []}, "no row-level security: the guest would see every row"),
        ({"rls": [{"clause": "amount > 6"}]}, "clauses written by hand: amount > 6"),
        ({"lifetime_minutes": 120}, "a lifetime of 120 minutes is above 60"),
    ],
)
def test_wider_access_waits_for_the_team_lead(api_client, people, overrides, reason):
    api_client.force_authenticate(people["ana"])
    response = api_client.post(
        URL, {"action": "superset-embed-token", "parameters": params(**overrides)}, format="json"
    )
    assert response.status_code == 202
    assert response.json()["status"] == "pending_approval"
    assert response.json()["approval_reason"] == reason


def test_a_stakeholder_cannot_request_a_token(api_client, people):
    api_client.force_authenticate(people["sue"])
    response = api_client.post(URL, {"action": "superset-embed-token", "parameters": params()}, format="json")
    assert response.status_code == 403
    assert not Request.objects.exists()


def test_an_engineer_requests_only_for_their_own_team(api_client, people):
    api_client.force_authenticate(people["ben"])
    response = api_client.post(URL, {"action": "superset-embed-token", "parameters": params()}, format="json")
    assert response.status_code == 400
    assert "data-engineering is not one of the available choices" in response.json()["team"][0]


def test_the_request_page_shows_the_generated_form(client, people):
    client.force_login(people["ana"])
    page = client.get("/selfservice/actions/superset-embed-token/")
    assert page.status_code == 200
    for label in ("Embedded dashboard uuid", "Guest user", "Row-level security", "Lifetime (minutes)"):
        assert label in page.content.decode()
