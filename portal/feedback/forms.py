from __future__ import annotations

from django import forms

RATING = [(i, str(i)) for i in range(1, 6)]
RECOMMEND = [(i, str(i)) for i in range(11)]


class FeedbackForm(forms.Form):
    overall = forms.TypedChoiceField(label="Overall, how was your visit?", choices=RATING, coerce=int,
                                     widget=forms.RadioSelect, help_text="1 = very poor, 5 = excellent")
    waiting_time = forms.TypedChoiceField(label="Waiting time", choices=RATING, coerce=int, widget=forms.RadioSelect,
                                          help_text="1 = far too long, 5 = no wait")
    staff = forms.TypedChoiceField(label="Our staff", choices=RATING, coerce=int, widget=forms.RadioSelect,
                                   help_text="1 = very poor, 5 = excellent")
    recommend = forms.TypedChoiceField(label="How likely are you to recommend us to a friend or family member?",
                                       choices=RECOMMEND, coerce=int, widget=forms.RadioSelect,
                                       help_text="0 = not at all likely, 10 = extremely likely")
    comments = forms.CharField(label="Anything else you would like to tell us?", required=False, max_length=2000,
                               widget=forms.Textarea(attrs={"rows": 4}))
