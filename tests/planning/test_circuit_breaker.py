"""R13, the circuit breaker: bets not shipped by the end of the build weeks are not shipped, never extended."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from planning import services
from planning.choices import BetStatus, CycleState, PitchStatus
from planning.models import Bet
from portal.models import AuditEvent
from tests.planning.factories import CycleFactory, PitchFactory

# The cycle starts Monday 2 March 2026; six build weeks end on Sunday 12 April; 13 April is after them.
LAST_BUILD_DAY = datetime.datetime(2026, 4, 12, 18, tzinfo=datetime.UTC)
AFTER_BUILD = datetime.datetime(2026, 4, 13, 6, tzinfo=datetime.UTC)


@pytest.fixture
def building(org, lead, betting_cycle):
    """Two bets placed at the betting table, then the cycle starts building."""
    bets = [
        services.bet_place(actor=lead, cycle=betting_cycle, pitch=PitchFactory(title=title), team=team, people=[person])
        for title, team, person in [
            ("Spark 3.5 rolling upgrade", org.platform, org.kim.person),
            ("vLLM serving", org.mlops, org.park.person),
        ]
    ]
    services.cycle_transition(actor=lead, cycle=betting_cycle, to_state=CycleState.BUILDING)
    return bets


def test_nothing_is_cut_while_build_weeks_remain(building, betting_cycle):
    with time_machine.travel(LAST_BUILD_DAY, tick=False):
        assert services.cycles_trip_circuit_breakers() == []
    betting_cycle.refresh_from_db()
    assert betting_cycle.state == CycleState.BUILDING
    assert set(Bet.objects.values_list("status", flat=True)) == {BetStatus.BUILDING}


def test_at_the_end_of_the_build_weeks_unshipped_bets_are_not_shipped(building, betting_cycle, org):
    spark, vllm = building
    with time_machine.travel(LAST_BUILD_DAY, tick=False):
        services.bet_ship(actor=org.kim, bet=spark)
    with time_machine.travel(AFTER_BUILD, tick=False):
        tripped = services.cycles_trip_circuit_breakers()
    assert [c.pk for c in tripped] == [betting_cycle.pk]
    betting_cycle.refresh_from_db()
    spark.refresh_from_db()
    vllm.refresh_from_db()
    assert betting_cycle.state == CycleState.COOL_DOWN
    assert (spark.status, spark.pitch.status) == (BetStatus.SHIPPED, PitchStatus.SHIPPED)
    assert (vllm.status, vllm.pitch.status) == (BetStatus.NOT_SHIPPED, PitchStatus.NOT_SHIPPED)
    assert vllm.finished_at == AFTER_BUILD
    event = AuditEvent.objects.get(verb="bet.not_shipped")
    assert event.actor_repr == "system" and "circuit breaker" in event.message


def test_a_bet_cannot_be_shipped_once_the_build_weeks_are_over(building, org):
    spark, _vllm = building
    with time_machine.travel(AFTER_BUILD, tick=False), pytest.raises(ValidationError) as exc:
        services.bet_ship(actor=org.kim, bet=spark)
    assert "circuit breaker" in exc.value.message_dict["status"][0]
    spark.refresh_from_db()
    assert spark.status == BetStatus.BUILDING


def test_an_unshipped_bet_is_not_carried_into_the_next_cycle_and_needs_a_new_bet(building, betting_cycle, org, lead):
    _spark, vllm = building
    with time_machine.travel(AFTER_BUILD, tick=False):
        services.cycles_trip_circuit_breakers()
    next_cycle = CycleFactory(name="Next", slug="next", start_date=datetime.date(2026, 4, 27))
    assert not next_cycle.bets.exists()
    pitch = vllm.pitch
    pitch.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.bet_place(actor=lead, cycle=next_cycle, pitch=pitch, team=org.mlops, people=[org.park.person])
    assert "not shipped" in exc.value.message_dict["pitch"][0]
    services.pitch_transition(actor=lead, pitch=pitch, to_status=PitchStatus.SHAPED)
    new_bet = services.bet_place(actor=lead, cycle=next_cycle, pitch=pitch, team=org.mlops, people=[org.park.person])
    assert new_bet.pk != vllm.pk
    vllm.refresh_from_db()
    assert vllm.status == BetStatus.NOT_SHIPPED  # the old bet stays as it was cut
    assert list(pitch.bets.order_by("id").values_list("status", flat=True)) == ["not_shipped", "building"]


def test_the_lead_moving_to_cool_down_trips_the_breaker_too(building, betting_cycle, lead):
    services.cycle_transition(actor=lead, cycle=betting_cycle, to_state=CycleState.COOL_DOWN)
    assert set(Bet.objects.values_list("status", flat=True)) == {BetStatus.NOT_SHIPPED}
    assert AuditEvent.objects.filter(verb="bet.not_shipped", actor=lead).count() == 2


def test_the_scheduled_task_runs_the_sweep(building, betting_cycle):
    from planning.tasks import trip_circuit_breakers

    with time_machine.travel(AFTER_BUILD, tick=False):
        assert trip_circuit_breakers.apply().get() == "circuit breaker tripped for 1 cycle(s): spring"
