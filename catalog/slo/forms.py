"""The SLO form: the page's create and edit, with the tier's defaults filled in (R7)."""

from django import forms

from catalog.models import Entity
from catalog.slo.choices import SliKind, SloWindow


class SloForm(forms.Form):
    entity = forms.ModelChoiceField(
        queryset=Entity.objects.order_by("name"), to_field_name="slug", label="Service or data product"
    )
    sli_kind = forms.ChoiceField(choices=SliKind.choices, label="SLI")
    objective = forms.FloatField(
        label="Objective (SLO)",
        help_text="Percent for completeness, success and availability; hours, |z| or ms for the others",
    )
    sla = forms.FloatField(label="SLA", help_text="What stakeholders are promised: looser than the SLO (R8)")
    target = forms.FloatField(
        required=False, label="Target (%)", help_text="Threshold SLIs: how often the threshold must hold, e.g. 99"
    )
    window = forms.ChoiceField(choices=SloWindow.choices, initial=SloWindow.ROLLING_30D)
    dataset = forms.CharField(required=False, max_length=200, help_text="Freshness only: one output dataset")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, slo=None, **kwargs):
        super().__init__(*args, **kwargs)
        if slo is not None:  # an SLO keeps its entity and SLI
            for name in ("entity", "sli_kind"):
                self.fields[name].disabled = True
                self.fields[name].required = False


class OpenSloImportForm(forms.Form):
    document = forms.CharField(widget=forms.Textarea(attrs={"rows": 20}), label="OpenSLO v1 document (YAML)")
