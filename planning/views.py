"""Pages of planning: the planning home, cycles and the betting table, pitches, bets with their hill charts."""

import datetime
import mimetypes

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from planning import hill, rules, selectors, services
from planning.choices import BetStatus, CycleState, PitchStatus
from planning.forms import AbsenceForm, BetForm, CycleForm, PitchForm, ScopeForm, ScopeMoveForm, SketchForm
from planning.models import Bet, Cycle, Pitch, PitchSketch, RoadmapItem
from planning.permissions import can_plan, can_see_absences, can_work_on_bet


def _form_errors(form, exc: ValidationError) -> None:
    """Put a service's errors on the form, by field where the form has that field."""
    for name, errors in exc.message_dict.items():
        for error in errors:
            form.add_error(name if name in form.fields else None, error)


def _lead_only(request: HttpRequest) -> None:
    if not can_plan(request.user):
        raise PermissionDenied("Only the Data Infrastructure Lead does this.")


#
# Home and cycles
#


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    current = selectors.cycle_current()
    context = {
        "current": current,
        "bets_by_team": selectors.cycle_bets_by_team(cycle=current) if current else {},
        "flagged": list(selectors.scopes_flagged()[:20]),
        "cycles": selectors.cycle_list(),
        "roadmap": selectors.roadmap_item_list(),
        "can_plan": can_plan(request.user),
        "stale_days": rules.stale_scope_days(),
    }
    return render(request, "planning/index.html", context)


@require_http_methods(["GET", "POST"])
def cycle_create(request: HttpRequest) -> HttpResponse:
    _lead_only(request)
    form = CycleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cycle = services.cycle_create(actor=request.user, **{k: form.cleaned_data[k] for k in form.Meta.fields})
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"Cycle '{cycle}' created, in shaping.")
            return redirect(cycle)
    return render(request, "planning/cycle_form.html", {"form": form}, status=400 if form.errors else 200)


def _cycle_context(request: HttpRequest, cycle: Cycle, bet_form: BetForm | None = None) -> dict:
    context = {
        "cycle": cycle,
        "can_plan": can_plan(request.user),
        "transitions": [CycleState(s) for s in rules.CYCLE_TRANSITIONS[cycle.state]],
        "bets_by_team": selectors.cycle_bets_by_team(cycle=cycle),
    }
    if cycle.state == CycleState.BETTING:
        table = selectors.betting_table(cycle=cycle)
        context["table"] = table
        context["capacity"] = {c.team.pk: c for c in table.capacities}
        context["bet_form"] = bet_form
    else:
        context["capacities"] = selectors.capacity.teams_capacity(cycle=cycle, teams=selectors.subteams())
    return context


@require_GET
def cycle_detail(request: HttpRequest, slug: str) -> HttpResponse:
    cycle = get_object_or_404(Cycle, slug=slug)
    return render(request, "planning/cycle_detail.html", _cycle_context(request, cycle))


@require_POST
def cycle_transition(request: HttpRequest, slug: str) -> HttpResponse:
    cycle = get_object_or_404(Cycle, slug=slug)
    _lead_only(request)
    try:
        cycle = services.cycle_transition(actor=request.user, cycle=cycle, to_state=request.POST.get("state", ""))
    except ValidationError as exc:
        for errors in exc.message_dict.values():
            for error in errors:
                messages.error(request, f"State: {error}")
    else:
        messages.success(request, f"{cycle} is now in {cycle.get_state_display()}.")
    return redirect(cycle)


@require_POST
def cycle_bet(request: HttpRequest, slug: str) -> HttpResponse:
    """Place a bet; an over-commitment is shown with the form, and needs a reason to go through."""
    cycle = get_object_or_404(Cycle, slug=slug)
    _lead_only(request)
    form = BetForm(request.POST, teams=selectors.subteams(), pitches=Pitch.objects.all())
    if form.is_valid():
        data = form.cleaned_data
        try:
            bet = services.bet_place(
                actor=request.user,
                cycle=cycle,
                pitch=data["pitch"],
                team=data["team"],
                people=list(data["people"]),
                reason=data["reason"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"Bet placed: {bet.pitch} goes to {bet.team}.")
            return redirect(cycle)
    return render(request, "planning/cycle_detail.html", _cycle_context(request, cycle, form), status=400)


@require_GET
def cycle_report(request: HttpRequest, slug: str) -> HttpResponse:
    cycle = get_object_or_404(Cycle, slug=slug)
    context = {"cycle": cycle, "reports": selectors.cycle_report(cycle=cycle)}
    return render(request, "planning/cycle_report.html", context)


#
# Roadmap and pitches
#


@require_GET
def pitch_list(request: HttpRequest) -> HttpResponse:
    pitches = selectors.pitch_list().order_by("title")
    status = request.GET.get("status", "")
    if status in PitchStatus.values:
        pitches = pitches.filter(status=status)
    page = Paginator(pitches, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "query": f"status={status}" if status else "",
        "status": status,
        "statuses": PitchStatus.choices,
        "can_plan": can_plan(request.user),
    }
    return render(request, "planning/pitch_list.html", context)


@require_http_methods(["GET", "POST"])
def pitch_create(request: HttpRequest) -> HttpResponse:
    _lead_only(request)
    form = PitchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            pitch = services.pitch_create(actor=request.user, entities=list(data.pop("entities")), **data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"Pitch '{pitch}' saved as a draft.")
            return redirect(pitch)
    return render(request, "planning/pitch_form.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def pitch_edit(request: HttpRequest, slug: str) -> HttpResponse:
    pitch = get_object_or_404(Pitch, slug=slug)
    _lead_only(request)
    # The form validates a copy: the service must see the pitch as it was, to audit what changed.
    form = PitchForm(request.POST or None, instance=Pitch.objects.get(pk=pitch.pk))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.pitch_update(actor=request.user, pitch=pitch, entities=list(data.pop("entities")), **data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Pitch saved.")
            return redirect(pitch)
    context = {"form": form, "pitch": pitch}
    return render(request, "planning/pitch_form.html", context, status=400 if form.errors else 200)


@require_GET
def pitch_detail(request: HttpRequest, slug: str) -> HttpResponse:
    pitch = get_object_or_404(
        selectors.pitch_list().prefetch_related("sketches", Prefetch("bets", queryset=selectors.bet_list())),
        slug=slug,
    )
    context = {
        "pitch": pitch,
        "can_plan": can_plan(request.user),
        "transitions": [PitchStatus(s) for s in rules.PITCH_MANUAL_TRANSITIONS[pitch.status]],
        "sketch_form": SketchForm(),
    }
    return render(request, "planning/pitch_detail.html", context)


@require_POST
def pitch_transition(request: HttpRequest, slug: str) -> HttpResponse:
    pitch = get_object_or_404(Pitch, slug=slug)
    _lead_only(request)
    try:
        services.pitch_transition(actor=request.user, pitch=pitch, to_status=request.POST.get("status", ""))
    except ValidationError as exc:
        for error in exc.message_dict.get("status", []):
            messages.error(request, f"Status: {error}")
    else:
        messages.success(request, f"The pitch is now {pitch.get_status_display().lower()}.")
    return redirect(pitch)


@require_POST
def pitch_sketch_add(request: HttpRequest, slug: str) -> HttpResponse:
    pitch = get_object_or_404(Pitch, slug=slug)
    _lead_only(request)
    form = SketchForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.sketch_add(actor=request.user, pitch=pitch, upload=form.cleaned_data["file"])
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Sketch added.")
            return redirect(pitch)
    for name, errors in form.errors.items():
        for error in errors:
            messages.error(request, f"{'Sketch' if name == 'file' else name}: {error}")
    return redirect(pitch)


@require_GET
def sketch(request: HttpRequest, pk: int) -> FileResponse:
    """Sketches are served only to signed-in users (the middleware sees to that), never from a public folder."""
    item = get_object_or_404(PitchSketch, pk=pk)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The sketch's file is gone.") from exc
    content_type = mimetypes.guess_type(item.name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


@require_POST
def roadmap_item_pitch(request: HttpRequest, slug: str) -> HttpResponse:
    item = get_object_or_404(RoadmapItem, slug=slug)
    _lead_only(request)
    pitch = services.pitch_create_from_roadmap_item(actor=request.user, item=item)
    messages.success(request, f"Draft pitch started from the roadmap item '{item}': shape it.")
    return redirect("planning:pitch-edit", slug=pitch.slug)


#
# Bets, scopes and the hill
#


def _hill_at(request: HttpRequest) -> tuple[datetime.date | None, datetime.datetime | None]:
    day = parse_date(request.GET.get("at", "") or "")
    return day, (selectors.end_of_day(day) if day else None)


def _hill_context(request: HttpRequest, bet: Bet) -> dict:
    day, at = _hill_at(request)
    return {
        "bet": bet,
        "at": day,
        "svg": hill.render_svg(
            selectors.hill_dots(bet=bet, at=at), title=f"Hill chart of {bet.pitch}" + (f" on {day}" if day else "")
        ),
        "dates": selectors.hill_dates(bet=bet),
        "today": timezone.localdate(),
    }


@require_GET
def bet_detail(request: HttpRequest, pk: int) -> HttpResponse:
    bet = get_object_or_404(selectors.bet_list(), pk=pk)
    scopes = list(bet.scopes.order_by("created", "id"))
    may_work = can_work_on_bet(request.user, bet)
    building = bet.status == BetStatus.BUILDING and bet.cycle.state == CycleState.BUILDING
    context = {
        **_hill_context(request, bet),
        "scopes": scopes,
        "stale": {s.pk for s in rules.stale_scopes(scopes, now=timezone.now())} if building else set(),
        "updates": selectors.hill_update_list().filter(scope__bet=bet).order_by("-recorded_at", "-id")[:30],
        "can_work": may_work and building,
        "can_ship": may_work and rules.can_ship(bet=bet, today=timezone.localdate()) is None,
        "can_plan": can_plan(request.user),
        "scope_form": ScopeForm(),
        "move_form": ScopeMoveForm(),
    }
    return render(request, "planning/bet_detail.html", context)


@require_GET
def bet_hill(request: HttpRequest, pk: int) -> HttpResponse:
    """The hill chart alone: the SVG image, or the chart's fragment for an HTMX swap."""
    bet = get_object_or_404(selectors.bet_list(), pk=pk)
    context = _hill_context(request, bet)
    if request.GET.get("format") == "svg":
        return HttpResponse(context["svg"], content_type="image/svg+xml")
    return render(request, "planning/includes/hill.html", context)


@require_POST
def bet_ship(request: HttpRequest, pk: int) -> HttpResponse:
    bet = get_object_or_404(selectors.bet_list(), pk=pk)
    try:
        services.bet_ship(actor=request.user, bet=bet)
    except ValidationError as exc:
        messages.error(request, f"Status: {' '.join(exc.message_dict.get('status', exc.messages))}")
    else:
        messages.success(request, f"{bet.pitch} shipped.")
    return redirect(bet)


@require_POST
def bet_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    bet = get_object_or_404(selectors.bet_list(), pk=pk)
    cycle = bet.cycle
    try:
        services.bet_withdraw(actor=request.user, bet=bet)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(bet)
    messages.success(request, f"Bet on {bet.pitch} withdrawn.")
    return redirect(cycle)


@require_POST
def scope_create(request: HttpRequest, pk: int) -> HttpResponse:
    bet = get_object_or_404(selectors.bet_list(), pk=pk)
    if not can_work_on_bet(request.user, bet):
        raise PermissionDenied(f"Only {bet.team} and the lead add scopes to this bet.")
    form = ScopeForm(request.POST)
    if form.is_valid():
        try:
            services.scope_create(actor=request.user, bet=bet, title=form.cleaned_data["title"])
        except ValidationError as exc:
            _form_errors(form, exc)
    for name, errors in form.errors.items():
        for error in errors:
            messages.error(request, f"{'Scope' if name in ('title', '__all__') else name}: {error}")
    return redirect(bet)


@require_POST
def scope_move(request: HttpRequest, pk: int) -> HttpResponse:
    scope = get_object_or_404(selectors.scope_list(), pk=pk)
    if not can_work_on_bet(request.user, scope.bet):
        raise PermissionDenied(f"Only {scope.bet.team} and the lead move this scope.")
    form = ScopeMoveForm(request.POST)
    if form.is_valid():
        try:
            services.scope_move(actor=request.user, scope=scope, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"'{scope}' moved to {scope.position} ({rules.hill_phase(scope.position)}).")
            return redirect(scope.bet)
    for name, errors in form.errors.items():
        for error in errors:
            messages.error(request, f"{name.capitalize()} of '{scope}': {error}")
    return redirect(scope.bet)


#
# Absences
#


@require_http_methods(["GET", "POST"])
def absence_list(request: HttpRequest) -> HttpResponse:
    if not can_see_absences(request.user):
        raise PermissionDenied("Absences are seen by the team only.")
    form = AbsenceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.absence_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Absence recorded; capacity takes it into account.")
            return redirect("planning:absence-list")
    absences = selectors.absence_list_visible(user=request.user).filter(end_date__gte=timezone.localdate())
    page = Paginator(absences.order_by("start_date", "id"), 50).get_page(request.GET.get("page"))
    status = 400 if form.errors else 200
    context = {"form": form, "page": page, "query": "", "can_plan": can_plan(request.user)}
    return render(request, "planning/absence_list.html", context, status=status)


@require_POST
def absence_delete(request: HttpRequest, pk: int) -> HttpResponse:
    absence = get_object_or_404(selectors.absence_list_visible(user=request.user), pk=pk)
    services.absence_delete(actor=request.user, absence=absence)
    messages.success(request, "Absence removed.")
    return redirect("planning:absence-list")
