"""Planning's dashboard panel: the current cycle, its bets, and the scopes flagged for the lead's check-in."""

from django.http import HttpRequest

from portal import slots


def _current_cycle(request: HttpRequest, _obj) -> dict:
    from planning import selectors

    current = selectors.cycle_current()
    bets = list(selectors.bet_list().filter(cycle=current)) if current else []
    return {"current": current, "bets": bets, "flagged": list(selectors.scopes_flagged()[:10])}


def register() -> None:
    slots.register(
        slots.HOME, slots.Panel("planning", "Shape Up cycle", "planning/widgets/home.html", _current_cycle, 40)
    )
