"""Planning's domain rules (R13 and the Shape Up process) as pure functions that return what is wrong.

Services enforce them (refusing the change with a message naming the field); pages and the API use the same
functions to decide which buttons to offer, so each rule lives here once.
"""

import datetime
from collections.abc import Iterable

from django.conf import settings

from planning.choices import BetStatus, CycleState, PitchStatus

# A cycle moves forward only; betting may go back to shaping if the table needs more shaped pitches.
CYCLE_TRANSITIONS: dict[str, tuple[str, ...]] = {
    CycleState.SHAPING: (CycleState.BETTING,),
    CycleState.BETTING: (CycleState.BUILDING, CycleState.SHAPING),
    CycleState.BUILDING: (CycleState.COOL_DOWN,),
    CycleState.COOL_DOWN: (CycleState.DONE,),
    CycleState.DONE: (),
}

# What the lead may do to a pitch by hand; bet / not bet / shipped / not shipped follow from bets and cycles.
# A pitch that was not bet or not shipped can be shaped again and go back to a betting table (a new bet).
PITCH_MANUAL_TRANSITIONS: dict[str, tuple[str, ...]] = {
    PitchStatus.DRAFT: (PitchStatus.SHAPED,),
    PitchStatus.SHAPED: (PitchStatus.DRAFT,),
    PitchStatus.NOT_BET: (PitchStatus.SHAPED,),
    PitchStatus.NOT_SHIPPED: (PitchStatus.SHAPED,),
    PitchStatus.BET: (),
    PitchStatus.SHIPPED: (),
}

HILL_TOP = 50  # left of it: figuring out what to do (uphill); right of it: getting it done (downhill)


def stale_scope_days() -> int:
    """N in "scopes that have not moved for N days are flagged for the lead's check-in"."""
    return int(getattr(settings, "PLANNING_STALE_SCOPE_DAYS", 5))


def cycle_transition_problems(*, cycle, to_state: str, other_building: bool = False) -> list[str]:
    """Why `cycle` may not move to `to_state` (empty when it may)."""
    if to_state not in CycleState.values:
        return [f"'{to_state}' is not a cycle state: use one of {', '.join(CycleState.values)}."]
    allowed = CYCLE_TRANSITIONS[cycle.state]
    if to_state not in allowed:
        names = ", ".join(CycleState(s).label for s in allowed) or "nothing (it is done)"
        return [f"A cycle in {cycle.get_state_display()} can move to: {names}."]
    if to_state == CycleState.BUILDING and other_building:
        return ["Another cycle is still building: move it to cool-down first."]
    return []


def pitch_transition_problems(*, pitch, to_status: str) -> list[str]:
    if to_status not in PitchStatus.values:
        return [f"'{to_status}' is not a pitch status."]
    allowed = PITCH_MANUAL_TRANSITIONS[pitch.status]
    if to_status not in allowed:
        names = ", ".join(PitchStatus(s).label for s in allowed) or "nothing by hand"
        return [f"A {pitch.get_status_display().lower()} pitch can move to: {names}."]
    if to_status == PitchStatus.SHAPED:
        missing = [name for name in ("problem", "solution") if not getattr(pitch, name).strip()]
        if missing:
            return [f"A shaped pitch needs its {' and '.join(missing)} written."]
    return []


def bet_problems(*, cycle, pitch) -> dict[str, str]:
    """Why `pitch` may not be bet on in `cycle`, by field."""
    problems = {}
    if cycle.state != CycleState.BETTING:
        problems["cycle"] = f"Bets are placed at the betting table: this cycle is {cycle.get_state_display()}."
    if pitch.status != PitchStatus.SHAPED:
        problems["pitch"] = f"Only shaped pitches can be bet on: this one is {pitch.get_status_display().lower()}."
    return problems


def can_ship(*, bet, today: datetime.date) -> str | None:
    """None when the bet may be marked shipped; else why not (R13: nothing is shipped after the build weeks)."""
    if bet.status != BetStatus.BUILDING:
        return f"This bet is already {bet.get_status_display().lower()}."
    if bet.cycle.state != CycleState.BUILDING:
        return f"Only bets of a building cycle ship: this cycle is {bet.cycle.get_state_display()}."
    if today >= bet.cycle.build_end:
        return "The build weeks are over: the circuit breaker stops this bet; shipping it needs a new bet."
    return None


def scope_move_problem(*, bet) -> str | None:
    if bet.status != BetStatus.BUILDING or bet.cycle.state != CycleState.BUILDING:
        return "Scopes move only while their bet is being built."
    return None


def circuit_breaker_due(*, cycle, today: datetime.date) -> bool:
    """R13: a building cycle whose build weeks are over gets its unfinished bets cut."""
    return cycle.state == CycleState.BUILDING and today >= cycle.build_end


def stale_scopes(scopes: Iterable, *, now: datetime.datetime, days: int | None = None) -> list:
    """Scopes of building bets not moved for `days` days and not at the bottom of the downhill (done)."""
    limit = now - datetime.timedelta(days=stale_scope_days() if days is None else days)
    return [s for s in scopes if s.position < 100 and s.moved_at <= limit]


def hill_phase(position: int) -> str:
    if position >= 100:
        return "done"
    return "uphill" if position < HILL_TOP else "downhill"
