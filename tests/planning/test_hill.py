"""Scopes on the hill: moves are kept, the SVG puts each dot on the curve, past dates redraw the past."""

import datetime
import math
import re

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from planning import hill, selectors, services
from planning.choices import CycleState
from planning.models import HillUpdate
from portal.models import AuditEvent
from tests.planning.factories import BetFactory, CycleFactory

DAY = datetime.timedelta(days=1)
START = datetime.datetime(2026, 3, 2, 10, tzinfo=datetime.UTC)


def _dots(svg: str) -> dict[str, tuple[int, float, float]]:
    """{scope: (position, cx, cy)} read back from the rendered SVG."""
    found = re.findall(r'data-scope="([^"]+)" data-position="(\d+)".*?<circle cx="([\d.]+)" cy="([\d.]+)"', svg)
    return {name: (int(pos), float(cx), float(cy)) for name, pos, cx, cy in found}


@pytest.fixture
def bet(org):
    return BetFactory(cycle=CycleFactory(state=CycleState.BUILDING, start_date=START.date()), team=org.platform)


def test_every_dot_sits_on_the_hill_curve():
    positions = [0, 10, 25, 49, 50, 75, 90, 100]
    svg = hill.render_svg([hill.Dot(f"scope {p}", p) for p in positions])
    dots = _dots(svg)
    assert len(dots) == len(positions)
    height = hill.BASE_Y - hill.TOP_Y
    for position, cx, cy in dots.values():
        # x runs left to right with the position; y is the curve's height there.
        assert cx == pytest.approx(hill.LEFT + (hill.RIGHT - hill.LEFT) * position / 100, abs=0.1)
        expected = hill.BASE_Y - height * (1 - math.cos(2 * math.pi * position / 100)) / 2
        assert cy == pytest.approx(expected, abs=0.1)
        # and the drawn curve passes through that very point
        assert f"{cx},{cy}" in re.search(r'class="hill-curve" d="([^"]+)"', svg).group(1)
    assert dots["scope 50"][2] == min(cy for _p, _x, cy in dots.values())  # the top of the hill
    assert dots["scope 0"][2] == dots["scope 100"][2] == hill.BASE_Y  # both feet on the ground
    assert dots["scope 10"][2] > dots["scope 25"][2] > dots["scope 49"][2]  # climbing uphill


def test_labels_are_escaped_and_the_phases_coloured():
    svg = hill.render_svg([hill.Dot("<script>x</script>", 20), hill.Dot("ship", 80), hill.Dot("done", 100)])
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert 'data-phase="uphill"' in svg and 'data-phase="downhill"' in svg and 'data-phase="done"' in svg


def test_a_team_member_moves_a_scope_and_every_move_is_kept(bet, org):
    scope = services.scope_create(actor=org.kim, bet=bet, title="Operator upgrade")
    services.scope_move(actor=org.kim, scope=scope, position=30, note="Read the changelog")
    services.scope_move(actor=org.sara, scope=scope, position=60, note="Gate works")
    scope.refresh_from_db()
    assert scope.position == 60
    assert list(scope.updates.values_list("position", "note")) == [
        (0, "Scope mapped"),
        (30, "Read the changelog"),
        (60, "Gate works"),
    ]
    assert AuditEvent.objects.filter(verb="scope.moved").count() == 2


def test_the_hill_at_a_past_date_shows_where_scopes_were_then(bet, org):
    with time_machine.travel(START, tick=False):
        first = services.scope_create(actor=org.kim, bet=bet, title="Canary DAGs")
    with time_machine.travel(START + 2 * DAY, tick=False):
        services.scope_move(actor=org.kim, scope=first, position=25, note="Picked ten DAGs")
    with time_machine.travel(START + 5 * DAY, tick=False):
        services.scope_move(actor=org.kim, scope=first, position=70, note="Most DAGs pass")
        services.scope_create(actor=org.kim, bet=bet, title="Rolling switch")

    def at(day: datetime.datetime) -> dict:
        return {d.label: d.position for d in selectors.hill_dots(bet=bet, at=selectors.end_of_day(day.date()))}

    assert at(START) == {"Canary DAGs": 0}
    assert at(START + 3 * DAY) == {"Canary DAGs": 25}  # the later scope did not exist yet
    assert at(START + 5 * DAY) == {"Canary DAGs": 70, "Rolling switch": 0}
    assert selectors.hill_dates(bet=bet) == [START.date(), (START + 2 * DAY).date(), (START + 5 * DAY).date()]


def test_a_move_outside_the_hill_or_without_a_note_writes_nothing(bet, org):
    scope = services.scope_create(actor=org.kim, bet=bet, title="Gate")
    with pytest.raises(ValidationError) as exc:
        services.scope_move(actor=org.kim, scope=scope, position=130, note="")
    assert set(exc.value.message_dict) == {"position", "note"}
    assert HillUpdate.objects.filter(scope=scope).count() == 1
    scope.refresh_from_db()
    assert scope.position == 0


def test_an_engineer_of_another_team_cannot_move_the_scope(bet, org):
    scope = services.scope_create(actor=org.kim, bet=bet, title="Gate")
    with pytest.raises(PermissionDenied):
        services.scope_move(actor=org.park, scope=scope, position=40, note="Helping out")
    with pytest.raises(PermissionDenied):
        services.scope_create(actor=org.park, bet=bet, title="Mine")
    assert HillUpdate.objects.count() == 1


def test_scopes_that_have_not_moved_for_five_days_are_flagged_for_the_check_in(bet, org):
    with time_machine.travel(START, tick=False):
        services.scope_create(actor=org.kim, bet=bet, title="Quiet")
        moving = services.scope_create(actor=org.kim, bet=bet, title="Moving")
        done = services.scope_create(actor=org.kim, bet=bet, title="Done")
        services.scope_move(actor=org.kim, scope=done, position=100, note="Shipped the piece")
    with time_machine.travel(START + 4 * DAY, tick=False):
        services.scope_move(actor=org.kim, scope=moving, position=40, note="Progress")
    with time_machine.travel(START + 6 * DAY, tick=False):
        assert [s.title for s in selectors.scopes_flagged()] == ["Quiet"]
        assert [d.label for d in selectors.hill_dots(bet=bet) if d.stale] == ["Quiet"]
