"""Choices of the catalog, as TextChoices with string values."""

from django.db import models


class MembershipRole(models.TextChoices):
    MEMBER = "member", "Engineer"
    SUBTEAM_LEAD = "subteam_lead", "Subteam lead"
    LEAD = "lead", "Lead"


class EntityKind(models.TextChoices):
    PLATFORM_COMPONENT = "platform_component", "Platform component"
    PIPELINE = "pipeline", "Pipeline"
    ML_MODEL = "ml_model", "ML model"
    DASHBOARD = "dashboard", "Dashboard"
    API = "api", "API"
    KAFKA_TOPIC = "kafka_topic", "Kafka topic"
    DATA_PRODUCT = "data_product", "Data product"


SERVICE_KINDS = [(value, label) for value, label in EntityKind.choices if value != EntityKind.DATA_PRODUCT]


class Tier(models.IntegerChoices):
    """1 is the most critical (revenue, regulatory); the playbook's SLO defaults follow the tier."""

    TIER_1 = 1, "Tier 1"
    TIER_2 = 2, "Tier 2"
    TIER_3 = 3, "Tier 3"


class Lifecycle(models.TextChoices):
    DRAFT = "draft", "Draft"
    EXPERIMENTAL = "experimental", "Experimental"
    PRODUCTION = "production", "Production"
    PUBLISHED = "published", "Published"
    DEPRECATED = "deprecated", "Deprecated"


SERVICE_LIFECYCLES = [Lifecycle.EXPERIMENTAL, Lifecycle.PRODUCTION, Lifecycle.DEPRECATED]
DATA_PRODUCT_LIFECYCLES = [Lifecycle.DRAFT, Lifecycle.PUBLISHED, Lifecycle.DEPRECATED]


class RaciRole(models.TextChoices):
    RESPONSIBLE = "R", "Responsible"
    ACCOUNTABLE = "A", "Accountable"
    CONSULTED = "C", "Consulted"
    INFORMED = "I", "Informed"


class FieldType(models.TextChoices):
    STRING = "string", "string"
    INTEGER = "integer", "integer"
    DECIMAL = "decimal", "decimal"
    BOOLEAN = "boolean", "boolean"
    DATE = "date", "date"
    TIMESTAMP = "timestamp", "timestamp"
    JSON = "json", "json"
