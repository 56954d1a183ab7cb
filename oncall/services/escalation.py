"""Writes of escalation policies (R4): ordered steps, each with a timeout (30 minutes by default)."""

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction

from catalog.models import Team
from oncall.choices import DEFAULT_STEP_TIMEOUT_MINUTES, DEFAULT_STEPS, StepKind
from oncall.models import EscalationPolicy, EscalationStep
from portal import audit


def default_steps() -> list[dict]:
    """R4: Primary -> Secondary -> Domain expert -> Manager, 30 minutes each."""
    return [{"kind": kind, "person": None, "timeout_minutes": DEFAULT_STEP_TIMEOUT_MINUTES} for kind in DEFAULT_STEPS]


def _clean_steps(steps: Sequence[dict]) -> list[EscalationStep]:
    if not steps:
        raise ValidationError({"steps": ["Add at least one step."]})
    rows, errors = [], []
    for position, step in enumerate(steps):
        kind = step.get("kind")
        timeout = step.get("timeout_minutes", DEFAULT_STEP_TIMEOUT_MINUTES)
        if kind not in StepKind.values:
            errors.append(f"Step {position + 1}: kind must be one of {', '.join(StepKind.values)}.")
            continue
        if timeout is None or not 1 <= int(timeout) <= 1440:
            errors.append(f"Step {position + 1}: the timeout is 1 to 1440 minutes.")
            continue
        rows.append(EscalationStep(position=position, kind=kind, person=step.get("person"), timeout_minutes=timeout))
    if errors:
        raise ValidationError({"steps": errors})
    return rows


@transaction.atomic
def escalation_policy_save(*, actor, team: Team, name: str = "", steps: Sequence[dict] | None = None):
    """Create or replace `team`'s policy; without steps, the playbook's four default steps."""
    name = (name or "").strip() or f"{team.name} escalation"
    if len(name) > 100:
        raise ValidationError({"name": ["Ensure this value has at most 100 characters."]})
    rows = _clean_steps(default_steps() if steps is None else steps)
    policy = EscalationPolicy.objects.filter(team=team).first()
    describe = lambda items: [f"{s.kind}:{s.person_id or ''}:{s.timeout_minutes}" for s in items]  # noqa: E731
    if policy is None:
        policy = EscalationPolicy.objects.create(team=team, name=name)
        before, verb = {}, "escalation_policy.created"
    else:
        before, verb = audit.snapshot(policy, {"steps": describe(policy.steps.all())}), "escalation_policy.updated"
        policy.name = name
        policy.save()
        policy.steps.all().delete()
    for row in rows:
        row.policy = policy
    EscalationStep.objects.bulk_create(rows)
    after = audit.snapshot(policy, {"steps": describe(rows)})
    audit.record(actor=actor, verb=verb, target=policy, changes=audit.diff(before, after))
    return policy
