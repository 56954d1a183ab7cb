"""Kafka topics through confluent-kafka's AdminClient: validate, create, read back and verify."""

import json
import logging
import threading
import time
from dataclasses import dataclass

from confluent_kafka import KafkaError, KafkaException, TopicCollection
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic, ResourceType
from django.conf import settings

from selfservice.connectors.base import Connector, Outcome, PermanentError, Plan, PlanStep, TransientError

logger = logging.getLogger(__name__)

# Kafka error codes that mean the client never got an answer.
UNREACHABLE_CODES = {KafkaError._TRANSPORT, KafkaError._TIMED_OUT, KafkaError._ALL_BROKERS_DOWN, KafkaError._RESOLVE}
# And those that mean "try again later" even when the client does not flag them retriable.
TRANSIENT_CODES = UNREACHABLE_CODES | {
    KafkaError.REQUEST_TIMED_OUT,
    KafkaError.NOT_CONTROLLER,
    KafkaError.BROKER_NOT_AVAILABLE,
    KafkaError.LEADER_NOT_AVAILABLE,
    KafkaError.COORDINATOR_NOT_AVAILABLE,
}


def _error(exc: KafkaException) -> KafkaError | None:
    return exc.args[0] if exc.args and isinstance(exc.args[0], KafkaError) else None


def _code(exc: KafkaException) -> int | None:
    error = _error(exc)
    return None if error is None else error.code()


def _classify(exc: KafkaException, what: str) -> Exception:
    error = _error(exc)
    if error is None:
        return TransientError(f"{what}: {exc}")
    message = f"{what}: {error.str()} ({error.name()})"
    if error.code() in UNREACHABLE_CODES:
        message = f"Kafka is unreachable: {message}"
    if error.retriable() or error.code() in TRANSIENT_CODES:
        return TransientError(message)
    return PermanentError(message)


_CLIENTS: dict[tuple, AdminClient] = {}
_CLIENTS_LOCK = threading.Lock()
# Per cluster: when the brokers were last counted, and how many there were.
_BROKER_COUNTS: dict[tuple, tuple[float, int]] = {}
BROKER_COUNT_FRESH_FOR = 30.0  # seconds


@dataclass(frozen=True)
class TopicState:
    name: str
    partitions: int
    replication_factor: int
    configs: dict[str, str]


def topic_configs(params: dict) -> dict[str, str]:
    """The topic-level configs a request sets, as Kafka expects them (strings)."""
    configs = {"retention.ms": str(params["retention_ms"]), "cleanup.policy": params["cleanup_policy"]}
    configs.update({k: str(v) for k, v in (params.get("configs") or {}).items()})
    return configs


class KafkaTopicConnector(Connector):
    kind = "kafka"

    def __init__(self, client_config: dict, *, sandbox: bool, timeout: float):
        self.client_config = client_config
        self.is_sandbox = sandbox
        self.timeout = timeout

    @classmethod
    def from_settings(cls) -> "KafkaTopicConnector":
        live = bool(settings.KAFKA_BOOTSTRAP_SERVERS)
        config = {
            "bootstrap.servers": settings.KAFKA_BOOTSTRAP_SERVERS or settings.KAFKA_SANDBOX_BOOTSTRAP,
            "socket.timeout.ms": settings.KAFKA_TIMEOUT_SECONDS * 1000,
            "logger": logger,
        }
        if settings.KAFKA_SECURITY_PROTOCOL:
            config["security.protocol"] = settings.KAFKA_SECURITY_PROTOCOL
        if settings.KAFKA_SASL_MECHANISM:
            config["sasl.mechanism"] = settings.KAFKA_SASL_MECHANISM
            config["sasl.username"] = settings.KAFKA_SASL_USERNAME
            config["sasl.password"] = settings.KAFKA_SASL_PASSWORD
        return cls(config, sandbox=not live, timeout=settings.KAFKA_TIMEOUT_SECONDS)

    @property
    def target(self) -> str:
        where = self.client_config["bootstrap.servers"]
        return f"Kafka at {where}" + (" (local sandbox broker, not a production cluster)" if self.is_sandbox else "")

    def _admin(self) -> AdminClient:
        # One client per process and configuration: a new client costs a connection and a metadata
        # round trip, and AdminClient is thread-safe.
        # Made under a lock: two threads of a web worker each making one would let the loser's client be
        # collected while its request is in flight (librdkafka then fails it with _DESTROY). Callers also keep
        # the client referenced until their futures resolve.
        with _CLIENTS_LOCK:
            client = _CLIENTS.get(self._key)
            if client is None:
                client = _CLIENTS[self._key] = AdminClient(dict(self.client_config))
        return client

    @property
    def _key(self) -> tuple:
        return tuple(sorted((k, v) for k, v in self.client_config.items() if k != "logger"))

    #
    # Reads
    #

    def broker_count(self) -> int:
        """How many brokers the cluster has, counted at most BROKER_COUNT_FRESH_FOR seconds ago by this process:
        every submit checks its replication factor against it, and a cluster's size seldom changes (a topic that
        no longer fits is refused by the cluster when it runs)."""
        counted = _BROKER_COUNTS.get(self._key)
        if counted is not None and time.monotonic() - counted[0] < BROKER_COUNT_FRESH_FOR:
            return counted[1]
        admin = self._admin()
        try:
            count = len(admin.describe_cluster(request_timeout=self.timeout).result().nodes)
        except KafkaException as exc:
            raise _classify(exc, "Counting the brokers failed") from exc
        _BROKER_COUNTS[self._key] = (time.monotonic(), count)
        return count

    def describe(self, name: str) -> TopicState | None:
        """The topic's partitions, replication and configs as the cluster reports them, or None if it is missing
        (or, just created, not readable yet). One topic is asked for, not the metadata of all (which grows with
        the cluster); librdkafka sends DescribeTopics as a metadata request that forbids auto-creation, so a
        broker with auto-creation on (Tansu, many dev clusters) does not create a topic we only look for."""
        admin = self._admin()
        try:
            # Both asked at once: one round trip's wait, not two.
            topic_future = admin.describe_topics(TopicCollection([name]), request_timeout=self.timeout)[name]
            config_future = admin.describe_configs(
                [ConfigResource(ResourceType.TOPIC, name)], request_timeout=self.timeout
            )
            topic = topic_future.result()
            if not topic.partitions:
                return None
            configs = {k: v.value for k, v in next(iter(config_future.values())).result().items()}
        except KafkaException as exc:
            if _code(exc) == KafkaError.UNKNOWN_TOPIC_OR_PART:
                return None  # missing; or the configs' broker has not heard of a topic created a moment ago
            raise _classify(exc, f"Describing the topic {name} failed") from exc
        replication = max(len(p.replicas) for p in topic.partitions)
        return TopicState(name, len(topic.partitions), replication, configs)

    def status(self, ref: str) -> str:
        return "exists" if self.describe(ref) else "missing"

    #
    # Plan and apply
    #

    def plan(self, params: dict) -> Plan:
        configs = topic_configs(params)
        payload = {
            "topic": params["name"],
            "num_partitions": params["partitions"],
            "replication_factor": params["replication_factor"],
            "config": configs,
        }
        steps = [
            PlanStep(
                f"Create the topic {params['name']} with {params['partitions']} partition"
                f"{'s' if params['partitions'] != 1 else ''} and replication factor {params['replication_factor']}",
                json.dumps(payload, indent=2),
            ),
            PlanStep("Read the topic back and check its partitions and configs"),
            PlanStep(f"Add {params['name']} to the catalog as a Kafka topic owned by the team"),
        ]
        return Plan(steps=steps, target=self.target, sandbox=self.is_sandbox)

    def _matches(self, state: TopicState, params: dict) -> list[str]:
        differences = []
        if state.partitions != params["partitions"]:
            differences.append(f"{state.partitions} partitions instead of {params['partitions']}")
        for key, wanted in topic_configs(params).items():
            if state.configs.get(key) != wanted:
                differences.append(f"{key}={state.configs.get(key)} instead of {wanted}")
        return differences

    def apply(self, params: dict, *, own_earlier_attempt: bool) -> Outcome:
        name = params["name"]
        # No look first: the create itself says when the topic exists (then it is described and compared), which
        # saves a round trip on every new topic and leaves no window between a look and the create.
        new_topic = NewTopic(
            name,
            num_partitions=params["partitions"],
            replication_factor=params["replication_factor"],
            config=topic_configs(params),
        )
        admin = self._admin()
        try:
            admin.create_topics([new_topic], request_timeout=self.timeout)[name].result()
        except KafkaException as exc:
            if _code(exc) == KafkaError.TOPIC_ALREADY_EXISTS:
                # Someone else's topic, or this request's own from an attempt that was interrupted.
                state = self.describe(name)
                if state is None:  # being created or deleted right now: look again on the next attempt
                    raise TransientError(f"The topic {name} exists but cannot be read yet") from exc
                return self._existing_outcome(state, params, own_earlier_attempt)
            raise _classify(exc, f"Creating the topic {name} failed") from exc
        state = self.describe(name)
        if state is None:
            raise TransientError(f"The topic {name} was created but cannot be read back yet")
        differences = self._matches(state, params)
        if differences:
            raise PermanentError(f"The topic {name} was created but reads back with {'; '.join(differences)}")
        return Outcome(ref=name, created=True, details=self._details(state))

    def _existing_outcome(self, state: TopicState, params: dict, own_earlier_attempt: bool) -> Outcome:
        differences = self._matches(state, params)
        if own_earlier_attempt and not differences:
            return Outcome(ref=state.name, created=False, details=self._details(state))
        if own_earlier_attempt:
            raise PermanentError(
                f"The topic {state.name} exists but differs from this request: {'; '.join(differences)}."
            )
        summary = f"{state.partitions} partitions, retention.ms={state.configs.get('retention.ms')}"
        raise PermanentError(
            f"A topic named {state.name} already exists on the cluster ({summary}) and was not created by this "
            "request. Choose another name, or ask its owners to share it.",
            changed_nothing=True,  # the broker refused the create: a retry must not take this topic for its own
        )

    @staticmethod
    def _details(state: TopicState) -> dict:
        keys = ("retention.ms", "cleanup.policy")
        return {
            "partitions": state.partitions,
            "replication_factor": state.replication_factor,
            "configs": {k: v for k, v in state.configs.items() if k in keys},
        }
