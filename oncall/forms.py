"""Forms of the on-call pages; they only parse input, the services decide and write."""

import zoneinfo
from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError

from catalog.models import Entity, Person, Team
from oncall.choices import (
    SEVERITY_DEFINITIONS,
    ActionItemStatus,
    IncidentStatus,
    Layer,
    RootCauseCategory,
    Severity,
    StepKind,
    Weekday,
)
from oncall.models import Rotation

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's field errors on the form (unknown fields go to the top of the form)."""
    for field, errors in (exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}).items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


def _slugs(value: str) -> list[str]:
    return [part.strip() for part in (value or "").replace("\n", ",").split(",") if part.strip()]


class RotationForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.none(), to_field_name="slug")
    name = forms.CharField(max_length=100, help_text="e.g. 'Data Platform on-call'")
    participants = forms.CharField(
        help_text="Person slugs (their usernames) in rotation order, separated by commas, e.g. 'kim, sara'."
    )
    time_zone = forms.CharField(max_length=64, initial="Europe/Berlin", help_text="IANA name, e.g. Europe/Berlin")
    start_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    handoff_weekday = forms.TypedChoiceField(
        choices=Weekday.choices, coerce=int, initial=Weekday.MONDAY, label="Hand-off weekday"
    )
    handoff_time = forms.TimeField(
        initial="09:00", widget=forms.TimeInput(attrs={"type": "time"}), label="Hand-off time (local)"
    )
    shift_length_days = forms.IntegerField(min_value=1, max_value=28, initial=7, label="Shift length (days)")
    has_secondary = forms.BooleanField(
        required=False, initial=True, label="Secondary layer", help_text="The next participant backs the primary up."
    )
    force = forms.BooleanField(required=False, label="Save even if it breaks R3 (lead only; flagged on the page)")

    def __init__(self, *args, teams=None, allow_force=False, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams if teams is not None else Team.objects.none()
        if editing:
            self.fields["team"].disabled = True
        if not allow_force:
            del self.fields["force"]

    def clean_time_zone(self):
        value = self.cleaned_data["time_zone"].strip()
        if value not in zoneinfo.available_timezones():
            raise ValidationError(f"'{value}' is not an IANA time zone, e.g. Europe/Berlin or UTC.")
        return value

    def clean_participants(self):
        slugs = _slugs(self.cleaned_data["participants"])
        people = {p.slug: p for p in Person.objects.filter(slug__in=slugs)}
        unknown = [slug for slug in slugs if slug not in people]
        if unknown:
            raise ValidationError(f"No person with the slug: {', '.join(unknown)}.")
        return [people[slug] for slug in slugs]

    @classmethod
    def initial_for(cls, rotation: Rotation) -> dict:
        return {
            "team": rotation.team.slug,
            "name": rotation.name,
            "participants": ", ".join(p.person.slug for p in rotation.participants.all()),
            "time_zone": rotation.time_zone,
            "start_date": rotation.start_date,
            "handoff_weekday": rotation.handoff_weekday,
            "handoff_time": rotation.handoff_time,
            "shift_length_days": rotation.shift_length_days,
            "has_secondary": rotation.has_secondary,
        }


class LocalDateTimeField(forms.DateTimeField):
    """A datetime typed in a given time zone (the rotation's), returned in UTC-aware form."""

    widget = DATETIME_INPUT

    def __init__(self, *args, tz: zoneinfo.ZoneInfo | None = None, **kwargs):
        self.tz = tz
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        result = super().to_python(value)
        if result is not None and self.tz is not None:
            result = result.replace(tzinfo=None).replace(tzinfo=self.tz)
        return result


class OverrideForm(forms.Form):
    layer = forms.ChoiceField(choices=Layer.choices)
    person = forms.ModelChoiceField(queryset=Person.objects.all(), to_field_name="slug", label="Who covers")
    starts_at = LocalDateTimeField(label="From")
    ends_at = LocalDateTimeField(label="Until")
    reason = forms.CharField(max_length=200, required=False)
    force = forms.BooleanField(required=False, label="Save even if it breaks R3 (lead only)")

    def __init__(self, *args, rotation: Rotation, allow_force=False, **kwargs):
        super().__init__(*args, **kwargs)
        tz = zoneinfo.ZoneInfo(rotation.time_zone)
        for name in ("starts_at", "ends_at"):
            self.fields[name].tz = tz
            self.fields[name].label += f" ({rotation.time_zone})"
        self.fields["layer"].choices = [(layer, Layer(layer).label) for layer in rotation.layers]
        if not allow_force:
            del self.fields["force"]

    def clean(self):
        data = super().clean()
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", "The override must end after it starts.")
        return data


class SwapForm(forms.Form):
    layer = forms.ChoiceField(choices=Layer.choices)
    requester_shift_start = forms.ChoiceField(label="Your shift to give away")
    counterpart = forms.ModelChoiceField(queryset=Person.objects.none(), to_field_name="slug", label="Swap with")
    counterpart_shift_start = forms.ChoiceField(label="Their shift you take instead")
    message = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, rotation: Rotation, mine: list, others: list, **kwargs):
        super().__init__(*args, **kwargs)
        tz = zoneinfo.ZoneInfo(rotation.time_zone)
        label = lambda shift, person: f"{shift.start.astimezone(tz):%a %d %b %H:%M} · {person} ({shift.layer})"  # noqa: E731
        self.fields["layer"].choices = [(layer, Layer(layer).label) for layer in rotation.layers]
        self.fields["requester_shift_start"].choices = [(sh.start.isoformat(), label(sh, p)) for sh, p in mine]
        self.fields["counterpart_shift_start"].choices = [(sh.start.isoformat(), label(sh, p)) for sh, p in others]
        self.fields["counterpart"].queryset = Person.objects.filter(rotation_places__rotation=rotation)

    def clean_requester_shift_start(self):
        return datetime.fromisoformat(self.cleaned_data["requester_shift_start"])

    def clean_counterpart_shift_start(self):
        return datetime.fromisoformat(self.cleaned_data["counterpart_shift_start"])


class EscalationStepForm(forms.Form):
    kind = forms.ChoiceField(choices=[("", "—")] + StepKind.choices, required=False)
    person = forms.ModelChoiceField(
        queryset=Person.objects.all(), to_field_name="slug", required=False, help_text="Optional for expert/manager"
    )
    timeout_minutes = forms.IntegerField(min_value=1, max_value=1440, initial=30, required=False)


EscalationStepFormSet = forms.formset_factory(EscalationStepForm, extra=2, max_num=8)


class PolicyForm(forms.Form):
    name = forms.CharField(max_length=100)


class PageForm(forms.Form):
    """'Who do I page now for team X?'"""

    team = forms.ModelChoiceField(queryset=Team.objects.all(), to_field_name="slug")
    at = forms.DateTimeField(required=False, widget=DATETIME_INPUT, label="At (UTC, default now)")
    step = forms.IntegerField(min_value=1, max_value=8, required=False, help_text="Default: the first step")


class IncidentForm(forms.Form):
    title = forms.CharField(max_length=200)
    severity = forms.ChoiceField(
        choices=Severity.choices,
        widget=forms.RadioSelect,
        help_text=" ".join(f"{Severity(k).label}: {v}" for k, v in SEVERITY_DEFINITIONS.items()),
    )
    affected = forms.CharField(
        required=False, help_text="Slugs of affected services and data products, comma-separated"
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False, help_text="Markdown")
    team = forms.ModelChoiceField(
        queryset=Team.objects.all(), to_field_name="slug", required=False, help_text="Default: the owning team"
    )
    commander = forms.ModelChoiceField(
        queryset=Person.objects.all(), to_field_name="slug", required=False, help_text="Default: its primary on call"
    )
    started_at = forms.DateTimeField(required=False, widget=DATETIME_INPUT, label="Started (UTC, default now)")
    detected_at = forms.DateTimeField(required=False, widget=DATETIME_INPUT, label="Detected (UTC, default now)")

    def clean_affected(self):
        slugs = _slugs(self.cleaned_data["affected"])
        entities = {e.slug: e for e in Entity.objects.filter(slug__in=slugs)}
        unknown = [slug for slug in slugs if slug not in entities]
        if unknown:
            raise ValidationError(f"No service or data product with the slug: {', '.join(unknown)}.")
        return [entities[slug] for slug in slugs]


class IncidentEditForm(IncidentForm):
    root_cause_category = forms.ChoiceField(choices=[("", "—")] + RootCauseCategory.choices, required=False)
    acknowledged_at = forms.DateTimeField(required=False, widget=DATETIME_INPUT, label="Acknowledged (UTC)")
    mitigated_at = forms.DateTimeField(required=False, widget=DATETIME_INPUT, label="Mitigated (UTC)")
    resolved_at = forms.DateTimeField(required=False, widget=DATETIME_INPUT, label="Resolved (UTC)")


class IncidentStatusForm(forms.Form):
    status = forms.ChoiceField(choices=IncidentStatus.choices)
    note = forms.CharField(max_length=300, required=False)
    root_cause_category = forms.ChoiceField(choices=[("", "—")] + RootCauseCategory.choices, required=False)


class IncidentEventForm(forms.Form):
    text = forms.CharField(max_length=500, label="What happened")
    at = forms.DateTimeField(required=False, widget=DATETIME_INPUT, label="At (UTC, default now)")


class PostmortemForm(forms.Form):
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), required=False, help_text="Markdown")
    root_cause = forms.CharField(max_length=300, required=False, help_text="The root cause in one line")
    root_cause_category = forms.ChoiceField(choices=[("", "—")] + RootCauseCategory.choices, required=False)
    timeline = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), required=False, help_text="Markdown table")
    analysis = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10}), required=False, label="Root cause analysis (5-why)"
    )
    went_well = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label="What went well")
    to_improve = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label="What to improve")


class ActionItemForm(forms.Form):
    title = forms.CharField(max_length=300, label="Action")
    owner = forms.ModelChoiceField(queryset=Person.objects.all(), to_field_name="slug")
    deadline = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))


class ActionItemStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ActionItemStatus.choices)
