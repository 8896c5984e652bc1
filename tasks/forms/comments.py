"""Tasks: the comment form of the task page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class CommentForm(forms.Form):
    body = forms.CharField(label=_("Comment"), max_length=10_000, widget=forms.Textarea)
