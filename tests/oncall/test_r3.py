"""R3: nobody is on call more than once per week (two layers at once included): refused, or flagged when forced."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from oncall import services
from oncall.models import Override, Rotation, RotationParticipant
from portal.models import AuditEvent

NOW = datetime(2026, 3, 2, 10, tzinfo=UTC)  # Monday 2 March 2026, 11:00 in Berlin


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def rotation_payload(team, participants, **extra):
    payload = {
        "team": team.slug,
        "name": "Primary",
        "time_zone": "Europe/Berlin",
        "start_date": "2026-03-02",
        "handoff_weekday": 0,
        "handoff_time": "09:00",
        "shift_length_days": 7,
        "has_secondary": False,
        "participants": [p.slug for p in participants],
    }
    payload.update(extra)
    return payload


def test_a_daily_rotation_of_two_people_is_refused_naming_the_person_and_the_week(api_client, platform):
    kim, sara, _ana = platform["people"]
    api_client.force_authenticate(kim.user)
    response = api_client.post(
        "/api/v1/oncall/rotations/", rotation_payload(platform["team"], [kim, sara], shift_length_days=1), format="json"
    )
    assert response.status_code == 400
    messages = response.json()["participants"]
    assert "R3: Kim Doe would be on call 4 times in the week of Mon 02 Mar 2026." in messages
    assert Rotation.objects.count() == 0 and RotationParticipant.objects.count() == 0
    assert not AuditEvent.objects.filter(verb="rotation.created").exists()


def test_two_layers_at_once_are_refused(api_client, platform, make_rotation):
    kim, sara, ana = platform["people"]
    make_rotation(platform["team"], [kim, sara, ana], name="Batch", start_date=date(2026, 3, 2))
    api_client.force_authenticate(kim.user)
    # A second rotation that puts kim on call the same weeks as the first one.
    response = api_client.post(
        "/api/v1/oncall/rotations/",
        rotation_payload(platform["team"], [kim, ana, sara], name="Streaming"),
        format="json",
    )
    assert response.status_code == 400
    assert (
        "R3: Kim Doe would be on call in two layers at once in the week of Mon 02 Mar 2026."
        in (response.json()["participants"])
    )


def test_a_weekly_rotation_with_a_secondary_layer_and_two_people_is_allowed(make_rotation, platform):
    kim, sara, _ana = platform["people"]
    rotation = make_rotation(platform["team"], [kim, sara], has_secondary=True)
    assert rotation.pk and rotation.participants.count() == 2


def test_an_override_that_puts_someone_on_call_in_two_rotations_at_once_is_refused(platform, other_team, make_rotation):
    kim, sara, ana = platform["people"]
    make_rotation(platform["team"], [kim, sara, ana], start_date=date(2026, 3, 2))
    mlops = make_rotation(other_team["team"], other_team["people"], name="ML", start_date=date(2026, 3, 2))
    # Sara is Data Platform's primary from Monday 9 March; covering MLOps on Wednesday 11 March doubles her week.
    with pytest.raises(ValidationError) as exc:
        services.override_create(
            actor=other_team["people"][0].user,
            rotation=mlops,
            person=sara,
            starts_at=datetime(2026, 3, 11, 8, tzinfo=UTC),
            ends_at=datetime(2026, 3, 12, 8, tzinfo=UTC),
        )
    assert exc.value.message_dict["person"] == [
        "R3: Sara Doe would be on call in two layers at once in the week of Mon 09 Mar 2026."
    ]
    assert Override.objects.count() == 0


def test_covering_a_shift_you_already_hold_is_refused(platform, make_rotation):
    kim, sara, ana = platform["people"]
    rotation = make_rotation(platform["team"], [kim, sara, ana], start_date=date(2026, 3, 2))
    with pytest.raises(ValidationError) as exc:
        services.override_create(
            actor=kim.user,
            rotation=rotation,
            person=sara,
            starts_at=datetime(2026, 3, 10, 8, tzinfo=UTC),
            ends_at=datetime(2026, 3, 11, 8, tzinfo=UTC),
        )
    assert exc.value.message_dict["person"] == ["Sara Doe already holds the primary layer then."]


def test_the_lead_may_force_a_rotation_that_breaks_r3_and_its_page_flags_it(client, api_client, platform, lead):
    kim, sara, _ana = platform["people"]
    api_client.force_authenticate(lead)
    payload = rotation_payload(platform["team"], [kim, sara], shift_length_days=1, force=True)
    response = api_client.post("/api/v1/oncall/rotations/", payload, format="json")
    assert response.status_code == 201
    event = AuditEvent.objects.get(verb="rotation.created")
    assert "Forced despite: R3: Kim Doe would be on call 4 times in the week of Mon 02 Mar 2026." in event.message
    client.force_login(kim.user)
    html = client.get(f"/oncall/rotations/{response.json()['slug']}/").content.decode()
    assert "R3 flags" in html and "Kim Doe would be on call" in html


def test_an_engineer_cannot_force_past_r3(api_client, platform):
    kim, sara, _ana = platform["people"]
    api_client.force_authenticate(kim.user)
    payload = rotation_payload(platform["team"], [kim, sara], shift_length_days=1, force=True)
    response = api_client.post("/api/v1/oncall/rotations/", payload, format="json")
    assert response.status_code == 400
    assert response.json() == {"force": ["Only the lead may force a change that breaks R3."]}
    assert Rotation.objects.count() == 0


def test_changing_the_order_is_checked_again(platform, make_rotation):
    kim, sara, ana = platform["people"]
    rotation = make_rotation(platform["team"], [kim, sara, ana])
    with pytest.raises(ValidationError) as exc:
        services.rotation_update(actor=kim.user, rotation=rotation, shift_length_days=2)
    assert any("would be on call" in m for m in exc.value.message_dict["participants"])
    rotation.refresh_from_db()
    assert rotation.shift_length_days == 7
