"""iCalendar (RFC 5545) feeds of shifts: per rotation and per person, at secret URLs.

Each shift is one VEVENT in the rotation's time zone, with that zone's VTIMEZONE, overrides applied, so a
calendar client shows the same shifts as the portal. UIDs are derived from the rule (rotation, layer, shift
number) or the override, so they stay the same from one fetch to the next.

The VTIMEZONE comes from the `icalendar` library (cached per zone); the events are written here directly,
because building a year of daily shifts as `icalendar` objects takes longer than the 200 ms bar.
"""

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings
from icalendar import Timezone

from catalog.models import Person
from oncall import selectors
from oncall.choices import Layer
from oncall.models import Rotation
from oncall.shifts import Shift

PAST = timedelta(weeks=4)  # recent shifts stay visible for a month
AHEAD = timedelta(weeks=52)  # and a year ahead
UID_DOMAIN = "oncall.portal"
CRLF = "\r\n"


def feed_window(now: datetime) -> tuple[datetime, datetime]:
    return now - PAST, now + AHEAD


@lru_cache(maxsize=64)
def _vtimezone(tzid: str) -> str:
    return Timezone.from_tzid(tzid).to_ical().decode()


def _text(value: str) -> str:
    """TEXT escaping (RFC 5545 3.3.11)."""
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on lines starting with a space (RFC 5545 3.1)."""
    if len(line.encode()) <= 75:
        return line + CRLF
    parts, current, size = [], [], 0
    for char in line:
        width = len(char.encode())
        if size + width > (75 if not parts else 74):
            parts.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += width
    parts.append("".join(current))
    return CRLF.join(parts[:1] + [" " + p for p in parts[1:]]) + CRLF


def _when(name: str, moment: datetime, tz: ZoneInfo, tzid: str) -> str:
    local = moment.astimezone(tz)
    if local.fold:  # the second pass of a repeated autumn hour: local time alone would name the first
        return f"{name}:{moment.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    return f"{name};TZID={tzid}:{local:%Y%m%dT%H%M%S}"


def _uid(shift: Shift, piece: int) -> str:
    if shift.override_id is not None:
        base = f"oncall-override-{shift.override_id}"
    else:
        base = f"oncall-rotation-{shift.rotation_id}-{shift.layer}-{shift.index}"
    return f"{base}{'-' + str(piece) if piece else ''}@{UID_DOMAIN}"


def _calendar(name: str, rows: Iterable[tuple[Rotation, Shift, Person]], stamp: datetime) -> bytes:
    out = [
        "BEGIN:VCALENDAR" + CRLF,
        "VERSION:2.0" + CRLF,
        _fold(f"PRODID:-//{_text(getattr(settings, 'PORTAL_NAME', 'Portal'))}//On-call//EN"),
        "CALSCALE:GREGORIAN" + CRLF,
        "METHOD:PUBLISH" + CRLF,
        _fold(f"X-WR-CALNAME:{_text(name)}"),
    ]
    events, zones = [], {}
    dtstamp = f"DTSTAMP:{stamp.astimezone(UTC):%Y%m%dT%H%M%SZ}" + CRLF
    pieces: Counter = Counter()
    for rotation, shift, person in rows:
        tzid = rotation.time_zone
        tz = zones.setdefault(tzid, ZoneInfo(tzid))
        key = (shift.override_id, shift.rotation_id, shift.layer, shift.index if shift.override_id is None else 0)
        piece = pieces[key]
        pieces[key] += 1
        layer = Layer(shift.layer).label
        description = f"{rotation.team.name}, {rotation.name}, {layer.lower()} layer."
        if shift.override_id is not None:
            description += " Override."
        events += [
            "BEGIN:VEVENT" + CRLF,
            _fold(f"UID:{_uid(shift, piece)}"),
            dtstamp,
            _when("DTSTART", shift.start, tz, tzid) + CRLF,
            _when("DTEND", shift.end, tz, tzid) + CRLF,
            _fold(f"SUMMARY:{_text(f'{layer} on call: {person.full_name} ({rotation.name})')}"),
            _fold(f"DESCRIPTION:{_text(description)}"),
            "TRANSP:TRANSPARENT" + CRLF,  # being on call does not make you busy
            f"X-ONCALL-LAYER:{shift.layer}" + CRLF,
            _fold(f"X-ONCALL-PERSON:{_text(person.slug)}"),
            _fold(f"X-ONCALL-ROTATION:{_text(rotation.slug)}"),
            "END:VEVENT" + CRLF,
        ]
    out += [_vtimezone(tzid) for tzid in sorted(zones)]
    out += events
    out.append("END:VCALENDAR" + CRLF)
    return "".join(out).encode()


def rotation_calendar(rotation: Rotation, *, now: datetime) -> bytes:
    start, end = feed_window(now)
    shifts = selectors.rotation_shifts(rotation=rotation, start=start, end=end)
    return _calendar(f"On call: {rotation.name}", ((rotation, s, p) for s, p in shifts), rotation.updated)


def person_calendar(person: Person, *, now: datetime) -> bytes:
    start, end = feed_window(now)
    shifts = selectors.person_shifts(person=person, start=start, end=end)
    stamp = max((r.updated for r, _s in shifts), default=now)
    return _calendar(f"On call: {person.full_name}", ((r, s, person) for r, s in shifts), stamp)
