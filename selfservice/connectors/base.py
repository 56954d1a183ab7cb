"""The connector interface: plan (no side effects), apply (idempotent per request), status."""

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar


class TransientError(Exception):
    """Worth retrying: a timeout, a 5xx, the remote system or broker unavailable."""


class PermanentError(Exception):
    """Not worth retrying (4xx, policy, conflict); the message is shown to the requester as it is.

    `changed_nothing`: the remote system refused this attempt before changing anything, so the attempt leaves no
    effect that a later one could find and take for this request's own (see `Connector.apply`)."""

    def __init__(self, message: str, *, changed_nothing: bool = False):
        super().__init__(message)
        self.changed_nothing = changed_nothing


@dataclass(frozen=True)
class PlanStep:
    summary: str  # one line a person reads: "Create topic orders.cdc.v1 with 6 partitions"
    detail: str = ""  # the exact payload, config or file, shown as code


@dataclass(frozen=True)
class Plan:
    steps: list[PlanStep]
    target: str  # where it happens: "Kafka at 127.0.0.1:19092 (local sandbox broker)"
    sandbox: bool = False
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Outcome:
    ref: str  # the external reference: topic name, MR URL, deployment name
    created: bool  # False when apply() found its own earlier result (a redelivery)
    details: dict[str, Any] = field(default_factory=dict)


class Connector(ABC):
    kind: ClassVar[str]
    is_sandbox: bool = False

    @classmethod
    @abstractmethod
    def from_settings(cls) -> "Connector": ...

    @abstractmethod
    def plan(self, params: dict) -> Plan: ...

    @abstractmethod
    def apply(self, params: dict, *, own_earlier_attempt: bool) -> Outcome:
        """Do it. `own_earlier_attempt` says this request called apply() before (a redelivered task), so an
        existing result that matches is its own and counts as success."""

    @abstractmethod
    def status(self, ref: str) -> str: ...
