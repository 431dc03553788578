"""Forms of the courier's volunteer pages. They check the shape of the input only; the rules
(one application per team, minutes within the shift, hours with the team in the period…) are the
services', whose ValidationFailed errors are put back on these forms' fields."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import VolunteerRole


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ApplyForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=VolunteerRole.choices)
    motivation = forms.CharField(
        label=_("Why do you want to join? (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CorrectionForm(forms.Form):
    requested_minutes = forms.IntegerField(
        label=_("Minutes you actually served"),
        min_value=0,
        max_value=24 * 60,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: the phone had no battery when I left, so I could not check out."),
    )


class CertificateForm(forms.Form):
    team = forms.ChoiceField(
        label=_("Issuing team"),
        help_text=_("A team certifies only its own activities; ask each team you served with."),
    )
    period_start = forms.DateField(label=_("Period start"), widget=DateInput())
    period_end = forms.DateField(label=_("Period end"), widget=DateInput())

    def __init__(self, *args, teams, **kwargs):
        today = timezone.localdate()
        kwargs.setdefault("initial", {"period_start": today.replace(month=1, day=1), "period_end": today})
        super().__init__(*args, **kwargs)
        self.teams = {str(team.public_id): team for team in teams}
        self.fields["team"].choices = [(key, team.name) for key, team in self.teams.items()]

    def clean_team(self):
        return self.teams[self.cleaned_data["team"]]
