"""Pages of on-call: the home (who is on call now), rotations, overrides, swaps, escalation, feeds."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from catalog.models import Team
from catalog.permissions import can_manage_team, user_team_ids
from oncall import selectors, services
from oncall.choices import Layer, SwapStatus
from oncall.forms import EscalationStepFormSet, OverrideForm, PageForm, PolicyForm, RotationForm, SwapForm, apply_errors
from oncall.models import CalendarFeed, Override, SwapRequest
from oncall.permissions import can_cancel_swap, can_decide_swap, can_manage_rotation, person_of
from oncall.services.escalation import default_steps
from portal.roles import is_lead, is_read_only

PREVIEW_WEEKS = 8


def _manageable_teams(user):
    teams = Team.objects.all()
    return teams if is_lead(user) else teams.filter(pk__in=user_team_ids(user))


def index(request: HttpRequest) -> HttpResponse:
    """The on-call home: who is on call now, rotations, whom to page, your calendar."""
    now = timezone.now()
    rows = selectors.oncall_now(at=now)
    by_rotation: dict[int, dict] = {}
    for row in rows:
        by_rotation.setdefault(row.rotation.pk, {"rotation": row.rotation})[row.layer] = row
    page_form = PageForm(request.GET if "team" in request.GET else None)
    target = None
    if page_form.is_bound and page_form.is_valid():
        data = page_form.cleaned_data
        step = data["step"] - 1 if data.get("step") else 0
        target = selectors.page_target(team=data["team"], at=data.get("at") or now, step=step)
    person = person_of(request.user)
    feed = CalendarFeed.objects.filter(person=person).first() if person else None
    context = {
        "now": now,
        "rotations": list(by_rotation.values()),
        "page_form": page_form,
        "target": target,
        "person": person,
        "feed_url": request.build_absolute_uri(reverse("oncall:ical-person", args=[feed.token])) if feed else None,
        "can_create": not is_read_only(request.user) and _manageable_teams(request.user).exists(),
        "open_incidents": list(selectors.incident_list().open()[:10]),
        "overdue_postmortems": list(selectors.overdue_postmortems(now=now)[:10]),
        "overdue_items": list(selectors.overdue_action_items(today=timezone.localdate())[:10]),
        "policies": list(
            Team.objects.filter(escalation_policy__isnull=False).select_related("escalation_policy").order_by("name")
        ),
    }
    return render(request, "oncall/index.html", context)


@require_http_methods(["GET", "POST"])
def rotation_create(request: HttpRequest) -> HttpResponse:
    teams = _manageable_teams(request.user)
    if is_read_only(request.user) or not teams.exists():
        raise PermissionDenied("Only team members and the lead create rotations.")
    form = RotationForm(
        request.POST or None, teams=teams, allow_force=is_lead(request.user), initial={"team": request.GET.get("team")}
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            rotation = services.rotation_create(actor=request.user, **data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Rotation '{rotation}' created.")
            return redirect(rotation)
    return render(request, "oncall/rotation_form.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def rotation_edit(request: HttpRequest, slug: str) -> HttpResponse:
    rotation = get_object_or_404(selectors.rotation_list(), slug=slug)
    if not can_manage_rotation(request.user, rotation):
        raise PermissionDenied("Only the team's members and the lead change its rotation.")
    form = RotationForm(
        request.POST or None,
        teams=Team.objects.filter(pk=rotation.team_id),
        allow_force=is_lead(request.user),
        editing=True,
        initial=RotationForm.initial_for(rotation),
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("team", None)
        try:
            services.rotation_update(actor=request.user, rotation=rotation, **data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Rotation '{rotation}' saved.")
            return redirect(rotation)
    context = {"form": form, "rotation": rotation}
    return render(request, "oncall/rotation_form.html", context, status=400 if form.errors else 200)


def _swap_choices(rotation, person, now):
    shifts = selectors.rotation_shifts(rotation=rotation, start=now, end=now + timedelta(weeks=PREVIEW_WEEKS))
    mine = [(s, p) for s, p in shifts if person is not None and s.person_id == person.pk]
    others = [(s, p) for s, p in shifts if person is None or s.person_id != person.pk]
    return shifts, mine, others


@require_http_methods(["GET", "POST"])
def rotation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The rule, the coming shifts, overrides and swaps; managers add overrides and propose swaps here."""
    rotation = get_object_or_404(selectors.rotation_list(), slug=slug)
    now = timezone.now()
    try:
        weeks = min(max(int(request.GET.get("weeks", PREVIEW_WEEKS)), 1), 52)
    except ValueError:
        weeks = PREVIEW_WEEKS
    can_manage = can_manage_rotation(request.user, rotation)
    person = person_of(request.user)
    _all, mine, others = _swap_choices(rotation, person, now)
    override_form = OverrideForm(rotation=rotation, allow_force=is_lead(request.user), prefix="override")
    swap_form = SwapForm(rotation=rotation, mine=mine, others=others, prefix="swap")
    status = 200
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("Only the team's members and the lead change its rotation.")
        if "override-person" in request.POST:
            override_form = OverrideForm(
                request.POST, rotation=rotation, allow_force=is_lead(request.user), prefix="override"
            )
            if override_form.is_valid():
                try:
                    services.override_create(actor=request.user, rotation=rotation, **override_form.cleaned_data)
                except ValidationError as exc:
                    apply_errors(override_form, exc)
                else:
                    messages.success(request, "Override added.")
                    return redirect(rotation)
        else:
            swap_form = SwapForm(request.POST, rotation=rotation, mine=mine, others=others, prefix="swap")
            if person is None:
                swap_form.add_error(None, "You have no person in the catalog, so you hold no shifts to swap.")
            elif swap_form.is_valid():
                try:
                    services.swap_propose(
                        actor=request.user, rotation=rotation, requester=person, **swap_form.cleaned_data
                    )
                except ValidationError as exc:
                    apply_errors(swap_form, exc)
                else:
                    messages.success(request, "Swap proposed; it takes effect when they accept.")
                    return redirect(rotation)
        status = 400
    shifts = selectors.rotation_shifts(rotation=rotation, start=now, end=now + timedelta(weeks=weeks))
    tz = ZoneInfo(rotation.time_zone)
    context = {
        "rotation": rotation,
        "tz": tz,
        "weeks": weeks,
        "shifts": [(s, p, s.start.astimezone(tz), s.end.astimezone(tz)) for s, p in shifts],
        "flags": selectors.rotation_r3_flags(rotation=rotation, start=now, end=now + timedelta(weeks=weeks)),
        "overrides": list(Override.objects.filter(rotation=rotation, ends_at__gt=now).select_related("person")),
        "swaps": list(SwapRequest.objects.filter(rotation=rotation).select_related("requester", "counterpart")[:20]),
        "can_manage": can_manage,
        "person": person,
        "override_form": override_form,
        "swap_form": swap_form,
        "ical_url": None
        if is_read_only(request.user)
        else request.build_absolute_uri(reverse("oncall:ical-rotation", args=[rotation.ical_token])),
        "layers": Layer,
    }
    return render(request, "oncall/rotation_detail.html", context, status=status)


@require_POST
def override_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    override = get_object_or_404(
        Override.objects.select_related("rotation__team", "person"), pk=pk, rotation__slug=slug
    )
    if not can_manage_rotation(request.user, override.rotation):
        raise PermissionDenied("Only the team's members and the lead change its rotation.")
    services.override_delete(actor=request.user, override=override)
    messages.success(request, "Override removed.")
    return redirect(override.rotation)


@require_POST
def swap_decide(request: HttpRequest, slug: str, pk: int, decision: str) -> HttpResponse:
    swap = get_object_or_404(SwapRequest.objects.select_related("rotation"), pk=pk, rotation__slug=slug)
    allowed = can_cancel_swap if decision == "cancel" else can_decide_swap
    if decision not in ("accept", "decline", "cancel"):
        raise Http404
    if not allowed(request.user, swap):
        raise PermissionDenied("Only the person asked may accept or decline; only the requester may cancel.")
    try:
        if decision == "accept":
            services.swap_accept(actor=request.user, swap=swap, force=bool(request.POST.get("force")))
        else:
            status = SwapStatus.DECLINED if decision == "decline" else SwapStatus.CANCELLED
            services.swap_decide(actor=request.user, swap=swap, status=status)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Swap {decision}ed." if decision != "cancel" else "Swap cancelled.")
    return redirect(swap.rotation)


@require_POST
def feed_reset(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    """A new secret calendar URL: a rotation's (its managers) or your own."""
    if slug:
        rotation = get_object_or_404(selectors.rotation_list(), slug=slug)
        if not can_manage_rotation(request.user, rotation):
            raise PermissionDenied("Only the team's members and the lead change its rotation.")
        services.feed_reset(actor=request.user, rotation=rotation)
        messages.success(request, "New calendar URL: subscribe again; the old one no longer works.")
        return redirect(rotation)
    person = person_of(request.user)
    if person is None:
        raise PermissionDenied("You have no person in the catalog, so you have no shifts.")
    services.feed_reset(actor=request.user, person=person)
    messages.success(request, "Your calendar URL is ready; the previous one, if any, no longer works.")
    return redirect("oncall:index")


@require_http_methods(["GET", "POST"])
def policy_detail(request: HttpRequest, team_slug: str) -> HttpResponse:
    """A team's escalation policy (or the one it inherits); its managers edit it here."""
    team = get_object_or_404(Team.objects.select_related("parent"), slug=team_slug)
    policy = selectors.policy_for_team(team)
    own = policy is not None and policy.team_id == team.pk
    can_manage = can_manage_team(request.user, team)
    steps = list(policy.steps.all()) if policy else []
    initial = (
        [
            {"kind": s.kind, "person": s.person.slug if s.person else None, "timeout_minutes": s.timeout_minutes}
            for s in steps
        ]
        if own
        else default_steps()
    )
    form = PolicyForm(request.POST or None, initial={"name": policy.name if own else f"{team.name} escalation"})
    formset = EscalationStepFormSet(request.POST or None, initial=initial, prefix="steps")
    status = 200
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("Only the team's members and the lead change its escalation policy.")
        if form.is_valid() and formset.is_valid():
            rows = [f.cleaned_data for f in formset.forms if f.cleaned_data.get("kind")]
            for row in rows:
                row.setdefault("timeout_minutes", 30)
                row["timeout_minutes"] = row["timeout_minutes"] or 30
            try:
                services.escalation_policy_save(
                    actor=request.user, team=team, name=form.cleaned_data["name"], steps=rows
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "Escalation policy saved.")
                return redirect("oncall:policy-detail", team_slug=team.slug)
        status = 400
    context = {
        "team": team,
        "policy": policy,
        "own": own,
        "steps": steps,
        "can_manage": can_manage,
        "form": form,
        "formset": formset,
    }
    return render(request, "oncall/policy_detail.html", context, status=status)
