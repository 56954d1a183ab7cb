"""Bad input for a Kafka topic gets 400 with field errors and enqueues nothing, on the API and the form; checking
a name against the cluster leaves the cluster as it was."""

import pytest

from selfservice.connectors.kafka import KafkaTopicConnector
from selfservice.models import Request
from tests.selfservice.conftest import topic_params

URL = "/api/v1/selfservice/requests/"


def submit(api_client, **overrides):
    return api_client.post(URL, {"action": "kafka-topic", "parameters": topic_params(**overrides)}, format="json")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": "Orders.CDC.v1"}, "name", "does not follow <domain>.<dataset>.<version>"),
        ({"name": "orders"}, "name", "does not follow"),
        ({"name": "orders.cdc.version1"}, "name", "does not follow"),
        ({"name": "orders.cdc.v1!"}, "name", "does not follow"),
        ({"name": "a" * 250 + ".b.v1"}, "name", "at most 249 characters"),
        ({"partitions": 0}, "partitions", "greater than or equal to 1"),
        ({"partitions": 1000}, "partitions", "less than or equal to 64"),
        ({"partitions": "six"}, "partitions", "Enter a whole number"),
        ({"replication_factor": 3}, "replication_factor", "Replication factor 3 is more than the 1 broker available"),
        ({"retention_ms": 5}, "retention_ms", "at least 60000 ms"),
        ({"cleanup_policy": "shred"}, "cleanup_policy", "Select a valid choice"),
        ({"configs": {"unclean.leader.election.enable": True}}, "configs", "is not a topic config you can set here"),
        ({"configs": {"min.insync.replicas": "two"}}, "configs", "'min.insync.replicas' must be an integer"),
        ({"team": "nope"}, "team", "Select a valid choice"),
    ],
)
def test_bad_parameters_get_400_naming_the_field_and_nothing_is_stored(
    api_client, people, kafka, django_capture_on_commit_callbacks, overrides, field, message
):
    api_client.force_authenticate(people["ana"])
    with django_capture_on_commit_callbacks() as callbacks:
        response = submit(api_client, **overrides)
    assert response.status_code == 400, response.content
    assert message in " ".join(response.json()[field])
    assert Request.objects.count() == 0
    assert callbacks == []  # nothing enqueued


def test_an_unknown_parameter_is_refused(api_client, people, kafka):
    api_client.force_authenticate(people["ana"])
    response = submit(api_client, colour="blue")
    assert response.status_code == 400
    assert response.json()["__all__"] == ["Unknown parameter 'colour'."]


def test_an_unknown_action_is_refused(api_client, people, kafka):
    api_client.force_authenticate(people["ana"])
    response = api_client.post(URL, {"action": "launch-rocket", "parameters": {}}, format="json")
    assert response.status_code == 400
    assert "launch-rocket" in response.json()["action"][0]


def test_parameters_must_be_an_object(api_client, people, kafka):
    api_client.force_authenticate(people["ana"])
    response = api_client.post(URL, {"action": "kafka-topic", "parameters": [1, 2]}, format="json")
    assert response.status_code == 400
    assert response.json() == {"parameters": ["Give the parameters as a JSON object."]}


def test_an_engineer_cannot_request_for_another_team(api_client, people, kafka):
    api_client.force_authenticate(people["ben"])  # Data Platform
    response = submit(api_client, team="data-engineering")
    assert response.status_code == 400 and "team" in response.json()


def test_a_stakeholder_cannot_request(api_client, people, kafka):
    api_client.force_authenticate(people["sue"])
    assert submit(api_client).status_code == 403
    assert Request.objects.count() == 0


def test_the_plan_shows_the_exact_topic_config_and_does_nothing(api_client, people, kafka):
    api_client.force_authenticate(people["ana"])
    response = api_client.post(
        URL + "plan/", {"action": "kafka-topic", "parameters": topic_params(partitions=24)}, format="json"
    )
    assert response.status_code == 200
    plan = response.json()
    assert plan["target"] == f"Kafka at {kafka.bootstrap}"
    assert plan["steps"][0]["summary"] == "Create the topic orders.cdc.v1 with 24 partitions and replication factor 1"
    assert '"retention.ms": "86400000"' in plan["steps"][0]["detail"]
    assert plan["approval_needed"] == "24 partitions is above 12"
    assert Request.objects.count() == 0 and "orders.cdc.v1" not in kafka.topic_names()


def test_the_form_shows_the_same_errors_and_stores_nothing(client, people, kafka):
    client.force_login(people["ana"])
    data = {**topic_params(name="BAD", replication_factor=3), "configs": "{}", "step": "plan"}
    response = client.post("/selfservice/actions/kafka-topic/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Name: &#x27;BAD&#x27; does not follow" in html
    assert "Replication factor: Replication factor 3 is more than the 1 broker available." in html
    assert Request.objects.count() == 0


def test_the_form_shows_a_plan_then_submits_once_even_if_confirmed_twice(client, people, kafka):
    client.force_login(people["ana"])
    page = client.get("/selfservice/actions/kafka-topic/")
    token = page.context["token"]
    data = {**topic_params(), "configs": "{}", "idempotency_key": token}
    plan = client.post("/selfservice/actions/kafka-topic/", {**data, "step": "plan"})
    assert plan.status_code == 200 and "Create the topic orders.cdc.v1 with 3 partitions" in plan.content.decode()
    assert Request.objects.count() == 0
    first = client.post("/selfservice/actions/kafka-topic/", {**data, "step": "confirm"})
    second = client.post("/selfservice/actions/kafka-topic/", {**data, "step": "confirm"}, follow=True)
    request = Request.objects.get()
    assert first["Location"] == f"/selfservice/requests/{request.pk}/"
    assert f"already submitted as request #{request.pk}" in second.content.decode()


def test_the_actions_endpoint_describes_the_parameters(api_client, people, kafka):
    api_client.force_authenticate(people["sue"])  # anyone signed in may read what can be requested
    body = api_client.get("/api/v1/selfservice/actions/kafka-topic/").json()
    schema = body["parameter_schema"]
    assert body["sandbox"] is False and body["target"] == f"Kafka at {kafka.bootstrap}"
    assert schema["required"] == ["name", "partitions", "replication_factor", "retention_ms", "cleanup_policy", "team"]
    assert schema["properties"]["partitions"] == {
        "title": "Partitions",
        "description": "How many partitions (consumers in parallel)",
        "type": "integer",
        "minimum": 1,
        "maximum": 64,
        "default": 6,
    }
    assert schema["properties"]["cleanup_policy"]["enum"] == ["delete", "compact", "compact,delete"]
    assert schema["properties"]["configs"]["default"] == {}
    assert api_client.get("/api/v1/selfservice/actions/nope/").status_code == 404


def test_looking_for_a_missing_topic_does_not_create_it(kafka):
    """Tansu, like many dev clusters, creates a topic that a metadata request names; describing one must not."""
    connector = KafkaTopicConnector.from_settings()
    assert connector.describe("nobody.asked_for_this.v1") is None
    assert connector.status("nobody.asked_for_this.v1") == "missing"
    assert "nobody.asked_for_this.v1" not in kafka.topic_names()
    assert connector.broker_count() == 1


def test_the_brokers_are_counted_at_most_every_half_minute(kafka, monkeypatch):
    """Every submit checks its replication factor against the broker count; it is not asked of the cluster each
    time, and an unreachable cluster is not taken for an answer."""
    from selfservice.connectors import kafka as kafka_connector
    from selfservice.connectors.base import TransientError

    connector = KafkaTopicConnector.from_settings()
    assert connector.broker_count() == 1
    kafka.stop()
    assert connector.broker_count() == 1  # counted a moment ago
    monkeypatch.setattr(kafka_connector, "BROKER_COUNT_FRESH_FOR", 0)
    with pytest.raises(TransientError):
        connector.broker_count()


def test_the_owning_team_defaults_to_the_requesters_subteam_before_the_team_above(api_client, people, kafka):
    from catalog import services as catalog_services
    from catalog.choices import MembershipRole
    from catalog.models import Person

    sam = Person.objects.get(user=people["sam"])  # subteam lead of Data Engineering
    catalog_services.membership_set(actor=None, team=people["root"], person=sam, role=MembershipRole.MEMBER)
    api_client.force_authenticate(people["sam"])
    params = topic_params()
    del params["team"]
    response = api_client.post(URL, {"action": "kafka-topic", "parameters": params}, format="json")
    assert response.status_code == 202, response.content
    assert response.json()["team"] == "data-engineering"
    # Both are theirs to choose.
    params["team"] = "data-infrastructure"
    params["name"] = "orders.cdc.v2"
    response = api_client.post(URL, {"action": "kafka-topic", "parameters": params}, format="json")
    assert response.status_code == 202 and response.json()["team"] == "data-infrastructure"
