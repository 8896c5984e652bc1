"""Tasks: the file upload form of the task page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class FileForm(forms.Form):
    file = forms.FileField(label=_("File"))
