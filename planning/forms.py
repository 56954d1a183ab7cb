"""Forms of planning: they parse input; the services decide and write."""

from django import forms

from catalog.models import Entity, Person
from planning.choices import Appetite
from planning.models import Cycle, Pitch, RoadmapItem
from planning.services import SKETCH_EXTENSIONS


class CycleForm(forms.ModelForm):
    class Meta:
        model = Cycle
        fields = ["name", "start_date", "build_weeks", "cooldown_weeks"]
        widgets = {"start_date": forms.DateInput(attrs={"type": "date"})}
        labels = {"cooldown_weeks": "Cool-down weeks"}


class PitchForm(forms.ModelForm):
    entities = forms.ModelMultipleChoiceField(
        queryset=Entity.objects.order_by("name"),
        required=False,
        label="Linked catalog entities",
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    class Meta:
        model = Pitch
        fields = ["title", "problem", "appetite", "solution", "rabbit_holes", "no_gos", "roadmap_item", "entities"]
        widgets = {
            "problem": forms.Textarea(attrs={"rows": 4}),
            "solution": forms.Textarea(attrs={"rows": 8}),
            "rabbit_holes": forms.Textarea(attrs={"rows": 3}),
            "no_gos": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"no_gos": "No-gos", "roadmap_item": "From roadmap item"}
        help_texts = {"appetite": "How much time this is worth, not an estimate."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roadmap_item"].queryset = RoadmapItem.objects.order_by("position", "title")
        self.fields["appetite"].choices = Appetite.choices


class SketchForm(forms.Form):
    file = forms.FileField(label="Sketch", help_text=f"An image ({', '.join(SKETCH_EXTENSIONS)}), at most 2 MB")


class BetForm(forms.Form):
    pitch = forms.ModelChoiceField(queryset=Pitch.objects.none(), widget=forms.HiddenInput)
    team = forms.ModelChoiceField(queryset=None, label="Subteam")
    people = forms.ModelMultipleChoiceField(
        queryset=Person.objects.none(), widget=forms.CheckboxSelectMultiple, required=False
    )
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Reason (needed when the bet over-commits the subteam)",
    )

    def __init__(self, *args, teams, pitches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["pitch"].queryset = pitches
        self.fields["people"].queryset = Person.objects.filter(memberships__team__in=teams).distinct()


class ScopeForm(forms.Form):
    title = forms.CharField(max_length=200, label="New scope")


class ScopeMoveForm(forms.Form):
    position = forms.IntegerField(
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"type": "range", "min": 0, "max": 100, "step": 1}),
        help_text="0-49 uphill (figuring it out), 50-100 downhill (getting it done)",
    )
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), help_text="What changed?")


class AbsenceForm(forms.Form):
    person = forms.ModelChoiceField(queryset=Person.objects.order_by("full_name"))
    start_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Last day away")
    reason = forms.CharField(max_length=200, required=False)
