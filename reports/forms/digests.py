"""The digest settings form: when my digests arrive (my local time) and whether I get the personal one."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class DigestPreferenceForm(forms.Form):
    digest_time = forms.TimeField(
        label=_("Digest time"),
        help_text=_("Your local time; the digest arrives a few minutes after it."),
        widget=forms.TimeInput(attrs={"type": "time", "class": "form-control"}, format="%H:%M"),
    )
    personal_digest = forms.BooleanField(
        label=_("Send me a personal digest (my overdue tasks and my unsent report)"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
