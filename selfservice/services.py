"""Every write of self-service: submit, approve, reject, cancel, retry, execute and sweep. Each transition is a
conditional UPDATE (so two actors cannot both move a request), an event in its timeline, and an audit event; a
submit stores the request in the status it leaves with, and records both of its steps."""

import contextlib
import json
import logging
import time
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.models import Team
from portal import audit, prepared
from portal.errors import Conflict
from portal.roles import is_lead
from selfservice.actions import ACTIONS, Action, get_action
from selfservice.choices import CANCELLABLE, TRANSITIONS, EventKind, RequestStatus
from selfservice.connectors.base import PermanentError, Plan
from selfservice.models import Request, RequestEvent

logger = logging.getLogger(__name__)

S = RequestStatus


class StaleRequest(Conflict):
    """The request's status changed since it was read (another actor or worker got there first)."""


#
# Validation and plans
#


def _action_or_error(action_id: str) -> Action:
    action = get_action(action_id)
    if action is None:
        raise ValidationError({"action": f"Unknown action '{action_id}'; available: {', '.join(ACTIONS)}."})
    return action


def validate_params(*, user, action_id: str, params: dict) -> tuple[Action, dict, Team]:
    """Validate parameters with the action's form: the same code for the page and the API."""
    action = _action_or_error(action_id)
    if not action.may_request(user):
        raise PermissionDenied("Stakeholders read; ask an engineer of the owning team to request this.")
    if not isinstance(params, dict):
        raise ValidationError({"parameters": "Give the parameters as a JSON object."})
    form = action.form(user=user, data=params)
    if not form.is_valid():
        raise ValidationError({field: [str(e) for e in errors] for field, errors in form.errors.items()})
    return action, form.params(), form.team_object()


def request_plan(*, user, action_id: str, params: dict) -> tuple[Action, dict, Plan]:
    action, cleaned, _team = validate_params(user=user, action_id=action_id, params=params)
    return action, cleaned, action.connector().plan(cleaned)


#
# Transitions
#


def _line(request: Request, *, actor, kind: str, message: str = "", from_status: str = "", to_status: str = ""):
    """One line of the request's timeline, not yet written (see `_write`)."""
    signed_in = getattr(actor, "is_authenticated", False)
    return RequestEvent(
        request=request,
        actor=actor if signed_in else None,
        actor_repr=actor.get_username() if signed_in else "system",
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        message=message,
    )


def _write(lines: list[RequestEvent], audits: tuple = ()) -> list[RequestEvent]:
    """Timeline lines and audit events (about the request, never the catalog), one statement for each kind."""
    written = RequestEvent.objects.bulk_create(lines)
    if audits:
        audit.record_all(list(audits))
    return written


def _event(request: Request, **line) -> None:
    _write([_line(request, **line)])


def _transition_records(request: Request, previous: str, to: str, *, actor, message: str):
    """The timeline line and the audit event of a move from `previous` to `to`."""
    line = _line(request, actor=actor, kind=EventKind.TRANSITION, message=message, from_status=previous, to_status=to)
    event = audit.entry(
        actor=actor,
        verb=f"selfservice.request.{to}",
        target=request,
        changes={"status": [previous, to]},
        message=message,
    )
    return line, event


def _apply_fields(request: Request, fields: dict) -> None:
    for name, value in fields.items():
        setattr(request, name, value)


def _transition(request: Request, to: str, *, actor, message: str = "", expected=None, **fields) -> Request:
    """Move `request` to `to` if it is still in `expected` (default: its current status); record it."""
    expected = set(expected or {request.status})
    allowed = {s for s in expected if to in TRANSITIONS[s]}
    if not allowed:
        raise ValidationError({"status": f"A {request.get_status_display().lower()} request cannot become {to}."})
    now = timezone.now()
    changed = Request.objects.filter(pk=request.pk, status__in=allowed).update(status=to, updated=now, **fields)
    if not changed:
        raise StaleRequest(f"request {request.pk} is no longer {', '.join(sorted(allowed))}")
    previous = request.status
    _apply_fields(request, {"status": to, "updated": now, **fields})
    line, event = _transition_records(request, previous, to, actor=actor, message=message)
    _write([line], (event,))
    return request


def _queue(request: Request, *, actor, message: str, expected=None) -> Request:
    request = _transition(
        request, S.QUEUED, actor=actor, message=message, expected=expected, next_attempt_at=timezone.now()
    )
    _enqueue_after_commit(request)
    return request


def _enqueue_after_commit(request: Request) -> None:
    transaction.on_commit(lambda: request_enqueue(request.pk), robust=True)  # an error after the commit: logged


def request_enqueue(request_id: int, *, reason: str = "") -> bool:
    """Send the task with the request id only. A broker that is down is not an error for the caller: the
    request stays queued and the sweeper sends it again (DESIGN section 3, step 6)."""
    from selfservice.tasks import execute_request

    try:
        execute_request.apply_async(
            (request_id,), retry=True, retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.5}
        )
    except Exception as exc:  # kombu raises several types for an unreachable broker; none may lose the request
        logger.warning("request %s: broker unavailable, left queued for the sweeper: %s", request_id, exc)
        request = Request.objects.filter(pk=request_id).first()
        if request is not None:
            _event(
                request,
                actor=None,
                kind=EventKind.LOG,
                message=f"Message broker unavailable ({exc}); "
                "the request stays queued and is sent again when the broker is back.",
            )
        return False
    if reason:
        request = Request.objects.filter(pk=request_id).first()
        if request is not None:
            _event(request, actor=None, kind=EventKind.LOG, message=reason)
    return True


#
# Submit, approve, reject, cancel, retry
#


def can_cancel(user, request: Request) -> bool:
    return request.status in CANCELLABLE and (user.pk == request.requester_id or is_lead(user))


def can_retry(user, request: Request) -> bool:
    return request.status == S.FAILED and (user.pk == request.requester_id or is_lead(user))


def can_approve(user, request: Request) -> bool:
    return _approvers_ok(user, request)


def _approvers_ok(user, request: Request) -> bool:
    """The owning team's lead (subteam lead or lead) or the portal's lead; never the requester."""
    if user.pk == request.requester_id:
        return False
    if is_lead(user):
        return True
    return request.team.memberships.filter(person__user=user, role__in=["subteam_lead", "lead"]).exists()


@prepared.statements_prepared
@transaction.atomic
def request_submit(*, user, action_id: str, params: dict, idempotency_key: str = "") -> tuple[Request, bool]:
    """Store a request (or return the one this idempotency key already made) and queue it or ask for approval.
    Returns (request, created)."""
    idempotency_key = (idempotency_key or "").strip()[:200]
    if idempotency_key:
        existing = Request.objects.filter(requester=user, idempotency_key=idempotency_key).first()
        if existing is not None:
            return _replay(existing, user, action_id, params), False
    action, cleaned, team = validate_params(user=user, action_id=action_id, params=params)
    need = action.approval_needed(cleaned, requester=user, team=team)
    # Stored as it leaves the submit (queued, or waiting for approval); the timeline and the audit trail still
    # show both steps. Nobody else sees the row before the commit, so there is no race to guard against.
    status = S.PENDING_APPROVAL if need else S.QUEUED
    # Only an idempotency key can collide (the same key, submitted concurrently): the savepoint is for it alone.
    try:
        with transaction.atomic() if idempotency_key else contextlib.nullcontext():
            request = Request.objects.create(
                action=action.id,
                parameters=cleaned,
                requester=user,
                team=team,
                idempotency_key=idempotency_key,
                sandbox=action.connector().is_sandbox,
                approval_reason=need.reason if need else "",
                status=status,
                next_attempt_at=None if need else timezone.now(),
            )
    except IntegrityError:  # the other one won
        if not idempotency_key:
            raise
        return _replay(
            Request.objects.get(requester=user, idempotency_key=idempotency_key), user, action_id, params
        ), False
    then = f"Needs the team lead's approval: {need.reason}" if need else "No approval needed: queued"
    moved, moved_audit = _transition_records(request, S.SUBMITTED, status, actor=user, message=then)
    submitted = _line(
        request, actor=user, kind=EventKind.TRANSITION, to_status=S.SUBMITTED, message=f"{action.title} requested"
    )
    submitted_audit = audit.entry(
        actor=user, verb="selfservice.request.submitted", target=request, changes={"parameters": [None, cleaned]}
    )
    # The answer to the submit shows these lines, not whatever a fast worker adds after the commit.
    request.submitted_events = _write([submitted, moved], (submitted_audit, moved_audit))
    if not need:
        _enqueue_after_commit(request)
    return request, True


def _replay(existing: Request, user, action_id: str, params: dict) -> Request:
    """The request this idempotency key made, if the repeat asks for the same thing (compared once cleaned:
    a form sends "6" and "{}" where the stored parameters hold 6 and {})."""
    action = get_action(action_id)
    same = existing.action == action_id and action is not None
    if same:
        form = action.form_class(data=params, user=user, connector_factory=None)
        same = form.is_valid() and _as_json(form.params()) == _as_json(existing.parameters)
    if not same:
        raise ValidationError(
            {"idempotency_key": f"This key was already used for request #{existing.pk} with other parameters."}
        )
    return existing


def _as_json(value) -> str:
    return json.dumps(value, sort_keys=True, cls=DjangoJSONEncoder)


@transaction.atomic
def request_approve(*, actor, request: Request, comment: str = "") -> Request:
    if not _approvers_ok(actor, request):
        if actor.pk == request.requester_id:
            raise PermissionDenied("Nobody approves their own request.")
        raise PermissionDenied(f"Only a lead of {request.team.name} or the Data Infrastructure lead may approve.")
    _transition(
        request, S.APPROVED, actor=actor, message=comment or "Approved", decided_by=actor, decision_comment=comment
    )
    _event(request, actor=actor, kind=EventKind.APPROVAL, message=comment or "Approved")
    return _queue(request, actor=actor, message="Approved: queued")


@transaction.atomic
def request_reject(*, actor, request: Request, comment: str) -> Request:
    if not (comment or "").strip():
        raise ValidationError({"comment": "Say why the request is rejected."})
    if not _approvers_ok(actor, request):
        if actor.pk == request.requester_id:
            raise PermissionDenied("Nobody approves or rejects their own request; cancel it instead.")
        raise PermissionDenied(f"Only a lead of {request.team.name} or the Data Infrastructure lead may reject.")
    _event(request, actor=actor, kind=EventKind.APPROVAL, message=f"Rejected: {comment}")
    return _transition(
        request,
        S.REJECTED,
        actor=actor,
        message=comment,
        decided_by=actor,
        decision_comment=comment,
        finished_at=timezone.now(),
    )


@transaction.atomic
def request_cancel(*, actor, request: Request) -> Request:
    if actor.pk != request.requester_id and not is_lead(actor):
        raise PermissionDenied("Only the requester or the lead may cancel a request.")
    if request.status not in CANCELLABLE:
        raise ValidationError(
            {"status": f"A {request.get_status_display().lower()} request can no longer be cancelled."}
        )
    return _transition(request, S.CANCELLED, actor=actor, message="Cancelled", finished_at=timezone.now())


@transaction.atomic
def request_retry(*, actor, request: Request) -> Request:
    """A failed request, run again (e.g. once the broker is back)."""
    if actor.pk != request.requester_id and not is_lead(actor):
        raise PermissionDenied("Only the requester or the lead may retry a request.")
    if request.status != S.FAILED:
        raise ValidationError({"status": "Only a failed request can be retried."})
    return _queue(request, actor=actor, message="Retried by the requester", expected={S.FAILED})


#
# Execution (called by the Celery task)
#


@transaction.atomic
def _claim(request_id: int, task_id: str) -> tuple[Request, bool] | None:
    """Take the request for this task: from queued, or back from running when it is this same task redelivered
    (the worker died mid-task and the broker delivered the message again). Returns the request and whether an
    earlier attempt already called apply(), so that a remote effect may exist and be this request's own.

    One transaction with the row locked: the claim, its attempt count and its mark that apply() is about to run
    commit together, before the remote call."""
    request = (
        Request.objects.select_for_update(of=("self",))
        .select_related("team", "requester")
        .filter(pk=request_id)
        .first()
    )
    if request is None:
        return None
    own_earlier_attempt = request.apply_started
    if request.status == S.QUEUED:
        now = timezone.now()
        claimed = {"status": S.RUNNING, "task_id": task_id, "updated": now, "started_at": now}
        claimed |= {"attempts": request.attempts + 1, "apply_started": True}
        if not Request.objects.filter(pk=request_id, status=S.QUEUED).update(**claimed):
            return None  # only where the lock is not a row lock (SQLite): another delivery got there first
        _apply_fields(request, claimed)
        _event(
            request,
            actor=None,
            kind=EventKind.TRANSITION,
            from_status=S.QUEUED,
            to_status=S.RUNNING,
            message=f"Attempt {request.attempts} started",
        )
        return request, own_earlier_attempt
    if request.status == S.RUNNING and request.task_id == task_id:
        _event(request, actor=None, kind=EventKind.ATTEMPT, message="Delivered again after an interrupted attempt")
        return request, own_earlier_attempt
    return None  # finished, cancelled, or held by another delivery


@prepared.statements_prepared  # run again after a lost statement: the claim then takes it as a redelivery
def request_execute(*, request_id: int, task_id: str) -> str:
    """Run the request's action once. Transient failures propagate (the task retries); permanent ones fail it."""
    claimed = _claim(request_id, task_id)
    if claimed is None:
        return f"request {request_id}: nothing to do"
    request, own_earlier_attempt = claimed
    action = get_action(request.action)
    try:
        outcome = action.connector().apply(request.parameters, own_earlier_attempt=own_earlier_attempt)
    except PermanentError as exc:
        # An attempt that changed nothing gives back the claim's mark, so a retry does not count it as its own.
        unmarked = {"apply_started": own_earlier_attempt} if exc.changed_nothing else {}
        request_fail(request_id=request.pk, message=str(exc), **unmarked)
        return f"request {request_id}: failed: {exc}"
    if settings.SELFSERVICE_APPLY_PAUSE:
        time.sleep(settings.SELFSERVICE_APPLY_PAUSE)  # fault injection: a window to kill the worker in
    with transaction.atomic():
        landed = action.on_success(request, outcome) or {}
        message = f"Done: {outcome.ref}" + ("" if outcome.created else " (found from an earlier attempt)")
        outcome_data = {"ref": outcome.ref, "created": outcome.created, **outcome.details, **landed}
        _transition(
            request,
            S.SUCCEEDED,
            actor=None,
            message=message,
            outcome=outcome_data,
            finished_at=timezone.now(),
            last_error="",
        )
    return f"request {request_id}: succeeded"


@transaction.atomic
def request_fail(*, request_id: int, message: str, **fields) -> None:
    request = Request.objects.get(pk=request_id)
    _transition(
        request,
        S.FAILED,
        actor=None,
        message=message,
        expected={S.RUNNING, S.QUEUED},
        last_error=message,
        finished_at=timezone.now(),
        **fields,
    )


@transaction.atomic
def request_wait_for_retry(*, request_id: int, error: Exception, countdown: float, attempt: int) -> None:
    """A transient failure: back to queued until the retry is due, so the timeline shows why it waits."""
    request = Request.objects.get(pk=request_id)
    _transition(
        request,
        S.QUEUED,
        actor=None,
        message=f"Attempt {attempt} failed ({error}); retrying in {countdown:.0f} s",
        expected={S.RUNNING},
        last_error=str(error),
        next_attempt_at=timezone.now() + timedelta(seconds=countdown),
    )


def sweep_stuck(*, older_than: int | None = None) -> list[int]:
    """Enqueue again the requests left queued past their due time (broker down at submit, a lost message)."""
    older_than = settings.SELFSERVICE_SWEEP_AFTER if older_than is None else older_than
    now = timezone.now()
    due = list(
        Request.objects.filter(status=S.QUEUED, next_attempt_at__lt=now - timedelta(seconds=older_than))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:500]
    )
    swept = []
    for pk in due:
        # Push its due time forward first, so the next sweep does not send it twice.
        pushed = Request.objects.filter(pk=pk, status=S.QUEUED).update(next_attempt_at=now)
        if pushed and request_enqueue(pk, reason="Sent again by the sweeper: it had waited in the queue too long"):
            swept.append(pk)
    return swept
