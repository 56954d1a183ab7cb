"""Requests run by a real Celery worker on Redis against a real Kafka-compatible broker, through failures."""

import os
import signal
import time

import pytest

from catalog.models import Entity, Service
from selfservice.models import Request
from tests.conftest import wait_for
from tests.selfservice.conftest import token_for, topic_params, wait_for_status

pytestmark = pytest.mark.integration

URL = "/api/v1/selfservice/requests/"
FAST_RETRIES = {"SELFSERVICE_RETRY_BACKOFF": "1", "SELFSERVICE_RETRY_BACKOFF_MAX": "2", "SELFSERVICE_MAX_RETRIES": "2"}


def worker_env(kafka, **extra) -> dict:
    return {"KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap, "KAFKA_TIMEOUT_SECONDS": "2", **FAST_RETRIES, **extra}


def test_a_topic_requested_over_the_api_is_created_verified_and_catalogued(
    api_client, people, kafka, celery_worker_process
):
    celery_worker_process.start(env=worker_env(kafka))
    secret = token_for(people["ana"])
    response = api_client.post(
        URL,
        {"action": "kafka-topic", "parameters": topic_params(partitions=6, configs={"min.insync.replicas": 1})},
        format="json",
        HTTP_AUTHORIZATION=f"Token {secret}",
    )
    assert response.status_code == 202, response.content
    location = response["Location"]
    assert location.endswith(f"/api/v1/selfservice/requests/{response.json()['id']}/")
    assert response.json()["status"] == "queued"

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    body = wait_for_status(api_client, location, {"succeeded", "failed"})
    assert body["status"] == "succeeded", body["last_error"]
    assert body["outcome"]["ref"] == "orders.cdc.v1" and body["outcome"]["created"] is True
    assert body["outcome"]["catalog_url"] == "/catalog/services/orders-cdc-v1/"
    assert [e["to_status"] for e in body["events"] if e["to_status"]] == ["submitted", "queued", "running", "succeeded"]

    topic = kafka.topic("orders.cdc.v1")
    assert topic["partitions"] == 6
    assert topic["configs"]["retention.ms"] == "86400000"
    assert topic["configs"]["cleanup.policy"] == "delete"
    assert topic["configs"]["min.insync.replicas"] == "1"

    entry = Service.objects.get(slug="orders-cdc-v1")
    assert entry.kind == "kafka_topic"
    roles = {(o.role, str(o.party)) for o in entry.ownerships.select_related("team", "person")}
    assert roles == {("A", "Sam"), ("R", "Data Engineering")}  # A: the team's lead, R: the team


def test_kafka_down_retries_then_fails_clearly_and_a_retry_succeeds_once_it_is_back(
    api_client, people, kafka, celery_worker_process
):
    celery_worker_process.start(env=worker_env(kafka))
    api_client.force_authenticate(people["ana"])
    kafka.stop()
    response = api_client.post(URL, {"action": "kafka-topic", "parameters": topic_params()}, format="json")
    assert response.status_code == 202  # the broker is not needed to accept a request
    url = response["Location"]

    body = wait_for_status(api_client, url, {"failed", "succeeded"}, timeout=90)
    assert body["status"] == "failed"
    assert body["attempts"] == 3  # the first attempt and two retries
    assert body["last_error"].startswith("Gave up after 3 attempts: Kafka is unreachable")
    waits = [e["message"] for e in body["events"] if "retrying in" in e["message"]]
    assert len(waits) == 2

    kafka.start()  # back, on the same address (and stopped by the fixture, as the first one was)
    response = api_client.post(url + "retry/")
    assert response.status_code == 200 and response.json()["status"] == "queued"
    body = wait_for_status(api_client, url, {"failed", "succeeded"})
    assert body["status"] == "succeeded", body["last_error"]
    assert kafka.topic("orders.cdc.v1")["partitions"] == 3


def test_a_topic_that_exists_already_fails_at_once_naming_the_conflict(
    api_client, people, kafka, celery_worker_process
):
    from confluent_kafka.admin import NewTopic

    admin = kafka.admin()
    admin.create_topics([NewTopic("orders.cdc.v1", num_partitions=1, replication_factor=1)])["orders.cdc.v1"].result()
    celery_worker_process.start(env=worker_env(kafka))
    api_client.force_authenticate(people["ana"])
    url = api_client.post(URL, {"action": "kafka-topic", "parameters": topic_params()}, format="json")["Location"]
    body = wait_for_status(api_client, url, {"failed", "succeeded"})
    assert body["status"] == "failed" and body["attempts"] == 1  # permanent: no retry
    assert "A topic named orders.cdc.v1 already exists on the cluster (1 partitions" in body["last_error"]
    assert not Entity.objects.filter(slug="orders-cdc-v1").exists()


def test_a_retry_never_adopts_someone_elses_topic_even_one_that_matches_the_request(
    api_client, people, kafka, celery_worker_process
):
    # A topic carries no mark of who made it: only an attempt of this request that may have created it lets a
    # matching topic count as its own. The first attempt was refused by the broker, so the retry must not adopt it.
    from confluent_kafka.admin import NewTopic

    params = topic_params()
    foreign = NewTopic(
        "orders.cdc.v1",
        num_partitions=3,
        replication_factor=1,
        config={"retention.ms": "86400000", "cleanup.policy": "delete"},
    )
    admin = kafka.admin()  # kept while its future resolves
    admin.create_topics([foreign])["orders.cdc.v1"].result()
    celery_worker_process.start(env=worker_env(kafka))
    api_client.force_authenticate(people["ana"])
    url = api_client.post(URL, {"action": "kafka-topic", "parameters": params}, format="json")["Location"]
    body = wait_for_status(api_client, url, {"failed", "succeeded"})
    assert body["status"] == "failed" and "was not created by this request" in body["last_error"]

    assert api_client.post(url + "retry/").json()["status"] == "queued"
    body = wait_for_status(api_client, url, {"failed", "succeeded"})
    assert body["status"] == "failed", body["outcome"]
    assert "was not created by this request" in body["last_error"] and body["attempts"] == 2
    assert not Entity.objects.filter(slug="orders-cdc-v1").exists()


def test_a_worker_killed_mid_task_is_delivered_again_and_the_request_succeeds_once(
    api_client, people, kafka, celery_worker_process
):
    # The pause holds the task between creating the topic and recording it: the window to kill the worker in.
    env = worker_env(kafka, SELFSERVICE_APPLY_PAUSE="4", CELERY_VISIBILITY_TIMEOUT="3")
    worker = celery_worker_process.start(env=env)
    api_client.force_authenticate(people["ana"])
    url = api_client.post(URL, {"action": "kafka-topic", "parameters": topic_params()}, format="json")["Location"]

    wait_for(lambda: kafka.topic("orders.cdc.v1"), 30, "the topic to be created")
    os.killpg(worker.pid, signal.SIGKILL)  # the whole worker, mid-task: nothing is acknowledged
    worker.wait(timeout=10)
    assert api_client.get(url).json()["status"] == "running"

    time.sleep(3.5)  # past the visibility timeout, the broker hands the message out again
    celery_worker_process.start(env=env)
    body = wait_for_status(api_client, url, {"failed", "succeeded"}, timeout=60)
    assert body["status"] == "succeeded", body["last_error"]
    assert body["outcome"]["created"] is False  # found its own earlier result
    assert "Delivered again after an interrupted attempt" in [e["message"] for e in body["events"]]
    assert [t for t in kafka.topic_names() if t.startswith("orders")] == ["orders.cdc.v1"]
    assert Service.objects.filter(slug="orders-cdc-v1").count() == 1


def test_a_cancelled_request_is_not_run(api_client, people, kafka, settings, celery_worker_process):
    api_client.force_authenticate(people["ana"])
    url = api_client.post(URL, {"action": "kafka-topic", "parameters": topic_params(partitions=24)}, format="json")[
        "Location"
    ]
    assert api_client.get(url).json()["status"] == "pending_approval"
    assert api_client.post(url + "cancel/").json()["status"] == "cancelled"
    # Even a stray delivery of its task does nothing.
    from selfservice.tasks import execute_request

    celery_worker_process.start(env=worker_env(kafka))
    request_id = int(url.rstrip("/").rsplit("/", 1)[1])
    execute_request.delay(request_id)
    wait_for(
        lambda: f"request {request_id}: nothing to do" in celery_worker_process.log.read_text(),
        30,
        "the worker to take the stray delivery",
    )
    assert Request.objects.get(pk=request_id).status == "cancelled"
    assert "orders.cdc.v1" not in kafka.topic_names()
