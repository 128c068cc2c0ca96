from __future__ import annotations

from django import forms
from django.template import Context, Template


class SearchForm(forms.Form):
    q = forms.CharField(required=False)
    dob = forms.DateField(required=False)


def _render(form) -> str:
    return Template("{% load django_bootstrap5 %}{% bootstrap_form form %}").render(Context({"form": form}))


def test_a_submitted_field_that_was_fine_gets_no_green_tick():
    assert "is-valid" not in _render(SearchForm({"q": "Ncube", "dob": ""}))


def test_a_field_with_an_error_is_still_marked():
    assert "is-invalid" in _render(SearchForm({"q": "Ncube", "dob": "not a date"}))
