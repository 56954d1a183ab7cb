"""iCal feeds: valid RFC 5545 that calendar clients expand to exactly the shifts the API shows."""

from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest
import recurring_ical_events
import time_machine
from django.test import Client

from oncall import services
from oncall.models import CalendarFeed

NOW = datetime(2026, 3, 4, 12, tzinfo=UTC)  # eight weeks ahead crosses Berlin's change to summer time
END = NOW + timedelta(weeks=8)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def rotation(platform, make_rotation):
    kim, sara, ana = platform["people"]
    rotation = make_rotation(platform["team"], [kim, sara, ana], start_date=date(2026, 3, 2), has_secondary=True)
    services.override_create(
        actor=None,
        rotation=rotation,
        person=ana,
        layer="primary",
        starts_at=datetime(2026, 3, 5, 17, tzinfo=UTC),
        ends_at=datetime(2026, 3, 6, 7, tzinfo=UTC),
    )
    return rotation


def expand(body: bytes) -> set[tuple]:
    calendar = icalendar.Calendar.from_ical(body)
    events = recurring_ical_events.of(calendar).between(NOW, END)
    return {
        (
            str(e["X-ONCALL-PERSON"]),
            str(e["X-ONCALL-LAYER"]),
            e["DTSTART"].dt.astimezone(UTC),
            e["DTEND"].dt.astimezone(UTC),
        )
        for e in events
    }


def api_shifts(api_client, rotation, person: str | None = None) -> set[tuple]:
    rows = api_client.get(
        f"/api/v1/oncall/rotations/{rotation.slug}/shifts/", {"start": NOW.isoformat(), "end": END.isoformat()}
    ).json()
    return {
        (r["person"]["slug"], r["layer"], datetime.fromisoformat(r["start"]), datetime.fromisoformat(r["end"]))
        for r in rows
        if person is None or r["person"]["slug"] == person
    }


def test_the_rotation_feed_expands_to_the_same_shifts_as_the_api_for_the_next_8_weeks(api_client, rotation, platform):
    api_client.force_authenticate(platform["people"][0].user)
    feed_url = api_client.get(f"/api/v1/oncall/rotations/{rotation.slug}/").json()["ical_url"]
    response = Client().get(feed_url.removeprefix("http://testserver"))  # calendar clients carry no session
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    from_feed, from_api = expand(response.content), api_shifts(api_client, rotation)
    assert from_feed == from_api
    assert len(from_api) > 16  # both layers, eight weeks, plus the override's pieces
    assert ("ana", "primary", datetime(2026, 3, 5, 17, tzinfo=UTC), datetime(2026, 3, 6, 7, tzinfo=UTC)) in from_feed


def test_the_feed_carries_its_time_zone_and_stable_unique_uids(client, rotation):
    url = f"/oncall/ical/rotation/{rotation.ical_token}.ics"
    first, second = client.get(url).content, client.get(url).content
    calendar = icalendar.Calendar.from_ical(first)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    events = calendar.walk("VEVENT")
    assert all(e["DTSTART"].params["TZID"] == "Europe/Berlin" for e in events)
    # Local wall time: every rule shift starts at 09:00 Berlin, in winter and in summer (the 6 March piece
    # resumes kim's shift where ana's override ended).
    rule_starts = {e["DTSTART"].dt for e in events if "Override" not in str(e["DESCRIPTION"])}
    assert {dt.strftime("%H:%M") for dt in rule_starts if dt.date() != date(2026, 3, 6)} == {"09:00"}
    assert {dt.utcoffset() for dt in rule_starts} == {timedelta(hours=1), timedelta(hours=2)}
    uids = [str(e["UID"]) for e in events]
    assert len(uids) == len(set(uids))
    assert uids == [str(e["UID"]) for e in icalendar.Calendar.from_ical(second).walk("VEVENT")]
    assert first == second


def test_a_persons_feed_shows_only_their_shifts_overrides_included(client, api_client, rotation, platform):
    ana = platform["people"][2]
    client.force_login(ana.user)
    client.post("/oncall/feed/reset/")
    token = CalendarFeed.objects.get(person=ana).token
    assert token in client.get("/oncall/").content.decode()
    client.logout()
    body = client.get(f"/oncall/ical/person/{token}.ics").content
    api_client.force_authenticate(ana.user)
    assert expand(body) == api_shifts(api_client, rotation, person="ana")


def test_a_wrong_or_replaced_token_finds_nothing(client, api_client, rotation, platform):
    old = rotation.ical_token
    assert client.get("/oncall/ical/rotation/not-a-token.ics").status_code == 404
    api_client.force_authenticate(platform["people"][0].user)
    new_url = api_client.post(f"/api/v1/oncall/rotations/{rotation.slug}/reset-feed/").json()["ical_url"]
    assert client.get(f"/oncall/ical/rotation/{old}.ics").status_code == 404
    assert client.get(new_url.removeprefix("http://testserver")).status_code == 200


def test_long_and_non_ascii_names_are_folded_and_escaped_so_the_feed_still_parses(client, platform, make_rotation):
    kim = platform["people"][0]
    kim.full_name = "김민준, Kim; the on-call engineer with a very long display name \\ for folding"
    kim.save()
    rotation = make_rotation(platform["team"], [kim], name="Ünïcode, rotation; ok", start_date=date(2026, 3, 2))
    body = client.get(f"/oncall/ical/rotation/{rotation.ical_token}.ics").content
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))
    event = icalendar.Calendar.from_ical(body).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == f"Primary on call: {kim.full_name} (Ünïcode, rotation; ok)"
