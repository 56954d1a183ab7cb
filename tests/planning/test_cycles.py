"""Cycle and pitch state transitions, and who may make them."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from planning import services
from planning.choices import CycleState, PitchStatus
from planning.models import Cycle
from portal.models import AuditEvent
from tests.planning.factories import CycleFactory, PitchFactory


def test_the_lead_takes_a_cycle_through_every_state_and_each_move_is_audited(org, lead):
    cycle = services.cycle_create(actor=lead, name="Summer 2026", start_date="2026-06-01")
    assert (cycle.slug, cycle.state, cycle.build_weeks, cycle.cooldown_weeks) == ("summer-2026", "shaping", 6, 2)
    for state in (CycleState.BETTING, CycleState.BUILDING, CycleState.COOL_DOWN, CycleState.DONE):
        cycle = services.cycle_transition(actor=lead, cycle=cycle, to_state=state)
        assert Cycle.objects.get(pk=cycle.pk).state == state
    verbs = list(AuditEvent.objects.order_by("id").values_list("verb", flat=True))
    assert verbs == ["cycle.created", "cycle.betting", "cycle.building", "cycle.cool_down", "cycle.done"]
    assert AuditEvent.objects.get(verb="cycle.building").changes == {"state": ["betting", "building"]}


def test_a_cycle_cannot_skip_a_state_and_the_error_names_the_state(org, lead):
    cycle = CycleFactory(state=CycleState.SHAPING)
    with pytest.raises(ValidationError) as exc:
        services.cycle_transition(actor=lead, cycle=cycle, to_state=CycleState.BUILDING)
    assert exc.value.message_dict == {"state": ["A cycle in Shaping can move to: Betting."]}
    cycle.refresh_from_db()
    assert cycle.state == "shaping"


def test_two_cycles_cannot_be_building_at_once(org, lead):
    CycleFactory(state=CycleState.BUILDING)
    cycle = CycleFactory(state=CycleState.BETTING)
    with pytest.raises(ValidationError, match="Another cycle is still building"):
        services.cycle_transition(actor=lead, cycle=cycle, to_state=CycleState.BUILDING)


@pytest.mark.parametrize("who", ["engineer", "stakeholder"])
def test_only_the_lead_creates_and_moves_cycles(org, request, who):
    user = request.getfixturevalue(who)
    cycle = CycleFactory(state=CycleState.SHAPING)
    with pytest.raises(PermissionDenied):
        services.cycle_create(actor=user, name="Mine", start_date="2026-06-01")
    with pytest.raises(PermissionDenied):
        services.cycle_transition(actor=user, cycle=cycle, to_state=CycleState.BETTING)
    assert Cycle.objects.count() == 1 and Cycle.objects.get().state == "shaping"


def test_a_cycle_needs_at_least_one_build_week_and_the_error_names_the_field(org, lead):
    with pytest.raises(ValidationError) as exc:
        services.cycle_create(actor=lead, name="Empty", start_date="2026-06-01", build_weeks=0)
    assert "build_weeks" in exc.value.message_dict
    assert not Cycle.objects.exists() and not AuditEvent.objects.exists()


def test_closing_the_betting_table_leaves_unbet_pitches_not_bet(org, lead, betting_cycle):
    chosen, left = PitchFactory(title="Chosen"), PitchFactory(title="Left on the table")
    services.bet_place(actor=lead, cycle=betting_cycle, pitch=chosen, team=org.platform, people=[org.kim.person])
    services.cycle_transition(actor=lead, cycle=betting_cycle, to_state=CycleState.BUILDING)
    chosen.refresh_from_db()
    left.refresh_from_db()
    assert (chosen.status, left.status) == (PitchStatus.BET, PitchStatus.NOT_BET)
    assert AuditEvent.objects.filter(verb="pitch.not_bet", target_id=str(left.pk)).exists()


def test_a_draft_is_shaped_only_with_a_problem_and_a_solution(lead):
    pitch = PitchFactory(status=PitchStatus.DRAFT, solution="")
    with pytest.raises(ValidationError) as exc:
        services.pitch_transition(actor=lead, pitch=pitch, to_status=PitchStatus.SHAPED)
    assert exc.value.message_dict["status"] == ["A shaped pitch needs its solution written."]
    services.pitch_update(actor=lead, pitch=pitch, solution="Roll job by job.")
    services.pitch_transition(actor=lead, pitch=pitch, to_status=PitchStatus.SHAPED)
    assert pitch.status == "shaped"


def test_bets_are_placed_only_at_the_betting_table_on_shaped_pitches(org, lead):
    building = CycleFactory(state=CycleState.BUILDING)
    draft = PitchFactory(status=PitchStatus.DRAFT)
    with pytest.raises(ValidationError) as exc:
        services.bet_place(actor=lead, cycle=building, pitch=draft, team=org.platform, people=[org.kim.person])
    assert set(exc.value.message_dict) == {"cycle", "pitch"}


def test_a_bet_goes_to_people_of_its_subteam(org, lead, betting_cycle):
    with pytest.raises(ValidationError) as exc:
        services.bet_place(
            actor=lead, cycle=betting_cycle, pitch=PitchFactory(), team=org.platform, people=[org.park.person]
        )
    assert exc.value.message_dict["people"] == ["Park Engineer is not in Data Platform."]
    with pytest.raises(ValidationError) as exc:
        services.bet_place(actor=lead, cycle=betting_cycle, pitch=PitchFactory(), team=org.platform, people=[])
    assert "people" in exc.value.message_dict


def test_an_engineer_cannot_place_a_bet(org, betting_cycle):
    with pytest.raises(PermissionDenied):
        services.bet_place(
            actor=org.kim, cycle=betting_cycle, pitch=PitchFactory(), team=org.platform, people=[org.kim.person]
        )


def test_a_roadmap_item_becomes_a_draft_pitch(lead):
    item = services.roadmap_item_create(actor=lead, title="Iceberg adoption", description="Curated tables as Iceberg.")
    pitch = services.pitch_create_from_roadmap_item(actor=lead, item=item)
    assert (pitch.title, pitch.problem, pitch.status, pitch.roadmap_item) == (
        "Iceberg adoption",
        "Curated tables as Iceberg.",
        "draft",
        item,
    )
