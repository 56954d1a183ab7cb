"""Create a Kafka topic: `<domain>.<dataset>.<version>`, within the cluster's limits, owned by a team."""

import re

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator
from django.utils.text import slugify

from catalog.choices import EntityKind, Lifecycle
from catalog.models import Entity
from portal import prepared
from selfservice.actions.base import Action, ApprovalNeed, team_owners
from selfservice.actions.forms import ActionForm
from selfservice.connectors.base import Outcome, TransientError

# Policy: lowercase <domain>.<dataset>.<version>, e.g. orders.cdc.v1. Kafka itself allows [a-zA-Z0-9._-]{1,249}.
TOPIC_NAME = re.compile(r"^[a-z][a-z0-9_-]*\.[a-z][a-z0-9_-]*\.v[0-9]+$")
KAFKA_NAME_MAX = 249
MIN_RETENTION_MS = 60_000

# Extra topic configs a requester may set, with the type each must have.
ALLOWED_CONFIGS: dict[str, type] = {
    "min.insync.replicas": int,
    "max.message.bytes": int,
    "compression.type": str,
    "segment.ms": int,
    "retention.bytes": int,
    "min.compaction.lag.ms": int,
    "message.timestamp.type": str,
}
CLEANUP_POLICIES = [("delete", "delete"), ("compact", "compact"), ("compact,delete", "compact,delete")]


class KafkaTopicForm(ActionForm):
    field_order = ["name", "partitions", "replication_factor", "retention_ms", "cleanup_policy", "team", "configs"]

    name = forms.CharField(
        max_length=KAFKA_NAME_MAX,
        help_text="<domain>.<dataset>.<version> in lowercase, e.g. orders.cdc.v1",
        widget=forms.TextInput(attrs={"placeholder": "orders.cdc.v1", "autocomplete": "off"}),
    )
    partitions = forms.IntegerField(min_value=1, initial=6, help_text="How many partitions (consumers in parallel)")
    replication_factor = forms.IntegerField(
        min_value=1, initial=1, help_text="Copies of each partition; no more than the brokers available"
    )
    retention_ms = forms.IntegerField(
        label="Retention (ms)",
        min_value=-1,
        initial=7 * 24 * 3600 * 1000,
        help_text="How long messages are kept; -1 keeps them forever. 604800000 is 7 days.",
    )
    cleanup_policy = forms.ChoiceField(choices=CLEANUP_POLICIES, initial="delete")
    configs = forms.JSONField(
        required=False,
        initial=dict,
        help_text=f"Other topic configs as JSON, among: {', '.join(ALLOWED_CONFIGS)}",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The bound comes from settings, read per form so a deployment's override applies.
        partitions = self.fields["partitions"]
        partitions.max_value = settings.KAFKA_TOPIC_MAX_PARTITIONS
        partitions.validators.append(MaxValueValidator(settings.KAFKA_TOPIC_MAX_PARTITIONS))
        partitions.widget.attrs["max"] = settings.KAFKA_TOPIC_MAX_PARTITIONS

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if name in {".", ".."}:
            raise forms.ValidationError("Kafka does not allow '.' or '..' as a topic name.")
        if not TOPIC_NAME.match(name):
            raise forms.ValidationError(
                f"'{name}' does not follow <domain>.<dataset>.<version> in lowercase letters, digits, '_' or '-', "
                "with a version like v1: e.g. orders.cdc.v1."
            )
        return name

    def clean_retention_ms(self):
        value = self.cleaned_data["retention_ms"]
        if value != -1 and value < MIN_RETENTION_MS:
            raise forms.ValidationError(f"Keep messages at least {MIN_RETENTION_MS} ms (one minute), or -1 forever.")
        return value

    def clean_configs(self):
        configs = self.cleaned_data.get("configs") or {}
        if not isinstance(configs, dict):
            raise forms.ValidationError('Give the configs as a JSON object, e.g. {"min.insync.replicas": 2}.')
        errors = []
        for key, value in configs.items():
            expected = ALLOWED_CONFIGS.get(key)
            if expected is None:
                errors.append(f"'{key}' is not a topic config you can set here; allowed: {', '.join(ALLOWED_CONFIGS)}.")
            elif expected is int and (isinstance(value, bool) or not isinstance(value, int)):
                errors.append(f"'{key}' must be an integer, not {value!r}.")
            elif expected is str and not isinstance(value, str):
                errors.append(f"'{key}' must be a string, not {value!r}.")
        if errors:
            raise forms.ValidationError(errors)
        return configs

    def clean(self):
        cleaned = super().clean()
        replication = cleaned.get("replication_factor")
        if replication and self.connector_factory is not None:
            try:
                brokers = self.connector_factory().broker_count()
            except TransientError:
                brokers = None  # checked again when it runs; an unreachable broker is not bad input
            if brokers is not None and replication > brokers:
                self.add_error(
                    "replication_factor",
                    f"Replication factor {replication} is more than the {brokers} broker"
                    f"{'s' if brokers != 1 else ''} available.",
                )
        return cleaned


class CreateKafkaTopic(Action):
    id = "kafka-topic"
    title = "Create a Kafka topic"
    description = (
        "A topic named <domain>.<dataset>.<version>, created on the cluster, verified, and added to the catalog "
        "as a Kafka topic owned by your team."
    )
    form_class = KafkaTopicForm
    connector_path = "selfservice.connectors.kafka.KafkaTopicConnector"

    def approval_needed(self, params: dict, *, requester, team) -> ApprovalNeed | None:
        reasons = []
        if params["partitions"] > settings.KAFKA_APPROVAL_PARTITIONS:
            reasons.append(f"{params['partitions']} partitions is above {settings.KAFKA_APPROVAL_PARTITIONS}")
        retention = params["retention_ms"]
        if retention == -1 or retention > settings.KAFKA_APPROVAL_RETENTION_MS:
            limit_days = settings.KAFKA_APPROVAL_RETENTION_MS / 86_400_000
            kept = "forever" if retention == -1 else f"{retention / 86_400_000:g} days"
            reasons.append(f"retention of {kept} is above {limit_days:g} days")
        return ApprovalNeed("; ".join(reasons)) if reasons else None

    def on_success(self, request, outcome: Outcome) -> dict:
        from catalog import services as catalog_services

        slug = slugify(outcome.ref.replace(".", "-"))
        # One prepared look for both: whether the topic has its entry already, and the Kafka platform it depends on.
        found = {entity.slug: entity for entity in prepared.instances_by(Entity, "slug", [slug, "kafka"])}
        if slug in found:
            return {}
        details = outcome.details
        entry = catalog_services.service_create(
            actor=request.requester,
            name=outcome.ref,
            slug=slug,
            kind=EntityKind.KAFKA_TOPIC,
            tier=3,
            lifecycle=Lifecycle.PRODUCTION,
            description=(
                f"Created by self-service request #{request.pk}: {details.get('partitions')} partitions, "
                f"replication factor {details.get('replication_factor')}, "
                f"retention.ms {details.get('configs', {}).get('retention.ms')}, "
                f"cleanup.policy {details.get('configs', {}).get('cleanup.policy')}."
                + (" On the local sandbox broker." if request.sandbox else "")
            ),
            owners=team_owners(request.team),
            depends_on=[found["kafka"]] if "kafka" in found else [],
        )
        # The request page links to where the result landed.
        return {"catalog_url": entry.get_absolute_url()}
