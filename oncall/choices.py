"""Choices of on-call and incidents, as TextChoices with string values."""

from datetime import timedelta

from django.db import models


class Layer(models.TextChoices):
    PRIMARY = "primary", "Primary"
    SECONDARY = "secondary", "Secondary"


# The secondary of a shift is the next participant in the rotation's order (a one-shift offset).
LAYER_OFFSET = {Layer.PRIMARY: 0, Layer.SECONDARY: 1}


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class SwapStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    CANCELLED = "cancelled", "Cancelled"


class StepKind(models.TextChoices):
    """R4: Primary -> Secondary -> Domain expert -> Manager."""

    PRIMARY = "primary", "Primary on call"
    SECONDARY = "secondary", "Secondary on call"
    DOMAIN_EXPERT = "domain_expert", "Domain expert"
    MANAGER = "manager", "Manager"


DEFAULT_STEPS = [StepKind.PRIMARY, StepKind.SECONDARY, StepKind.DOMAIN_EXPERT, StepKind.MANAGER]
DEFAULT_STEP_TIMEOUT_MINUTES = 30


class Severity(models.TextChoices):
    SEV1 = "sev1", "SEV1"
    SEV2 = "sev2", "SEV2"
    SEV3 = "sev3", "SEV3"


# The role blueprint's definitions, shown next to the severity field.
SEVERITY_DEFINITIONS = {
    Severity.SEV1: "Executive dashboard/reporting incorrect or missing; customer-facing reporting impacted; "
    "regulatory reporting risk.",
    Severity.SEV2: "Key business datasets delayed; significant downstream pipeline failures.",
    Severity.SEV3: "Non-critical datasets delayed; minor quality issue with workaround.",
}

# R6: the blueprint's MTTR targets (SEV3 has none).
MTTR_TARGETS = {Severity.SEV1: timedelta(hours=2), Severity.SEV2: timedelta(hours=8), Severity.SEV3: None}


class IncidentStatus(models.TextChoices):
    INVESTIGATING = "investigating", "Investigating"
    IDENTIFIED = "identified", "Identified"
    MITIGATED = "mitigated", "Mitigated"
    RESOLVED = "resolved", "Resolved"


OPEN_STATUSES = [IncidentStatus.INVESTIGATING, IncidentStatus.IDENTIFIED, IncidentStatus.MITIGATED]
STATUS_ORDER = list(IncidentStatus.values)


class RootCauseCategory(models.TextChoices):
    """Coarse causes, so repeats (the same category within 90 days) can be counted."""

    SCHEMA_CHANGE = "schema_change", "Source schema change"
    DATA_QUALITY = "data_quality", "Data quality"
    UPSTREAM = "upstream", "Upstream system or source outage"
    INFRASTRUCTURE = "infrastructure", "Infrastructure or capacity"
    CODE_CHANGE = "code_change", "Code or deployment change"
    CONFIGURATION = "configuration", "Configuration"
    ACCESS = "access", "Access or credentials"
    UNKNOWN = "unknown", "Unknown"


class EventKind(models.TextChoices):
    NOTE = "note", "Note"
    STATUS = "status", "Status change"
    SEVERITY = "severity", "Severity change"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    DECLARED = "declared", "Declared"


class PostmortemStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"


POSTMORTEM_TRANSITIONS = {
    PostmortemStatus.DRAFT: (PostmortemStatus.IN_REVIEW,),
    PostmortemStatus.IN_REVIEW: (PostmortemStatus.DRAFT, PostmortemStatus.PUBLISHED),
    PostmortemStatus.PUBLISHED: (),
}


class ActionItemStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
