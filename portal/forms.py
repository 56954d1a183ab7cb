"""Forms of the project package."""

from django import forms

from portal.services import MAX_TOKEN_DAYS

EXPIRY_CHOICES = [("30", "30 days"), ("90", "90 days"), ("365", "1 year"), ("", "Never")]


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        help_text="What the token is for, e.g. 'CI pipeline' or 'my laptop'.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    expires_in_days = forms.TypedChoiceField(
        label="Expires after",
        choices=EXPIRY_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        initial="90",
    )

    def clean_expires_in_days(self):
        value = self.cleaned_data["expires_in_days"]
        if value is not None and not 1 <= value <= MAX_TOKEN_DAYS:
            raise forms.ValidationError(f"Choose between 1 and {MAX_TOKEN_DAYS} days, or never.")
        return value
