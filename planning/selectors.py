"""Reads of planning that cross models or feed a page, each in a fixed number of queries."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from catalog.models import Team
from planning import capacity, rules
from planning.choices import APPETITE_WEEKS, BetStatus, CycleState, PitchStatus
from planning.hill import Dot
from planning.models import Absence, Bet, Cycle, HillUpdate, Pitch, RoadmapItem, Scope
from planning.permissions import can_see_absences


def cycle_list() -> QuerySet[Cycle]:
    return Cycle.objects.annotate(
        bet_count=Count("bets", distinct=True),
        shipped_count=Count("bets", filter=Q(bets__status=BetStatus.SHIPPED), distinct=True),
    )


def cycle_current() -> Cycle | None:
    """The cycle being built, else the one in cool-down, else the one at the betting table."""
    by_state = {c.state: c for c in Cycle.objects.exclude(state=CycleState.DONE).order_by("start_date")}
    for state in (CycleState.BUILDING, CycleState.COOL_DOWN, CycleState.BETTING, CycleState.SHAPING):
        if state in by_state:
            return by_state[state]
    return None


def subteams() -> QuerySet[Team]:
    """The teams bets go to: those under a parent team (the four subteams of the seed)."""
    return Team.objects.filter(parent__isnull=False).order_by("name")


def pitch_list() -> QuerySet[Pitch]:
    return Pitch.objects.select_related("author", "roadmap_item").prefetch_related("entities")


def roadmap_item_list() -> QuerySet[RoadmapItem]:
    return RoadmapItem.objects.prefetch_related(Prefetch("pitches", queryset=Pitch.objects.order_by("title")))


def bet_list() -> QuerySet[Bet]:
    return Bet.objects.select_related("cycle", "pitch", "team", "placed_by").prefetch_related("people")


def scope_list() -> QuerySet[Scope]:
    return Scope.objects.select_related("bet__team", "bet__cycle", "bet__pitch")


def hill_update_list() -> QuerySet[HillUpdate]:
    return HillUpdate.objects.select_related("scope", "author")


def absence_list_visible(*, user) -> QuerySet[Absence]:
    if not can_see_absences(user):
        return Absence.objects.none()
    return Absence.objects.select_related("person")


def scopes_flagged(*, now: datetime.datetime | None = None) -> QuerySet[Scope]:
    """Scopes of bets being built that have not moved for N days: the lead's check-in list."""
    now = now or timezone.now()
    limit = now - datetime.timedelta(days=rules.stale_scope_days())
    return (
        scope_list()
        .filter(
            bet__status=BetStatus.BUILDING,
            bet__cycle__state=CycleState.BUILDING,
            position__lt=100,
            moved_at__lte=limit,
        )
        .order_by("moved_at")
    )


#
# The hill at a date
#


def hill_dots(*, bet: Bet, at: datetime.datetime | None = None, now: datetime.datetime | None = None) -> list[Dot]:
    """One dot per scope that existed at `at`, where its last move before `at` put it (now if `at` is None)."""
    now = now or timezone.now()
    scopes = list(bet.scopes.order_by("created", "id"))
    if at is None:
        stale = {s.pk for s in rules.stale_scopes(scopes, now=now)} if bet.status == BetStatus.BUILDING else set()
        return [Dot(s.title, s.position, s.pk in stale) for s in scopes]
    positions: dict[int, int] = {}
    for scope_id, position in (
        HillUpdate.objects.filter(scope__bet=bet, recorded_at__lte=at)
        .order_by("recorded_at", "id")
        .values_list("scope_id", "position")
    ):
        positions[scope_id] = position  # later moves overwrite earlier ones
    return [Dot(s.title, positions[s.pk]) for s in scopes if s.created <= at and s.pk in positions]


def hill_dates(*, bet: Bet) -> list[datetime.date]:
    """The days something moved on this bet's hill: the links to past dates."""
    stamps = HillUpdate.objects.filter(scope__bet=bet).values_list("recorded_at", flat=True)
    return sorted({timezone.localdate(s) for s in stamps})


def end_of_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))


#
# The betting table and the report
#


@dataclass
class BettingTable:
    cycle: Cycle
    pitches: list[Pitch]
    capacities: list[capacity.TeamCapacity]
    teams: list[Team] = field(default_factory=list)


def betting_table(*, cycle: Cycle) -> BettingTable:
    """Shaped pitches side by side, and each subteam's capacity and what is already bet on it."""
    teams = list(subteams().prefetch_related("memberships__person"))
    pitches = list(pitch_list().filter(status=PitchStatus.SHAPED).order_by("appetite", "title"))
    return BettingTable(
        cycle=cycle, pitches=pitches, capacities=capacity.teams_capacity(cycle=cycle, teams=teams), teams=teams
    )


@dataclass
class ReportRow:
    bet: Bet
    appetite_weeks: int
    taken_weeks: Decimal | None  # None: not shipped, the build weeks ran out

    @property
    def over_appetite(self) -> bool:
        return self.taken_weeks is not None and self.taken_weeks > self.appetite_weeks


@dataclass
class TeamReport:
    team: Team
    shipped: list[ReportRow] = field(default_factory=list)
    not_shipped: list[ReportRow] = field(default_factory=list)
    building: list[ReportRow] = field(default_factory=list)


def cycle_report(*, cycle: Cycle) -> list[TeamReport]:
    """Per subteam: what shipped and what did not, and each bet's appetite against the time it took."""
    reports: dict[int, TeamReport] = {}
    for bet in bet_list().filter(cycle=cycle).order_by("team__name", "pitch__title"):
        report = reports.setdefault(bet.team_id, TeamReport(team=bet.team))
        appetite = min(APPETITE_WEEKS[bet.pitch.appetite], cycle.build_weeks)
        taken = None
        if bet.status == BetStatus.SHIPPED and bet.finished_at:
            days = (timezone.localdate(bet.finished_at) - cycle.start_date).days
            taken = (Decimal(max(days, 0)) / 7).quantize(Decimal("0.1"))
        row = ReportRow(bet=bet, appetite_weeks=appetite, taken_weeks=taken)
        {BetStatus.SHIPPED: report.shipped, BetStatus.NOT_SHIPPED: report.not_shipped}.get(
            bet.status, report.building
        ).append(row)
    return list(reports.values())


def cycle_bets_by_team(*, cycle: Cycle) -> dict:
    grouped = defaultdict(list)
    for bet in bet_list().filter(cycle=cycle).prefetch_related("scopes"):
        grouped[bet.team].append(bet)
    return dict(grouped)
